from django.urls import path

from caunoi.citizens import views

app_name = "citizens"
urlpatterns = [
    path("", views.citizen_list, name="list"),
    path("new/", views.citizen_create, name="create"),
    path("<int:citizen_id>/", views.citizen_detail, name="detail"),
    path("<int:citizen_id>/edit/", views.citizen_edit, name="edit"),
    path("<int:citizen_id>/consents/", views.consent_grant, name="consent_grant"),
    path("consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:citizen_id>/export/", views.citizen_export, name="export"),
    path("<int:citizen_id>/erase/", views.citizen_erase, name="erase"),
    path("retention/", views.retention_settings, name="retention"),
]
