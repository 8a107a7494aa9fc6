"""Open311 GeoReport v2 at /open311/v2/: discovery, services, requests (GET and POST), tokens, in JSON and
XML, with jurisdiction_id, api keys and the spec's error format, and nothing personal in any answer."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from caunoi.accounts.services import api_token_create
from caunoi.core.models import AuditEvent, RateLimitBucket
from caunoi.core.permissions import Role
from caunoi.geo.services import village_create
from caunoi.inbox import services as inbox
from caunoi.inbox.models import Category, Petition, PetitionSource, PetitionStatus
from caunoi.inbox.open311.views import token_for
from tests.conftest import login_as

BASE = "/open311/v2"
TEXT = "Ổ gà lớn trước nhà văn hoá tổ 5, gần nhà anh Nguyễn Văn Bình, số điện thoại 0912345678."


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def categories(personas) -> dict[str, Category]:
    """Two services of our own; the taxonomy the inbox ships with is set aside for these tests."""
    Category.objects.update(active=False)
    actor = personas.province_admin
    return {
        "roads": inbox.category_save(
            code="roads", name="Giao thông", description="Đường, cầu, ổ gà", actor=actor
        ),
        "environment": inbox.category_save(
            code="environment", name="Môi trường", default_kind="petition", actor=actor
        ),
        "old": inbox.category_save(code="old", name="Không dùng", active=False, actor=actor),
    }


@pytest.fixture
def api_key(personas) -> str:
    _token, secret = api_token_create(
        name="Ứng dụng Open311",
        unit=personas.units["commune"],
        role=Role.COMMUNE_OFFICER,
        actor=personas.province_admin,
    )
    return secret


def petition(personas, category, **changes: Any) -> Petition:
    data: dict[str, Any] = {
        "citizen": personas.citizen,
        "text": TEXT,
        "commune": personas.units["commune"],
        "source": PetitionSource.PHONE,
        "actor": personas.commune_officer,
        "category": category,
        "latitude": "22.823456",
        "longitude": "104.983421",
        "address": "Trước nhà anh Bình, số 12 ngõ 3",
    }
    data.update(changes)
    return inbox.petition_create(**data)


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314 (our own answer; the spec says stdlib XML)


def assert_nothing_personal(body: str, personas) -> None:
    for secret in (
        "Nguyễn Văn Bình",
        "0912345678",
        "Lò Thị Hoa",
        "số 12 ngõ 3",
        "Ổ gà lớn",
        "22.823456",
        "104.983421",
    ):
        assert secret not in body, secret


# Discovery and services ---------------------------------------------------------------------------


def test_discovery_names_the_spec_and_the_formats(db):
    document = Client().get(f"{BASE}/discovery.json").json()
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml(Client().get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


def test_services_are_the_active_categories_in_json_and_xml(categories):
    services = Client().get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in services] == ["roads", "environment"]  # by order, then name
    roads = services[0]
    assert roads == {
        "service_code": "roads",
        "service_name": "Giao thông",
        "description": "Đường, cầu, ổ gà",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }
    root = xml(Client().get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == ["roads", "environment"]
    assert root.findtext("service/metadata") == "true"


def test_a_service_definition_lists_kinds_and_the_provinces_communes(categories):
    definition = Client().get(f"{BASE}/services/roads.json").json()
    assert definition["service_code"] == "roads"
    kind, commune = definition["attributes"]
    assert kind["code"] == "kind" and kind["datatype"] == "singlevaluelist"
    assert {v["key"] for v in kind["values"]} == {"feedback", "petition", "complaint", "denunciation"}
    assert len(commune["values"]) == 124
    assert {"key": "00694", "name": "Phường Hà Giang 1"} in commune["values"]

    root = xml(Client().get(f"{BASE}/services/roads.xml"))
    assert root.tag == "service_definition"
    assert len(root.findall("attributes/attribute")) == 2
    assert len(root.findall("attributes/attribute[code='commune']/values/value")) == 124

    for missing in (f"{BASE}/services/nope.json", f"{BASE}/services/old.json"):
        response = Client().get(missing)
        assert response.status_code == 404
        assert response.json() == [{"code": 404, "description": "service_code not found"}]


def test_errors_use_the_spec_format_in_xml_too(db):
    response = Client().get(f"{BASE}/services/nope.xml")
    root = xml(response)
    assert response.status_code == 404
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description") == "service_code not found"
    assert Client().get(f"{BASE}/services.yaml").status_code == 404


def test_a_wrong_jurisdiction_is_not_found_and_the_right_one_is_accepted(categories):
    assert Client().get(f"{BASE}/services.json?jurisdiction_id=tuyenquang.gov.vn").status_code == 200
    response = Client().get(f"{BASE}/services.json?jurisdiction_id=caobang.gov.vn")
    assert response.status_code == 404
    assert response.json()[0]["description"] == "jurisdiction_id not found"


def test_the_jurisdiction_is_configurable(categories, settings):
    settings.CAUNOI_OPEN311_JURISDICTION = "open311.tuyenquang.example"
    assert Client().get(f"{BASE}/services.json?jurisdiction_id=tuyenquang.gov.vn").status_code == 404
    assert Client().get(f"{BASE}/services.json?jurisdiction_id=open311.tuyenquang.example").status_code == 200


# Reading requests ---------------------------------------------------------------------------------


def test_a_request_shows_its_public_lifecycle_and_nothing_personal(personas, categories):
    case = petition(personas, categories["roads"])
    response = Client().get(f"{BASE}/requests/{case.reference}.json")
    body = response.content.decode()
    [request] = response.json()
    assert request["service_request_id"] == case.reference
    assert request["status"] == "open"
    assert request["service_code"] == "roads"
    assert request["agency_responsible"] == "Phường Hà Giang 1"
    assert request["address"] == "Phường Hà Giang 1" and request["address_id"] == "00694"
    assert (request["lat"], request["long"]) == (22.823, 104.983)  # rounded to about 100 m
    assert request["description"] == "" and request["status_notes"] == ""
    assert request["expected_datetime"] == timezone.localtime(case.due_at).isoformat(timespec="seconds")
    assert request["requested_datetime"].endswith("+07:00")
    assert_nothing_personal(body, personas)

    inbox.petition_answer(
        petition=case, answer="Phường đã vá ổ gà ngày 5/12.", actor=personas.commune_officer
    )
    [answered] = Client().get(f"{BASE}/requests/{case.reference}.json").json()
    assert answered["status"] == "closed"
    assert answered["status_notes"] == "Phường đã vá ổ gà ngày 5/12."
    assert answered["expected_datetime"] is None

    root = xml(Client().get(f"{BASE}/requests/{case.reference.lower()}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == case.reference
    assert root.findtext("request/status") == "closed"
    assert_nothing_personal(ET.tostring(root, encoding="unicode"), personas)

    assert Client().get(f"{BASE}/requests/TQ-1999-000001.json").status_code == 404


def test_requests_are_filtered_by_service_status_dates_and_ids(personas, categories):
    road = petition(personas, categories["roads"])
    river = petition(personas, categories["environment"], text="Rác thải đổ xuống suối Nậm Thố.")
    old = petition(personas, categories["roads"], text="Đèn đường hỏng từ lâu.")
    Petition.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=200))
    inbox.petition_answer(petition=river, answer="Đã thu gom.", actor=personas.commune_officer)

    def ids(query: str) -> list[str]:
        response = Client().get(f"{BASE}/requests.json?{query}")
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert ids("") == [river.reference, road.reference]  # the last 90 days by default, newest first
    assert ids("service_code=roads") == [road.reference]
    assert ids("status=open") == [road.reference]
    assert ids("status=closed") == [river.reference]
    assert ids("status=open,closed") == [river.reference, road.reference]
    start = urllib.parse.quote((timezone.now() - dt.timedelta(days=365)).isoformat())
    assert ids(f"start_date={start}") == [river.reference, road.reference, old.reference]
    end = (timezone.now() - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S+07:00")
    assert ids(f"start_date={start}&end_date={end}") == [old.reference]
    # A list of ids overrides every other filter (the spec), and ignores unknown ids.
    assert sorted(
        ids(f"service_request_id={old.reference},{road.reference},TQ-0000-1&status=closed")
    ) == sorted([old.reference, road.reference])
    assert ids("page_size=1&page=2") == [road.reference]

    bad = Client().get(f"{BASE}/requests.json?status=pending")
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert Client().get(f"{BASE}/requests.json?start_date=yesterday").status_code == 400


def test_requests_of_another_province_are_not_listed(personas, categories):
    cao_bang = personas.units["other_commune"]
    petition(personas, categories["roads"], commune=cao_bang, actor=personas.other_province_officer)
    assert Client().get(f"{BASE}/requests.json").json() == []


def test_listing_requests_costs_a_fixed_number_of_queries(
    personas, categories, django_assert_max_num_queries
):
    for n in range(15):
        petition(personas, categories["roads"], text=f"Phản ánh số {n}")
    with django_assert_max_num_queries(3):
        response = Client().get(f"{BASE}/requests.json")
    assert len(response.json()) == 15


# Filing requests ----------------------------------------------------------------------------------


def post(fmt: str = "json", **fields: Any):
    return Client().post(f"{BASE}/requests.{fmt}", fields)


def test_an_app_files_a_request_that_becomes_an_anonymous_petition(personas, categories, api_key):
    response = post(
        api_key=api_key,
        jurisdiction_id="tuyenquang.gov.vn",
        service_code="environment",
        address_id="00694",
        lat="22.8231",
        long="104.9842",
        description="Rác thải đổ trộm ở bờ suối.",
        first_name="Bình",
        last_name="Nguyễn",
        email="binh@example.com",
        phone="0912345678",
        device_id="abc",
    )
    assert response.status_code == 200, response.content
    [answer] = response.json()
    case = Petition.objects.get(reference=answer["service_request_id"])
    assert case.source == PetitionSource.OPEN311
    assert case.kind == "petition"  # the service's usual kind
    assert case.category == categories["environment"]
    assert case.commune == personas.units["commune"] and case.unit == personas.units["commune"]
    assert case.citizen is not None
    assert (case.citizen.display_name, case.citizen.phone, case.citizen.email) == ("", "", "")
    assert not case.citizen.consents.exists()
    assert answer["token"] == token_for(case)
    assert answer["service_notice"].endswith(f"/{case.reference}/")
    event = AuditEvent.objects.get(action="petition.create", object_id=str(case.pk))
    assert event.actor is None and event.actor_label.startswith("token:")

    # A village code places it in the village and its commune.
    village = village_create(commune=personas.units["commune"], name="Tổ 5", actor=personas.commune_officer)
    root = xml(
        post(
            "xml",
            api_key=api_key,
            service_code="roads",
            address_id=village.code,
            description="Ổ gà.",
            **{"attribute[kind]": "complaint"},
        )
    )
    reference = root.findtext("request/service_request_id")
    case = Petition.objects.get(reference=reference)
    assert (case.village, case.commune, case.kind) == (village, personas.units["commune"], "complaint")


def test_the_commune_can_come_from_the_attribute_list(personas, categories, api_key):
    response = post(
        api_key=api_key, service_code="roads", description="Ổ gà.", **{"attribute[commune]": "00694"}
    )
    assert response.status_code == 200
    assert Petition.objects.get().commune == personas.units["commune"]


@pytest.mark.parametrize(
    ("fields", "status", "description"),
    [
        ({"api_key": ""}, 403, "api_key is missing or not valid"),
        ({"api_key": "cn_nothing_here"}, 403, "api_key is missing or not valid"),
        ({"service_code": "nope"}, 404, "service_code not found"),
        ({"address_id": ""}, 400, "a location is required"),
        ({"address_id": "04"}, 400, "address_id is not a commune or village code"),
        ({"address_id": "00691"}, 403, "may not file requests for that commune"),
        ({"description": "  "}, 400, "description is required"),
        ({"attribute[kind]": "gossip"}, 400, "attribute[kind]"),
        ({"jurisdiction_id": "hanoi.gov.vn"}, 404, "jurisdiction_id not found"),
        ({"lat": "north"}, 400, "latitude"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url: Give an http or https link"),
        ({"media_url": "ftp://files.example/a.jpg"}, 400, "media_url"),
        ({"media_url": "https://user:secret@photos.example/a.jpg"}, 400, "without a password"),
        ({"media_url": "https://photos.example/" + "a" * 500}, 400, "500"),
    ],
)
def test_bad_requests_are_refused_in_the_spec_format(
    personas, categories, api_key, fields, status, description
):
    data = {"api_key": api_key, "service_code": "roads", "address_id": "00694", "description": "Ổ gà."}
    data.update(fields)
    response = post(**data)
    assert response.status_code == status, response.content
    [error] = response.json()
    assert error["code"] == status
    assert description in error["description"]
    assert not Petition.objects.exists()


def test_a_key_without_inbox_rights_or_revoked_cannot_file(personas, categories):
    from caunoi.accounts.services import api_token_revoke

    _token, reporter_key = api_token_create(
        name="CTV", unit=personas.units["commune"], role=Role.REPORTER, actor=personas.province_admin
    )
    response = post(api_key=reporter_key, service_code="roads", address_id="00694", description="Ổ gà.")
    assert (response.status_code, response.json()[0]["description"]) == (
        403,
        "this api_key may not file requests",
    )
    officer, officer_key = api_token_create(
        name="App", unit=personas.units["commune"], role=Role.COMMUNE_OFFICER, actor=personas.province_admin
    )
    api_token_revoke(token=officer, actor=personas.province_admin)
    assert (
        post(api_key=officer_key, service_code="roads", address_id="00694", description="x").status_code
        == 403
    )


def test_posts_per_key_are_rate_limited(personas, categories, api_key):
    assert (
        post(api_key=api_key, service_code="roads", address_id="00694", description="Ổ gà.").status_code
        == 200
    )
    RateLimitBucket.objects.filter(policy="open311.post").update(tokens=0)
    response = post(api_key=api_key, service_code="roads", address_id="00694", description="Ổ gà nữa.")
    assert response.status_code == 429
    assert response.json()[0]["code"] == 429
    assert Petition.objects.count() == 1


def test_a_token_resolves_to_its_request(personas, categories):
    case = petition(personas, categories["roads"])
    token = token_for(case)
    assert Client().get(f"{BASE}/tokens/{token}.json").json() == [
        {"token": token, "service_request_id": case.reference}
    ]
    root = xml(Client().get(f"{BASE}/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == case.reference
    assert Client().get(f"{BASE}/tokens/{case.reference}:forged.json").status_code == 404


def test_merged_requests_show_as_closed(personas, categories):
    first = petition(personas, categories["roads"])
    second = petition(personas, categories["roads"], text="Cùng ổ gà đó.")
    inbox.petition_merge(petition=second, into=first, actor=personas.commune_officer)
    second.refresh_from_db()
    assert second.status == PetitionStatus.MERGED
    [request] = Client().get(f"{BASE}/requests/{second.reference}.json").json()
    assert request["status"] == "closed"


# An existing Open311 client, over real HTTP ------------------------------------------------------


class GeoReportClient:
    """What an Open311 app does, written from the spec only: discovery, then services, then POST a
    request form-encoded with the api_key, then follow it by id (and by token), in either format."""

    def __init__(self, discovery_url: str, api_key: str, jurisdiction_id: str) -> None:
        self.discovery_url, self.api_key, self.jurisdiction_id = discovery_url, api_key, jurisdiction_id
        self.base = ""

    def _get(self, url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own live server)
            return response.read()

    def discover(self) -> None:
        document = json.loads(self._get(self.discovery_url))
        self.base = next(
            e["url"] for e in document["endpoints"] if e["specification"].endswith("GeoReport_v2")
        )

    def services_xml(self) -> list[dict[str, str]]:
        url = f"{self.base}/services.xml?jurisdiction_id={self.jurisdiction_id}"
        root = ET.fromstring(self._get(url))  # noqa: S314 (stdlib XML, as an app would)
        return [{child.tag: child.text or "" for child in service} for service in root.findall("service")]

    def create(self, **fields: str) -> list[dict[str, Any]]:
        data = urllib.parse.urlencode(
            {"api_key": self.api_key, "jurisdiction_id": self.jurisdiction_id, **fields}
        ).encode()
        request = urllib.request.Request(f"{self.base}/requests.json", data=data, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def request(self, service_request_id: str) -> dict[str, Any]:
        return json.loads(self._get(f"{self.base}/requests/{service_request_id}.json"))[0]

    def token(self, token: str) -> dict[str, Any]:
        return json.loads(self._get(f"{self.base}/tokens/{urllib.parse.quote(token)}.json"))[0]


@pytest.mark.django_db(transaction=True)
def test_an_existing_open311_client_lists_services_and_files_a_request_over_http(
    live_server, personas, categories, api_key
):
    client = GeoReportClient(f"{live_server.url}/open311/v2/discovery.json", api_key, "tuyenquang.gov.vn")
    client.discover()
    assert client.base == f"{live_server.url}/open311/v2"
    services = client.services_xml()
    roads = next(s for s in services if s["service_code"] == "roads")
    assert roads["service_name"] == "Giao thông" and roads["metadata"] == "true"

    [created] = client.create(
        service_code="roads",
        address_id="00694",
        description="Cầu treo bản Mường bị gãy tay vịn.",
        lat="22.82",
        long="104.98",
    )
    assert created["service_request_id"].startswith("TQ-")
    followed = client.request(created["service_request_id"])
    assert followed["status"] == "open" and followed["service_code"] == "roads"
    assert client.token(created["token"])["service_request_id"] == created["service_request_id"]

    with pytest.raises(urllib.error.HTTPError) as refused:
        client.create(service_code="roads", address_id="99999", description="x")
    assert refused.value.code == 400
    assert json.loads(refused.value.read())[0]["code"] == 400


def test_media_url_is_kept_as_a_link_for_staff_and_never_fetched(personas, categories, api_key):
    """No server-side request to a URL an app gives (SSRF): a listening server sees no hit; the link is
    shown to staff on the case, inert, and never published."""
    import http.server
    import threading

    hits: list[str] = []

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    link = f"http://127.0.0.1:{server.server_address[1]}/anh/o-ga.jpg"
    try:
        response = post(
            api_key=api_key, service_code="roads", address_id="00694", description="Ổ gà.", media_url=link
        )
        assert response.status_code == 200, response.content
        case = Petition.objects.get(reference=response.json()[0]["service_request_id"])
        assert case.media_url == link
        [public] = Client().get(f"/open311/v2/requests/{case.reference}.json").json()
        assert public["media_url"] == "" and public["description"] == ""
        assert link not in Client().get(f"/track/{case.reference}/").content.decode()
        page = (
            login_as(Client(), personas.commune_officer).get(f"/inbox/petitions/{case.pk}/").content.decode()
        )
        assert f'href="{link}" rel="noopener noreferrer nofollow" referrerpolicy="no-referrer"' in page
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
