from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    name = "caunoi.opinion"
    label = "opinion"
    verbose_name = _("Public opinion")

    def ready(self) -> None:
        from caunoi.opinion import navigation

        navigation.register()
