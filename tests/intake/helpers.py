"""Helpers for intake and tracking tests: valid form data per kind, posting with files, a storage
backend that fails on demand."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Submission, SubmissionKind
from portal.files.storage import LocalStorage, StorageError
from portal.intake import services

IDENTITY = {"mode": "named", "full_name": "Nguyễn Thị Lan", "address": "12 Lê Lợi, phường Bến Thành",
            "id_number": "079088001234", "phone": "0903123456", "email": "lan@example.test"}


def form_data(kind: str, *, anonymous: bool = False, nonce: str | None = "nonce-" + "x" * 20,
              **overrides: Any) -> dict[str, Any]:
    """A valid POST body for ``/submit/<kind>``."""
    data: dict[str, Any] = {"title": "Đường ngập nước", "content": "Đường Lê Lợi ngập sau mỗi cơn mưa.",
                            "request_text": "Đề nghị nạo vét cống.", "group_size": "1"}
    if nonce:
        data["nonce"] = nonce
    data.update({"mode": "anonymous"} if anonymous else IDENTITY)
    if kind == "complaint":
        today = dt.date.today()
        data.update(decision_issuer="Ủy ban nhân dân phường Bến Thành", decision_number="12/QĐ-UBND",
                    decision_date=(today - dt.timedelta(days=10)).isoformat(),
                    learned_on=(today - dt.timedelta(days=5)).isoformat())
    if kind == "denunciation":
        data.update(accused_name="Trần Văn B", accused_position="Cán bộ địa chính", accused_unit_text="UBND phường")
    data.update(overrides)
    return data


def post(client: FlaskClient, kind: str, data: dict[str, Any], files: list[tuple[bytes, str]] | None = None,
         **kwargs: Any):  # type: ignore[no-untyped-def]
    body = dict(data)
    if files:
        body["evidence"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(f"/submit/{kind}", data=body, content_type="multipart/form-data", **kwargs)


def submissions(session: Session) -> list[Submission]:
    session.expire_all()
    return list(session.scalars(select(Submission).order_by(Submission.id)))


def receive(session: Session, app: Flask, kind: SubmissionKind = SubmissionKind.FEEDBACK, *, user_id: int | None = None,
            anonymous: bool = True, **overrides: Any) -> services.Receipt:
    """A submission received through the real service (for tracking tests)."""
    identity = None if anonymous else services.IdentityInput(full_name="Nguyễn Thị Lan", address="12 Lê Lợi",
                                                              id_number="079088001234", email="lan@example.test")
    data = services.SubmissionInput(kind=kind, title=overrides.pop("title", "Đèn đường hỏng"),
                                    content=overrides.pop("content", "Đèn đường trước số 5 hỏng đã một tuần."),
                                    identity=identity, user_id=user_id, **overrides)
    from portal.files.storage import get_storage

    return services.submit(session, get_storage(app), data, secret_key=app.config["SECRET_KEY"])


class FailingStorage(LocalStorage):
    """A real local storage that fails on the n-th write (the disk is full, the bucket is down)."""

    def __init__(self, root: Any, fail_on: int) -> None:
        super().__init__(root)
        self.fail_on = fail_on
        self.writes = 0

    def save(self, data: bytes) -> str:
        self.writes += 1
        if self.writes >= self.fail_on:
            raise StorageError("disk full")
        return super().save(data)
