from django.urls import path

from caunoi.channels import views

app_name = "channels"
urlpatterns = [
    path("zalo", views.zalo_webhook, name="zalo_webhook"),
]
