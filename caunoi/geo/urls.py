from django.urls import path

from caunoi.geo import views

app_name = "geo"
urlpatterns = [
    path("", views.unit_home, name="home"),
    path("<int:unit_id>/", views.unit_detail, name="detail"),
]
