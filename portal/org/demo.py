"""Demo organisation: fields and the city tree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.org.models import Field, OrgUnit, UnitKind

FIELDS = [
    ("land", "Đất đai", "Land"),
    ("construction", "Xây dựng", "Construction"),
    ("environment", "Tài nguyên và môi trường", "Natural resources and environment"),
    ("health", "Y tế", "Health"),
    ("education", "Giáo dục", "Education"),
    ("transport", "Giao thông vận tải", "Transport"),
    ("finance", "Tài chính", "Finance"),
    ("labour", "Lao động, việc làm", "Labour and employment"),
    ("police", "An ninh, trật tự", "Public order and security"),
    ("home_affairs", "Nội vụ", "Home affairs"),
]


def seed_fields(session: Session) -> None:
    for code, name, name_en in FIELDS:
        if session.scalar(select(Field.id).where(Field.code == code)) is None:
            session.add(Field(code=code, name=name, name_en=name_en))
    session.flush()


def seed_root(session: Session) -> OrgUnit:
    root = session.scalar(select(OrgUnit).where(OrgUnit.code == "UBND-TP"))
    if root is None:
        root = OrgUnit(code="UBND-TP", name="Ủy ban nhân dân Thành phố", name_en="City People's Committee",
                       kind=UnitKind.PROVINCIAL_COMMITTEE)
        session.add(root)
        session.flush()
    return root


def seed(session: Session) -> list[str]:
    seed_fields(session)
    seed_root(session)
    return []
