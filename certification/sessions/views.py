"""Pages of live sessions: the instructor's list, form and attendance sheet (under
/studio/sessions/), and the candidate's sessions with register/unregister buttons and
a calendar file per session (under /learn/sessions/)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from certification.sessions import selectors
from certification.sessions import services as sessions
from certification.sessions.forms import SessionForm
from certification.sessions.ics import calendar_response
from certification.sessions.times import viewer_zone_name
from core.errors import ApplicationError, NotFound
from core.http import AuthenticatedRequest, error_show, role_required
from core.roles import Role

STAFF = (Role.INSTRUCTOR, Role.COMMITTEE)


@role_required(*STAFF)
def staff_sessions(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "sessions/staff_list.html",
        {
            "sessions": selectors.sessions_for_staff(user=request.user),
            "viewer_zone": viewer_zone_name(),
        },
    )


@role_required(*STAFF)
def session_new(request: AuthenticatedRequest) -> HttpResponse:
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = sessions.session_schedule(actor=request.user, details=form.details())
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("已安排直播课程"))
            return redirect("sessions-staff-detail", session_id=session.pk)
    return render(request, "sessions/form.html", {"form": form, "session": None})


@role_required(*STAFF)
def session_edit(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    session = selectors.session_get_for_staff(user=request.user, session_id=session_id)
    form = SessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            sessions.session_update(
                actor=request.user, session_id=session.pk, details=form.details()
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("已保存"))
            return redirect("sessions-staff-detail", session_id=session.pk)
    registered = len(selectors.session_registrations(session=session))
    return render(
        request,
        "sessions/form.html",
        {"form": form, "session": session, "registered": registered},
    )


@role_required(*STAFF)
@require_POST
def session_cancel(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    try:
        sessions.session_cancel(
            actor=request.user, session_id=session_id, reason=request.POST.get("reason", "")
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("已取消，并已通知报名学员"))
    return redirect("sessions-staff-detail", session_id=session_id)


def _marks(request: AuthenticatedRequest) -> dict[int, bool | None]:
    """``attended-<registration id>`` = "1" (present), "0" (absent) or "" (unknown)."""
    values = {"1": True, "0": False, "": None}
    marks: dict[int, bool | None] = {}
    for key in request.POST:
        name, _sep, pk = key.partition("-")
        value = request.POST.get(key, "")
        if name == "attended" and pk.isdigit() and value in values:
            marks[int(pk)] = values[value]
    return marks


@role_required(*STAFF)
def session_detail(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    """The session with its registrations; the attendance sheet once it has started."""
    session = selectors.session_get_for_staff(user=request.user, session_id=session_id)
    if request.method == "POST":
        try:
            changed = sessions.attendance_mark(
                actor=request.user, session_id=session.pk, marks=_marks(request)
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            error_show(request, exc)
        else:
            messages.success(
                request,
                ngettext("已记录出勤 %(n)d 人", "已记录出勤 %(n)d 人", changed) % {"n": changed},
            )
        return redirect("sessions-staff-detail", session_id=session.pk)
    return render(
        request,
        "sessions/staff_detail.html",
        {
            "session": session,
            "registrations": selectors.session_registrations(session=session),
            "started": selectors.session_started(session),
            "viewer_zone": viewer_zone_name(),
        },
    )


@role_required(Role.CANDIDATE)
def my_sessions(request: AuthenticatedRequest) -> HttpResponse:
    found = selectors.sessions_for_candidate(candidate=request.user)
    return render(
        request,
        "sessions/mine.html",
        {"upcoming": found.upcoming, "past": found.past, "viewer_zone": viewer_zone_name()},
    )


@role_required(Role.CANDIDATE)
@require_POST
def register(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    try:
        sessions.registration_create(candidate=request.user, session_id=session_id)
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("报名成功"))
    return redirect("sessions-mine")


@role_required(Role.CANDIDATE)
@require_POST
def unregister(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    try:
        sessions.registration_cancel(candidate=request.user, session_id=session_id)
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("已取消报名"))
    return redirect("sessions-mine")


@role_required(Role.CANDIDATE, *STAFF)
def calendar(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    session, with_link = selectors.session_for_calendar(user=request.user, session_id=session_id)
    return calendar_response(session, with_link=with_link)
