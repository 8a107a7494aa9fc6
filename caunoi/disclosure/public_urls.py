"""The public board under /cong-khai/ (no login)."""

from django.urls import path

from caunoi.disclosure import public_views as views

app_name = "disclosure_public"
urlpatterns = [
    path("", views.index, name="index"),
    path("ket-qua/", views.accountability, name="accountability_home"),
    path("ket-qua/<str:province_code>/", views.accountability, name="accountability"),
    path("<str:unit_code>/", views.board, name="board"),
    path("<str:unit_code>/<int:publication_id>/", views.publication, name="publication"),
    path(
        "<str:unit_code>/<int:publication_id>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
