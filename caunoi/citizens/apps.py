from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "caunoi.citizens"
    label = "citizens"
    verbose_name = _("Citizens and privacy")

    def ready(self) -> None:
        from caunoi.citizens import navigation, retention

        navigation.register()
        retention.register_builtin()
