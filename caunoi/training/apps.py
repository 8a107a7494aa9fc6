from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "caunoi.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from caunoi.training import navigation

        navigation.register()
