from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "caunoi.practices"
    label = "practices"
    verbose_name = _("Good practices")

    def ready(self) -> None:
        from caunoi.practices import navigation

        navigation.register()
