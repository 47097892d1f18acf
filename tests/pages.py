"""Every page of the app, for the tests that render each page in both languages and run axe on it.

Each feature lists its pages in ``tests/<feature>/page_list.py`` (``PUBLIC_PAGES``: paths;
``STAFF_PAGES``: (path, role) pairs opened by a signed-in staff member holding that role).
Pages that need data (a case, a tracking code) are covered by their features' own journeys.
"""

from __future__ import annotations

import importlib
from pathlib import Path

PUBLIC_PAGES: list[str] = [
    "/",
    "/account/login",
    "/does-not-exist",  # the 404 page
]
STAFF_PAGES: list[tuple[str, str]] = []

for _path in sorted(Path(__file__).parent.glob("*/page_list.py")):
    _module = importlib.import_module(f"tests.{_path.parent.name}.page_list")
    PUBLIC_PAGES += [p for p in getattr(_module, "PUBLIC_PAGES", []) if p not in PUBLIC_PAGES]
    STAFF_PAGES += getattr(_module, "STAFF_PAGES", [])
