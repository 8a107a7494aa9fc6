from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    COUNTRY = "country", _("Country")
    PROVINCE = "province", _("Province")  # tỉnh / thành phố
    COMMUNE = "commune", _("Commune or ward")  # xã / phường / đặc khu
    VILLAGE = "village", _("Village or residential group")  # thôn / bản / tổ dân phố


class UnitType(models.TextChoices):
    """The legal type of a unit (loại đơn vị hành chính)."""

    COUNTRY = "quoc_gia", _("country")
    CITY = "thanh_pho", _("centrally-run city")  # thành phố trực thuộc trung ương
    PROVINCE = "tinh", _("province")  # tỉnh
    COMMUNE = "xa", _("commune")  # xã
    WARD = "phuong", _("ward")  # phường
    SPECIAL_ZONE = "dac_khu", _("special zone")  # đặc khu
    VILLAGE = "thon", _("village")  # thôn, bản, làng, xóm
    RESIDENTIAL_GROUP = "to_dan_pho", _("residential group")  # tổ dân phố


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self, on: dt.date | None = None) -> UnitQuerySet:
        day = on or timezone.localdate()
        return self.filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=day), valid_from__lte=day)

    def in_units(self, unit_ids: Collection[int]) -> UnitQuerySet:
        return self.filter(pk__in=unit_ids)

    def within(self, unit: Unit) -> UnitQuerySet:
        """The unit and everything below it, through the materialised path."""
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """Đơn vị hành chính: country → province → commune/ward → village/residential group.

    Provinces and communes come from the national list with their official codes; villages are added
    by their commune and get a code under it (``00691-001``). Units are never deleted: a merged or
    abolished unit gets ``valid_to`` and keeps its history.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=200)
    name_folded = models.CharField(_("name without diacritics"), max_length=200, db_index=True)
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices, db_index=True)
    unit_type = models.CharField(_("type"), max_length=16, choices=UnitType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    path = models.CharField(max_length=200, db_index=True, editable=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    formed_from = models.TextField(_("formed from"), blank=True)
    name_history = models.JSONField(_("earlier names"), default=list, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="country", parent__isnull=True) | ~models.Q(level="country"),
                name="geo_unit_country_is_root",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="geo_unit_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.valid_to is None or self.valid_to > timezone.localdate()
