"""The audit log: append-only in the ORM and in the database, stamped with the request id, and readable
(page and CSV) only by auditors and admins, only for their own units."""

import csv
import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction

from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from caunoi.core.services import audit_record
from caunoi.geo.models import Unit
from tests.conftest import login_as, make_staff

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CSV_HEADER = ["time", "actor", "unit", "action", "object_type", "object_id", "summary", "request_id"]


@pytest.fixture
def event(personas):
    return audit_record(
        actor=personas.commune_officer,
        action="test.alpha",
        unit=personas.units["commune"],
        before={"status": "new"},
        after={"status": "open"},
    )


@pytest.fixture
def events(personas):
    """One event in each of two communes of Tuyên Quang and one in a commune of Cao Bằng."""
    units = personas.units
    return {
        "commune": audit_record(actor=personas.commune_officer, action="test.alpha", unit=units["commune"]),
        "sibling": audit_record(actor=personas.sibling_officer, action="test.beta", unit=units["sibling"]),
        "cao_bang": audit_record(
            actor=personas.other_province_officer, action="test.alpha", unit=units["other_commune"]
        ),
    }


def shown(response) -> set[int]:
    assert response.status_code == 200
    return {e.pk for e in response.context["page"].object_list}


# Append-only -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_audit_row_records_actor_unit_object_summary_and_time(personas, event):
    event.refresh_from_db()
    assert event.actor == personas.commune_officer
    assert event.actor_label == "xa.officer"
    assert (event.unit_id, event.unit_label, event.unit_path) == (
        personas.units["commune"].pk,
        "Phường Hà Giang 1",
        "VN/08/00694/",
    )
    assert event.summary == {"before": {"status": "new"}, "after": {"status": "open"}}
    assert event.occurred_at is not None
    assert event.request_id == ""  # outside a request there is none

    citizen_row = AuditEvent.objects.get(action="citizen.create")
    assert (citizen_row.object_type, citizen_row.object_id) == ("citizens.citizen", str(personas.citizen.pk))


@pytest.mark.django_db
def test_the_system_is_the_actor_when_there_is_no_person(units):
    row = audit_record(actor=None, action="test.system", unit=units["commune"])

    assert row.actor is None
    assert row.actor_label == "system"


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(event):
    event.action = "test.tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.tampered")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()

    event.refresh_from_db()
    assert event.action == "test.alpha"


@pytest.mark.django_db
def test_the_database_refuses_an_update_even_in_raw_sql(event):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditevent SET action = %s WHERE id = %s", ["test.tampered", event.pk])

    assert AuditEvent.objects.get(pk=event.pk).action == "test.alpha"
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.mark.django_db
def test_postgresql_refuses_a_delete_even_in_raw_sql(event):
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger is PostgreSQL-only (the SQLite test flush deletes rows)")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk).exists()


# Request id -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_write_inside_a_request_carries_the_request_id_echoed_in_the_response(client, personas):
    login_as(client, personas.commune_officer)
    commune = personas.units["commune"]

    response = client.post(
        f"/units/{commune.pk}/",
        {"name": "Thôn Nà Khà", "unit_type": "thon"},
        headers={"X-Request-ID": "proxy-req-0123456789"},
    )

    assert response.status_code == 302
    assert response["X-Request-ID"] == "proxy-req-0123456789"
    row = AuditEvent.objects.get(action="village.create")
    assert row.request_id == "proxy-req-0123456789"
    assert row.actor == personas.commune_officer


@pytest.mark.django_db
def test_without_a_usable_request_id_header_one_is_made_and_recorded(client, personas):
    login_as(client, personas.commune_officer)
    commune = personas.units["commune"]

    response = client.post(
        f"/units/{commune.pk}/",
        {"name": "Thôn Nà Khà", "unit_type": "thon"},
        headers={"X-Request-ID": "bad id; DROP"},  # not a sane id: replaced, never stored
    )

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert AuditEvent.objects.get(action="village.create").request_id == request_id


# Who reads the log ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["auditor", "province_admin"])
def test_the_auditor_and_the_province_admin_read_their_provinces_log(client, personas, events, persona):
    login_as(client, getattr(personas, persona))

    response = client.get("/audit/")

    ids = shown(response)
    assert {events["commune"].pk, events["sibling"].pk} <= ids
    assert events["cao_bang"].pk not in ids
    # Events of units are those of Tuyên Quang; events of no unit (installation-wide) are shown too.
    assert all(
        e.unit_path.startswith("VN/08/") or e.unit_path == "" for e in response.context["page"].object_list
    )
    content = response.content.decode()
    assert "test.alpha" in content
    assert "xa.sibling" in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona",
    ["commune_officer", "reporter", "editor", "approver", "sibling_officer", "other_province_officer"],
)
def test_staff_without_the_audit_capability_get_not_found(client, personas, events, persona):
    login_as(client, getattr(personas, persona))

    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/export.csv").status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client, events):
    for url in ("/audit/", "/audit/export.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_auditor_of_another_province_sees_only_that_province(client, personas, events):
    cao_bang_auditor = make_staff("cb.auditor", Role.AUDITOR, personas.units["other_province"])
    login_as(client, cao_bang_auditor)

    response = client.get("/audit/")

    assert events["cao_bang"].pk in shown(response)
    assert not [e for e in response.context["page"].object_list if e.unit_path.startswith("VN/08/")]
    assert shown(client.get("/audit/", {"action": "test."})) == {events["cao_bang"].pk}


@pytest.mark.django_db
def test_an_auditor_of_one_commune_sees_that_commune_only(client, personas, events):
    installation_wide = audit_record(actor=None, action="test.national")
    commune_auditor = make_staff("xa.auditor", Role.AUDITOR, personas.units["commune"])
    login_as(client, commune_auditor)

    response = client.get("/audit/")

    assert events["commune"].pk in shown(response)
    assert {e.unit_path for e in response.context["page"].object_list} == {"VN/08/00694/"}
    assert installation_wide.pk not in shown(response)


@pytest.mark.django_db
def test_events_of_no_unit_are_shown_to_province_auditors_and_superusers(client, personas, events):
    installation_wide = audit_record(actor=None, action="test.national")

    login_as(client, personas.auditor)
    assert installation_wide.pk in shown(client.get("/audit/"))

    # An operator who also audits one commune: being a superuser widens the log to everything.
    superuser = make_staff("operator", Role.AUDITOR, personas.units["commune"])
    superuser.is_superuser = True
    superuser.save()
    login_as(client, superuser)
    everything = shown(client.get("/audit/"))
    assert {installation_wide.pk, events["commune"].pk, events["cao_bang"].pk} <= everything


@pytest.mark.django_db
def test_the_log_filters_by_action_and_actor(client, personas, events):
    login_as(client, personas.auditor)

    assert shown(client.get("/audit/", {"action": "test.alpha"})) == {events["commune"].pk}
    assert shown(client.get("/audit/", {"action": "test."})) == {events["commune"].pk, events["sibling"].pk}
    assert shown(client.get("/audit/", {"actor": "SIBLING", "action": "test."})) == {events["sibling"].pk}
    assert shown(client.get("/audit/", {"action": "nothing.like.this"})) == set()


def _event_at(unit: Unit, when: dt.datetime, action: str) -> AuditEvent:
    return AuditEvent.objects.create(
        occurred_at=when,
        actor_label="tinh.admin",
        unit_id=unit.pk,
        unit_label=unit.name,
        unit_path=unit.path,
        action=action,
    )


@pytest.mark.django_db
def test_the_log_filters_by_date_in_vietnam_time_with_inclusive_ends(client, personas):
    commune = personas.units["commune"]
    before = _event_at(commune, dt.datetime(2025, 12, 31, 23, 59, tzinfo=HCM), "test.date")
    first = _event_at(commune, dt.datetime(2026, 1, 1, 0, 0, tzinfo=HCM), "test.date")
    last = _event_at(commune, dt.datetime(2026, 1, 31, 23, 59, tzinfo=HCM), "test.date")
    after = _event_at(commune, dt.datetime(2026, 2, 1, 0, 0, tzinfo=HCM), "test.date")
    login_as(client, personas.auditor)

    january = {"action": "test.date", "since": "2026-01-01", "until": "2026-01-31"}
    assert shown(client.get("/audit/", january)) == {first.pk, last.pk}
    assert shown(client.get("/audit/", {"action": "test.date", "since": "2026-02-01"})) == {after.pk}
    assert shown(client.get("/audit/", {"action": "test.date", "until": "2025-12-31"})) == {before.pk}
    # A malformed date is ignored rather than failing the page.
    assert len(shown(client.get("/audit/", {"action": "test.date", "since": "31/01/2026"}))) == 4


# CSV export -------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Vietnamese text correctly with a BOM
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.django_db
def test_the_csv_export_has_a_header_and_the_filtered_scoped_rows(client, personas, events):
    login_as(client, personas.auditor)

    rows = csv_rows(client.get("/audit/export.csv", {"action": "test."}))

    assert rows[0] == CSV_HEADER
    body = sorted(rows[1:], key=lambda r: r[1])
    assert [(r[1], r[2], r[3]) for r in body] == [
        ("xa.officer", "Phường Hà Giang 1", "test.alpha"),
        ("xa.sibling", "Phường Hà Giang 2", "test.beta"),
    ]
    stamp = dt.datetime.fromisoformat(body[0][0])
    assert stamp.utcoffset() == dt.timedelta(hours=7)  # shown in Asia/Ho_Chi_Minh


@pytest.mark.django_db
def test_the_csv_export_keeps_the_summary_and_request_id(client, personas, event):
    login_as(client, personas.province_admin)

    rows = csv_rows(client.get("/audit/export.csv", {"action": "test.alpha"}))

    assert len(rows) == 2
    summary, request_id = rows[1][6], rows[1][7]
    assert json.loads(summary) == {"before": {"status": "new"}, "after": {"status": "open"}}
    assert request_id == ""


@pytest.mark.django_db
def test_the_csv_export_of_an_empty_selection_is_just_the_header(client, personas, events):
    login_as(client, personas.auditor)

    assert csv_rows(client.get("/audit/export.csv", {"action": "nothing."})) == [CSV_HEADER]


@pytest.mark.django_db
def test_the_csv_export_quotes_what_excel_would_run_as_a_formula(client, personas):
    audit_record(actor=None, action="test.formula", actor_label='=HYPERLINK("http://evil.example")')
    login_as(client, personas.province_admin)

    rows = csv_rows(client.get("/audit/export.csv", {"action": "test.formula"}))

    assert rows[1][1] == '\'=HYPERLINK("http://evil.example")'
