"""Demo campaigns: a completed bulletin with results, a draft with a H'Mông translation awaiting review,
and the pre-approved flash-flood alert template. Created through the services; idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from caunoi.accounts.models import User
from caunoi.campaigns import counts, services
from caunoi.campaigns.models import AlertTemplate, Campaign, CampaignState, Delivery, DeliveryStatus
from caunoi.channels.base import ChannelKind
from caunoi.citizens.models import Citizen
from caunoi.geo.models import Unit

FLOOD = "Cảnh báo lũ quét, sạt lở đất"
COMPLETED_TITLE = "Lịch tiêm chủng mở rộng tháng 11"
DRAFT_TITLE = "Hướng dẫn phòng chống rét cho gia súc"


def demo_seed() -> None:
    editor = User.objects.filter(username="tinh.bientap").first()
    approver = User.objects.filter(username="tinh.pheduyet").first()
    admin = User.objects.filter(username="tinh.quantri").first()
    officer = User.objects.filter(username="xa.hagiang1").first()
    if editor is None or approver is None or admin is None:
        return
    province = Unit.objects.get(code="08")
    communes = list(Unit.objects.filter(code__in=["00694", "00691"]))
    with transaction.atomic():
        if not AlertTemplate.objects.filter(name=FLOOD).exists():
            services.alert_template_create(
                unit=province,
                name=FLOOD,
                title=FLOOD,
                body=(
                    "Mưa lớn kéo dài, nguy cơ rất cao xảy ra lũ quét và sạt lở đất trong 6 giờ tới. "
                    "Bà con ở ven suối, chân đồi, sườn núi hãy di chuyển ngay đến nơi an toàn, "
                    'không qua ngầm tràn, suối sâu. Cần cứu trợ, nhắn "CẦN CỨU" kèm vị trí; '
                    'đã an toàn, nhắn "AN TOÀN".'
                ),
                sms_text=(
                    "CANH BAO LU QUET, SAT LO DAT trong 6 gio toi. Di chuyen ngay den noi an toan. "
                    "Can cuu: nhan CAN CUU + vi tri. Da an toan: nhan AN TOAN."
                ),
                pre_approved=True,
                actor=admin,
            )
        if not Campaign.objects.filter(title=COMPLETED_TITLE).exists():
            done = services.campaign_create(
                unit=province,
                title=COMPLETED_TITLE,
                body=(
                    "Trạm y tế các phường tổ chức tiêm chủng mở rộng cho trẻ dưới 5 tuổi vào sáng "
                    "thứ Bảy. Bà con mang theo sổ tiêm chủng."
                ),
                channels=[ChannelKind.ZALO, ChannelKind.SMS, ChannelKind.WEB],
                target_units=communes,
                actor=editor,
            )
            services.campaign_submit(campaign=done, actor=editor)
            services.campaign_approve(campaign=done, actor=approver)
            _completed_with_results(done, communes)
        if not Campaign.objects.filter(title=DRAFT_TITLE).exists():
            draft = services.campaign_create(
                unit=province,
                title=DRAFT_TITLE,
                body=(
                    "Nhiệt độ xuống dưới 10 độ C. Bà con che chắn chuồng trại, cho trâu bò ăn đủ "
                    "và không thả rông gia súc lên núi cao."
                ),
                channels=[ChannelKind.ZALO, ChannelKind.SMS, ChannelKind.LOUDSPEAKER],
                target_units=communes,
                actor=editor,
            )
            translator = officer or admin
            services.variant_assign(campaign=draft, language="hmn", translator=translator, actor=editor)
            variant = services.variant_save(
                campaign=draft,
                language="hmn",
                title="Kev tiv thaiv no rau tsiaj txhu",
                body=(
                    "Huab cua txias qis dua 10 degrees. Thov cov pej xeem kaw nkuaj nyuj twm kom sov, "
                    "pub zaub mov txaus thiab tsis txhob tso tsiaj mus rau saum roob siab."
                ),
                actor=translator,
            )
            services.variant_submit(variant=variant, actor=translator)


def _completed_with_results(campaign: Campaign, communes: list[Unit]) -> None:
    """A finished bulletin to show the results page: the rows as the engine would have left them."""
    now = timezone.now() - dt.timedelta(days=3)
    people = list(Citizen.objects.present().filter(home_unit__in=communes))
    statuses = [DeliveryStatus.SEEN, DeliveryStatus.DELIVERED, DeliveryStatus.SENT, DeliveryStatus.FAILED]
    Delivery.objects.bulk_create(
        [
            Delivery(
                campaign=campaign,
                citizen=c,
                unit=c.home_unit,
                channel=ChannelKind.SMS if i % 2 else ChannelKind.ZALO,
                language=c.preferred_language or "vi",
                status=statuses[i % len(statuses)],
                attempts=1,
                next_attempt_at=now,
                created_at=now,
                sent_at=now,
                finished_at=now,
                error_code="-230" if statuses[i % len(statuses)] == DeliveryStatus.FAILED else "",
            )
            for i, c in enumerate(people)
        ]
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        state=CampaignState.COMPLETED, started_at=now, completed_at=now + dt.timedelta(minutes=4)
    )
    counts.rebuild(campaign)
