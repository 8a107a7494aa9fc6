from django.urls import path

from caunoi.channels import views

app_name = "channels"
urlpatterns = [
    path("", views.channel_settings, name="settings"),
    path("zalo/connect/", views.zalo_connect, name="zalo_connect"),
    path("zalo/callback/", views.zalo_callback, name="zalo_callback"),
    path("zalo/<int:account_id>/test-send/", views.zalo_test_send, name="zalo_test_send"),
]
