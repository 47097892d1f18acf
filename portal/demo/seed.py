"""The demo data set: every feature's ``demo.seed(session)``, in feature order.

Each step is idempotent (it looks things up by code before creating them) and returns the lines to
print, such as the accounts it made.
"""

from __future__ import annotations

import importlib
import importlib.util

from sqlalchemy.orm import Session

from portal import FEATURES


def seed_all(session: Session) -> list[str]:
    lines: list[str] = []
    for feature in FEATURES:
        if importlib.util.find_spec(f"portal.{feature}") and importlib.util.find_spec(f"portal.{feature}.demo"):
            module = importlib.import_module(f"portal.{feature}.demo")
            lines.extend(module.seed(session))
            session.flush()
    return lines or ["demo data ready"]
