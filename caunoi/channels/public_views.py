"""The public web channel (trang công khai): announcement pages, their feeds, the loudspeaker feed,
the bulletin audio and the contact form. No login; nothing personal is ever shown here.

Pages and feeds are the same for everyone, so browsers and proxies may keep them for
``CAUNOI_PUBLIC_CACHE_SECONDS``; they carry no CSRF token (and so set no cookie). The contact form is
the exception: it is never cached, and it is CSRF-exempt because it must work framed in a commune's
website, where our cookies are third-party; it acts for no session, and its signed timestamp token
stands in for the CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape, linebreaks
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from caunoi.channels import selectors, services, web
from caunoi.channels.forms import ContactForm
from caunoi.channels.loudspeaker import AudioFile, Bulletin, BulletinPriority, loudspeaker_feed
from caunoi.channels.models import AudioStatus, WebPost, WebPostPriority
from caunoi.core.access import public
from caunoi.core.errors import ApplicationError, NotFound, RateLimited
from caunoi.core.ratelimit import client_address
from caunoi.geo.models import Unit, UnitLevel

View = Callable[..., HttpResponseBase]
_AUDIO_NAME = re.compile(r"[0-9a-f]{64}\.(?:ogg|wav)")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _public_page(view: View) -> View:
    """Open to anyone, short-cached, and a public "not found" page rather than the staff one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except NotFound:
            response = render(request, "channels/public/not_found.html", status=404)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, public=True, max_age=settings.CAUNOI_PUBLIC_CACHE_SECONDS)
        return response

    return public(wrapper)


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")
    return wanted if wanted in dict(settings.CAUNOI_CONTENT_LANGUAGES) else ""


def _audio_url(request: HttpRequest, post: WebPost) -> str:
    return request.build_absolute_uri(reverse("public:audio", args=[post.audio_filename]))


@_public_page
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """/p/: the units that publish, and the latest announcements of all of them."""
    units = selectors.public_units_with_posts()
    return render(
        request,
        "channels/public/index.html",
        {
            "provinces": [u for u in units if u.unit.level == UnitLevel.PROVINCE],
            "communes": [u for u in units if u.unit.level == UnitLevel.COMMUNE],
            "latest": selectors.public_latest_posts(),
        },
    )


@_public_page
@require_safe
def unit_page(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = selectors.public_unit(unit_code)
    language = _language(request)
    posts = selectors.public_posts(unit=unit, language=language)
    page = Paginator(posts.others, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "channels/public/unit.html",
        {
            "unit": unit,
            "pinned": posts.pinned,
            "page": page,
            "languages": posts.languages,
            "language": language,
            "language_name": dict(settings.CAUNOI_CONTENT_LANGUAGES).get(language, ""),
        },
    )


@_public_page
@require_safe
def post_page(request: HttpRequest, unit_code: str, slug: str) -> HttpResponse:
    unit = selectors.public_unit(unit_code)
    post = selectors.public_post(unit=unit, slug=slug)
    if post.withdrawn_at is not None:
        return render(request, "channels/public/withdrawn.html", {"unit": unit, "post": post}, status=410)
    has_audio = post.audio_status == AudioStatus.READY and bool(post.audio_path)
    return render(
        request,
        "channels/public/post.html",
        {
            "unit": unit,
            "post": post,
            "audio_url": _audio_url(request, post) if has_audio else "",
        },
    )


@_public_page
@require_http_methods(["GET", "HEAD"])
def audio(request: HttpRequest, filename: str) -> HttpResponseBase:
    """A bulletin's audio, with byte ranges so players can seek and loudspeakers resume downloads."""
    if not _AUDIO_NAME.fullmatch(filename):
        raise NotFound()
    post = selectors.public_audio_post(filename=filename)
    path = Path(settings.MEDIA_ROOT) / post.audio_path
    if not path.is_file():
        raise NotFound()
    response = _file_response(request, path, post.audio_mime or "application/octet-stream")
    patch_cache_control(response, public=True, max_age=3600)
    return response


def _file_response(request: HttpRequest, path: Path, mime: str) -> HttpResponseBase:
    """One byte range (``bytes=a-b``, ``a-``, ``-n``) as 206, else the whole file; several ranges in one
    request are answered with the whole file, which RFC 9110 allows."""
    size = path.stat().st_size
    etag = f'"{path.stem[:32]}-{size}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    match = _RANGE.fullmatch(request.headers.get("Range", "").strip())
    if_range = request.headers.get("If-Range")
    response: HttpResponseBase
    if match and any(match.groups()) and (if_range is None or if_range == etag):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:
            start, end = max(0, size - int(last)), size - 1
        if start >= size or start > end or (not first and int(last) == 0):
            response = HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
        else:
            with path.open("rb") as audio_file:
                audio_file.seek(start)
                chunk = audio_file.read(end - start + 1)
            response = HttpResponse(chunk, status=206, content_type=mime)
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(len(chunk))
    else:
        response = FileResponse(path.open("rb"), content_type=mime)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(path.stat().st_mtime)
    return response


@_public_page
@require_safe
def loudspeaker(request: HttpRequest, unit_code: str) -> HttpResponse:
    """Nguồn tin cho loa: RSS with audio enclosures and priorities, for the provincial source system."""
    unit = selectors.public_unit(unit_code)
    items = [
        Bulletin(
            guid=_guid(post),
            title=post.title,
            script=post.audio_script,
            priority=BulletinPriority(post.priority),
            unit_codes=(post.unit.code,),
            published_at=post.published_at,
            audio=AudioFile(
                path=Path(post.audio_path),
                mime=post.audio_mime,
                duration_seconds=post.audio_duration_seconds or 0.0,
                bytes=post.audio_bytes or 0,
            ),
            audio_url=_audio_url(request, post),
        )
        for post in selectors.loudspeaker_posts(unit=unit)
    ]
    xml = loudspeaker_feed(
        items,
        title=_("Loudspeaker bulletins of %(unit)s") % {"unit": unit.name},
        link=request.build_absolute_uri(reverse("public:unit", args=[unit.code])),
        self_url=request.build_absolute_uri(),
    )
    return HttpResponse(xml, content_type="application/rss+xml; charset=utf-8")


def _guid(post: WebPost) -> str:
    return f"urn:caunoi:webpost:{post.pk}"


# RSS and Atom -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSource:
    unit: Unit
    language: str
    base_url: str  # enclosure URLs are not made absolute by the syndication framework


@dataclass(frozen=True)
class FeedItem:
    post: WebPost
    audio_url: str | None


if TYPE_CHECKING:
    _FeedBase = Feed[FeedItem, FeedSource]
else:
    _FeedBase = Feed


class UnitRssFeed(_FeedBase):
    """A unit's announcements as RSS 2.0, newest first; ``?lang=`` keeps one content language."""

    feed_type: type[SyndicationFeed] = Rss201rev2Feed
    item_guid_is_permalink = False
    route = "public:rss"

    def get_object(self, request: HttpRequest, unit_code: str) -> FeedSource:
        return FeedSource(
            unit=selectors.public_unit(unit_code),
            language=_language(request),
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )

    def title(self, obj: FeedSource) -> str:
        return _("Announcements of %(unit)s") % {"unit": obj.unit.name}

    def description(self, obj: FeedSource) -> str:
        return _("Public announcements of %(unit)s, newest first.") % {"unit": obj.unit.name}

    def link(self, obj: FeedSource) -> str:
        return reverse("public:unit", args=[obj.unit.code])

    def feed_url(self, obj: FeedSource) -> str:
        return reverse(self.route, args=[obj.unit.code])

    def items(self, obj: FeedSource) -> list[FeedItem]:
        return [
            FeedItem(
                post=post,
                audio_url=obj.base_url + reverse("public:audio", args=[post.audio_filename])
                if post.audio_status == AudioStatus.READY and post.audio_path
                else None,
            )
            for post in selectors.public_feed_posts(unit=obj.unit, language=obj.language)
        ]

    def item_title(self, item: FeedItem) -> str:
        return escape(item.post.title)  # RSS readers treat titles as HTML

    def item_description(self, item: FeedItem) -> str:
        return linebreaks(item.post.body, autoescape=True)  # the text escaped, its paragraphs kept

    def item_link(self, item: FeedItem) -> str:
        return reverse("public:post", args=[item.post.unit.code, item.post.slug])

    def item_guid(self, item: FeedItem) -> str:
        return _guid(item.post)

    def item_pubdate(self, item: FeedItem) -> Any:
        return item.post.published_at

    def item_categories(self, item: FeedItem) -> list[str]:
        return [str(WebPostPriority(item.post.priority).label)]

    def item_enclosure_url(self, item: FeedItem) -> str | None:
        return item.audio_url

    def item_enclosure_length(self, item: FeedItem) -> int:
        return item.post.audio_bytes or 0

    def item_enclosure_mime_type(self, item: FeedItem) -> str:
        return item.post.audio_mime


class UnitAtomFeed(UnitRssFeed):
    """The same as Atom 1.0, whose titles are plain text."""

    feed_type = Atom1Feed
    route = "public:atom"

    def subtitle(self, obj: FeedSource) -> str:
        return self.description(obj)

    def item_title(self, item: FeedItem) -> str:
        return item.post.title


rss = _public_page(require_safe(UnitRssFeed()))
atom = _public_page(require_safe(UnitAtomFeed()))


# The contact form ---------------------------------------------------------------------------------


def _allow_framing(response: HttpResponseBase) -> HttpResponseBase:
    """Only the embeddable pages may be framed, and only by CAUNOI_EMBED_ALLOWED_ORIGINS (or us)."""
    policy = web.embed_policy()
    response["Content-Security-Policy"] = policy.csp
    if policy.x_frame_options:
        response["X-Frame-Options"] = policy.x_frame_options
    else:
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def _no_store(response: HttpResponseBase) -> HttpResponseBase:
    patch_cache_control(response, private=True, no_store=True)
    return response


def _contact(request: HttpRequest, unit_code: str, *, embed: bool) -> HttpResponseBase:
    unit = selectors.public_unit(unit_code)
    form = ContactForm(request.POST or None, unit=unit, places=selectors.contact_places(unit=unit))
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            message = services.web_contact_submit(
                unit=unit,
                place=data["place"],
                text=data["text"],
                display_name=data["display_name"],
                phone=data["phone"],
                email=data["email"],
                consents=form.consents(),
                client_address=client_address(request),
                language=get_language() or "vi",
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 429 if isinstance(exc, RateLimited) else 200
        else:
            receipt = web.receipt_token(web.message_reference(message.provider_message_id))
            name = "public:contact_embed_received" if embed else "public:contact_received"
            return _no_store(redirect(f"{reverse(name, args=[unit.code])}?{urlencode({'r': receipt})}"))
    response = render(
        request,
        "channels/public/contact_embed.html" if embed else "channels/public/contact.html",
        {"unit": unit, "form": form, "token": web.contact_token(unit.code), "embed": embed},
        status=status,
    )
    return _no_store(response)


def _received(request: HttpRequest, unit_code: str, *, embed: bool) -> HttpResponseBase:
    unit = selectors.public_unit(unit_code)
    reference = web.receipt_reference(request.GET.get("r", ""))
    if reference is None:
        raise NotFound()
    response = render(
        request,
        "channels/public/contact_received.html",
        {"unit": unit, "reference": reference, "embed": embed},
    )
    return _no_store(response)


@_public_page
@csrf_exempt
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, unit_code: str) -> HttpResponseBase:
    """Gửi phản ánh: a resident writes to the commune (or province)."""
    return _contact(request, unit_code, embed=False)


@_public_page
@csrf_exempt
@require_http_methods(["GET", "POST"])
def contact_embed(request: HttpRequest, unit_code: str) -> HttpResponseBase:
    """The same form, bare, for an <iframe> on a commune website."""
    return _allow_framing(_contact(request, unit_code, embed=True))


@_public_page
@require_safe
def contact_received(request: HttpRequest, unit_code: str) -> HttpResponseBase:
    return _received(request, unit_code, embed=False)


@_public_page
@require_safe
def contact_embed_received(request: HttpRequest, unit_code: str) -> HttpResponseBase:
    return _allow_framing(_received(request, unit_code, embed=True))
