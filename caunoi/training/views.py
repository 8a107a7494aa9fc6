from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caunoi.core.access import capability_required, public
from caunoi.core.errors import ApplicationError, NotFound
from caunoi.core.permissions import Capability, viewer_of
from caunoi.reports.pdf import pdf_response
from caunoi.reports.xlsx import XLSX
from caunoi.training import exports, files, selectors, services
from caunoi.training.forms import (
    AssignmentForm,
    CourseCreateForm,
    CourseForm,
    FileForm,
    LessonEditForm,
    LessonForm,
    QuestionForm,
    SessionForm,
)
from caunoi.training.models import CourseStatus, Lesson

VIEW = Capability.VIEW_TRAINING
MANAGE = Capability.MANAGE_TRAINING


def _form_error(form: Any, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# Learners -------------------------------------------------------------------------------------------


@capability_required(VIEW)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Khoá học của tôi: what I must learn, by when; reminders for what is overdue."""
    viewer = viewer_of(request)
    enrollments = list(selectors.my_enrollments(viewer=viewer))
    new_reminders = selectors.my_new_reminders(viewer=viewer)
    if new_reminders:
        services.reminders_seen(user=request.user)
    return render(
        request,
        "training/home.html",
        {
            "enrollments": enrollments,
            "new_reminders": new_reminders,
            "today": timezone.localdate(),
            "can_manage": viewer.can(MANAGE),
        },
    )


@capability_required(VIEW)
@require_GET
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    course = selectors.course_content(selectors.access_course(viewer, course_id))
    enrollment = selectors.my_enrollment(viewer, course)
    managing = selectors.can_manage(viewer, course)
    context: dict[str, Any] = {
        "course": course,
        "enrollment": enrollment,
        "read": selectors.read_lesson_ids(enrollment),
        "attempt": selectors.last_attempt(enrollment) if enrollment else None,
        "managing": managing,
        "today": timezone.localdate(),
    }
    if managing:
        context.update(
            assignments=selectors.course_assignments(viewer=viewer, course=course),
            sessions=selectors.course_sessions(viewer=viewer, course=course),
            draft=course.status == CourseStatus.DRAFT,
        )
    return render(request, "training/course.html", context)


def _lesson_of(course_id: int, lesson_id: int, request: HttpRequest) -> tuple[Any, Lesson]:
    course = selectors.course_content(selectors.access_course(viewer_of(request), course_id))
    lesson = next((x for x in course.lessons.all() if x.pk == lesson_id), None)
    if lesson is None:
        raise NotFound()
    return course, lesson


@capability_required(VIEW)
@require_GET
def lesson_detail(request: HttpRequest, course_id: int, lesson_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    course, lesson = _lesson_of(course_id, lesson_id, request)
    enrollment = selectors.my_enrollment(viewer, course)
    lessons = list(course.lessons.all())
    index = lessons.index(lesson)
    return render(
        request,
        "training/lesson.html",
        {
            "course": course,
            "lesson": lesson,
            "enrollment": enrollment,
            "is_read": lesson.pk in selectors.read_lesson_ids(enrollment),
            "previous": lessons[index - 1] if index > 0 else None,
            "next": lessons[index + 1] if index + 1 < len(lessons) else None,
        },
    )


@capability_required(VIEW)
@require_POST
def lesson_read(request: HttpRequest, course_id: int, lesson_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    enrollment = selectors.access_own_enrollment(viewer, course_id)
    _course, lesson = _lesson_of(course_id, lesson_id, request)
    if services.lesson_mark_read(enrollment=enrollment, lesson=lesson, actor=request.user):
        messages.success(request, _("Course completed. Your certificate is ready."))
    else:
        messages.success(request, _("Lesson marked as read."))
    nxt = lesson.course.lessons.filter(position__gt=lesson.position).order_by("position").first()
    if nxt is not None:
        return redirect("training:lesson", course_id=course_id, lesson_id=nxt.pk)
    return redirect("training:course", course_id=course_id)


@capability_required(VIEW)
@require_GET
def lesson_file(request: HttpRequest, file_id: int) -> FileResponse:
    """A handout, only to those who may see its lesson; sent as a download that browsers never sniff
    or run (nosniff, a sandboxing CSP, private caching)."""
    found = selectors.access_lesson_file(viewer_of(request), file_id)
    path = files.storage_path(found.stored_name)
    if not path.is_file():
        raise NotFound()
    response = FileResponse(path.open("rb"), as_attachment=True, filename=found.name, content_type=found.mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=0, no-store"
    return response


@capability_required(VIEW)
@require_http_methods(["GET", "POST"])
def quiz(request: HttpRequest, course_id: int) -> HttpResponse:
    """Bài kiểm tra. After submitting, each question shows what was right and why."""
    viewer = viewer_of(request)
    enrollment = selectors.access_own_enrollment(viewer, course_id)
    course = selectors.course_content(enrollment.course)
    questions = list(course.questions.all())
    error = ""
    attempt = None
    chosen: dict[int, set[int]] = {}
    if request.method == "POST":
        answers = {q.pk: request.POST.getlist(f"q{q.pk}") for q in questions}
        chosen = {q: {int(c) for c in cs if c.isdigit()} for q, cs in answers.items()}
        try:
            attempt = services.quiz_submit(enrollment=enrollment, answers=answers, actor=request.user)
        except ApplicationError as exc:
            error = exc.message
        else:
            enrollment.refresh_from_db()
    elif enrollment.quiz_passed_at is not None:
        attempt = selectors.last_attempt(enrollment)
        if attempt is not None:
            chosen = {int(q): set(cs) for q, cs in attempt.answers.items()}
    return render(
        request,
        "training/quiz.html",
        {
            "course": course,
            "enrollment": enrollment,
            "questions": questions,
            "attempt": attempt,
            "chosen": chosen,
            "error": error,
            "attempts": selectors.attempt_list(enrollment),
        },
        status=422 if error else 200,
    )


@capability_required(VIEW)
@require_GET
def certificate(request: HttpRequest, course_id: int) -> HttpResponse:
    cert = selectors.access_own_certificate(viewer_of(request), course_id)
    return pdf_response(exports.certificate_pdf(cert), f"chung-nhan-{cert.code}.pdf")


@public
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Tra cứu giấy chứng nhận: anyone holding the paper can check the code is genuine."""
    code = request.GET.get("code", "")[:40]
    found = selectors.certificate_verify(code) if code else None
    return render(request, "training/verify.html", {"code": code, "certificate": found, "asked": bool(code)})


# Managers -------------------------------------------------------------------------------------------


@capability_required(MANAGE)
@require_GET
def course_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    page = Paginator(selectors.managed_courses(viewer=viewer), 50).get_page(request.GET.get("page"))
    return render(request, "training/courses.html", {"page": page})


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = CourseCreateForm(request.POST or None, units=selectors.assignable_units(viewer=viewer))
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Course created. Add lessons and quiz questions, then publish it."))
            return redirect("training:course", course_id=course.pk)
    return render(request, "training/form.html", {"form": form, "heading": _("New course")})


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.access_course(viewer_of(request), course_id, manage=True)
    initial = {
        "title": course.title,
        "summary": course.summary,
        "pass_mark": course.pass_mark,
        "requires_attendance": course.requires_attendance,
    }
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(course=course, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("training:course", course_id=course.pk)
    return render(request, "training/form.html", {"form": form, "heading": course.title, "course": course})


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def lesson_create(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.access_course(viewer_of(request), course_id, manage=True)
    form = LessonForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")
        try:
            content = upload.read(settings.CAUNOI_TRAINING_MAX_FILE_BYTES + 1) if upload else b""
            if upload:
                files.check_upload(upload.name, content)  # refuse a bad file before the lesson is written
            lesson = services.lesson_add(course=course, actor=request.user, **data)
            if upload:
                services.lesson_file_attach(
                    lesson=lesson, name=upload.name, content=content, actor=request.user
                )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Lesson added."))
            return redirect("training:course", course_id=course.pk)
    return render(
        request,
        "training/form.html",
        {"form": form, "heading": _("New lesson"), "course": course, "multipart": True},
        status=422 if form.errors else 200,
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def lesson_edit(request: HttpRequest, course_id: int, lesson_id: int) -> HttpResponse:
    course = selectors.course_content(selectors.access_course(viewer_of(request), course_id, manage=True))
    lesson = next((x for x in course.lessons.all() if x.pk == lesson_id), None)
    if lesson is None:
        raise NotFound()
    initial = {
        "title": lesson.title,
        "body": lesson.body,
        "link_url": lesson.link_url,
        "link_title": lesson.link_title,
    }
    form = LessonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_update(lesson=lesson, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("training:course", course_id=course.pk)
    return render(request, "training/form.html", {"form": form, "heading": lesson.title, "course": course})


@capability_required(MANAGE)
@require_POST
def question_remove(request: HttpRequest, course_id: int, question_id: int) -> HttpResponse:
    course = selectors.course_content(selectors.access_course(viewer_of(request), course_id, manage=True))
    question = next((q for q in course.questions.all() if q.pk == question_id), None)
    if question is None:
        raise NotFound()
    try:
        services.question_remove(question=question, actor=request.user)
        messages.success(request, _("Question removed."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("training:course", course_id=course.pk)


@capability_required(MANAGE)
@require_POST
def lesson_file_upload(request: HttpRequest, course_id: int, lesson_id: int) -> HttpResponse:
    course = selectors.course_content(selectors.access_course(viewer_of(request), course_id, manage=True))
    lesson = next((x for x in course.lessons.all() if x.pk == lesson_id), None)
    if lesson is None:
        raise NotFound()
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.lesson_file_attach(
                lesson=lesson,
                name=upload.name,
                content=upload.read(settings.CAUNOI_TRAINING_MAX_FILE_BYTES + 1),
                actor=request.user,
            )
            messages.success(request, _("File attached."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose a file."))
    return redirect("training:course", course_id=course.pk)


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def question_create(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.access_course(viewer_of(request), course_id, manage=True)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(course=course, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Question added."))
            return redirect("training:course", course_id=course.pk)
    return render(
        request, "training/form.html", {"form": form, "heading": _("New question"), "course": course}
    )


@capability_required(MANAGE)
@require_POST
def course_publish(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.access_course(viewer_of(request), course_id, manage=True)
    try:
        services.course_publish(course=course, actor=request.user)
        messages.success(request, _("Course published; it can now be assigned."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("training:course", course_id=course.pk)


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, course_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    course = selectors.access_course(viewer, course_id, manage=True)
    form = AssignmentForm(request.POST or None, units=selectors.assignable_units(viewer=viewer))
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_create(course=course, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Course assigned."))
            return redirect("training:course", course_id=course.pk)
    return render(
        request, "training/form.html", {"form": form, "heading": _("Assign the course"), "course": course}
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, course_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    course = selectors.access_course(viewer, course_id, manage=True)
    form = SessionForm(request.POST or None, units=selectors.assignable_units(viewer=viewer))
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(course=course, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Session planned. Mark attendance on the day."))
            return redirect("training:session", session_id=session.pk)
    return render(
        request,
        "training/form.html",
        {"form": form, "heading": _("Plan an in-person session"), "course": course},
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """Điểm danh: the roster of everyone enrolled under the session's unit, ticked by the organiser."""
    session = selectors.access_session(viewer_of(request), session_id)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
        try:
            count = services.attendance_mark(session=session, present_ids=ids, actor=request.user)
            messages.success(request, _("Attendance saved: %(n)s present.") % {"n": count})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("training:session", session_id=session.pk)
    return render(
        request, "training/session.html", {"session": session, "roster": selectors.session_roster(session)}
    )


@capability_required(VIEW)
@require_GET
def readiness(request: HttpRequest) -> HttpResponse:
    """Mức sẵn sàng theo xã: assigned, completed, overdue per unit and course, in the viewer's units."""
    viewer = viewer_of(request)
    course_id = request.GET.get("course", "")
    rows = selectors.readiness(viewer=viewer, course_id=int(course_id) if course_id.isdigit() else None)
    return render(
        request,
        "training/readiness.html",
        {
            "rows": rows,
            "totals": selectors.readiness_totals(rows),
            "courses": selectors.readiness_courses(viewer=viewer),
            "course_id": int(course_id) if course_id.isdigit() else None,
            "can_manage": viewer.can(MANAGE),
            "drillable": {
                r.unit_id for r in rows if any(r.unit_path.startswith(p) for p in viewer.prefixes(MANAGE))
            },
        },
    )


@capability_required(MANAGE)
@require_GET
def readiness_unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    unit = selectors.access_managed_unit(viewer, unit_id)
    course_id = request.GET.get("course", "")
    enrollments = selectors.enrollment_list(
        viewer=viewer, unit_id=unit.pk, course_id=int(course_id) if course_id.isdigit() else None
    )
    return render(
        request,
        "training/readiness_unit.html",
        {"unit": unit, "enrollments": enrollments, "today": timezone.localdate()},
    )


@capability_required(MANAGE)
@require_GET
def reminder_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.reminder_list(viewer=viewer_of(request)), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "training/reminders.html", {"page": page})


@capability_required(VIEW)
@require_GET
def readiness_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(exports.readiness_workbook(viewer=viewer_of(request)), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="san-sang-tap-huan.xlsx"'
    return response


@capability_required(MANAGE)
@require_GET
def completions_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(exports.completions_workbook(viewer=viewer_of(request)), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="hoan-thanh-tap-huan.xlsx"'
    return response
