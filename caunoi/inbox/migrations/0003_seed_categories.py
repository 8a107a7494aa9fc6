"""The starting taxonomy of petition categories (lĩnh vực) and the statutory deadlines; both can be
changed afterwards in the inbox settings."""

from typing import Any

from django.db import migrations

CATEGORIES = [
    ("dat-dai", "Đất đai", "petition"),
    ("xay-dung-trat-tu-do-thi", "Xây dựng, trật tự đô thị", "feedback"),
    ("giao-thong", "Giao thông, đường sá", "feedback"),
    ("dien-nuoc", "Điện, nước sinh hoạt", "feedback"),
    ("moi-truong", "Môi trường, rác thải", "feedback"),
    ("an-ninh-trat-tu", "An ninh, trật tự", "feedback"),
    ("chinh-sach-xa-hoi", "Chính sách xã hội, người có công", "petition"),
    ("y-te-giao-duc", "Y tế, giáo dục", "feedback"),
    ("thu-tuc-hanh-chinh", "Thủ tục hành chính", "petition"),
    ("thien-tai", "Thiên tai, cứu hộ", "feedback"),
    ("can-bo-cong-chuc", "Thái độ, trách nhiệm cán bộ", "complaint"),
    ("khac", "Khác", "feedback"),
]
DEADLINES = {"feedback": (10, 2), "petition": (15, 3), "complaint": (30, 5), "denunciation": (30, 5)}


def seed(apps: Any, schema_editor: Any) -> None:
    Category = apps.get_model("inbox", "Category")
    DeadlineRule = apps.get_model("inbox", "DeadlineRule")
    for order, (code, name, kind) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "default_kind": kind, "order": order * 10}
        )
    for kind, (days, remind) in DEADLINES.items():
        DeadlineRule.objects.get_or_create(
            kind=kind, defaults={"working_days": days, "remind_days_before": remind}
        )


class Migration(migrations.Migration):
    dependencies = [("inbox", "0002_fulltext_indexes")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
