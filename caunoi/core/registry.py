"""What each installed app adds to the shell: navigation entries and dashboard cards.

Apps register in their ``AppConfig.ready()``; a module that is not installed is simply absent from
the navigation, so nobody sees a page that does nothing yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # a lazy translated string
    url_name: str
    order: int
    visible: Callable[[HttpRequest], bool]


@dataclass(frozen=True)
class DashboardCard:
    key: str
    template: str
    order: int
    context: Callable[[HttpRequest], dict[str, Any] | None]  # None hides the card for this viewer


_nav: dict[str, NavItem] = {}
_cards: dict[str, DashboardCard] = {}


def register_nav(item: NavItem) -> None:
    _nav[item.key] = item


def register_card(card: DashboardCard) -> None:
    _cards[card.key] = card


def nav_items(request: HttpRequest) -> list[NavItem]:
    return [item for item in sorted(_nav.values(), key=lambda i: i.order) if item.visible(request)]


def dashboard_cards(request: HttpRequest) -> list[tuple[DashboardCard, dict[str, Any]]]:
    shown = []
    for card in sorted(_cards.values(), key=lambda c: c.order):
        context = card.context(request)
        if context is not None:
            shown.append((card, context))
    return shown
