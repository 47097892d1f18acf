"""Navigation entries that feature blueprints contribute to the public and staff layouts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    visible: Callable[[], bool] | None = None  # evaluated per request (e.g. a permission check)
    order: int = 50


def add_nav(app: Flask, area: str, endpoint: str, label: Any, *, visible: Callable[[], bool] | None = None,
            order: int = 50) -> None:
    items: list[NavItem] = app.extensions.setdefault("portal.nav", {}).setdefault(area, [])
    items.append(NavItem(endpoint, label, visible, order))
    items.sort(key=lambda item: item.order)


def nav(area: str) -> list[tuple[str, Any]]:
    items = current_app.extensions.get("portal.nav", {}).get(area, [])
    return [(item.endpoint, item.label) for item in items if item.visible is None or item.visible()]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(public_nav=lambda: nav("public"), staff_nav=lambda: nav("staff"))
