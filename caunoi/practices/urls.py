from django.urls import path

from caunoi.practices import views

app_name = "practices"
urlpatterns = [
    path("", views.practice_list, name="list"),
    path("new/", views.practice_create, name="create"),
    path("<int:practice_id>/", views.practice_detail, name="detail"),
    path("<int:practice_id>/edit/", views.practice_edit, name="edit"),
    path("<int:practice_id>/submit/", views.practice_submit, name="submit"),
    path("<int:practice_id>/return/", views.practice_return, name="return"),
    path("<int:practice_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:practice_id>/certificate/", views.practice_certificate, name="certificate"),
    path("<int:practice_id>/replicate/", views.replication_start, name="replicate"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("evidence/<int:evidence_id>/remove/", views.evidence_remove, name="evidence_remove"),
    path("similar/", views.similar, name="similar"),
    path("spread/", views.spread, name="spread"),
    path("replications/", views.replication_list, name="replications"),
    path("replications/<int:replication_id>/", views.replication_detail, name="replication"),
    path("committees/", views.committee_list, name="committees"),
    path("committees/<int:committee_id>/", views.committee_detail, name="committee"),
    path("committees/<int:committee_id>/weights/", views.committee_weights, name="committee_weights"),
    path("committees/<int:committee_id>/members/", views.committee_member_add, name="committee_member_add"),
    path(
        "committees/<int:committee_id>/members/<int:user_id>/remove/",
        views.committee_member_remove,
        name="committee_member_remove",
    ),
    path("committees/<int:committee_id>/evaluate/", views.evaluation_open, name="evaluation_open"),
    path("evaluations/<int:evaluation_id>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<int:evaluation_id>/decide/", views.evaluation_decide, name="evaluation_decide"),
    path("export/<kind>.xlsx", views.export, name="export"),
]
