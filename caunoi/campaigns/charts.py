"""Server-side SVG bar charts: geometry computed here, drawn by ``campaigns/_bars.html``; no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass

from caunoi.campaigns.selectors import RateRow

WIDTH, LABEL, ROW = 640, 200, 26
BAR = WIDTH - LABEL - 60


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    delivered_width: int
    seen_width: int
    text: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_width: int = LABEL
    bar_x: int = LABEL + 4
    bar_width: int = BAR


def rate_chart(title: str, rows: list[RateRow]) -> Chart:
    """Two overlaid bars per row: delivered (light) and seen (dark), as shares of the row's audience."""
    bars = []
    for i, row in enumerate(r for r in rows if not r.suppressed):
        bars.append(
            Bar(
                label=row.label[:32],
                y=i * ROW + 4,
                delivered_width=round(BAR * row.delivered_rate),
                seen_width=round(BAR * row.seen_rate),
                text=f"{row.delivered_rate:.0%} / {row.seen_rate:.0%}",
            )
        )
    return Chart(title=title, bars=bars, height=max(len(bars), 1) * ROW + 8)
