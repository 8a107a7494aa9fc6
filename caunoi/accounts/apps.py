from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "caunoi.accounts"
    label = "accounts"
    verbose_name = _("Staff and access")

    def ready(self) -> None:
        from caunoi.accounts import navigation

        navigation.register()
