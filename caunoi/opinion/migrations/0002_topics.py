"""Seed the government taxonomy (danh mục lĩnh vực); officers can add to it later."""

from __future__ import annotations

from typing import Any

from django.db import migrations

TOPICS = [
    ("land", "Đất đai", "Sổ đỏ, tranh chấp, thu hồi và bồi thường, quy hoạch"),
    ("environment", "Môi trường", "Rác thải, ô nhiễm, nước thải, khai thác cát"),
    ("roads", "Giao thông, hạ tầng", "Đường, cầu, đèn đường, thoát nước"),
    ("utilities", "Điện, nước", "Mất điện, điện yếu, nước sạch, hóa đơn"),
    ("health", "Y tế", "Trạm y tế, bệnh viện, bảo hiểm y tế, tiêm chủng, dịch bệnh"),
    ("education", "Giáo dục", "Trường lớp, giáo viên, học phí, bán trú"),
    ("welfare", "An sinh xã hội", "Hộ nghèo, trợ cấp, người có công, người cao tuổi"),
    ("security", "An ninh, trật tự", "Trộm cắp, ma túy, lừa đảo, tạm trú, căn cước"),
    ("administration", "Thủ tục hành chính", "Một cửa, hộ tịch, chứng thực, dịch vụ công"),
    ("agriculture", "Nông, lâm nghiệp", "Cây trồng, vật nuôi, dịch bệnh gia súc, thủy lợi, rừng"),
    ("disasters", "Thiên tai", "Lũ, sạt lở, mưa đá, cháy rừng, cứu hộ"),
    ("culture", "Văn hóa, thông tin", "Văn nghệ, lễ hội, truyền thanh, sóng điện thoại"),
    ("other", "Khác", "Chào hỏi, thông tin chung"),
]


def seed(apps: Any, schema_editor: Any) -> None:
    Topic = apps.get_model("opinion", "Topic")
    for order, (key, name, description) in enumerate(TOPICS, start=1):
        Topic.objects.update_or_create(
            key=key, defaults={"name": name, "description": description, "order": order * 10, "built_in": True}
        )


class Migration(migrations.Migration):
    dependencies = [("opinion", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
