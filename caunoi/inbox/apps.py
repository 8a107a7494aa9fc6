from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "caunoi.inbox"
    label = "inbox"
    verbose_name = _("Inbox and petitions")

    def ready(self) -> None:
        from caunoi.inbox import navigation, privacy, tasks  # noqa: F401 - tasks registers the periodic ones

        navigation.register()
        privacy.register()
