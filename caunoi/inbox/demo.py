"""Demo inbox: canned answers, a knowledge base, one routing rule, a few conversations (one SOS), and
cases in every state — one of them overdue, so the escalation to the province can be watched.
Created through the services; idempotent (nothing is added once the knowledge base exists)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from caunoi.accounts.models import User
from caunoi.channels.models import InboundMessage
from caunoi.citizens.models import Citizen
from caunoi.geo.models import Unit
from caunoi.inbox import services
from caunoi.inbox.models import Category, Entry, KnowledgeEntry, Petition, PetitionKind, PetitionSource

KNOWLEDGE = [
    (
        "Giờ làm việc của UBND xã, phường",
        "giờ làm việc, mấy giờ mở cửa, làm việc thứ bảy",
        "UBND xã, phường làm việc từ 7h30 đến 11h30 và từ 13h30 đến 17h, thứ Hai đến thứ Sáu. "
        "Bộ phận một cửa nhận hồ sơ cả sáng thứ Bảy.",
    ),
    (
        "Thủ tục đăng ký khai sinh cho con",
        "khai sinh, làm giấy khai sinh, đăng ký khai sinh",
        "Mang giấy chứng sinh, CCCD của cha mẹ và giấy đăng ký kết hôn (nếu có) đến bộ phận một cửa, "
        "hoặc nộp trực tuyến trên Cổng Dịch vụ công quốc gia. Không mất lệ phí nếu đăng ký đúng hạn.",
    ),
    (
        "Lịch tiêm chủng mở rộng cho trẻ em",
        "tiêm chủng, tiêm phòng, lịch tiêm",
        "Trạm y tế tiêm chủng mở rộng ngày 25 hằng tháng. Mang theo sổ tiêm chủng của cháu.",
    ),
]
CANNED = [
    ("Đã tiếp nhận", "Chúng tôi đã tiếp nhận ý kiến của ông/bà và sẽ trả lời trong thời hạn quy định."),
    (
        "Đề nghị bổ sung ảnh",
        "Đề nghị ông/bà gửi thêm ảnh chụp hiện trường và địa chỉ cụ thể để chúng tôi xác minh.",
    ),
]
MESSAGES = [
    ("Chị Lò Thị Hoa", "email", "Đèn đường tổ dân phố 2 bị hỏng hơn một tuần nay, buổi tối rất tối."),
    ("Anh Giàng A Sử", "sms", "Cho hỏi giờ làm việc của ủy ban phường?"),
    ("Bà Triệu Thị Lan", "web", "Rác thải ở đầu ngõ 15 không được thu gom, bốc mùi khó chịu."),
    (
        "Chị Lò Thị Hoa",
        "email",
        "Cứu với, nước suối lên nhanh, nhà tôi ở thôn Châng có người già bị mắc kẹt!",
    ),
]


def _say(citizen: Citizen, channel: str, text: str, when: dt.datetime) -> None:
    InboundMessage.objects.create(
        citizen=citizen,
        channel=channel,
        provider_message_id=f"demo-{uuid.uuid4().hex}",
        message_type="text",
        text=text,
        occurred_at=when,
    )


def demo_seed() -> None:
    if KnowledgeEntry.objects.exists():
        return
    admin = User.objects.filter(username="tinh.quantri").first()
    officer = User.objects.filter(username="xa.hagiang1").first()
    if admin is None or officer is None:
        return
    province = Unit.objects.get(code="08")
    commune = Unit.objects.get(code="00694")
    now = timezone.now()
    with transaction.atomic():
        for question, keywords, answer in KNOWLEDGE:
            services.knowledge_entry_save(
                unit=province, question=question, keywords=keywords, answer=answer, approved=True, actor=admin
            )
        for title, text in CANNED:
            services.canned_answer_save(unit=province, title=title, text=text, actor=admin)
        services.routing_rule_save(
            unit=province,
            category=Category.objects.get(code="dat-dai"),
            responsible_unit=province,
            office="Sở Nông nghiệp và Môi trường",
            actor=admin,
        )
        for minutes, (name, channel, text) in enumerate(MESSAGES):
            citizen = Citizen.objects.filter(display_name=name).first()
            if citizen is not None:
                _say(citizen, channel, text, now - dt.timedelta(minutes=30 - minutes * 5))
    services.conversations_ingest()
    with transaction.atomic():
        hoa = Citizen.objects.get(display_name="Chị Lò Thị Hoa")
        entry = Entry.objects.filter(conversation__citizen=hoa, text__startswith="Đèn đường").first()
        if entry is not None:
            services.petition_from_entry(
                entry=entry, category=Category.objects.get(code="dien-nuoc"), actor=officer
            )
        late = services.petition_create(
            citizen=Citizen.objects.get(display_name="Anh Giàng A Sử"),
            title="Đường vào thôn Châng sạt lở taluy",
            text=(
                "Taluy dương đoạn đường vào thôn Châng bị sạt, đất đá lấn nửa mặt đường, "
                "xe máy đi rất nguy hiểm."
            ),
            kind=PetitionKind.PETITION,
            category=Category.objects.get(code="giao-thong"),
            commune=commune,
            source=PetitionSource.PHONE,
            actor=officer,
        )
        # Received three weeks ago and never answered: overdue, so the next deadline run escalates it.
        earlier = now - dt.timedelta(days=21)
        Petition.objects.filter(pk=late.pk).update(
            received_at=earlier, due_at=earlier + dt.timedelta(days=14)
        )
        answered = services.petition_create(
            citizen=Citizen.objects.get(display_name="Bà Triệu Thị Lan"),
            title="Xin lịch tiêm chủng cho cháu",
            text="Tôi muốn biết lịch tiêm chủng tháng này ở trạm y tế phường.",
            category=Category.objects.get(code="y-te-giao-duc"),
            commune=commune,
            source=PetitionSource.IN_PERSON,
            actor=officer,
        )
        services.petition_answer(
            petition=answered, answer="Trạm y tế phường tiêm chủng mở rộng ngày 25 hằng tháng.", actor=officer
        )
