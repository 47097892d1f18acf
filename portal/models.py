"""Imports every feature's models so that Alembic and the tests see the whole schema."""

import importlib
import importlib.util

from portal import FEATURES
from portal.db import Base

for _feature in FEATURES:
    if importlib.util.find_spec(f"portal.{_feature}") and importlib.util.find_spec(f"portal.{_feature}.models"):
        importlib.import_module(f"portal.{_feature}.models")

__all__ = ["Base"]
