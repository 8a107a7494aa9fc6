"""Zalo's error codes (research §10) turned into what the delivery engine should do about them.

Zalo answers application errors with HTTP 200 and a negative ``error``; the number alone says
whether to retry, refresh the token, wait for daytime, pause the channel or give up on a recipient.
The OA API (§10.1), ZNS (§10.2) and OAuth (§10.3) number their errors separately and reuse a few
numbers (-100 is an expired attachment on the OA API but "unknown error, retry" on ZNS), so the
caller says which API answered.

Codes that need a person (§10.4 "human action") are split by reach: when the whole account or App
is blocked, the class is REAUTH (the channel stops and its settings page says what to do, then
reconnect); when only one feature or kind of message is refused, the class is PERMANENT (the other
messages keep flowing); when money ran out, the class is QUOTA (pause until topped up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from caunoi.channels.base import ErrorClass, SendError

# Short names keep the tables below one rule per line.
T = ErrorClass.TRANSIENT
R = ErrorClass.RATE_LIMITED
Q = ErrorClass.QUOTA
N = ErrorClass.RESCHEDULE  # "not now"
A = ErrorClass.REAUTH
P = ErrorClass.PERMANENT

RATE_LIMIT_WINDOW_S = 60.0  # Zalo's per-minute window (§3)


class ZaloApi(StrEnum):
    OA = "oa"  # openapi.zalo.me
    ZNS = "zns"  # business.openapi.zalo.me
    OAUTH = "oauth"  # oauth.zaloapp.com


@dataclass(frozen=True)
class Rule:
    error_class: ErrorClass
    meaning: str  # English; for REAUTH and human-action PERMANENT rules, what a person has to do


# §10.1, OA Open API.
OA_RULES: dict[int, Rule] = {
    -32: Rule(R, "Rate limit reached for this minute"),  # vượt giới hạn gọi API mỗi phút
    -100: Rule(P, "Attachment expired after 7 days: upload it again"),  # attachment_id hết hạn
    -200: Rule(T, "Send message failed"),  # gửi tin thất bại (phía Zalo)
    -201: Rule(P, "A parameter is invalid"),  # tham số không hợp lệ
    -204: Rule(A, "The Official Account is disabled: an OA admin must restore it"),  # OA bị vô hiệu hoá
    -205: Rule(A, "The Official Account does not exist: reconnect the right OA"),  # OA không tồn tại
    -209: Rule(A, "The Zalo App is not activated: activate it on developers.zalo.me"),  # app chưa kích hoạt
    -210: Rule(P, "A parameter exceeds the allowed limit"),  # tham số vượt giới hạn
    -211: Rule(Q, "Out of quota for this feature"),  # hết hạn mức tính năng
    -212: Rule(
        A, "The App has not registered the OA API: register it in the App console"
    ),  # chưa đăng ký API
    -213: Rule(P, "The user does not follow the OA"),  # người dùng chưa quan tâm OA
    -214: Rule(T, "Article is still being processed"),  # bài viết đang xử lý
    -216: Rule(A, "Access token is invalid: refresh it"),  # access token không hợp lệ
    -217: Rule(P, "The user blocked invitations from the OA"),  # người dùng chặn lời mời từ OA
    # Per recipient, so pausing the whole channel (§10.4 says quota) would stop everyone else.
    -218: Rule(N, "The user has received too many messages: try later"),  # hết hạn mức nhận của người dùng
    -219: Rule(A, "The Zalo App is removed or disabled: restore it, then reconnect"),  # app bị xoá/vô hiệu
    -220: Rule(A, "Access token expired or revoked: refresh it"),  # access token hết hạn
    # A feature, not the account: other messages still go (human action, so PERMANENT for this one).
    -221: Rule(P, "This feature needs a verified OA: verify the OA to use it"),  # OA cần xác thực
    -223: Rule(A, "The OA has not authorised this API: reconnect and grant it"),  # OA chưa cấp quyền API
    -224: Rule(P, "This feature needs a higher OA package: upgrade the OA to use it"),  # cần nâng gói OA
    -227: Rule(P, "The user is banned or inactive for over 45 days"),  # người dùng bị khoá/không hoạt động
    -230: Rule(P, "The user has not interacted with the OA in 7 days"),  # quá 7 ngày không tương tác
    -232: Rule(P, "The user has not interacted, or the interaction expired"),  # chưa tương tác/hết hạn
    -233: Rule(P, "Message type is invalid or not supported"),  # loại tin không hợp lệ
    -234: Rule(N, "This message cannot be sent at night (22:00-06:00)"),  # không gửi ban đêm
    -235: Rule(P, "This API does not support this type of OA"),  # API không hỗ trợ loại OA này
    -237: Rule(P, "The group is disabled"),  # nhóm (GMF) bị vô hiệu
    -238: Rule(P, "asset_id is already used or disabled"),  # asset đã dùng/vô hiệu
    -240: Rule(P, "The v2 message API is shut down: use v3"),  # API tin nhắn v2 đã ngừng
    -241: Rule(P, "asset_id is already used"),  # asset đã dùng
    -242: Rule(A, "appsecret_proof is invalid: check the App secret"),  # appsecret_proof sai
    -244: Rule(P, "The user restricted this message type from the OA"),  # người dùng chặn loại tin này
    -248: Rule(P, "The message violates Zalo's platform standards"),  # vi phạm tiêu chuẩn nền tảng
    -249: Rule(P, "This template cannot be sent by user id"),  # mẫu không gửi được qua UID
    # Paid messages only: free replies keep working, so the channel is not stopped.
    -320: Rule(P, "Paid messages need a Zalo Cloud Account: link one to the App"),  # cần liên kết ZCA
    -321: Rule(Q, "The Zalo Cloud Account is out of money: top it up"),  # ZCA hết tiền
    -403: Rule(P, "The OA is not in this group"),  # OA không ở trong nhóm
    -1340: Rule(P, "Form not found"),  # không tìm thấy form
    -1341: Rule(P, "The OA has no access to this form"),  # OA không có quyền với form
}

# §10.2, ZNS / ZBS template messages by phone.
ZNS_RULES: dict[int, Rule] = {
    -32: OA_RULES[-32],
    -100: Rule(T, "Unknown error: retry later"),  # lỗi không xác định
    -101: Rule(A, "The Zalo App is invalid: check the app id"),  # ứng dụng không hợp lệ
    -102: Rule(A, "The Zalo App does not exist: check the app id"),  # ứng dụng không tồn tại
    -103: Rule(A, "The Zalo App is not activated: activate it"),  # ứng dụng chưa kích hoạt
    -104: Rule(A, "The App secret key is invalid: check it"),  # secret key không hợp lệ
    -105: Rule(A, "The App is not linked to an OA: link it, then reconnect"),  # app chưa liên kết OA
    -106: Rule(P, "Method not supported"),  # phương thức không hỗ trợ
    -107: Rule(P, "Message id is invalid"),  # message id không hợp lệ
    -108: Rule(P, "Phone number is invalid"),  # số điện thoại không hợp lệ
    -109: Rule(P, "Template id is invalid"),  # template id không hợp lệ
    -110: Rule(P, "The recipient's Zalo version cannot show ZNS"),  # phiên bản Zalo không hỗ trợ
    -111: Rule(P, "Template data is empty"),  # dữ liệu mẫu trống
    -112: Rule(P, "Template data type is undefined"),  # kiểu dữ liệu mẫu không xác định
    -1121: Rule(P, "A template parameter is too long"),  # tham số quá dài
    -1122: Rule(P, "A template parameter is missing"),  # thiếu tham số
    -1124: Rule(P, "A template parameter has the wrong format"),  # tham số sai định dạng
    -113: Rule(P, "Button is invalid"),  # nút không hợp lệ
    -114: Rule(P, "The user cannot receive ZNS (inactive, opted out or old app)"),  # không nhận được ZNS
    -115: Rule(Q, "Out of ZNS quota or balance"),  # hết hạn mức/số dư
    -117: Rule(P, "The OA may not use this template"),  # không có quyền dùng mẫu
    -118: Rule(P, "No Zalo account for this phone, or it is disabled"),  # tài khoản Zalo không tồn tại
    -124: Rule(A, "Access token is invalid: refresh it"),  # access token không hợp lệ
    -1241: Rule(A, "appsecret_proof is invalid: check the App secret"),  # appsecret_proof sai
    -125: Rule(A, "OA id is invalid: reconnect the right OA"),  # OA id không hợp lệ
    -126: Rule(Q, "Development-mode quota used up"),  # hết hạn mức chế độ phát triển
    -127: Rule(P, "A development template only reaches App or OA admins"),  # mẫu thử chỉ gửi admin
    -131: Rule(P, "Template is not approved"),  # mẫu chưa được duyệt
    -133: Rule(N, "ZNS cannot be sent at night (22:00-06:00)"),  # không gửi ban đêm
    # Every ZNS send needs these, so the whole ZNS channel is blocked until a person acts.
    -135: Rule(A, "The OA may not send ZNS: ask Zalo for permission"),  # OA chưa được phép gửi ZNS
    -1351: Rule(A, "The OA is blocked from ZNS for violations: contact Zalo"),  # OA bị chặn do vi phạm
    -136: Rule(A, "ZNS needs a Zalo Cloud Account: link one to the App"),  # cần liên kết ZCA
    -137: Rule(Q, "The Zalo Cloud Account could not be charged: top it up"),  # ZCA không trừ được tiền
    -139: Rule(P, "The user refused this type of message"),  # người dùng từ chối loại tin này
    -140: Rule(P, "The user is not eligible for this message"),  # người dùng không đủ điều kiện
    -141: Rule(P, "The user refused messages from this OA"),  # người dùng từ chối OA
    -144: Rule(Q, "The OA's daily ZNS quota is used up"),  # hết hạn mức ZNS trong ngày
    -1441: Rule(Q, "The OA's monthly promotion quota is used up"),  # hết hạn mức khuyến mại tháng
    -146: Rule(P, "Template disabled for low quality"),  # mẫu bị tắt do chất lượng thấp
    -147: Rule(Q, "The template's daily limit is used up"),  # hết hạn mức ngày của mẫu
    -1471: Rule(P, "The user's monthly follow-up limit is reached"),  # người dùng hết hạn mức tháng
    -1472: Rule(N, "The user's daily promotion limit is reached: try tomorrow"),  # hết hạn mức ngày
    -161: Rule(P, "sending_mode is invalid"),  # sending_mode không hợp lệ
    -162: Rule(P, "sending_mode is not allowed for this OA"),  # sending_mode không được phép
}

# §10.3 / §2.4: any token-endpoint failure other than -32 means the admin must consent again.
OAUTH_RULES: dict[int, Rule] = {
    -32: OA_RULES[-32],
    -14002: Rule(A, "Invalid app id (App not active, or the user is not an admin)"),  # app id sai
    -14003: Rule(A, "redirect_uri does not match the OA callback URL in the App console"),  # sai redirect
    -14004: Rule(A, "The App secret key is wrong: check the settings"),  # secret key sai
    -14005: Rule(A, "The code is invalid, expired or used: connect the OA again"),  # mã uỷ quyền sai
    -14014: Rule(
        A, "The refresh token is invalid, expired or used: connect the OA again"
    ),  # refresh token sai
    -14018: Rule(A, "Invalid grant type"),  # grant_type sai
}

_RULES = {ZaloApi.OA: OA_RULES, ZaloApi.ZNS: ZNS_RULES, ZaloApi.OAUTH: OAUTH_RULES}

# Unknown codes are retried only when they look like a fault on Zalo's side: the 5xx-like -5xx
# numbers, or a message that says so. Anything else might be our payload; retrying it would repeat.
_SERVER_FAMILY = range(-599, -499)
_SERVER_WORDS = re.compile(
    r"internal|server error|system error|unknown error|timed? ?out|try again|retry|busy|unavailable", re.I
)


def classify(
    code: int, message: str = "", *, api: ZaloApi = ZaloApi.OA, retry_after: float | None = None
) -> SendError:
    """The ``SendError`` for Zalo error ``code``; ``message`` is Zalo's own wording, kept for people."""
    if code == 0:
        raise ValueError("error 0 is Zalo's success")
    rule = _RULES[api].get(code)
    if code == -223 and "article" in message.lower():  # -223 has two meanings (§10.1)
        rule = Rule(Q, "The OA reached its quota of new articles")
    if rule is None:
        error_class = T if code in _SERVER_FAMILY or _SERVER_WORDS.search(message) else P
        rule = Rule(error_class, "Unknown Zalo error")
    if rule.error_class is R and retry_after is None:
        retry_after = RATE_LIMIT_WINDOW_S
    text = f"{message} — {rule.meaning}" if message and message != rule.meaning else rule.meaning
    return SendError(rule.error_class, str(code), text, retry_after)


def local_error(code: int, detail: str, *, api: ZaloApi = ZaloApi.OA) -> SendError:
    """The error Zalo would give, decided here without calling it (the payload cannot pass)."""
    return classify(code, f"{detail} (refused before sending)", api=api)
