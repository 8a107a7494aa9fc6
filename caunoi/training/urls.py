from django.urls import URLPattern, URLResolver, path

from caunoi.training import views

app_name = "training"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("verify/", views.verify, name="verify"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
    path("courses/<int:course_id>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:course_id>/lessons/new/", views.lesson_create, name="lesson_create"),
    path("courses/<int:course_id>/lessons/<int:lesson_id>/", views.lesson_detail, name="lesson"),
    path("courses/<int:course_id>/lessons/<int:lesson_id>/read/", views.lesson_read, name="lesson_read"),
    path("courses/<int:course_id>/lessons/<int:lesson_id>/edit/", views.lesson_edit, name="lesson_edit"),
    path(
        "courses/<int:course_id>/lessons/<int:lesson_id>/files/",
        views.lesson_file_upload,
        name="lesson_file_upload",
    ),
    path("courses/<int:course_id>/questions/new/", views.question_create, name="question_create"),
    path(
        "courses/<int:course_id>/questions/<int:question_id>/remove/",
        views.question_remove,
        name="question_remove",
    ),
    path("courses/<int:course_id>/publish/", views.course_publish, name="publish"),
    path("courses/<int:course_id>/assign/", views.assign, name="assign"),
    path("courses/<int:course_id>/sessions/new/", views.session_create, name="session_create"),
    path("courses/<int:course_id>/quiz/", views.quiz, name="quiz"),
    path("courses/<int:course_id>/certificate.pdf", views.certificate, name="certificate"),
    path("files/<int:file_id>/", views.lesson_file, name="file"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path("readiness/", views.readiness, name="readiness"),
    path("readiness/units/<int:unit_id>/", views.readiness_unit, name="readiness_unit"),
    path("readiness.xlsx", views.readiness_export, name="readiness_export"),
    path("completions.xlsx", views.completions_export, name="completions_export"),
    path("reminders/", views.reminder_list, name="reminders"),
]
