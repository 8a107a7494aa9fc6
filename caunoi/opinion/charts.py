"""Server-side SVG charts: no JavaScript library, no inline styles (colours are SVG presentation
attributes and CSS classes), readable without colour thanks to labels and titles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

SENTIMENT_CLASSES = ("neg", "neu", "pos")


@dataclass(frozen=True)
class Bar:
    label: str
    parts: tuple[int, int, int]  # negative, neutral, positive

    @property
    def total(self) -> int:
        return sum(self.parts)


def sentiment_bars(bars: Sequence[Bar], *, width: int = 640, row: int = 26) -> SafeString:
    """Horizontal bars, one per topic, split into negative / neutral / positive."""
    if not bars:
        return mark_safe("")
    label_w, value_w = 190, 50
    plot_w = width - label_w - value_w
    top = max(b.total for b in bars) or 1
    height = row * len(bars) + 4
    out = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">',
            width,
            height,
            _("Messages per topic, by sentiment"),
        )
    ]
    names = (_("negative"), _("neutral"), _("positive"))
    for i, bar in enumerate(bars):
        y = i * row + 2
        out.append(
            format_html(
                '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>',
                label_w - 8,
                y + row * 0.65,
                bar.label,
            )
        )
        x = float(label_w)
        for css, name, value in zip(SENTIMENT_CLASSES, names, bar.parts, strict=True):
            w = plot_w * value / top
            if w > 0:
                out.append(
                    format_html(
                        '<rect class="{}" x="{}" y="{}" width="{}" height="{}">'
                        "<title>{}: {} {}</title></rect>",
                        css,
                        round(x, 1),
                        y + 3,
                        round(w, 1),
                        row - 8,
                        bar.label,
                        value,
                        name,
                    )
                )
            x += w
        out.append(
            format_html(
                '<text class="value" x="{}" y="{}">{}</text>', round(x + 6, 1), y + row * 0.65, bar.total
            )
        )
    out.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in out))  # noqa: S308 - every part escaped above


def daily_line(
    points: Sequence[tuple[dt.date, int | None]], *, width: int = 640, height: int = 160
) -> SafeString:
    """Messages per day; a suppressed day (fewer than k people) is a gap with a hollow marker."""
    if not points:
        return mark_safe("")
    pad_l, pad_b, pad_t = 36, 24, 10
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    top = max((v for _, v in points if v), default=1) or 1
    step = plot_w / max(len(points) - 1, 1)
    out = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">',
            width,
            height,
            _("Messages per day"),
        ),
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            pad_l,
            pad_t + plot_h,
            width - 10,
            pad_t + plot_h,
        ),
        format_html(
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>', pad_l - 6, pad_t + 8, top
        ),
        format_html('<text class="tick" x="{}" y="{}" text-anchor="end">0</text>', pad_l - 6, pad_t + plot_h),
    ]
    segment: list[str] = []
    segments = []
    for i, (day, value) in enumerate(points):
        x = round(pad_l + i * step, 1)
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            out.append(
                format_html(
                    '<circle class="suppressed" cx="{}" cy="{}" r="3"><title>{}: {}</title></circle>',
                    x,
                    pad_t + plot_h,
                    day.strftime("%d/%m"),
                    _("fewer than k people"),
                )
            )
        else:
            y = round(pad_t + plot_h - plot_h * value / top, 1)
            segment.append(f"{x:.1f},{y:.1f}")
            out.append(
                format_html(
                    '<circle class="point" cx="{}" cy="{}" r="3"><title>{}: {}</title></circle>',
                    x,
                    y,
                    day.strftime("%d/%m"),
                    value,
                )
            )
        if len(points) <= 14 or i % max(len(points) // 7, 1) == 0:
            out.append(
                format_html(
                    '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    x,
                    height - 6,
                    day.strftime("%d/%m"),
                )
            )
    if segment:
        segments.append(segment)
    for seg in segments:
        out.append(format_html('<polyline class="line" points="{}"/>', escape(" ".join(seg))))
    out.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in out))  # noqa: S308 - every part escaped above


def heat_class(value: int, top: int) -> str:
    """CSS class of a heat-table cell: five steps of the commune's largest count."""
    if top <= 0 or value <= 0:
        return "heat-0"
    return f"heat-{min(5, 1 + int(4 * value / top))}"


def count_bars(items: Sequence[tuple[str, int]], *, width: int = 560, row: int = 24) -> SafeString:
    """Horizontal bars of counts (survey answers), each labelled with its count."""
    if not items:
        return mark_safe("")
    label_w, plot_w = 200, width - 250
    top = max(n for _, n in items) or 1
    out = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">',
            width,
            row * len(items) + 4,
            _("Answers"),
        )
    ]
    for i, (label, n) in enumerate(items):
        y = i * row + 2
        w = round(plot_w * n / top, 1)
        out.append(
            format_html(
                '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>',
                label_w - 8,
                y + row * 0.65,
                label,
            )
        )
        out.append(
            format_html(
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}"/>', label_w, y + 3, w, row - 8
            )
        )
        out.append(
            format_html('<text class="value" x="{}" y="{}">{}</text>', label_w + w + 6, y + row * 0.65, n)
        )
    out.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in out))  # noqa: S308 - every part escaped above
