from django.contrib import admin
from django.http import HttpRequest

from training.models import (
    Category,
    Curriculum,
    Domain,
    Lesson,
    Level,
    PracticalTask,
    Question,
    QuestionBank,
    QuestionVersion,
    Rubric,
    Tag,
)


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0


@admin.register(Curriculum)
class CurriculumAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "domain"]
    inlines = [LessonInline]


class QuestionVersionInline(admin.StackedInline):
    """Versions are immutable: add a new one to edit an item."""

    model = QuestionVersion
    extra = 0
    readonly_fields = ["created_at", "created_by"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "bank", "category"]
    list_filter = ["bank", "tags"]
    filter_horizontal = ["tags"]
    inlines = [QuestionVersionInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "bank", "parent"]


admin.site.register([Level, Domain, QuestionBank, Tag, Rubric, PracticalTask])
