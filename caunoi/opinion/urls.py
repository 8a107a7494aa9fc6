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
    path("field-reports/", views.field_reports, name="field_reports"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("surveys/<int:pk>/questions/", views.survey_question_add, name="survey_question_add"),
    path("surveys/<int:pk>/<str:action>/", views.survey_status, name="survey_status"),
    path("s/<str:token>/", views.survey_answer, name="survey_answer"),
]
