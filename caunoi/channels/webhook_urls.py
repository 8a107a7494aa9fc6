"""Public webhook endpoints, outside the staff URL space (they verify themselves)."""

from django.urls import path

from caunoi.channels import views

app_name = "webhooks"
urlpatterns = [
    path("zalo", views.zalo_webhook, name="zalo"),
]
