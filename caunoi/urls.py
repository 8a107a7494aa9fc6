from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from caunoi.api import api
from caunoi.core.access import public
from caunoi.core.views import healthz

urlpatterns = [
    path("", include("caunoi.core.urls")),
    path("accounts/", include("caunoi.accounts.urls")),
    path("units/", include("caunoi.geo.urls")),
    path("citizens/", include("caunoi.citizens.urls")),
    path("api/v1/", api.urls),
    path("webhooks/", include("caunoi.channels.webhook_urls")),
    path("channels/", include("caunoi.channels.urls")),
    path("p/", include("caunoi.channels.public_urls")),
    path("campaigns/", include("caunoi.campaigns.urls")),
    path("inbox/", include("caunoi.inbox.urls")),
    path("track/", include("caunoi.inbox.public_urls")),
    path("opinion/", include("caunoi.opinion.urls")),
    path("practices/", include("caunoi.practices.urls")),
    path("training/", include("caunoi.training.urls")),
    path("disclosure/", include("caunoi.disclosure.urls")),
    path("cong-khai/", include("caunoi.disclosure.public_urls")),
    path("open311/v2/", include("caunoi.inbox.open311.urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path(f"{settings.CAUNOI_ADMIN_PATH}/", admin.site.urls),
]
