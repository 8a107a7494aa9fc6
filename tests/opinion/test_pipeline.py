"""The text pipeline: teencode, folding, redaction (property-tested), SOS cues and bad input."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from caunoi.opinion.analysis import Skip, skip_reason
from caunoi.opinion.pipeline import (
    ACCOUNT_MARK,
    EMAIL_MARK,
    ID_MARK,
    NAME_MARK,
    PHONE_MARK,
    content_words,
    normalise,
    prepare,
    redact,
    segment,
)
from caunoi.opinion.urgency import sos_cues, urgency


def test_teencode_is_expanded_token_by_token() -> None:
    assert normalise("ko dc đâu mn ơi, đường hỏng r") == "không được đâu mọi người ơi , đường hỏng rồi"
    assert normalise("K biết j") == "không biết gì"
    # Only whole tokens: "hỏng" (broken) is not "không", "50k" is money, "kh" inside a word stays.
    assert "hỏng" in normalise("đèn hỏng")
    assert normalise("50k") == "50k"


def test_repeated_letters_are_squeezed_but_abbreviations_survive() -> None:
    assert normalise("đẹppppp quáaaa") == "đẹp quáa"
    assert normalise("cccd") == "căn cước công dân"


def test_segmentation_joins_words_and_stopwords_leave_content() -> None:
    tokens = segment(normalise("Đề nghị xã sửa đường bị sạt lở ở thôn Tha"))
    assert "sạt_lở" in tokens
    assert content_words(tokens) == [t for t in content_words(tokens) if t not in {"xã", "đề_nghị", "ở"}]
    assert "sạt_lở" in content_words(tokens)


def test_redaction_of_each_kind() -> None:
    text = (
        "Anh Nguyễn Văn Hùng sđt 0912 345 678, cccd 001203004567, cmnd 073456789, "
        "stk 1903 5555 1234 567, email hung.nv@gmail.com, nộp 20.000.000 đồng ngày 12/10/2024"
    )
    out = redact(text)
    assert "Hùng" not in out and NAME_MARK in out
    assert "345" not in out and PHONE_MARK in out
    assert "001203004567" not in out and "073456789" not in out and out.count(ID_MARK) == 2
    assert "5555" not in out and ACCOUNT_MARK in out
    assert "gmail" not in out and EMAIL_MARK in out
    assert "20.000.000 đồng" in out and "12/10/2024" in out  # money and dates are not personal data


def test_names_need_a_form_of_address_and_a_capital() -> None:
    assert redact("chị Lò Thị Mai báo") == f"chị {NAME_MARK} báo"
    assert redact("em tên là Giàng A Sử") == f"em tên là {NAME_MARK}"
    assert redact("anh em thôn Tha") == "anh em thôn Tha"


def test_prepare_redacts_before_normalising() -> None:
    prepared = prepare("Gọi mình 0987.654.321 nhé, ko ai nghe")
    assert "0987" not in prepared.redacted
    assert "987" not in prepared.normalised and "không" in prepared.normalised


_separators = st.sampled_from(["", " ", ".", "-"])


@st.composite
def phones(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["0", "+84", "84", "(+84) ", "+84 "]))
    first = draw(st.sampled_from(["3", "5", "7", "8", "9"]))
    digits = first + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)))
    groups = (
        [digits[:3], digits[3:6], digits[6:]]
        if draw(st.booleans())
        else [digits[:2], digits[2:5], digits[5:]]
    )
    sep = draw(_separators)
    return prefix + sep.join(groups)


@settings(max_examples=300, deadline=None)
@given(
    phone=phones(),
    before=st.sampled_from(["", "Liên hệ ", "sdt: ", "gọi cho anh Tuấn ", "số mình là"]),
    after=st.sampled_from(["", " nhé", ", cảm ơn", ". Đường hỏng", "!"]),
)
def test_no_phone_number_survives_redaction(phone: str, before: str, after: str) -> None:
    out = redact(before + phone + after)
    digits = re.sub(r"\D", "", phone)
    assert digits[-7:] not in re.sub(r"\D", "", out), out


@settings(max_examples=150, deadline=None)
@given(number=st.text(alphabet="0123456789", min_size=9, max_size=12).filter(lambda s: len(s) in (9, 12)))
def test_no_id_number_survives_redaction(number: str) -> None:
    out = redact(f"Số căn cước của tôi là {number}, nhờ xã xác nhận")
    assert number not in out


def test_sos_cues_match_with_or_without_diacritics() -> None:
    assert sos_cues("Có người bị MẮC KẸT ở vùng ngập, cần cứu gấp") == [
        "cần cứu",
        "cứu gấp",
        "mắc kẹt",
        "ngập",
    ]
    assert sos_cues("nha toi ngap den noc, can cuu gap") == ["cần cứu", "cứu gấp", "ngập"]
    assert sos_cues("lu quet cuon troi cau") == ["lũ quét"]  # the long cue hides the short one
    assert sos_cues("xe chạy nhanh quá") == []  # "chạy" (run) is not "cháy" (fire)
    assert sos_cues("chay nha o thon Tha") == ["cháy nhà"]
    assert sos_cues("Đường sạt lở") == ["sạt lở"]


def test_urgency_rises_with_cues_and_stays_low_without() -> None:
    assert urgency("hỏi thủ tục khai sinh") == 0.0
    assert urgency("đường hỏng lâu rồi", sentiment="negative") < 0.25
    assert urgency("có người bị thương, cần cứu", sentiment="negative", topic="disasters") >= 0.9
    assert 0.25 < urgency("nước ngập sân") < 0.5


def test_bad_input_gets_a_reason() -> None:
    assert skip_reason("") == Skip.EMPTY
    assert skip_reason("   \t ") == Skip.EMPTY
    assert skip_reason("a" * 1_000_000) == Skip.TOO_LONG
    assert skip_reason("ab\x00cd") == Skip.BINARY
    assert skip_reason("\x01\x02\x03\x04xyz") == Skip.BINARY
    assert skip_reason("😀😡👍") == Skip.NO_WORDS
    assert skip_reason("...!!!???") == Skip.NO_WORDS
    assert skip_reason("Đường ở Хабаровск hỏng 道路") is None  # mixed scripts are analysed
