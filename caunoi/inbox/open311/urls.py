"""Open311 GeoReport v2 under /open311/v2/: every endpoint in ``.json`` and ``.xml``."""

from django.urls import path, re_path, register_converter

from caunoi.inbox.open311 import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311fmt")

app_name = "open311"
urlpatterns = [
    path("discovery.<open311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<open311fmt:fmt>", views.services, name="services"),
    path("services/<str:code>.<open311fmt:fmt>", views.service_definition, name="service"),
    path("requests.<open311fmt:fmt>", views.requests, name="requests"),
    path("requests/<str:request_id>.<open311fmt:fmt>", views.request_detail, name="request"),
    path("tokens/<str:token>.<open311fmt:fmt>", views.token, name="token"),
    # Anything else under /open311/v2/ (an unknown endpoint, a service code with a slash) is the
    # spec's error list, not our HTML 404 page, so a client always reads the same format.
    re_path(r"^.*$", views.unknown_endpoint, name="unknown"),
]
