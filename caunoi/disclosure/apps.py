from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "caunoi.disclosure"
    label = "disclosure"
    verbose_name = _("Public disclosure")

    def ready(self) -> None:
        from caunoi.disclosure import navigation

        navigation.register()
