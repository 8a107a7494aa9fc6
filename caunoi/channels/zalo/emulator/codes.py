"""Zalo's error codes with Zalo's own wording (spelling mistakes included), per research §10 and §2.4.

Application errors travel with HTTP 200; only the body says something went wrong. The OAuth server
uses a different shape (``error_name``, ``error_reason``, ``error_description``, ``ref_doc``).
"""

from __future__ import annotations

from typing import Any

OA_MESSAGES = {
    -32: "Your application reached limit call api",
    -100: "attachment_id was expired",
    -201: "{field} is invalid!",
    -209: "Not supported this api",
    -210: "Parameter exceeds allowable limit",
    -211: "Out of quota",
    -213: "User has not followed OA",
    -216: "Access token is invalid",
    -220: "access_token is expired or removed",
    -230: "User has not interacted with the OA in the past 7 days",
    -233: "message type is invalid or not support",
    -240: "MessageV2 API has been shut down, please switch to MessageV3",
    -249: "Template does not support send via UID",
}

ZNS_MESSAGES = {
    -108: "Phone number invalid",
    -109: "Template ID invalid",
    -111: "Template data empty",
    -1121: "Parameter is too long: {field}",
    -1122: "Missing parameter: {field}",
    -124: "Access token invalid",
    -127: "Template test only can be sent to admin of App or OA",
    -144: "OA has exceeded the daily limit of ZNS",
}

OAUTH_ERRORS = {
    -14002: ("Invalid appId", "The app does not exist or is not active"),
    -14003: ("Invalid redirect uri", "redirect_uri does not match the OA callback url"),
    -14004: ("Invalid secret key", "secret_key header does not match the app"),
    -14005: ("Invalid code", "The authorization code is invalid, expired or already used"),
    -14014: ("Invalid refresh token", "The refresh token is invalid, expired or already used"),
    -14018: ("Invalid grant type", "grant_type must be authorization_code or refresh_token"),
}
OAUTH_REF_DOC = (
    "https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new"
)


class ZaloError(Exception):
    """An answer in Zalo's error envelope; ``field`` fills the ``<field> is invalid!`` wording."""

    def __init__(self, code: int, field: str = "", *, zns: bool = False) -> None:
        table = ZNS_MESSAGES if zns else OA_MESSAGES
        self.code = code
        self.message = table[code].format(field=field)
        super().__init__(f"{code} {self.message}")

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class OAuthError(Exception):
    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.name, self.description = OAUTH_ERRORS[code]
        self.reason = reason or self.description
        super().__init__(f"{code} {self.name}")

    def body(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "error_name": self.name,
            "error_reason": self.reason,
            "error_description": self.description,
            "ref_doc": OAUTH_REF_DOC,
        }


def success(data: Any) -> dict[str, Any]:
    return {"data": data, "error": 0, "message": "Success"}
