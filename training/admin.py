from django.contrib import admin
from django.http import HttpRequest

from training.models import (
    BundleVersion,
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


class LessonInline(admin.StackedInline[Lesson, Curriculum]):
    model = Lesson
    extra = 0


@admin.register(Curriculum)
class CurriculumAdmin(admin.ModelAdmin[Curriculum]):
    list_display = ["title", "level", "domain"]
    inlines = [LessonInline]


class QuestionVersionInline(admin.StackedInline[QuestionVersion, Question]):
    """Versions are immutable: add a new one to edit an item."""

    model = QuestionVersion
    extra = 0
    readonly_fields = ["created_at", "created_by"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    list_display = ["__str__", "bank", "category"]
    list_filter = ["bank", "tags"]
    filter_horizontal = ["tags"]
    inlines = [QuestionVersionInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", "bank", "parent"]


admin.site.register([Level, Domain, QuestionBank, Tag, Rubric, PracticalTask])


@admin.register(BundleVersion)
class BundleVersionAdmin(admin.ModelAdmin[BundleVersion]):
    """Stored bundle versions, read-only: bundles change only by upload."""

    list_display = ["task", "number", "sha256", "size_bytes", "uploaded_by", "created_at"]
    list_filter = ["task"]
    readonly_fields = [f.name for f in BundleVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
