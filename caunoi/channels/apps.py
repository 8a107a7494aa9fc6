from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "caunoi.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from caunoi.channels import navigation, privacy

        navigation.register()
        privacy.register()
