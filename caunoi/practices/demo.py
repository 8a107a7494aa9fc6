"""Demo "Dân vận khéo" registry: a few plausible models of Tuyên Quang communes, made through the services.

One model of Phường Hà Giang 1 is recognised at province level with scores from a provincial committee
and replicated by Phường Hà Giang 2; others are recognised elsewhere (so "find by problem" has
something to find), one is submitted and one is still a draft. The people named are the demo personas;
everyone else is described by role.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from caunoi.accounts.models import User
from caunoi.geo.models import Unit
from caunoi.practices import services
from caunoi.practices.models import Committee, Level, Practice, PracticeField, PracticeStatus
from caunoi.reports.pdf import render_pdf

COMMITTEE = "Hội đồng đánh giá mô hình “Dân vận khéo” tỉnh Tuyên Quang"

MODELS: list[dict[str, Any]] = [
    {
        "key": "road",
        "unit": "00694",
        "title": "Dân vận khéo trong vận động nhân dân hiến đất mở rộng đường ngõ, tổ dân phố",
        "field": PracticeField.ECONOMY,
        "people_in_charge": "Bí thư chi bộ, Tổ trưởng Tổ dân phố 1, Chi hội trưởng Chi hội Phụ nữ",
        "problem": (
            "Nhiều ngõ trong tổ dân phố hẹp dưới 2 m, xe cứu thương và xe chữa cháy không vào được; "
            "người dân e ngại hiến đất vì chưa rõ ranh giới và lo mất quyền lợi."
        ),
        "method": (
            "Cán bộ, đảng viên gương mẫu hiến đất trước; họp tổ dân phố công khai phương án, đo đạc có sự "
            "chứng kiến của các hộ liền kề; Mặt trận và các đoàn thể đến từng nhà vận động, giải thích "
            "quyền lợi; nhân dân bàn và quyết định mức đóng góp ngày công."
        ),
        "results": "Mở rộng 1,8 km đường ngõ lên 3,5 m; không có khiếu nại; 100% hộ đồng thuận.",
        "figures": [
            {"label": "Hộ hiến đất", "value": 86, "unit": "hộ"},
            {"label": "Diện tích hiến", "value": 2450, "unit": "m²"},
            {"label": "Ngày công nhân dân đóng góp", "value": 1320, "unit": "ngày công"},
        ],
        "beneficiaries": 1650,
        "beneficiaries_note": "Nhân dân Tổ dân phố 1 và Tổ dân phố 2",
        "status": "recognised",
        "scores": {
            "tinh.quantri": {"results": 9, "support": 9.5, "sustainability": 8, "replicability": 9},
            "tinh.pheduyet": {"results": 8.5, "support": 9, "sustainability": 8, "replicability": 8.5},
            "xa.hagiang2": {"results": 9, "support": 8.5, "sustainability": 7.5, "replicability": 9},
        },
    },
    {
        "key": "homestay",
        "unit": "00721",
        "title": "Vận động đồng bào Mông giữ gìn nhà trình tường, làm du lịch cộng đồng",
        "field": PracticeField.ECONOMY,
        "people_in_charge": "Chủ tịch Ủy ban Mặt trận Tổ quốc xã, Trưởng thôn, người có uy tín trong thôn",
        "problem": (
            "Nhà trình tường truyền thống bị phá để xây nhà bê tông, mất cảnh quan; thanh niên bỏ đi làm "
            "ăn xa vì thu nhập ở thôn thấp."
        ),
        "method": (
            "Người có uy tín vận động bằng tiếng Mông tại các buổi sinh hoạt thôn; đưa các hộ đi học "
            "mô hình homestay; hỗ trợ vay vốn chính sách; thôn xây dựng hương ước giữ gìn cảnh quan."
        ),
        "results": "32 hộ làm homestay, thu nhập bình quân tăng 2,1 lần sau 3 năm.",
        "figures": [{"label": "Hộ làm du lịch cộng đồng", "value": 32, "unit": "hộ"}],
        "beneficiaries": 640,
        "status": "recognised",
        "scores": {
            "tinh.quantri": {"results": 8.5, "support": 9, "sustainability": 9, "replicability": 7},
            "tinh.pheduyet": {"results": 8, "support": 8.5, "sustainability": 8.5, "replicability": 7.5},
        },
    },
    {
        "key": "zalo",
        "unit": "02545",
        "title": "Nhóm Zalo “Tổ liên gia” tiếp nhận và trả lời phản ánh của nhân dân",
        "field": PracticeField.POLITICAL_SYSTEM,
        "people_in_charge": "Phó Bí thư Đảng uỷ xã, công chức Văn phòng, các trưởng thôn",
        "problem": (
            "Phản ánh, kiến nghị của người dân về đường, điện, nước chậm đến chính quyền và chậm được trả "
            "lời; người dân phải lên xã nhiều lần."
        ),
        "method": (
            "Mỗi tổ liên gia có một nhóm Zalo do trưởng thôn quản lý; phản ánh được chuyển đến bộ phận phụ "
            "trách trong ngày; kết quả giải quyết được công khai lại trong nhóm và tại buổi họp thôn."
        ),
        "results": "Thời gian trả lời phản ánh giảm từ 12 ngày xuống 3 ngày.",
        "figures": [{"label": "Phản ánh được giải quyết", "value": 418, "unit": "phản ánh"}],
        "beneficiaries": 5200,
        "status": "recognised",
        "scores": {
            "tinh.quantri": {"results": 8, "support": 8, "sustainability": 7.5, "replicability": 9.5},
            "xa.hagiang1": {"results": 8.5, "support": 8, "sustainability": 7, "replicability": 9},
        },
    },
    {
        "key": "camera",
        "unit": "00691",
        "title": "Tổ dân phố tự quản an ninh trật tự “Camera vì bình yên”",
        "field": PracticeField.DEFENCE_SECURITY,
        "people_in_charge": "Tổ trưởng Tổ dân phố 5, Công an phường, Chi hội Cựu chiến binh",
        "problem": "Trộm cắp vặt xe máy và tài sản ban đêm tại các ngõ, người dân lo lắng.",
        "method": (
            "Nhân dân tự nguyện đóng góp lắp camera tại các đầu ngõ; Cựu chiến binh tuần tra; "
            "công an phường hướng dẫn lưu và khai thác hình ảnh đúng quy định."
        ),
        "results": "Không còn vụ trộm cắp trong 10 tháng liên tiếp.",
        "figures": [{"label": "Camera lắp đặt", "value": 24, "unit": "chiếc"}],
        "beneficiaries": 900,
        "status": "submitted",
    },
    {
        "key": "child_marriage",
        "unit": "00694",
        "title": "Chi hội Phụ nữ vận động phòng, chống tảo hôn ở Thôn Châng",
        "field": PracticeField.CULTURE_SOCIETY,
        "people_in_charge": "Chi hội trưởng Chi hội Phụ nữ Thôn Châng",
        "problem": "Vẫn còn trường hợp tảo hôn; học sinh nữ bỏ học sau lớp 9.",
        "method": (
            "Thăm từng gia đình có con từ 14 đến 17 tuổi; sinh hoạt câu lạc bộ “Nói không với tảo hôn”."
        ),
        "status": "draft",
    },
]


def _photo(caption: str) -> bytes:
    """A stand-in photo (a landscape with the caption), made here so the demo ships no binary files."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 360), (120, 170, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 220, 640, 360), fill=(90, 140, 70))
    draw.polygon([(0, 230), (180, 90), (360, 230)], fill=(70, 110, 60))
    draw.polygon([(260, 230), (470, 60), (640, 230)], fill=(60, 100, 55))
    draw.text((16, 330), caption.encode("ascii", "ignore").decode()[:80], fill=(255, 255, 255))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _report(practice: Practice) -> bytes:
    return render_pdf("practices/demo_report.html", {"practice": practice})


def demo_seed() -> None:
    if Practice.objects.filter(title=MODELS[0]["title"]).exists():
        return
    year = timezone.localdate().year
    admin = User.objects.get(username="tinh.quantri")
    province = Unit.objects.get(code="08")
    committee = Committee.objects.filter(name=COMMITTEE, year=year).first() or services.committee_create(
        name=COMMITTEE, level=Level.PROVINCE, year=year, unit=province, actor=admin
    )
    for username in ("tinh.quantri", "tinh.pheduyet", "xa.hagiang1", "xa.hagiang2"):
        member = User.objects.get(username=username)
        if not committee.members.filter(user=member).exists():
            services.committee_member_add(committee=committee, user=member, actor=admin)

    created: dict[str, Practice] = {}
    for spec in MODELS:
        unit = Unit.objects.get(code=spec["unit"])
        officer = User.objects.filter(role_assignments__unit=unit).first() or admin
        practice = services.practice_create(
            unit=unit,
            year=year,
            title=spec["title"],
            field=spec["field"],
            people_in_charge=spec["people_in_charge"],
            started_on=dt.date(year - 2, 3, 1),
            problem=spec["problem"],
            method=spec["method"],
            results=spec.get("results", ""),
            figures=spec.get("figures", []),
            beneficiaries=spec.get("beneficiaries", 0),
            beneficiaries_note=spec.get("beneficiaries_note", ""),
            actor=officer,
        )
        created[spec["key"]] = practice
        if spec["status"] == PracticeStatus.DRAFT:
            continue
        services.evidence_add(
            practice=practice,
            upload=SimpleUploadedFile("anh-hien-truong.jpg", _photo(spec["title"]), "image/jpeg"),
            caption="Ảnh hiện trường",
            actor=officer,
        )
        services.evidence_add(
            practice=practice,
            upload=SimpleUploadedFile("bao-cao-ket-qua.pdf", _report(practice), "application/pdf"),
            caption="Báo cáo kết quả thực hiện",
            actor=officer,
        )
        services.practice_submit(practice=practice, actor=officer)
        if spec["status"] != PracticeStatus.RECOGNISED:
            continue
        evaluation = services.evaluation_open(practice=practice, committee=committee, actor=admin)
        for username, scores in spec["scores"].items():
            services.score_record(
                evaluation=evaluation, member=User.objects.get(username=username), scores=scores
            )
        services.evaluation_decide(
            evaluation=evaluation,
            recognised=True,
            comment="Mô hình có kết quả cụ thể, được nhân dân đồng tình, có thể nhân rộng.",
            actor=admin,
        )

    sibling_officer = User.objects.get(username="xa.hagiang2")
    road = Practice.objects.get(pk=created["road"].pk)
    replication = services.replication_start(
        source=road,
        unit=Unit.objects.get(code="00691"),
        adaptation_notes=(
            "Áp dụng cho các ngõ của Tổ dân phố 5 và Thôn Tha; ở thôn, họp bằng tiếng Tày, "
            "người có uy tín đi cùng cán bộ khi đo đạc."
        ),
        started_on=dt.date(year, 2, 15),
        actor=sibling_officer,
    )
    services.replication_report(
        replication=replication,
        progress=60,
        note="Đã họp 4 lần, 41 hộ ký cam kết hiến đất; đã mở rộng 700 m.",
        results="700 m đường ngõ rộng 3 m; 41 hộ hiến 980 m² đất.",
        beneficiaries=520,
        actor=sibling_officer,
    )
