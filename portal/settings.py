"""Typed settings read from the environment, validated once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PREFIX = "PORTAL_"


class SettingsError(RuntimeError):
    """A configuration value is missing or invalid; the message says which and why."""


def _as_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be a boolean (true/false), got {raw!r}")


def _as_int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment.

    ``DATABASE_URL``, ``SECRET_KEY`` and ``PORT`` keep their conventional names; everything else
    is ``PORTAL_<FIELD NAME IN CAPITALS>``.
    """

    secret_key: str
    database_url: str
    env: str = "production"  # production | development | testing
    port: int = 5000
    instance_path: str = "instance"
    upload_dir: str = ""  # defaults to <instance>/uploads
    max_upload_mb: int = 25  # whole request body
    max_file_mb: int = 10  # one evidence file
    max_files: int = 10
    staff_session_minutes: int = 30
    citizen_session_days: int = 14
    mail_server: str = "127.0.0.1"
    mail_port: int = 8025
    mail_use_tls: bool = False
    mail_username: str = ""
    mail_password: str = ""
    mail_sender: str = "Cổng tiếp nhận đơn <no-reply@portal.invalid>"
    base_url: str = "http://127.0.0.1:5000"
    ratelimit_storage_uri: str = "memory://"
    ratelimit_enabled: bool = True
    reminder_working_days: int = 3
    escalation_parent_days: int = 5
    scanner: str = "none"  # none | clamd
    clamd_host: str = "127.0.0.1"
    clamd_port: int = 3310
    proxy_hops: int = 0  # reverse proxies in front of the app that set X-Forwarded-*

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_testing(self) -> bool:
        return self.env == "testing"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``) and explicit overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        direct = {"secret_key": "SECRET_KEY", "database_url": "DATABASE_URL", "port": "PORT"}
        for f in fields(cls):
            name = direct.get(f.name, PREFIX + f.name.upper())
            if name not in environ:
                continue
            raw = environ[name]
            if f.type in ("int", int):
                values[f.name] = _as_int(name, raw)
            elif f.type in ("bool", bool):
                values[f.name] = _as_bool(name, raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if k in {f.name for f in fields(cls)}})
        values.setdefault("instance_path", "instance")
        env = values.get("env", "production")
        if env not in {"production", "development", "testing"}:
            raise SettingsError(f"{PREFIX}ENV must be production, development or testing, got {env!r}")
        if "database_url" not in values:
            db_file = Path(values["instance_path"]).resolve() / "portal.sqlite3"
            values["database_url"] = f"sqlite:///{db_file}"
        if not values.get("secret_key"):
            secret_file = Path(values["instance_path"]) / "secret_key"
            if env != "production" and secret_file.is_file():
                values["secret_key"] = secret_file.read_text().strip()
            else:
                raise SettingsError(
                    "SECRET_KEY is not set. Set it in the environment (production refuses to start "
                    "without one); `make run` generates instance/secret_key for development."
                )
        settings = cls(**values)
        settings.validate()
        if settings.is_production:
            settings.validate_production(proxy_hops_given="proxy_hops" in values)
        return settings

    def validate(self) -> None:
        """Raise :class:`SettingsError` naming the first bad value."""
        if len(self.secret_key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters of random data")
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            raise SettingsError(f"DATABASE_URL is not a valid database URL: {self.database_url!r}") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise SettingsError("DATABASE_URL must be sqlite:///... or postgresql+psycopg://...")
        if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
            raise SettingsError("DATABASE_URL for PostgreSQL must use the psycopg 3 driver: postgresql+psycopg://")
        if not 0 < self.port < 65536:
            raise SettingsError(f"PORT must be between 1 and 65535, got {self.port}")
        if self.max_file_mb > self.max_upload_mb:
            raise SettingsError(f"{PREFIX}MAX_FILE_MB cannot exceed {PREFIX}MAX_UPLOAD_MB")
        if self.scanner not in {"none", "clamd"}:
            raise SettingsError(f"{PREFIX}SCANNER must be none or clamd, got {self.scanner!r}")

    def validate_production(self, *, proxy_hops_given: bool) -> None:
        """What only a production start-up checks: the settings whose development defaults would quietly
        break a real deployment."""
        if not proxy_hops_given:
            # Behind nginx without it, every client shares the proxy's address (one rate-limit bucket for
            # the whole city); with it and no proxy, anyone could choose their address.
            raise SettingsError(f"{PREFIX}PROXY_HOPS must be set in production: the number of reverse proxies "
                                "in front of the app that set X-Forwarded-For and X-Forwarded-Proto (1 behind nginx, "
                                "0 with none)")
        if not self.base_url.startswith("https://"):
            raise SettingsError(f"{PREFIX}BASE_URL must be the portal's public https:// address in production "
                                "(the links in emails use it)")
        if parseaddr(self.mail_sender)[1].endswith(".invalid"):
            raise SettingsError(f"{PREFIX}MAIL_SENDER must be a real sender address in production")

    def with_overrides(self, **changes: Any) -> Settings:
        new = replace(self, **changes)
        new.validate()
        return new

    @property
    def upload_path(self) -> Path:
        return Path(self.upload_dir or Path(self.instance_path) / "uploads").resolve()
