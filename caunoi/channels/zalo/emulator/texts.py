"""What the emulated citizens write: Vietnamese messages from topic templates, written for this project.

Real messages are not tidy, so some come without diacritics (typed on a phone without Telex) and some
in teencode ("ko", "dc"); the inbox and the opinion pipeline must cope with both. ``{place}`` is a
village or residential group, ``{commune}`` the commune, ``{n}`` a small number, ``{hour}`` a time.
"""

from __future__ import annotations

import random
import re

from caunoi.core.text import strip_diacritics

TOPICS: dict[str, list[str]] = {
    "land": [
        "Cho em hỏi thủ tục cấp sổ đỏ cho mảnh đất vườn ở {place} cần những giấy tờ gì ạ?",
        "Nhà bên cạnh lấn sang đất nhà tôi khoảng {n} mét, đã báo trưởng thôn mà chưa giải quyết.",
        "Đất nhà tôi bị thu hồi làm đường từ năm ngoái mà đến giờ vẫn chưa nhận được tiền bồi thường.",
        "Tôi muốn tách thửa đất cho con ở {place}, {commune} thì nộp hồ sơ ở đâu ạ?",
        "Có người san lấp ruộng để xây nhà không phép ở {place}, đề nghị xã kiểm tra.",
        "Bản đồ địa chính đo sai ranh giới đất nhà tôi, xin cán bộ địa chính xuống đo lại.",
    ],
    "roads": [
        "Đoạn đường từ {place} ra trung tâm xã bị sụt lún, nhiều ổ gà, đi xe máy rất nguy hiểm.",
        "Cầu treo ở {place} bị hỏng mấy tấm ván, học sinh đi qua rất sợ, mong xã sửa sớm.",
        "Xe chở đá chạy quá tải làm vỡ đường bê tông ở {place}, bụi mù cả ngày.",
        "Đèn đường ở ngã ba {place} tắt cả tuần nay rồi, tối đi lại không thấy gì.",
        "Bao giờ thì làm đường bê tông vào {place} ạ? Mùa mưa lầy lội không đi được.",
        "Cây đổ chắn ngang đường lên {place} từ sáng đến giờ chưa ai dọn.",
    ],
    "electricity_water": [
        "{place} mất điện từ {hour} đến giờ chưa có lại, trời nóng quá.",
        "Nước sinh hoạt ở {place} mấy hôm nay đục và có mùi, bà con không dám dùng.",
        "Tiền điện tháng này nhà tôi tăng gấp đôi mà dùng như mọi tháng, xin kiểm tra lại công tơ.",
        "Đường ống nước tự chảy lên {place} bị vỡ, cả thôn thiếu nước {n} ngày rồi.",
        "Cột điện ở {place} bị nghiêng sau trận gió, dây võng thấp rất nguy hiểm.",
        "Khi nào điện lưới về tới {place} ạ? Bà con vẫn phải dùng máy phát điện nhỏ.",
    ],
    "health": [
        "Trạm y tế {commune} tiêm vắc xin cho trẻ vào ngày nào trong tháng ạ?",
        "Thẻ bảo hiểm y tế của con tôi hết hạn rồi, gia hạn ở đâu ạ?",
        "Ở {place} có nhiều người bị sốt và đau mắt, đề nghị y tế xuống kiểm tra.",
        "Bà tôi ốm nặng cần chuyển lên bệnh viện tỉnh, gọi xe cấp cứu số nào ạ?",
        "Trạm y tế thiếu thuốc, đi khám xong toàn phải tự ra ngoài mua.",
        "Người cao tuổi có được khám sức khoẻ miễn phí hằng năm không ạ?",
    ],
    "education": [
        "Cho hỏi thời gian tuyển sinh lớp 1 năm nay ở {commune} thế nào ạ?",
        "Điểm trường ở {place} dột nát, cứ mưa là các cháu phải nghỉ học.",
        "Con tôi học bán trú, tiền hỗ trợ ăn trưa {n} tháng nay chưa thấy nhận.",
        "Con em đồng bào dân tộc thiểu số có được miễn học phí không ạ?",
        "Đường đến trường xa quá, xã có tổ chức đưa đón học sinh không ạ?",
    ],
    "social_welfare": [
        "Nhà tôi là hộ cận nghèo, năm nay có được hỗ trợ làm nhà không ạ?",
        "Mẹ tôi năm nay {age} tuổi, làm hồ sơ trợ cấp người cao tuổi ở đâu ạ?",
        "Tiền trợ cấp người khuyết tật tháng này chưa được chi trả, xin xã kiểm tra giúp.",
        "Danh sách hộ nghèo năm nay chưa công bằng, có nhà khá giả vẫn được vào.",
        "Xin hỏi thủ tục hưởng bảo hiểm xã hội một lần làm thế nào?",
        "Gạo hỗ trợ giáp hạt năm nay bao giờ thì phát ạ?",
    ],
    "security": [
        "Đêm qua ở {place} có trộm vào bắt mất {n} con gà, đề nghị công an xã chú ý.",
        "Có nhóm thanh niên tụ tập đua xe gây ồn ở {place} mỗi tối.",
        "Tôi nhận được cuộc gọi tự xưng công an bảo chuyển tiền, có phải lừa đảo không?",
        "Quán hát ở {place} mở nhạc to đến nửa đêm, không ai ngủ được.",
        "Có người lạ vào {place} rủ bà con đi làm ăn xa, thấy đáng ngờ quá.",
    ],
    "admin_procedures": [
        "Làm căn cước cho con ở đâu, cần mang theo giấy tờ gì ạ?",
        "Tôi nộp hồ sơ đăng ký khai sinh trực tuyến {n} ngày rồi chưa thấy trả kết quả.",
        "Chứng thực bản sao giấy tờ ở xã mất phí bao nhiêu ạ?",
        "Sau sáp nhập thì giấy tờ có phải đổi địa chỉ sang {commune} không ạ?",
        "Bộ phận một cửa có làm việc sáng thứ bảy không ạ?",
        "Tôi muốn đăng ký kết hôn thì cần những giấy tờ gì?",
    ],
    "agriculture_forestry": [
        "Lợn nhà tôi và mấy nhà ở {place} bị ốm, bỏ ăn, có phải dịch không ạ?",
        "Giống ngô được hỗ trợ năm nay bao giờ thì phát ạ?",
        "Có người chặt trộm gỗ trong rừng phòng hộ gần {place}.",
        "Giá chè búp tươi xuống thấp quá, xã có hỗ trợ tìm đầu ra không?",
        "Xin hướng dẫn cách phòng sâu keo hại ngô.",
        "Tiền hỗ trợ trồng rừng năm ngoái vẫn chưa nhận được.",
    ],
    "disaster": [
        "Cứu với! Nước lũ đang dâng vào nhà ở {place}, còn người già và trẻ nhỏ chưa ra được.",
        "Sạt lở đất sau nhà tôi ở {place}, vết nứt to ra, gia đình cần di dời gấp.",
        "Đường vào {place} bị sạt lở chắn hết, xe không vào được, bà con bị cô lập.",
        "Mưa to cả đêm, suối ở {place} lên nhanh, ngầm tràn ngập rồi, đề nghị cắm biển cấm qua.",
        "Lũ quét cuốn mất {n} con trâu và một phần nhà, xin xã hỗ trợ.",
        "Khẩn cấp: có người bị nước cuốn ở suối gần {place}, cần người cứu hộ ngay!",
        "Mưa đá làm tốc mái mấy nhà ở {place}, cần bạt che tạm.",
    ],
    "culture": [
        "Lễ hội đầu xuân năm nay ở {commune} tổ chức ngày nào ạ?",
        "Nhà văn hoá {place} xuống cấp, bà con muốn xin kinh phí sửa lại.",
        "Đội văn nghệ {place} muốn đăng ký liên hoan hát then thì làm thế nào ạ?",
        "Loa truyền thanh thôn bật to quá, mới 5 giờ sáng đã bật rồi.",
        "Có lớp dạy chữ Tày hay chữ Mông cho thanh niên không ạ?",
    ],
    "other": [
        "Cảm ơn cán bộ xã đã xuống hỗ trợ gia đình tôi hôm trước.",
        "Cho tôi xin số điện thoại của bộ phận một cửa {commune}.",
        "Trang thông tin của xã nên đăng lịch tiếp công dân để bà con biết.",
        "Rác ở chợ {commune} không được thu gom, bốc mùi quá.",
        "Xin chào, tôi muốn nhận thông báo của xã qua Zalo.",
    ],
}

TOPIC_WEIGHTS = {
    "land": 10,
    "roads": 12,
    "electricity_water": 10,
    "health": 8,
    "education": 7,
    "social_welfare": 9,
    "security": 6,
    "admin_procedures": 12,
    "agriculture_forestry": 8,
    "disaster": 7,
    "culture": 4,
    "other": 7,
}

_OPENERS = ["", "", "", "Chào anh chị. ", "Dạ, ", "Kính gửi UBND xã, ", "Xin chào, "]
_CLOSERS = ["", "", "", " Cảm ơn ạ.", " Mong được giải quyết sớm.", " Em cảm ơn!", " 🙏"]
_TEENCODE = [
    (r"\bkhông\b", "ko"),
    (r"\bđược\b", "dc"),
    (r"\bgì\b", "j"),
    (r"\bvới\b", "vs"),
    (r"\brồi\b", "r"),
    (r"\bbiết\b", "bít"),
    (r"\banh chị\b", "a/c"),
    (r"\bbao giờ\b", "bh"),
    (r"\bem\b", "e"),
    (r"\bvậy\b", "v"),
]
_TEENCODE_RE = [(re.compile(pattern, re.IGNORECASE), short) for pattern, short in _TEENCODE]

IMAGE_CAPTIONS = ["Ảnh hiện trường", "Đây ạ", "Anh chị xem giúp", "", "Chụp sáng nay"]
FILE_NAMES = ["don-de-nghi.pdf", "danh-sach-ho.docx", "giay-to.pdf", "bien-ban-thon.doc"]
LINK_DESCRIPTIONS = ["Bài viết về đường sạt lở", "Thông báo của thôn", "Video ngập lụt"]


def _mid_sentence(name: str) -> str:
    """ "Thôn Nà Mạ" is written "thôn Nà Mạ" inside a sentence."""
    return name[:1].lower() + name[1:]


def teencode(text: str) -> str:
    for pattern, short in _TEENCODE_RE:
        text = pattern.sub(short, text)
    return text


def citizen_message(rng: random.Random, *, place: str, commune: str, topic: str = "") -> tuple[str, str]:
    """(topic, text) of one message, with the style varied as people really type; about ``topic`` when
    given (a burst), else a topic drawn with everyday weights."""
    topic = topic or rng.choices(list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values()))[0]
    body = rng.choice(TOPICS[topic]).format(
        place=_mid_sentence(place),
        commune=_mid_sentence(commune) or "xã",
        n=rng.randint(2, 12),
        hour=f"{rng.randint(5, 21)} giờ",
        age=rng.randint(75, 95),
    )
    opener = rng.choice(_OPENERS)
    body = (body[0].lower() if opener.endswith(", ") else body[0].upper()) + body[1:]
    text = opener + body + rng.choice(_CLOSERS)
    style = rng.random()
    if style < 0.15:
        text = teencode(text)
        if rng.random() < 0.5:
            text = strip_diacritics(text).lower()
    elif style < 0.35:
        text = strip_diacritics(text)
    return topic, text
