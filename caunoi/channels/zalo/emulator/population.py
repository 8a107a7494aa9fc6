"""The synthetic followers: invented people with Zalo-like ids, a commune of the province and a language.

Names are assembled at random from common family, middle and given names, so no row describes a real
person. The preferred language (vi, Tày, Mông, Dao, Nùng) is what the platform would learn from a
citizen, not an ethnicity; names follow it only so the demo reads naturally.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

from caunoi.channels.zalo.emulator.config import DAY, EmulatorConfig

VN_TZ = dt.timezone(dt.timedelta(hours=7))

_FAMILY = {
    "vi": ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Dương", "Đào", "Phan"],
    "tay": ["Ma", "Nông", "Hoàng", "Hà", "Lục", "Sầm", "Quan", "Lộc", "Mông", "Hứa"],
    "hmn": ["Giàng", "Sùng", "Vàng", "Lù", "Thào", "Hạng", "Mua", "Lý", "Vừ"],
    "dao": ["Bàn", "Triệu", "Đặng", "Lý", "Chảo", "Phùng", "Tẩn"],
    "nut": ["Nông", "Hoàng", "Lương", "Chu", "Vi", "Lăng", "Mã"],
}
_MIDDLE = {
    "vi": (["Văn", "Đức", "Minh", "Quang"], ["Thị", "Ngọc", "Thu", "Minh"]),
    "tay": (["Văn", "Đình"], ["Thị"]),
    "hmn": (["A", "Seo", "Mí", "Chứ"], ["Thị", "Mỷ"]),
    "dao": (["Văn", "Kim", "Tòn"], ["Thị", "Mùi"]),
    "nut": (["Văn", "Đình"], ["Thị"]),
}
_GIVEN = {
    "vi": (
        ["Hùng", "Tuấn", "Dũng", "Thắng", "Long", "Nam", "Hải", "Sơn", "Cường", "Bình", "Khánh", "Phúc"],
        ["Lan", "Hoa", "Hằng", "Mai", "Hương", "Thảo", "Linh", "Nga", "Yến", "Trang", "Thuỷ", "Vân"],
    ),
    "tay": (["Thịnh", "Quý", "Tiến", "Thanh", "Lợi", "Hưng"], ["Nhung", "Hiền", "Duyên", "Loan", "Thơm"]),
    "hmn": (["Sử", "Páo", "Dế", "Chính", "Pó", "Dình", "Lềnh"], ["Mai", "Súa", "Dợ", "Chu", "Mỷ", "Ly"]),
    "dao": (["Quý", "Phin", "Sinh", "Kiên", "Lìn"], ["Mẩy", "Lìu", "Xuân", "Phấy", "Dín"]),
    "nut": (["Pản", "Hiểu", "Sáng", "Toàn"], ["Chiên", "Nhàn", "Thuận", "Giang"]),
}
_INFORMAL = (  # (male, female) styles: a given name, or a parent named after a child ("Bố Lợi")
    ["Anh {given}", "Bố {child}", "{given} {family}", "{given}"],
    ["Chị {given}", "Mẹ {child}", "{given} {family}", "{given}"],
)
_VILLAGE_FIRST = ["Nà", "Khuổi", "Bản", "Pác", "Lũng", "Cốc", "Phìn", "Tả", "Nặm", "Thẳm", "Bó", "Lùng"]
_VILLAGE_SECOND = ["Mạ", "Pồng", "Hon", "Táng", "Chang", "Sáng", "Lầu", "Vài", "Pục", "Chúa", "Hẩu", "Mè"]
_MOBILE_PREFIXES = ["8496", "8497", "8498", "8486", "8432", "8433", "8435", "8491", "8494", "8488", "8483"]
_FOLLOW_SOURCES = ["oa_profile", "message_invite", "social_plugin"]


@dataclass(frozen=True)
class Place:
    commune_code: str
    commune_name: str
    province_name: str


@dataclass
class Follower:
    user_id: str  # OA-scoped id: what every OA API takes
    user_id_by_app: str  # App-scoped id, a different number
    display_name: str
    gender: str  # "Nam" / "Nữ", as user_submit_info reports it
    birth_date: dt.date
    phone: str
    place: Place | None
    village: str
    language: str
    followed_at: float | None
    last_interaction: float | None  # epoch seconds; opens the consultation windows
    is_follower: bool = True
    clicked_chatnow: bool = False
    shared_info: dict[str, str] | None = None
    tags: set[str] = field(default_factory=set)
    window_replies: int = 0  # free replies used in the current window, when the old cap applies

    @property
    def address(self) -> str:
        if self.place is None:
            return self.village
        return f"{self.village}, {self.place.commune_name}"

    def share_info(self) -> dict[str, str]:
        """What request_user_info would hand the OA; kept in ``shared_info`` afterwards."""
        self.shared_info = {
            "name": self.display_name,
            "phone": self.phone,
            "address": self.address,
            "city": self.place.province_name if self.place else "",
            "district": "",  # no district level since 1 July 2025
        }
        return self.shared_info

    def admin_view(self) -> dict[str, object]:
        return {
            "user_id": self.user_id,
            "user_id_by_app": self.user_id_by_app,
            "display_name": self.display_name,
            "gender": self.gender,
            "birth_date": self.birth_date.isoformat(),
            "phone": self.phone,
            "commune_code": self.place.commune_code if self.place else "",
            "commune_name": self.place.commune_name if self.place else "",
            "village": self.village,
            "language": self.language,
            "is_follower": self.is_follower,
            "followed_at": self.followed_at,
            "last_interaction": self.last_interaction,
            "tags": sorted(self.tags),
            "shared_info": self.shared_info,
        }


@functools.cache
def province_places(province_code: str) -> tuple[Place, ...]:
    """The communes of a province from the national list; empty for an unknown code."""
    from caunoi.geo.sources import national_communes, national_provinces

    names = {p.code: p.name for p in national_provinces()}
    if province_code not in names:
        return ()
    return tuple(Place(c.code, c.name, names[province_code]) for c in national_communes(province_code))


def zalo_id(rng: random.Random) -> str:
    """Zalo ids are 18 or 19 digit numbers beyond 2^53, so they only ever travel as strings."""
    return str(rng.randrange(10**17, 9 * 10**18))


class PersonMaker:
    """Makes followers from one seeded random source: the same seed gives the same people."""

    def __init__(self, config: EmulatorConfig, rng: random.Random) -> None:
        self.config = config
        self.rng = rng
        self.places = province_places(config.province) if config.province else ()
        self.languages = list(config.languages)
        self.weights = list(config.languages.values())

    def person(self, *, now: float, following: bool, last_interaction: float | None) -> Follower:
        rng = self.rng
        language = rng.choices(self.languages, self.weights)[0]
        female = rng.random() < 0.5
        family = rng.choice(_FAMILY.get(language, _FAMILY["vi"]))
        middle = rng.choice(_MIDDLE.get(language, _MIDDLE["vi"])[female])
        given = rng.choice(_GIVEN.get(language, _GIVEN["vi"])[female])
        name = f"{family} {middle} {given}"
        if rng.random() < 0.2:
            child = rng.choice(rng.choice(_GIVEN.get(language, _GIVEN["vi"])))
            name = rng.choice(_INFORMAL[female]).format(given=given, family=family, child=child)
        place = rng.choice(self.places) if self.places else None
        if place is not None and place.commune_name.startswith("Phường"):
            village = f"Tổ dân phố {rng.randint(1, 25)}"
        elif rng.random() < 0.4:
            village = f"Thôn {rng.randint(1, 15)}"
        else:
            village = f"Thôn {rng.choice(_VILLAGE_FIRST)} {rng.choice(_VILLAGE_SECOND)}"
        age_days = rng.randint(15 * 365, 80 * 365) if rng.random() > 0.02 else rng.randint(13 * 365, 17 * 365)
        birth = (dt.datetime.fromtimestamp(now, VN_TZ) - dt.timedelta(days=age_days)).date()
        followed_at = now - rng.uniform(self.config.history_days * DAY, 900 * DAY) if following else None
        person = Follower(
            user_id=zalo_id(rng),
            user_id_by_app=zalo_id(rng),
            display_name=name,
            gender="Nữ" if female else "Nam",
            birth_date=birth,
            phone=rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}",
            place=place,
            village=village,
            language=language,
            followed_at=followed_at,
            last_interaction=last_interaction,
            is_follower=following,
        )
        if rng.random() < self.config.shared_info_share:
            person.share_info()
        return person

    def population(self, now: float) -> list[Follower]:
        spread = self.config.history_days * DAY
        return [
            self.person(now=now, following=True, last_interaction=now - self.rng.uniform(0, spread))
            for _ in range(self.config.followers)
        ]

    def follow_source(self) -> str:
        return self.rng.choice(_FOLLOW_SOURCES)


def is_minor(person: Follower, now: float) -> bool:
    """Zalo flags users under 18 as ``is_sensitive``."""
    today = dt.datetime.fromtimestamp(now, VN_TZ).date()
    return (today - person.birth_date).days < 18 * 365
