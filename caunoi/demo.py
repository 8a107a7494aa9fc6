"""Demo staff for every role and a little sample data, created through the real services.

Idempotent: a second ``caunoi demo`` finds everything in place and creates nothing twice. The names
below are invented; the units are the real ones of Tuyên Quang (08) and, for the out-of-province
persona, Cao Bằng (04).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from importlib import import_module

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from caunoi.accounts.models import User
from caunoi.accounts.services import staff_create
from caunoi.citizens.models import Citizen, ConsentPurpose
from caunoi.citizens.services import citizen_create
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit, UnitLevel, UnitType
from caunoi.geo.services import village_create

DEMO_PASSWORD = "demo-CauNoi-2026"  # noqa: S105 - printed for the demo on purpose

PROVINCE = "08"  # Tuyên Quang
COMMUNE = "00694"  # Phường Hà Giang 1
SIBLING = "00691"  # Phường Hà Giang 2
OTHER_PROVINCE = "04"  # Cao Bằng


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    unit_code: str
    role_label: str = ""
    unit_name: str = ""
    totp_key: str = ""


PERSONAS = [
    DemoLogin("tinh.quantri", "Nguyễn Văn An", Role.PROVINCE_ADMIN, PROVINCE),
    DemoLogin("tinh.bientap", "Hoàng Thị Bích", Role.EDITOR, PROVINCE),
    DemoLogin("tinh.pheduyet", "Ma Văn Cường", Role.APPROVER, PROVINCE),
    DemoLogin("tinh.kiemtra", "Lương Thị Dung", Role.AUDITOR, PROVINCE),
    DemoLogin("xa.hagiang1", "Vàng Thị Mai", Role.COMMUNE_OFFICER, COMMUNE),
    DemoLogin("ctv.hagiang1", "Triệu Văn Phúc", Role.REPORTER, COMMUNE),
    DemoLogin("xa.hagiang2", "Nông Văn Sơn", Role.COMMUNE_OFFICER, SIBLING),
    DemoLogin("caobang.canbo", "Bế Thị Hạnh", Role.COMMUNE_OFFICER, ""),  # first commune of Cao Bằng
]

VILLAGES = {COMMUNE: ["Tổ dân phố 1", "Tổ dân phố 2", "Thôn Châng"], SIBLING: ["Tổ dân phố 5", "Thôn Tha"]}

CITIZENS = [
    ("Chị Lò Thị Hoa", "0912 345 001", COMMUNE, "vi", [ConsentPurpose.NEWS, ConsentPurpose.FEEDBACK]),
    ("Anh Giàng A Sử", "0912 345 002", COMMUNE, "hmn", [ConsentPurpose.NEWS]),
    ("Bà Triệu Thị Lan", "", COMMUNE, "dao", [ConsentPurpose.FEEDBACK, ConsentPurpose.CONTACT]),
    ("Ông Nông Văn Tài", "0912 345 004", SIBLING, "tay", [ConsentPurpose.NEWS, ConsentPurpose.SURVEYS]),
]


# Each app seeds its own demo data (``<app>/demo.py``: an idempotent ``demo_seed() -> None``), in this
# order, after the units, staff and citizens above exist.
APP_SEEDS: tuple[str, ...] = (
    "caunoi.training.demo",
    "caunoi.practices.demo",
    "caunoi.disclosure.demo",
    "caunoi.campaigns.demo",
    "caunoi.inbox.demo",
    "caunoi.opinion.demo",
)


def _unit(code: str) -> Unit:
    if code:
        return Unit.objects.get(code=code)
    province = Unit.objects.get(code=OTHER_PROVINCE, level=UnitLevel.PROVINCE)
    return Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code").first()  # type: ignore[return-value]


def _persona(persona: DemoLogin) -> DemoLogin:
    unit = _unit(persona.unit_code)
    user = User.objects.filter(username=persona.username).first()
    if user is None:
        user = staff_create(
            username=persona.username,
            full_name=persona.full_name,
            password=DEMO_PASSWORD,
            role=persona.role,
            unit=unit,
            actor=None,
        )
    totp_key = ""
    if persona.role in (Role.PROVINCE_ADMIN, Role.APPROVER):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
        totp_key = base64.b32encode(device.bin_key).decode()
    return DemoLogin(
        persona.username,
        persona.full_name,
        persona.role,
        unit.code,
        role_label=str(Role(persona.role).label),
        unit_name=unit.name,
        totp_key=totp_key,
    )


def demo_seed() -> list[DemoLogin]:
    with transaction.atomic():
        logins = [_persona(p) for p in PERSONAS]
        officers = {
            COMMUNE: User.objects.get(username="xa.hagiang1"),
            SIBLING: User.objects.get(username="xa.hagiang2"),
        }
        for commune_code, names in VILLAGES.items():
            commune = Unit.objects.get(code=commune_code)
            for name in names:
                if not Unit.objects.filter(parent=commune, name=name).exists():
                    kind = UnitType.RESIDENTIAL_GROUP if name.startswith("Tổ") else UnitType.VILLAGE
                    village_create(commune=commune, name=name, unit_type=kind, actor=officers[commune_code])
        if not Citizen.objects.exists():
            for name, phone, commune_code, language, consents in CITIZENS:
                citizen_create(
                    home_unit=Unit.objects.get(code=commune_code),
                    display_name=name,
                    phone=phone,
                    preferred_language=language,
                    consents=[c.value for c in consents],
                    actor=officers[commune_code],
                )
    for module in APP_SEEDS:
        import_module(module).demo_seed()
    return logins
