from django.urls import URLPattern, URLResolver, path

from caunoi.inbox import views

app_name = "inbox"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("c/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("c/<int:conversation_id>/entries/", views.conversation_entries, name="conversation_entries"),
    path("c/<int:conversation_id>/reply/", views.conversation_reply, name="conversation_reply"),
    path("c/<int:conversation_id>/note/", views.conversation_note, name="conversation_note"),
    path("c/<int:conversation_id>/assign/", views.conversation_assign, name="conversation_assign"),
    path("c/<int:conversation_id>/labels/", views.conversation_labels, name="conversation_labels"),
    path("c/<int:conversation_id>/status/", views.conversation_status, name="conversation_status"),
    path("c/<int:conversation_id>/sos-handled/", views.conversation_sos_clear, name="conversation_sos_clear"),
    path("c/<int:conversation_id>/place/", views.conversation_place, name="conversation_place"),
    path("entries/<int:entry_id>/petition/", views.petition_from_entry, name="petition_from_entry"),
    path("petitions/", views.petition_list, name="petitions"),
    path("petitions/export.xlsx", views.petition_export, name="petitions_export"),
    path("petitions/new/", views.petition_create, name="petition_create"),
    path("petitions/<int:petition_id>/", views.petition_detail, name="petition"),
    path(
        "petitions/<int:petition_id>/assign/",
        views.petition_action,
        {"action": "assign"},
        name="petition_assign",
    ),
    path(
        "petitions/<int:petition_id>/status/",
        views.petition_action,
        {"action": "status"},
        name="petition_status",
    ),
    path(
        "petitions/<int:petition_id>/answer/",
        views.petition_action,
        {"action": "answer"},
        name="petition_answer",
    ),
    path(
        "petitions/<int:petition_id>/transfer/",
        views.petition_action,
        {"action": "transfer"},
        name="petition_transfer",
    ),
    path(
        "petitions/<int:petition_id>/note/", views.petition_action, {"action": "note"}, name="petition_note"
    ),
    path(
        "petitions/<int:petition_id>/merge/",
        views.petition_action,
        {"action": "merge"},
        name="petition_merge",
    ),
    path(
        "petitions/<int:petition_id>/close/",
        views.petition_action,
        {"action": "close"},
        name="petition_close",
    ),
    path(
        "petitions/<int:petition_id>/attachment/",
        views.petition_action,
        {"action": "attachment"},
        name="petition_attachment",
    ),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("message-files/<int:file_id>/", views.message_file_download, name="message_file"),
    path("reports/<int:unit_id>/<int:year>-<int:month>.pdf", views.unit_report, name="unit_report"),
    path("settings/", views.inbox_settings, name="settings"),
    path("settings/category/", views.inbox_settings, {"section": "category"}, name="settings_category"),
    path("settings/deadline/", views.inbox_settings, {"section": "deadline"}, name="settings_deadline"),
    path("settings/routing/", views.inbox_settings, {"section": "routing"}, name="settings_routing"),
    path("settings/canned/", views.inbox_settings, {"section": "canned"}, name="settings_canned"),
    path("settings/knowledge/", views.inbox_settings, {"section": "knowledge"}, name="settings_knowledge"),
    path("settings/zalo-menu/", views.zalo_menu, name="zalo_menu"),
    path("settings/zalo-menu.json", views.zalo_menu_json, name="zalo_menu_json"),
    path("settings/routing/<int:rule_id>/delete/", views.routing_rule_delete, name="routing_rule_delete"),
]
