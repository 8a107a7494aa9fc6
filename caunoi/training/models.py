"""Bồi dưỡng, tập huấn: courses, lessons, quizzes, in-person sessions, enrolments and certificates.

A course belongs to the unit that built it (usually the province's Ban Tuyên giáo và Dân vận). An
assignment (giao học) says "every holder of this role in this unit and below, by this date"; it is
turned into one ``Enrollment`` per staff member so progress, overdue counts and certificates are plain
rows. Nothing here records what a learner thinks, only what they read, answered and attended.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Role


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Course(models.Model):
    """Khoá bồi dưỡng: ordered lessons, one quiz, and optionally an in-person session to attend.

    Content is editable only while the course is a draft, so everyone assigned takes the same quiz
    and a certificate always means the same thing.
    """

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=70)
    requires_attendance = models.BooleanField(_("attendance at an in-person session required"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=CourseStatus.choices, default=CourseStatus.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1, pass_mark__lte=100), name="training_pass_mark_range"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    """Bài học: text in a small safe formatting subset (never raw HTML), optional link and files."""

    course = models.ForeignKey(Course, related_name="lessons", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link_url = models.URLField(_("link"), blank=True)
    link_title = models.CharField(_("link title"), max_length=200, blank=True)

    class Meta:
        ordering = ["course", "position"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="training_lesson_position_unique")
        ]

    def __str__(self) -> str:
        return self.title


class LessonFile(models.Model):
    """Tài liệu đính kèm. Stored under MEDIA_ROOT/training/ by content hash, never under a web root;
    served only through a view that checks who asks."""

    lesson = models.ForeignKey(Lesson, related_name="files", on_delete=models.CASCADE)
    name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=80)
    mime = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lesson", "id"]
        verbose_name = _("lesson file")
        verbose_name_plural = _("lesson files")

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One correct answer")
    MULTIPLE = "multiple", _("Several correct answers")


class Question(models.Model):
    """Câu hỏi kiểm tra; the explanation is shown to the learner after they submit."""

    course = models.ForeignKey(Course, related_name="questions", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("question"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        ordering = ["course", "position"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="training_question_position_unique")
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, related_name="choices", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("answer"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["question", "position"]
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")

    def __str__(self) -> str:
        return self.text[:80]


class Assignment(models.Model):
    """Giao học: every holder of ``role`` on ``unit`` or any unit below it must finish by ``due_on``."""

    course = models.ForeignKey(Course, related_name="assignments", on_delete=models.CASCADE)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    due_on = models.DateField(_("due date"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.course} → {self.get_role_display()} @ {self.unit}"


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def open(self) -> EnrollmentQuerySet:
        return self.filter(completed_at__isnull=True)

    def overdue(self, today: object) -> EnrollmentQuerySet:
        return self.filter(completed_at__isnull=True, due_on__lt=today)


class Enrollment(models.Model):
    """One staff member's place in one course. ``unit`` is where they hold the assigned role, which is
    what the readiness table per commune counts by."""

    course = models.ForeignKey(Course, related_name="enrollments", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    assignment = models.ForeignKey(
        Assignment, null=True, related_name="enrollments", on_delete=models.SET_NULL
    )
    due_on = models.DateField(_("due date"), db_index=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    quiz_passed_at = models.DateTimeField(_("quiz passed"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, db_index=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="training_one_enrollment")]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"


class LessonProgress(models.Model):
    enrollment = models.ForeignKey(Enrollment, related_name="progress", on_delete=models.CASCADE)
    lesson = models.ForeignKey(Lesson, related_name="+", on_delete=models.CASCADE)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="training_progress_once_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}:{self.lesson_id}"


class QuizAttempt(models.Model):
    """Lần làm bài: every submission is kept, with the choices made, so the score can be re-checked."""

    enrollment = models.ForeignKey(Enrollment, related_name="attempts", on_delete=models.CASCADE)
    submitted_at = models.DateTimeField(db_index=True)
    answers = models.JSONField(default=dict)  # {"<question id>": [choice ids]}
    correct = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    percent = models.PositiveSmallIntegerField()
    passed = models.BooleanField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.percent}%"


class TrainingSession(models.Model):
    """Buổi tập huấn trực tiếp (like the province's training conference); the organiser marks who came."""

    course = models.ForeignKey(Course, related_name="sessions", on_delete=models.CASCADE)
    unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("for unit"), related_name="+", on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    place = models.CharField(_("place"), max_length=200)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("in-person session")
        verbose_name_plural = _("in-person sessions")

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    session = models.ForeignKey(TrainingSession, related_name="attendance", on_delete=models.CASCADE)
    enrollment = models.ForeignKey(Enrollment, related_name="attendance", on_delete=models.CASCADE)
    present = models.BooleanField(_("present"))
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"], name="training_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.enrollment_id}={self.present}"


class Certificate(models.Model):
    """Giấy chứng nhận hoàn thành. Names are copied at issue time so a later rename does not change
    what was certified; ``code`` lets anyone holding the paper check it is genuine."""

    enrollment = models.OneToOneField(Enrollment, related_name="certificate", on_delete=models.CASCADE)
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    issued_at = models.DateTimeField(_("issued"))
    learner_name = models.CharField(max_length=150)
    course_title = models.CharField(max_length=200)
    unit_name = models.CharField(max_length=200)
    score_percent = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.code


class Reminder(models.Model):
    """Nhắc nhở quá hạn, written by the daily task and shown on the learner's and managers' cards."""

    enrollment = models.ForeignKey(Enrollment, related_name="reminders", on_delete=models.CASCADE)
    sent_on = models.DateField(db_index=True)
    days_overdue = models.PositiveIntegerField()
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "sent_on"], name="training_one_reminder_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}@{self.sent_on}"
