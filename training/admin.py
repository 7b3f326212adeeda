from django.contrib import admin

from training.models import Curriculum, Domain, Lesson, Level, PracticalTask, Question, QuestionBank


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0


@admin.register(Curriculum)
class CurriculumAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "domain"]
    inlines = [LessonInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["stem", "kind", "bank", "points"]
    list_filter = ["kind", "bank"]


admin.site.register([Level, Domain, QuestionBank, PracticalTask])
