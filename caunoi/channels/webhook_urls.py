"""Public webhook endpoints, outside the staff URL space (they verify themselves)."""

from django.urls import path

from caunoi.channels import views

app_name = "webhooks"
urlpatterns = [
    path("zalo", views.zalo_webhook, name="zalo"),
    path("sms", views.sms_delivery_report, name="sms"),
    path("email-bounce", views.email_bounce, name="email_bounce"),
]
