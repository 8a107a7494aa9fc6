"""The "Dân vận khéo" registry as people use it: a commune registers a model with evidence, the province
committee scores and recognises it, another commune replicates it and reports its results."""

from __future__ import annotations

import base64
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from playwright.sync_api import Page, expect

from caunoi.accounts.models import User
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit
from caunoi.practices.models import Practice, Replication
from tests.conftest import PROVINCE, SIBLING
from tests.e2e.conftest import _staff, screenshot, vi

pytestmark = pytest.mark.e2e


def _jpeg() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def evidence_dir(settings: Any, tmp_path: Any) -> Any:
    settings.CAUNOI_PRACTICES_EVIDENCE_DIR = str(tmp_path / "evidence")
    settings.CAUNOI_PRACTICES_SIMILARITY_BACKGROUND = False
    return tmp_path / "evidence"


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name=vi("Sign out")).click()
    page.wait_for_load_state()


def _sign_in_with_code(page: Page, sign_in: Callable[[User], Page], user: User, device: TOTPDevice) -> None:
    sign_in(user)
    device.refresh_from_db()
    page.get_by_label(vi("Six-digit code from your authenticator app")).fill(
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    )
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Dashboard"))


def test_a_model_is_registered_recognised_and_replicated(page, live_server, officer, sign_in, evidence_dir):
    admin = _staff("tinh.quantri", "Nguyễn Văn An", Role.PROVINCE_ADMIN, Unit.objects.get(code=PROVINCE))
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    neighbour = _staff("xa.hagiang2", "Nông Văn Sơn", Role.COMMUNE_OFFICER, Unit.objects.get(code=SIBLING))
    base64.b32encode(device.bin_key)  # a real secret, as on the admin's phone

    # 1. The commune registers its model, attaches evidence and submits it.
    sign_in(officer)
    page.goto(f"{live_server.url}/practices/")
    page.get_by_role("button", name=vi("Register a practice")).click()
    page.locator("#id_title").fill("Dân vận khéo vận động hiến đất mở rộng đường ngõ")
    page.locator("#id_field").select_option("economy")
    page.locator("#id_people_in_charge").fill("Bí thư chi bộ, Tổ trưởng Tổ dân phố 5")
    page.locator("#id_started_on").fill("2025-03-01")
    page.locator("#id_problem").fill("Ngõ hẹp, xe cứu thương không vào được.")
    page.locator("#id_method").fill("Đảng viên hiến đất trước, họp dân công khai.")
    page.locator("#id_results").fill("Mở rộng 1,2 km đường ngõ.")
    page.locator("#id_figures").fill("Hộ hiến đất: 64 hộ")
    screenshot(page, "practice-form", full_page=True)
    page.get_by_role("button", name=vi("Save as draft")).click()
    expect(page.get_by_role("status")).to_have_text(
        vi("Practice registered as a draft. Attach evidence, then submit it.")
    )

    page.set_input_files(
        "#id_file", files=[{"name": "anh.jpg", "mimeType": "image/jpeg", "buffer": b"<html>"}]
    )
    page.get_by_role("button", name=vi("Attach")).click()
    expect(page.locator("small.error[role=alert]")).to_contain_text("anh.jpg")
    page.set_input_files(
        "#id_file", files=[{"name": "hop-dan.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    page.locator("#id_caption").fill("Họp tổ dân phố")
    page.get_by_role("button", name=vi("Attach")).click()
    expect(page.get_by_role("link", name="hop-dan.jpg")).to_be_visible()
    page.get_by_role("button", name=vi("Submit for evaluation")).click()
    expect(page.get_by_role("status")).to_have_text(vi("Submitted to the evaluation committee."))
    practice = Practice.objects.get()
    assert practice.status == "submitted"
    _sign_out(page)

    # 2. The province sets up a committee, scores the model and recognises it.
    _sign_in_with_code(page, sign_in, admin, device)
    page.goto(f"{live_server.url}/practices/committees/")
    page.locator("#id_name").fill("Hội đồng đánh giá mô hình Dân vận khéo tỉnh")
    page.get_by_role("button", name=vi("Create")).click()
    page.locator("#id_user").select_option(label="Nguyễn Văn An")
    page.get_by_role("button", name=vi("Add member")).click()
    page.get_by_role("button", name=vi("Evaluate")).click()
    for field, value in (
        ("results", "9"),
        ("support", "11"),
        ("sustainability", "8"),
        ("replicability", "8"),
    ):
        page.locator(f"#id_{field}").fill(value)
    page.get_by_role("button", name=vi("Save my scores")).click()
    expect(page.locator("small.error[role=alert]")).to_contain_text("11")
    page.locator("#id_support").fill("9")
    page.get_by_role("button", name=vi("Save my scores")).click()
    expect(page.locator(".figure")).to_have_text("8,65")
    screenshot(page, "practice-evaluation", publish=True, full_page=True)
    page.locator("input[name=decision][value=recognise]").check()
    page.locator("#id_comment").fill("Kết quả rõ, nhân dân đồng tình.")
    page.get_by_role("button", name=vi("Record the decision")).click()
    expect(page.get_by_role("status")).to_have_text(vi("Decision recorded."))
    screenshot(page, "practice-detail", publish=True, full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name=vi("Download the certificate (PDF)")).click()
    assert download.value.suggested_filename == f"chung-nhan-mo-hinh-{practice.pk}.pdf"
    page.goto(f"{live_server.url}/")
    card = page.locator("article", has_text=vi("Open the registry"))
    expect(card.locator("svg rect")).to_have_count(8)  # four fields, registered and recognised
    card.scroll_into_view_if_needed()
    screenshot(page, "practices-dashboard-card")
    page.goto(f"{live_server.url}/practices/?q=hien+dat")
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    screenshot(page, "practices-list", publish=True)
    _sign_out(page)

    # 3. The neighbouring commune finds the model without diacritics, replicates it and reports results.
    sign_in(neighbour)
    page.goto(f"{live_server.url}/practices/similar/")
    page.locator("#id_text").fill("ngo hep xe cuu thuong khong vao duoc")
    page.get_by_role("button", name=vi("Find models")).click()
    page.get_by_role("link", name="Dân vận khéo vận động hiến đất mở rộng đường ngõ").click()
    page.get_by_role("button", name=vi("Replicate in my commune")).click()
    page.locator("#id_adaptation_notes").fill("Thôn Tha: họp bằng tiếng Tày, người có uy tín đi cùng.")
    page.get_by_role("button", name=vi("Start the replication")).click()
    page.locator("#id_progress").fill("100")
    page.locator("#id_note").fill("Đã mở rộng xong 700 m.")
    page.locator("#id_results").fill("700 m đường ngõ rộng 3 m")
    page.locator("#id_status").select_option("completed")
    page.get_by_role("button", name=vi("Record")).click()
    expect(page.get_by_role("status")).to_have_text(vi("Progress recorded."))
    page.goto(f"{live_server.url}/practices/spread/")
    expect(page.locator("main article")).to_contain_text("Phường Hà Giang 2")
    screenshot(page, "practice-spread", publish=True, full_page=True)
    assert Replication.objects.get().status == "completed"
