"""The instructor's session form: a wall-clock start (``datetime-local``) in a chosen
zone; the service turns it into an instant and checks the rest."""

from datetime import datetime
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from certification.models import LiveSession
from certification.sessions.services import MAX_CAPACITY, SessionDetails
from certification.sessions.times import in_zone, viewer_zone_name
from core.zones import zone_choices
from training.models import Curriculum, Lesson

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _zones() -> list[tuple[str, str]]:
    return [(name, name) for name in zone_choices()]


class LongSelect(forms.Select):
    """A ``<select>`` whose options are written in Python rather than through one
    template render per option: the time zone list has some 600 options, and Django's
    option template made them most of the session form's server time (about 0.3 s
    on the development machine; the lesson list grows with the programme too). Same
    attributes and values; flat choices only."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        options = "\n".join(
            f'<option value="{conditional_escape(key)}"'
            f"{' selected' if str(key) in chosen else ''}>{conditional_escape(str(label))}</option>"
            for key, label in self.choices
        )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(final),
            mark_safe(options),  # noqa: S308 - every part escaped above
        )


class LessonChoice(forms.ModelChoiceField[Lesson]):
    def label_from_instance(self, obj: Lesson) -> str:
        return f"{obj.curriculum.title} · {obj.position}. {obj.title}"


class SessionForm(forms.Form):
    curriculum = forms.ModelChoiceField(
        Curriculum.objects.select_related("level", "domain"), label=_("所属课程")
    )
    lesson = LessonChoice(
        Lesson.objects.filter(is_published=True)
        .select_related("curriculum")
        .order_by("curriculum__slug", "position"),
        required=False,
        widget=LongSelect,
        label=_("相关课时（可选）"),
    )
    title = forms.CharField(max_length=200, label=_("标题"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("内容简介")
    )
    starts_at = forms.CharField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label=_("开始时间")
    )
    time_zone = forms.ChoiceField(choices=_zones, widget=LongSelect, label=_("时区"))
    duration_minutes = forms.IntegerField(
        min_value=1, max_value=LiveSession.MAX_DURATION_MINUTES, initial=60, label=_("时长（分钟）")
    )
    capacity = forms.IntegerField(min_value=1, max_value=MAX_CAPACITY, initial=30, label=_("名额"))
    online_url = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        label=_("在线链接（https）"),
    )
    room = forms.CharField(max_length=200, required=False, label=_("教室"))

    def __init__(self, *args: Any, session: LiveSession | None = None, **kwargs: Any) -> None:
        if session is not None and "initial" not in kwargs:
            kwargs["initial"] = session_initial(session)
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = self.fields["time_zone"].initial or viewer_zone_name()

    def clean_starts_at(self) -> datetime:
        raw = self.cleaned_data["starts_at"].strip()
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(_("请输入日期和时间")) from None
        if value.tzinfo is not None:
            raise forms.ValidationError(_("请输入日期和时间"))
        return value.replace(second=0, microsecond=0)

    def details(self) -> SessionDetails:
        data = self.cleaned_data
        return SessionDetails(
            curriculum=data["curriculum"],
            lesson=data["lesson"],
            title=data["title"],
            description=data["description"],
            starts_at=data["starts_at"],
            time_zone=data["time_zone"],
            duration_minutes=data["duration_minutes"],
            capacity=data["capacity"],
            online_url=data["online_url"],
            room=data["room"],
        )


def session_initial(session: LiveSession) -> dict[str, Any]:
    """The form's values for an existing session: its start as a wall time in its zone."""
    return {
        "curriculum": session.curriculum_id,
        "lesson": session.lesson_id,
        "title": session.title,
        "description": session.description,
        "starts_at": in_zone(session.starts_at, session.time_zone).strftime(LOCAL_FORMAT),
        "time_zone": session.time_zone,
        "duration_minutes": session.duration_minutes,
        "capacity": session.capacity,
        "online_url": session.online_url,
        "room": session.room,
    }
