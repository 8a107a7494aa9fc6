"""Django settings, read from the environment (12-factor).

With nothing set and ``CAUNOI_DEMO=1`` the embedded demo runs: SQLite in WAL mode and SqliteHuey under
``var/``. Without ``CAUNOI_DEMO`` this is production: ``SECRET_KEY`` must be set, DEBUG is off and the
HTTPS settings are strict, so ``manage.py check --deploy`` passes.
"""

from __future__ import annotations

import base64
import json
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("CAUNOI_VAR_DIR", BASE_DIR.parent / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEMO = _env_bool("CAUNOI_DEMO", False)
DEBUG = _env_bool("CAUNOI_DEBUG", DEMO)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEMO:
        raise ImproperlyConfigured("SECRET_KEY is not set (it is required unless CAUNOI_DEMO=1)")
    SECRET_KEY = "demo-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEMO else [])
CSRF_TRUSTED_ORIGINS = _env_list("CAUNOI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "huey.contrib.djhuey",
    "ninja",
    "caunoi.core",
    "caunoi.geo",
    "caunoi.accounts",
    "caunoi.citizens",
    "caunoi.channels",
    "caunoi.campaigns",
    "caunoi.inbox",
    "caunoi.opinion",
    "caunoi.practices",
    "caunoi.training",
    "caunoi.reports",
    "caunoi.disclosure",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "caunoi.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "caunoi.core.middleware.RequestIdMiddleware",
    "caunoi.core.middleware.ApiProblemMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "caunoi.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "caunoi.accounts.middleware.ViewerMiddleware",
    "caunoi.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "caunoi.core.middleware.NulCharacterMiddleware",
    "caunoi.core.middleware.ApplicationErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "caunoi.urls"
WSGI_APPLICATION = "caunoi.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "caunoi.core.context_processors.navigation",
            ],
        },
    }
]


# Database ---------------------------------------------------------------------------------------
SQLITE_OPTIONS: dict[str, Any] = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
    "PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
}


def _database_from_env() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "caunoi.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
            "CONN_MAX_AGE": 600,
            "TEST": {"NAME": str(VAR_DIR / "test-caunoi.sqlite3")},
        }
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True))
    except Exception as exc:  # dj-database-url raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL ({exc})") from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL")
    if engine == "django.db.backends.sqlite3":
        if not config.get("NAME") or config["NAME"] == ":memory:":
            raise ImproperlyConfigured(
                "DATABASE_URL for SQLite needs a file path, e.g. sqlite:///var/db.sqlite3"
            )
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
        config.pop("CONN_HEALTH_CHECKS", None)
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Background work (Huey) -------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
_HUEY_NAME = os.environ.get("CAUNOI_HUEY_NAME", "caunoi")
HUEY: dict[str, Any]
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": _HUEY_NAME,
        "url": REDIS_URL,
        "immediate": False,
        "utc": True,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "caunoi.core.queue.SqliteHuey",  # synchronous=NORMAL, as the main database
        "name": _HUEY_NAME,
        "filename": os.environ.get("CAUNOI_HUEY_FILE", str(VAR_DIR / "huey.sqlite3")),
        "immediate": _env_bool("CAUNOI_HUEY_IMMEDIATE", False),
        "utc": True,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }


# Authentication and security --------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = _env_int("CAUNOI_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = _env_int("CAUNOI_LOGIN_LOCKOUT_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind a reverse proxy the client address is in X-Forwarded-For; say how many proxies to trust,
# or lockouts would count every attempt as coming from the proxy.
CAUNOI_PROXY_COUNT = _env_int("CAUNOI_PROXY_COUNT", 0)
if CAUNOI_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = CAUNOI_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

OTP_TOTP_ISSUER = os.environ.get("CAUNOI_OTP_ISSUER", "Cầu Nối")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

SESSION_COOKIE_AGE = _env_int("CAUNOI_SESSION_HOURS", 12) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = _env_bool("CAUNOI_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = _env_int("CAUNOI_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("CAUNOI_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = _env_bool("CAUNOI_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE


# Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True


# Static files -----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
# caunoi/ itself is not an app, so its static/ (app.css, the vendored Pico and htmx) must be listed.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("CAUNOI_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"


# Channels: email and SMS (issue 3) ---------------------------------------------------------------
def _email_from_url(url: str) -> dict[str, Any]:
    """EMAIL_URL → Django's EMAIL_* settings: smtp://user:pass@host:port, smtps:// for implicit TLS,
    ``?starttls=1`` for STARTTLS, ``?timeout=S``. One URL keeps host, port, TLS and login together."""
    parts = urlsplit(url)
    shown = parts._replace(netloc=parts.hostname or "").geturl() if parts.password else url

    def invalid(problem: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"EMAIL_URL {shown!r} is not valid: {problem}")

    if parts.scheme not in {"smtp", "smtps"}:
        raise invalid("the scheme must be smtp:// or smtps://")
    if not parts.hostname:
        raise invalid("it names no host")
    try:
        port = parts.port
    except ValueError:
        raise invalid("the port must be a number from 1 to 65535") from None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if unknown := sorted(set(query) - {"starttls", "timeout"}):
        raise invalid(f"unknown option {unknown[0]!r} (known: starttls, timeout)")
    starttls = query.get("starttls", "0").lower() in {"1", "true", "yes", "on"}
    if starttls and parts.scheme == "smtps":
        raise invalid("smtps:// already encrypts; drop ?starttls=1")
    timeout = query.get("timeout", "10")
    if not re.fullmatch(r"\d+(\.\d+)?", timeout) or float(timeout) <= 0:
        raise invalid("timeout must be a positive number of seconds")
    return {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if parts.scheme == "smtps" else 587 if starttls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": starttls,
        "EMAIL_TIMEOUT": float(timeout),
    }


EMAIL_URL = os.environ.get("EMAIL_URL", "")
# Without EMAIL_URL the demo prints mail to the console; production sends to the local MTA on port 25.
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEMO and not EMAIL_URL
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_TIMEOUT = 10.0
if EMAIL_URL:
    _smtp = _email_from_url(EMAIL_URL)
    EMAIL_HOST = _smtp["EMAIL_HOST"]
    EMAIL_PORT = _smtp["EMAIL_PORT"]
    EMAIL_HOST_USER = _smtp["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _smtp["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_SSL = _smtp["EMAIL_USE_SSL"]
    EMAIL_USE_TLS = _smtp["EMAIL_USE_TLS"]
    EMAIL_TIMEOUT = _smtp["EMAIL_TIMEOUT"]
CAUNOI_EMAIL_FROM = os.environ.get("CAUNOI_EMAIL_FROM", "Cầu Nối <no-reply@localhost>")
DEFAULT_FROM_EMAIL = CAUNOI_EMAIL_FROM
# Where List-Unsubscribe points (a signed token is appended); without it only the mailto: form is offered.
CAUNOI_EMAIL_UNSUBSCRIBE_URL = os.environ.get("CAUNOI_EMAIL_UNSUBSCRIBE_URL", "")
# The shared secret an MTA pipe or forwarding service sends in X-Caunoi-Secret with each bounce it posts
# to /webhooks/email-bounce; without it every bounce is refused.
CAUNOI_EMAIL_BOUNCE_SECRET = os.environ.get("CAUNOI_EMAIL_BOUNCE_SECRET", "")


def _env_decimal(name: str, default: str) -> Decimal:
    value = os.environ.get(name, "") or default
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ImproperlyConfigured(f"{name} must be a number of 0 or more, not {value!r}")
    return number


# SMS through an HTTP gateway (a brandname provider). The body template is JSON (or a form query string)
# whose string values may hold {to} {text} {sender} {tracking_id}; the gateway's message id is read from
# CAUNOI_SMS_MESSAGE_ID_PATH (dotted, e.g. "data.0.id") in its JSON answer.
CAUNOI_SMS_GATEWAY_URL = os.environ.get("CAUNOI_SMS_GATEWAY_URL", "")
CAUNOI_SMS_AUTH_HEADER = os.environ.get("CAUNOI_SMS_AUTH_HEADER", "")  # "Authorization: Bearer …"
CAUNOI_SMS_BASIC_AUTH = os.environ.get("CAUNOI_SMS_BASIC_AUTH", "")  # "user:password"
CAUNOI_SMS_BODY_FORMAT = os.environ.get("CAUNOI_SMS_BODY_FORMAT", "json")
CAUNOI_SMS_BODY_TEMPLATE = os.environ.get(
    "CAUNOI_SMS_BODY_TEMPLATE",
    '{"to": "{to}", "text": "{text}", "sender": "{sender}", "tracking_id": "{tracking_id}"}'
    if CAUNOI_SMS_BODY_FORMAT == "json"
    else "to={to}&text={text}&sender={sender}&tracking_id={tracking_id}",
)
CAUNOI_SMS_MESSAGE_ID_PATH = os.environ.get("CAUNOI_SMS_MESSAGE_ID_PATH", "message_id")
CAUNOI_SMS_SENDER = os.environ.get("CAUNOI_SMS_SENDER", "")
CAUNOI_SMS_PRICE_GSM7_VND = _env_decimal("CAUNOI_SMS_PRICE_GSM7_VND", "800")  # per segment
CAUNOI_SMS_PRICE_UCS2_VND = _env_decimal("CAUNOI_SMS_PRICE_UCS2_VND", "800")  # per segment
CAUNOI_SMS_TIMEOUT_SECONDS = float(_env_decimal("CAUNOI_SMS_TIMEOUT_SECONDS", "10"))
CAUNOI_SMS_DLR_SECRET = os.environ.get("CAUNOI_SMS_DLR_SECRET", "")  # delivery reports without it are refused
if CAUNOI_SMS_GATEWAY_URL and urlsplit(CAUNOI_SMS_GATEWAY_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured("CAUNOI_SMS_GATEWAY_URL must be an http:// or https:// URL")
if CAUNOI_SMS_BODY_FORMAT not in {"json", "form"}:
    raise ImproperlyConfigured(f"CAUNOI_SMS_BODY_FORMAT must be json or form, not {CAUNOI_SMS_BODY_FORMAT!r}")
if CAUNOI_SMS_BODY_FORMAT == "json":
    try:
        json.loads(CAUNOI_SMS_BODY_TEMPLATE)
    except ValueError:
        raise ImproperlyConfigured("CAUNOI_SMS_BODY_TEMPLATE is not valid JSON") from None
if CAUNOI_SMS_AUTH_HEADER and ":" not in CAUNOI_SMS_AUTH_HEADER:
    raise ImproperlyConfigured("CAUNOI_SMS_AUTH_HEADER must look like 'Authorization: Bearer <token>'")
if CAUNOI_SMS_BASIC_AUTH and ":" not in CAUNOI_SMS_BASIC_AUTH:
    raise ImproperlyConfigured("CAUNOI_SMS_BASIC_AUTH must look like 'user:password'")
if CAUNOI_SMS_TIMEOUT_SECONDS <= 0:
    raise ImproperlyConfigured("CAUNOI_SMS_TIMEOUT_SECONDS must be more than 0")
# End of channels: email and SMS ------------------------------------------------------------------


# Secrets at rest (caunoi.core.crypto): comma-separated Fernet keys, the first one encrypts.
CAUNOI_ENCRYPTION_KEYS = _env_list("CAUNOI_ENCRYPTION_KEYS", [])
for _key in CAUNOI_ENCRYPTION_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            "CAUNOI_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes each)"
        ) from None

# Zalo: the App registered at developers.zalo.me and where its APIs live (the emulator in the demo).
_EMULATOR = "http://127.0.0.1:8790"
CAUNOI_ZALO_APP_ID = os.environ.get("CAUNOI_ZALO_APP_ID", "4100820250701000001" if DEMO else "")
CAUNOI_ZALO_APP_SECRET = os.environ.get(
    "CAUNOI_ZALO_APP_SECRET", "emulator-app-secret-not-for-production" if DEMO else ""
)
CAUNOI_ZALO_OAUTH_URL = os.environ.get(
    "CAUNOI_ZALO_OAUTH_URL", _EMULATOR if DEMO else "https://oauth.zaloapp.com"
)
CAUNOI_ZALO_API_URL = os.environ.get("CAUNOI_ZALO_API_URL", _EMULATOR if DEMO else "https://openapi.zalo.me")
CAUNOI_ZALO_ZNS_URL = os.environ.get(
    "CAUNOI_ZALO_ZNS_URL", _EMULATOR if DEMO else "https://business.openapi.zalo.me"
)
# Which secret signs webhooks (sources disagree): the OA secret key ("oa") or the App secret ("app").
CAUNOI_ZALO_WEBHOOK_SIGNER = os.environ.get("CAUNOI_ZALO_WEBHOOK_SIGNER", "oa")
if CAUNOI_ZALO_WEBHOOK_SIGNER not in ("oa", "app"):
    raise ImproperlyConfigured("CAUNOI_ZALO_WEBHOOK_SIGNER must be 'oa' or 'app'")
CAUNOI_ZALO_OA_SECRET_KEY = os.environ.get(
    "CAUNOI_ZALO_OA_SECRET_KEY", "emulator-oa-secret-not-for-production" if DEMO else ""
)
# Webhooks older than this are refused as replays. Zalo retries the same body (same timestamp) for
# up to ~1 h 50 min, so a shorter limit would refuse its retries and get the subscription cancelled.
CAUNOI_ZALO_WEBHOOK_MAX_AGE_SECONDS = _env_int("CAUNOI_ZALO_WEBHOOK_MAX_AGE_SECONDS", 3 * 3600)


# Cầu Nối -----------------------------------------------------------------------------------------
# The Django admin is for operators (superusers) only; keep it off the obvious path.
CAUNOI_ADMIN_PATH = os.environ.get("CAUNOI_ADMIN_PATH", "operator-admin").strip("/")
# A worker whose last heartbeat is older than this is reported dead by /healthz.
CAUNOI_WORKER_STALE_SECONDS = _env_int("CAUNOI_WORKER_STALE_SECONDS", 180)
# Default retention in days per data kind; each can be overridden in the retention settings page.
CAUNOI_RETENTION_DEFAULT_DAYS = {
    "citizen_inactive": _env_int("CAUNOI_RETENTION_CITIZEN_INACTIVE_DAYS", 3 * 365),
}


def _content_languages() -> list[tuple[str, str]]:
    raw = os.environ.get("CAUNOI_CONTENT_LANGUAGES", "vi:Tiếng Việt,tay:Tày,hmn:H'Mông,dao:Dao,nut:Nùng")
    pairs = [item.split(":", 1) for item in raw.split(",") if item.strip()]
    if any(len(p) != 2 or not p[0].strip() for p in pairs):
        raise ImproperlyConfigured("CAUNOI_CONTENT_LANGUAGES must look like 'vi:Tiếng Việt,tay:Tày'")
    return [(code.strip(), name.strip()) for code, name in pairs]


# Languages a citizen may choose for the content they receive (chosen by them, never inferred).
CAUNOI_CONTENT_LANGUAGES = _content_languages()

# Public web pages (issue 3): how long browsers and proxies may keep them, who may frame the contact
# form (origins like https://xa-abc.tuyenquang.gov.vn; none means only our own pages), and the contact
# form's rate limits per client address and per unit, each per hour.
CAUNOI_PUBLIC_CACHE_SECONDS = _env_int("CAUNOI_PUBLIC_CACHE_SECONDS", 60)
CAUNOI_EMBED_ALLOWED_ORIGINS = _env_list("CAUNOI_EMBED_ALLOWED_ORIGINS", [])
for _origin in CAUNOI_EMBED_ALLOWED_ORIGINS:
    _parts = urlsplit(_origin)
    if _parts.scheme not in {"http", "https"} or not _parts.netloc or _parts.path not in {"", "/"}:
        raise ImproperlyConfigured(
            f"CAUNOI_EMBED_ALLOWED_ORIGINS holds {_origin!r}: give origins like https://xa.example.gov.vn"
        )
CAUNOI_EMBED_ALLOWED_ORIGINS = [o.rstrip("/") for o in CAUNOI_EMBED_ALLOWED_ORIGINS]
CAUNOI_CONTACT_LIMIT_PER_CLIENT = _env_int("CAUNOI_CONTACT_LIMIT_PER_CLIENT", 5)
CAUNOI_CONTACT_LIMIT_PER_UNIT = _env_int("CAUNOI_CONTACT_LIMIT_PER_UNIT", 200)
if CAUNOI_CONTACT_LIMIT_PER_CLIENT < 1 or CAUNOI_CONTACT_LIMIT_PER_UNIT < 1:
    raise ImproperlyConfigured("CAUNOI_CONTACT_LIMIT_PER_CLIENT and _PER_UNIT must be 1 or more")

# The province this installation serves (its NSO code) and the address citizens reach it at: links sent
# to them (tracking, rating, surveys) are absolute.
CAUNOI_PROVINCE_CODE = os.environ.get("CAUNOI_PROVINCE_CODE", "08")
CAUNOI_PUBLIC_URL = os.environ.get("CAUNOI_PUBLIC_URL", "").rstrip(
    "/"
)  # e.g. https://caunoi.tuyenquang.gov.vn

# Working days (caunoi/core/workdays.py): the Tết holiday around the lunar new year, and whether a holiday
# falling on a weekend gives a day off on the next working day (Labour Code art. 111-112).
CAUNOI_TET_DAYS_BEFORE = _env_int("CAUNOI_TET_DAYS_BEFORE", 1)
CAUNOI_TET_DAYS_AFTER = _env_int("CAUNOI_TET_DAYS_AFTER", 4)
CAUNOI_HOLIDAY_COMPENSATION = _env_bool("CAUNOI_HOLIDAY_COMPENSATION", True)

# Inbox and petitions (issue 5): the reference code's prefix (TQ-2026-000123), how long a citizen may
# reopen an answered case, and the largest attachment; Open311 (GeoReport v2) jurisdiction and contact.
CAUNOI_INBOX_REFERENCE_PREFIX = os.environ.get("CAUNOI_INBOX_REFERENCE_PREFIX", "TQ")
CAUNOI_INBOX_REOPEN_DAYS = _env_int("CAUNOI_INBOX_REOPEN_DAYS", 30)
CAUNOI_INBOX_MAX_FILE_BYTES = _env_int("CAUNOI_INBOX_MAX_FILE_BYTES", 8 * 1024 * 1024)
CAUNOI_OPEN311_JURISDICTION = os.environ.get("CAUNOI_OPEN311_JURISDICTION", "tuyenquang.gov.vn")
CAUNOI_OPEN311_CONTACT = os.environ.get("CAUNOI_OPEN311_CONTACT", "")
CAUNOI_OPEN311_KEY_SERVICE = os.environ.get("CAUNOI_OPEN311_KEY_SERVICE", "")

# Public disclosure board (Law on Grassroots Democracy): document size, comment limits per client
# address and per publication, each per hour.
CAUNOI_DISCLOSURE_MAX_FILE_BYTES = _env_int("CAUNOI_DISCLOSURE_MAX_FILE_BYTES", 20 * 1024 * 1024)
CAUNOI_DISCLOSURE_COMMENTS_PER_CLIENT = _env_int("CAUNOI_DISCLOSURE_COMMENTS_PER_CLIENT", 5)
CAUNOI_DISCLOSURE_COMMENTS_PER_PUBLICATION = _env_int("CAUNOI_DISCLOSURE_COMMENTS_PER_PUBLICATION", 100)

# Public opinion (issue 6): a figure resting on fewer distinct citizens than this is not shown.
CAUNOI_OPINION_MIN_CELL = _env_int("CAUNOI_OPINION_MIN_CELL", 5)
if CAUNOI_OPINION_MIN_CELL < 2:
    raise ImproperlyConfigured("CAUNOI_OPINION_MIN_CELL must be 2 or more: one person is never shown alone")

# Good practices and training (issue 7): evidence and handout sizes, where evidence is kept, and after how
# many days without a report a replication is flagged.
CAUNOI_PRACTICES_EVIDENCE_DIR = os.environ.get("CAUNOI_PRACTICES_EVIDENCE_DIR", "")  # empty: media/practices
CAUNOI_PRACTICES_EVIDENCE_MAX_BYTES = _env_int("CAUNOI_PRACTICES_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
CAUNOI_PRACTICES_STALE_DAYS = _env_int("CAUNOI_PRACTICES_STALE_DAYS", 60)
CAUNOI_TRAINING_MAX_FILE_BYTES = _env_int("CAUNOI_TRAINING_MAX_FILE_BYTES", 10 * 1024 * 1024)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_url_secrets": {"()": "caunoi.core.logs.RedactUrlSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CAUNOI_LOG_LEVEL", "INFO")},
    # The Huey consumer adds its own handler; not propagating avoids every worker line twice.
    "loggers": {
        "axes": {"level": "WARNING"},
        "huey": {"level": "INFO", "propagate": False},
        "weasyprint": {"level": "WARNING"},  # a line per rendering step otherwise
        "fontTools": {"level": "WARNING"},
        # A line per provider call at INFO (a thousand a second while a campaign sends) is noise; and
        # request lines name the URL, which may carry a gateway's key or password (caunoi.core.logs).
        "httpx": {"level": "WARNING", "filters": ["redact_url_secrets"]},
    },
}
