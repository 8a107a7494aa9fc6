from django.urls import path

from caunoi.channels import views

app_name = "channels"
urlpatterns = [
    path("", views.channel_settings, name="settings"),
    path("zalo/connect/", views.zalo_connect, name="zalo_connect"),
    path("zalo/callback/", views.zalo_callback, name="zalo_callback"),
    path("zalo/<int:account_id>/test-send/", views.zalo_test_send, name="zalo_test_send"),
    path("zalo/<int:account_id>/followers/", views.zalo_followers_backfill, name="zalo_followers_backfill"),
    path("zalo/<int:account_id>/zns/sync/", views.zns_templates_sync, name="zns_templates_sync"),
    path(
        "zalo/<int:account_id>/zns/<int:template_id>/purpose/",
        views.zns_template_purpose,
        name="zns_template_purpose",
    ),
    path("sms/estimate/", views.sms_estimate, name="sms_estimate"),
    path("sms/test-send/", views.sms_test_send, name="sms_test_send"),
    path("email/test-send/", views.email_test_send, name="email_test_send"),
    path("web/", views.web_posts, name="web_posts"),
    path("web/<int:post_id>/withdraw/", views.web_post_withdraw, name="web_post_withdraw"),
]
