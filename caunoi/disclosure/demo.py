"""Demo disclosure board, made through the real services (idempotent: a second run changes nothing).

Phường Hà Giang 1 (``xa.hagiang1``) has published its 2026 budget estimate with a spreadsheet, the
result of the residents' road contributions, and a land compensation plan that ended last month; two
residents commented: one comment is shown, one waits for moderation.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.db import transaction
from django.utils import timezone

from caunoi.accounts.models import User
from caunoi.disclosure import services
from caunoi.disclosure.models import Publication
from caunoi.geo.models import Unit

COMMUNE = "00694"


def _spreadsheet() -> bytes:
    """A minimal valid XLSX (enough to pass the content check and open in a spreadsheet program)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="Du toan" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Tong thu'
            '</t></is></c><c r="B1"><v>12500000000</v></c></row><row r="2"><c r="A2" t="inlineStr"><is>'
            '<t>Tong chi</t></is></c><c r="B2"><v>12300000000</v></c></row></sheetData></worksheet>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@transaction.atomic
def demo_seed() -> None:
    unit = Unit.objects.get(code=COMMUNE)
    if Publication.objects.filter(unit=unit).exists():
        return
    officer = User.objects.get(username="xa.hagiang1")
    now = timezone.now()
    budget = services.publication_publish(
        unit=unit,
        category="budget",
        title="Dự toán thu, chi ngân sách phường năm 2026",
        body=(
            "Thực hiện Luật Thực hiện dân chủ ở cơ sở, Ủy ban nhân dân phường công khai dự toán ngân sách "
            "năm 2026 đã được Hội đồng nhân dân phường thông qua.\n\n"
            "Tổng thu ngân sách trên địa bàn: 12,5 tỷ đồng.\nTổng chi ngân sách phường: 12,3 tỷ đồng.\n\n"
            "Chi tiết xem tệp đính kèm. Mọi ý kiến góp ý xin gửi bên dưới."
        ),
        published_at=now - dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=90),
        documents=[("Du-toan-ngan-sach-2026.xlsx", _spreadsheet())],
        actor=officer,
    )
    services.publication_publish(
        unit=unit,
        category="contributions",
        title="Kết quả vận động Nhân dân đóng góp bê tông hoá đường tổ 5",
        body="Tổng số hộ đóng góp: 126 hộ. Tổng số tiền: 350.000.000 đồng. Đã chi: 342.500.000 đồng.",
        published_at=now - dt.timedelta(days=1),
        actor=officer,
    )
    services.publication_publish(
        unit=unit,
        category="land",
        title="Phương án bồi thường, hỗ trợ dự án mở rộng đường Nguyễn Trãi",
        body="Phương án đã niêm yết 20 ngày tại trụ sở phường và nhà văn hoá tổ 3.",
        published_at=now - dt.timedelta(days=50),
        ends_at=now - dt.timedelta(days=30),
        comments_open=False,
        actor=officer,
    )
    shown = services.comment_submit(
        publication=budget,
        display_name="Bác Tư tổ 5",
        text="Đề nghị phường công khai thêm phần chi cho sửa chữa trường mầm non.",
        client_address="192.0.2.10",
    )
    services.comment_moderate(comment=shown, approve=True, actor=officer)
    services.comment_submit(
        publication=budget,
        display_name="Chị Hoa",
        text="Xin hỏi khoản chi sự nghiệp môi trường gồm những việc gì?",
        client_address="192.0.2.11",
    )
