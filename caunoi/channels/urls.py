from django.urls import path

from caunoi.channels import views

app_name = "channels"
urlpatterns = [
    path("", views.channel_settings, name="settings"),
    path("zalo/connect/", views.zalo_connect, name="zalo_connect"),
    path("zalo/callback/", views.zalo_callback, name="zalo_callback"),
    path("zalo/<int:account_id>/test-send/", views.zalo_test_send, name="zalo_test_send"),
    path("zalo/<int:account_id>/followers/", views.zalo_followers_backfill, name="zalo_followers_backfill"),
    path("web/", views.web_posts, name="web_posts"),
    path("web/<int:post_id>/withdraw/", views.web_post_withdraw, name="web_post_withdraw"),
]
