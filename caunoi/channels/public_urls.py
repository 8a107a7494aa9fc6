"""Public pages under /p/: announcements, feeds, bulletin audio and the contact form (no login)."""

from django.urls import path

from caunoi.channels import public_views as views

app_name = "public"
urlpatterns = [
    path("", views.index, name="index"),
    path("audio/<str:filename>", views.audio, name="audio"),
    path("<str:unit_code>/", views.unit_page, name="unit"),
    path("<str:unit_code>/rss.xml", views.rss, name="rss"),
    path("<str:unit_code>/atom.xml", views.atom, name="atom"),
    path("<str:unit_code>/loudspeaker.xml", views.loudspeaker, name="loudspeaker"),
    path("<str:unit_code>/contact/", views.contact, name="contact"),
    path("<str:unit_code>/contact/sent/", views.contact_received, name="contact_received"),
    path("<str:unit_code>/contact/embed/", views.contact_embed, name="contact_embed"),
    path("<str:unit_code>/contact/embed/sent/", views.contact_embed_received, name="contact_embed_received"),
    path("<str:unit_code>/<slug:slug>/", views.post_page, name="post"),
]
