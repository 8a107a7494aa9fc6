"""Privacy core (Law 91/2025, Decree 356/2025): consent, export, erase, retention, no sensitive fields."""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.utils import timezone

from caunoi.citizens import privacy
from caunoi.citizens.models import Citizen, RetentionPolicy
from caunoi.citizens.services import (
    citizen_create,
    citizen_erase,
    citizen_update,
    consent_grant,
    consent_withdraw,
    retention_apply_all,
    retention_days,
    retention_policy_set,
)
from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.models import AuditEvent
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


def news_consent(citizen):
    return citizen.consents.get(purpose="news", withdrawn_at__isnull=True)


# --- consent --------------------------------------------------------------------------------------


def test_withdrawing_a_consent_on_the_page_sets_withdrawn_at(client, personas):
    consent = news_consent(personas.citizen)
    login_as(client, personas.commune_officer)

    response = client.post(f"/citizens/consents/{consent.pk}/withdraw/")

    consent.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/citizens/{personas.citizen.pk}/"
    assert consent.withdrawn_at is not None
    assert timezone.now() - consent.withdrawn_at < dt.timedelta(seconds=30)
    event = AuditEvent.objects.get(action="consent.withdraw")
    assert (event.actor, event.unit_id, event.summary) == (
        personas.commune_officer,
        personas.units["commune"].pk,
        {"before": {"purpose": "news"}},
    )


def test_a_withdrawn_purpose_can_be_granted_again_but_not_twice(client, personas):
    citizen, officer = personas.citizen, personas.commune_officer
    consent_withdraw(consent=news_consent(citizen), actor=officer)
    login_as(client, officer)

    again = client.post(f"/citizens/{citizen.pk}/consents/", {"purpose": "news", "source": "phone"})
    twice = client.post(f"/citizens/{citizen.pk}/consents/", {"purpose": "news", "source": "phone"})

    assert again.status_code == twice.status_code == 302
    assert citizen.consents.filter(purpose="news").count() == 2
    assert citizen.consents.active().filter(purpose="news").count() == 1
    errors = [m for m in twice.wsgi_request._messages if m.level_tag == "error"]
    assert len(errors) == 1, "the second grant is refused with an error message"
    with pytest.raises(InvalidState):
        consent_grant(citizen=citizen, purpose="news", source="phone", actor=officer)


def test_withdrawing_twice_is_refused(personas):
    consent = consent_withdraw(consent=news_consent(personas.citizen), actor=personas.commune_officer)

    with pytest.raises(InvalidState):
        consent_withdraw(consent=consent, actor=personas.commune_officer)


def test_the_sibling_officer_cannot_withdraw_her_consent(client, personas):
    consent = news_consent(personas.citizen)
    login_as(client, personas.sibling_officer)

    response = client.post(f"/citizens/consents/{consent.pk}/withdraw/")

    consent.refresh_from_db()
    assert response.status_code == 404
    assert consent.withdrawn_at is None


# --- export --------------------------------------------------------------------------------------


def test_export_downloads_contact_fields_consents_and_registered_data(client, personas, monkeypatch):
    citizen = personas.citizen
    citizen_update(
        citizen=citizen,
        display_name=citizen.display_name,
        phone=citizen.phone,
        email="hoa@example.vn",
        preferred_language="tay",
        home_unit=citizen.home_unit,
        actor=personas.commune_officer,
    )
    monkeypatch.setattr(privacy, "_exporters", dict(privacy._exporters))  # the registry comes back afterwards
    privacy.register_exporter("zalo_identities", lambda c: [{"citizen": c.pk, "zalo_id": "z-1"}])
    login_as(client, personas.commune_officer)

    response = client.post(f"/citizens/{citizen.pk}/export/")

    data = json.loads(response.content)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith(f'attachment; filename="citizen-{citizen.pk}-')
    assert data["citizen"] | {"created_at": None, "last_activity_at": None} == {
        "id": citizen.pk,
        "display_name": "Chị Lò Thị Hoa",
        "phone": "84912345678",
        "email": "hoa@example.vn",
        "home_unit": {"code": "00694", "name": personas.units["commune"].name},
        "preferred_language": "tay",
        "created_at": None,
        "last_activity_at": None,
        "erased_at": None,
    }
    assert [(c["purpose"], c["wording_version"], c["withdrawn_at"]) for c in data["consents"]] == [
        ("news", "2026-01", None)
    ]
    assert data["consents"][0]["wording"]
    assert data["zalo_identities"] == [{"citizen": citizen.pk, "zalo_id": "z-1"}]
    assert "Chị Lò Thị Hoa" in response.content.decode(), "Vietnamese is written as text, not escapes"
    event = AuditEvent.objects.get(action="citizen.export")
    assert (event.actor, event.unit_id, event.object_id) == (
        personas.commune_officer,
        personas.units["commune"].pk,
        str(citizen.pk),
    )


def test_export_is_a_post(client, personas):
    login_as(client, personas.commune_officer)

    response = client.get(f"/citizens/{personas.citizen.pk}/export/")

    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="citizen.export").exists()


# --- erase ---------------------------------------------------------------------------------------


def test_erase_blanks_personal_data_and_keeps_the_count_per_commune(client, personas, monkeypatch):
    citizen, commune = personas.citizen, personas.units["commune"]
    citizen_create(home_unit=commune, display_name="Anh Nông Văn Dìn", actor=personas.commune_officer)
    erased_by_apps = []

    def eraser(c):
        erased_by_apps.append(c.pk)
        return 3

    monkeypatch.setattr(privacy, "_erasers", dict(privacy._erasers))  # the registry comes back afterwards
    privacy.register_eraser("inbox_messages", eraser)
    before = Citizen.objects.filter(home_unit=commune).count()
    login_as(client, personas.commune_officer)

    response = client.post(
        f"/citizens/{citizen.pk}/erase/", {"reason": "Người dân yêu cầu ngày 12/03/2026", "confirm": "on"}
    )

    citizen.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == "/citizens/"
    assert (
        citizen.display_name,
        citizen.name_folded,
        citizen.phone,
        citizen.email,
        citizen.preferred_language,
    ) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert citizen.erased_at is not None
    assert citizen.home_unit == commune
    assert Citizen.objects.filter(home_unit=commune).count() == before
    assert not citizen.consents.active().exists()
    assert citizen.consents.count() == 1, "consents stay as evidence, withdrawn"
    assert erased_by_apps == [citizen.pk]
    event = AuditEvent.objects.get(action="citizen.erase")
    assert (event.actor, event.unit_id, event.object_id) == (
        personas.commune_officer,
        commune.pk,
        str(citizen.pk),
    )
    assert event.summary["after"]["records"]["inbox_messages"] == 3
    assert event.summary["after"]["records"]["channels"] == 0  # every registered app took part
    for summary in AuditEvent.objects.values_list("summary", flat=True):
        text = json.dumps(summary, ensure_ascii=False)
        for personal in ("Chị Lò Thị Hoa", "Lò Thị Hoa", "lo thi hoa", "84912345678", "0912345678"):
            assert personal not in text


def test_an_erased_citizen_is_not_listed_but_still_counted(client, personas):
    citizen = citizen_erase(citizen=personas.citizen, actor=personas.commune_officer, reason="Yêu cầu")
    login_as(client, personas.commune_officer)

    listed = client.get("/citizens/")
    detail = client.get(f"/citizens/{citizen.pk}/")
    api = client.get("/api/v1/citizens").json()

    assert citizen.pk not in [c.pk for c in listed.context["page"].object_list]
    assert citizen.pk not in [c["id"] for c in api["items"]]
    assert detail.status_code == 200
    assert "Lò Thị Hoa" not in detail.content.decode()
    assert "84912345678" not in detail.content.decode()
    assert Citizen.objects.filter(home_unit=personas.units["commune"]).count() == 1


def test_erase_without_a_reason_is_refused(client, personas):
    citizen = personas.citizen
    login_as(client, personas.commune_officer)

    page = client.post(f"/citizens/{citizen.pk}/erase/", {"reason": "", "confirm": "on"})
    with pytest.raises(ValidationFailed) as error:
        citizen_erase(citizen=citizen, actor=personas.commune_officer, reason="   ")

    citizen.refresh_from_db()
    assert page.status_code == 422
    assert "reason" in page.context["erase_form"].errors
    assert error.value.field == "reason"
    assert citizen.erased_at is None
    assert citizen.phone == "84912345678"
    assert not AuditEvent.objects.filter(action="citizen.erase").exists()


def test_erase_needs_the_confirmation_box(client, personas):
    login_as(client, personas.commune_officer)

    response = client.post(f"/citizens/{personas.citizen.pk}/erase/", {"reason": "Yêu cầu"})

    personas.citizen.refresh_from_db()
    assert response.status_code == 422
    assert "confirm" in response.context["erase_form"].errors
    assert personas.citizen.erased_at is None


def test_an_erased_citizen_cannot_be_edited(personas):
    citizen = citizen_erase(citizen=personas.citizen, actor=personas.commune_officer, reason="Yêu cầu")

    with pytest.raises(InvalidState):
        citizen_update(
            citizen=citizen,
            display_name="Lại là Hoa",
            phone="",
            email="",
            preferred_language="vi",
            home_unit=citizen.home_unit,
            actor=personas.commune_officer,
        )


# --- retention -----------------------------------------------------------------------------------


def test_retention_erases_only_citizens_inactive_longer_than_the_policy(personas):
    officer, commune = personas.commune_officer, personas.units["commune"]
    now = dt.datetime(2027, 6, 1, 3, 0, tzinfo=dt.UTC)
    retention_policy_set(data_kind="citizen_inactive", keep_days=30, actor=personas.province_admin)

    def citizen_last_seen(name, days_ago):
        citizen = citizen_create(home_unit=commune, display_name=name, actor=officer)
        Citizen.objects.filter(pk=citizen.pk).update(last_activity_at=now - dt.timedelta(days=days_ago))
        return citizen

    stale = citizen_last_seen("Cũ quá", 31)
    recent = citizen_last_seen("Mới đây", 29)
    borderline = citizen_last_seen("Vừa đúng", 30)
    Citizen.objects.filter(pk=personas.citizen.pk).update(last_activity_at=now - dt.timedelta(days=1))

    result = retention_apply_all(now=now)

    assert result == {"citizen_inactive": 1}
    assert set(Citizen.objects.filter(erased_at__isnull=False).values_list("pk", flat=True)) == {stale.pk}
    for kept in (recent, borderline, personas.citizen):
        kept.refresh_from_db()
        assert kept.display_name
    assert AuditEvent.objects.filter(action="citizen.erase", object_id=str(stale.pk), actor=None).exists()
    assert AuditEvent.objects.get(action="retention.apply").summary == {"after": {"citizen_inactive": 1}}
    assert retention_apply_all(now=now) == {"citizen_inactive": 0}, "a second run finds nothing more"


def test_retention_uses_the_default_until_a_policy_is_set(personas, settings):
    default = settings.CAUNOI_RETENTION_DEFAULT_DAYS["citizen_inactive"]
    now = timezone.now()
    Citizen.objects.filter(pk=personas.citizen.pk).update(
        last_activity_at=now - dt.timedelta(days=default - 1)
    )

    assert retention_days("citizen_inactive") == default
    assert retention_apply_all(now=now) == {"citizen_inactive": 0}
    assert retention_apply_all(now=now + dt.timedelta(days=2)) == {"citizen_inactive": 1}


def test_the_retention_page_saves_a_value(client, personas):
    login_as(client, personas.province_admin)

    response = client.post("/citizens/retention/", {"data_kind": "citizen_inactive", "keep_days": "730"})
    page = client.get("/citizens/retention/")

    assert response.status_code == 302
    assert retention_days("citizen_inactive") == 730
    assert [row["days"] for row in page.context["rows"] if row["kind"].key == "citizen_inactive"] == [730]
    event = AuditEvent.objects.get(action="retention.set")
    assert event.actor == personas.province_admin
    assert event.summary == {"after": {"data_kind": "citizen_inactive", "keep_days": 730}}


@pytest.mark.parametrize(("days", "bound"), [("0", "1"), ("99999", "36500"), ("-5", "1"), ("mười", "")])
def test_the_retention_page_refuses_an_out_of_range_value(client, personas, days, bound):
    login_as(client, personas.province_admin)

    response = client.post("/citizens/retention/", {"data_kind": "citizen_inactive", "keep_days": days})

    rows = {row["kind"].key: row for row in response.context["rows"]}
    assert response.status_code == 422
    assert rows["citizen_inactive"]["error"], "the error is shown next to the value"
    assert bound in rows["citizen_inactive"]["error"], "the error names the limit"
    assert 'aria-invalid="true"' in response.content.decode()
    assert not RetentionPolicy.objects.exists()


def test_the_retention_page_refuses_an_unknown_kind(client, personas):
    login_as(client, personas.province_admin)

    response = client.post("/citizens/retention/", {"data_kind": "everything", "keep_days": "30"})

    assert response.status_code == 422
    assert not RetentionPolicy.objects.exists()


@pytest.mark.parametrize("days", [0, 36501])
def test_retention_policy_set_refuses_out_of_range_days(personas, days):
    with pytest.raises(ValidationFailed) as error:
        retention_policy_set(data_kind="citizen_inactive", keep_days=days, actor=personas.province_admin)

    assert error.value.field == "keep_days"


# --- the data model ------------------------------------------------------------------------------

FORBIDDEN = ("ethnic", "religion", "politic", "dan_toc", "dantoc", "ton_giao", "tongiao")


def test_no_model_has_a_field_for_ethnicity_religion_or_politics():
    caunoi_models = [
        m
        for config in apps.get_app_configs()
        if config.name.startswith("caunoi.")
        for m in config.get_models()
    ]
    fields = [(model._meta.label, f.name) for model in caunoi_models for f in model._meta.get_fields()]

    assert any(label == "citizens.Citizen" for label, _name in fields), "the check must see the citizens app"
    offending = [(label, name) for label, name in fields if any(word in name.lower() for word in FORBIDDEN)]
    assert offending == []
