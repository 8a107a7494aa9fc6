from django.urls import URLPattern, URLResolver, path

from caunoi.opinion import views

app_name = "opinion"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("messages/", views.message_list, name="messages"),
    path("label/", views.label_queue, name="label"),
    path("label/<int:pk>/", views.label_save, name="label_save"),
    path("retrain/", views.retrain, name="retrain"),
    path("emerging/", views.emerging_list, name="emerging"),
    path("emerging/discover/", views.emerging_discover, name="emerging_discover"),
    path("emerging/<int:pk>/adopt/", views.emerging_adopt, name="emerging_adopt"),
    path("emerging/<int:pk>/dismiss/", views.emerging_dismiss, name="emerging_dismiss"),
    path("spikes/<int:pk>/acknowledge/", views.spike_acknowledge, name="spike_acknowledge"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("report.pdf", views.export_pdf, name="export_pdf"),
    path("respond/<str:kind>/<int:pk>/", views.respond, name="respond"),
    path("respond/<str:kind>/<int:pk>/campaign/", views.respond_campaign, name="respond_campaign"),
    path("respond/<str:kind>/<int:pk>/answer/", views.respond_answer, name="respond_answer"),
    path("field-reports/", views.field_reports, name="field_reports"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("surveys/<int:pk>/questions/", views.survey_question_add, name="survey_question_add"),
    path("surveys/<int:pk>/<str:action>/", views.survey_status, name="survey_status"),
    path("s/<str:token>/", views.survey_answer, name="survey_answer"),
]
