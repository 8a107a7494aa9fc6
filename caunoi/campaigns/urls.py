from django.urls import URLPattern, URLResolver, path

from caunoi.campaigns import views

app_name = "campaigns"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/audience/", views.audience_count, name="audience"),
    path("<int:campaign_id>/progress/", views.campaign_progress, name="progress"),
    path("<int:campaign_id>/results/", views.campaign_results, name="results"),
    path("<int:campaign_id>/results.xlsx", views.campaign_results_xlsx, name="results_xlsx"),
    path("<int:campaign_id>/report/", views.alert_report, name="alert_report"),
    path("<int:campaign_id>/do/<action>/", views.campaign_action, name="action"),
    path("<int:campaign_id>/text/<language>/", views.variant_edit, name="variant_edit"),
    path("<int:campaign_id>/translations/assign/", views.variant_assign, name="variant_assign"),
    path("translations/<int:variant_id>/<action>/", views.variant_action, name="variant_action"),
    path("alerts/new/", views.alert_create, name="alert_create"),
    path("alerts/templates/", views.alert_templates, name="alert_templates"),
    path("segments/", views.segments, name="segments"),
]
