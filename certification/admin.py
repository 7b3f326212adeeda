from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from certification import models
from certification.models import (
    Accommodation,
    Application,
    Attempt,
    AuditEvent,
    Blueprint,
    BlueprintComponent,
    Certificate,
    Certification,
    Exam,
    ExamItem,
    ExamSection,
)


class ExamSectionInline(admin.StackedInline[ExamSection, Exam]):
    model = ExamSection
    extra = 0
    filter_horizontal = ["draw_tags"]


class ExamItemInline(admin.TabularInline[ExamItem, ExamSection]):
    model = ExamItem
    extra = 0


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin[Exam]):
    list_display = ["title", "mode", "time_limit_minutes", "opens_at", "closes_at"]
    inlines = [ExamSectionInline]


@admin.register(ExamSection)
class ExamSectionAdmin(admin.ModelAdmin[ExamSection]):
    inlines = [ExamItemInline]


class BlueprintComponentInline(admin.TabularInline[BlueprintComponent, Blueprint]):
    model = BlueprintComponent
    extra = 0


@admin.register(Blueprint)
class BlueprintAdmin(admin.ModelAdmin[Blueprint]):
    """Read-only: blueprints are created and published through the committee's pages
    (published versions never change)."""

    list_display = ["certification", "version", "cut_score", "published_at"]
    inlines = [BlueprintComponentInline]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin[Certification]):
    list_display = ["name", "level", "domain", "is_open"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin[Application]):
    list_display = ["full_name", "certification", "state", "created_at"]
    list_filter = ["state", "certification"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Append-only: nothing here can be added, changed or deleted."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


admin.site.register([Attempt, Certificate, Accommodation])


# --- Applications and review. Waivers and conflict declarations are made
# through their services (audited), so the admin only shows them.


@admin.register(models.EligibilityRule)
class EligibilityRuleAdmin(admin.ModelAdmin[models.EligibilityRule]):
    list_display = ["certification", "required"]


@admin.register(models.EligibilityWaiver, models.TrainingRelation)
class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
