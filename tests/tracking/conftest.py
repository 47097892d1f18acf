"""Tracking tests use the intake fixtures (an organisation, a private storage directory)."""

from tests.intake.conftest import org  # noqa: F401
