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
    menu: str = ""  # the key of the NavMenu it opens from, or "" for the top line


@dataclass(frozen=True)
class NavMenu:
    """A drop-down in the top line, so an administrator's twenty pages fit on one line or two."""

    key: str
    label: Any
    order: int  # its place in the top line, among the items' orders


@dataclass(frozen=True)
class NavEntry:
    """One place in the top line: a link, or a menu with the links this viewer may open."""

    label: Any
    item: NavItem | None = None
    items: tuple[NavItem, ...] = ()
    current: bool = False  # the page shown is this link, or one of this menu's


@dataclass(frozen=True)
class DashboardCard:
    key: str
    template: str
    order: int
    context: Callable[[HttpRequest], dict[str, Any] | None]  # None hides the card for this viewer


_nav: dict[str, NavItem] = {}
_menus: dict[str, NavMenu] = {}
_cards: dict[str, DashboardCard] = {}


def register_nav(item: NavItem) -> None:
    _nav[item.key] = item


def register_menu(menu: NavMenu) -> None:
    _menus[menu.key] = menu


def register_card(card: DashboardCard) -> None:
    _cards[card.key] = card


def nav_entries(request: HttpRequest) -> list[NavEntry]:
    """The top line for this viewer, in order: links, and menus holding at least one visible link."""
    visible = [item for item in sorted(_nav.values(), key=lambda i: i.order) if item.visible(request)]
    shown = request.resolver_match.view_name if request.resolver_match else ""
    placed: list[tuple[int, NavEntry]] = [
        (item.order, NavEntry(label=item.label, item=item, current=item.url_name == shown))
        for item in visible
        if item.menu not in _menus
    ]
    for menu in _menus.values():
        items = tuple(i for i in visible if i.menu == menu.key)
        if items:
            current = any(i.url_name == shown for i in items)
            placed.append((menu.order, NavEntry(label=menu.label, items=items, current=current)))
    return [entry for _, entry in sorted(placed, key=lambda pair: pair[0])]


def dashboard_cards(request: HttpRequest) -> list[tuple[DashboardCard, dict[str, Any]]]:
    shown = []
    for card in sorted(_cards.values(), key=lambda c: c.order):
        context = card.context(request)
        if context is not None:
            shown.append((card, context))
    return shown
