from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "caunoi.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from caunoi.campaigns import navigation, tasks  # noqa: F401 - tasks register with Huey

        navigation.register()
