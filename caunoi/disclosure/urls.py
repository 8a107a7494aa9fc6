"""Staff pages of the disclosure board, under /disclosure/."""

from django.urls import path

from caunoi.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.publication_list, name="list"),
    path("new/", views.publication_create, name="create"),
    path("moderation/", views.moderation, name="moderation"),
    path("<int:publication_id>/", views.publication_detail, name="detail"),
    path("<int:publication_id>/edit/", views.publication_edit, name="edit"),
    path("<int:publication_id>/withdraw/", views.publication_withdraw, name="withdraw"),
    path("<int:publication_id>/attach/", views.attachment_add, name="attach"),
    path("files/<int:attachment_id>/", views.attachment_download, name="file"),
    path("files/<int:attachment_id>/remove/", views.attachment_remove, name="detach"),
    path("comments/<int:comment_id>/moderate/", views.comment_moderate, name="moderate"),
]
