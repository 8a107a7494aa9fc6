"""Public tracking of a case by its code (no login, nothing personal): /track/."""

from django.urls import path

from caunoi.inbox import public_views as views

app_name = "track"
urlpatterns = [
    path("", views.track_home, name="home"),
    path("<str:reference>/", views.petition_page, name="petition"),
    path("<str:reference>/feedback/<str:token>/", views.citizen_feedback, name="feedback"),
]
