"""Organisational units and fields (lĩnh vực)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, created_at, intpk, str64, str255


class UnitKind(enum.StrEnum):
    PROVINCIAL_COMMITTEE = "provincial_committee"  # UBND tỉnh/thành phố
    DEPARTMENT = "department"  # sở, ban, ngành
    INSPECTORATE = "inspectorate"  # thanh tra
    WARD_COMMITTEE = "ward_committee"  # UBND phường/xã/đặc khu
    DISTRICT_COMMITTEE = "district_committee"  # UBND quận/huyện (abolished 1/7/2025)
    POLICE = "police"
    PUBLIC_SERVICE_UNIT = "public_service_unit"
    STATE_ENTERPRISE = "state_enterprise"
    OTHER = "other"


class OrgUnit(Base):
    """A unit of the organisation tree. Units are retired (``valid_to``), never deleted."""

    __tablename__ = "org_units"

    id: Mapped[intpk]
    code: Mapped[str64] = mapped_column(unique=True)
    name: Mapped[str255]
    name_en: Mapped[str255] = mapped_column(default="")
    kind: Mapped[UnitKind] = mapped_column(Enum(UnitKind, native_enum=False, length=32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date, default=dt.date(2000, 1, 1))
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[created_at]

    parent: Mapped[OrgUnit | None] = relationship(remote_side="OrgUnit.id", back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent")

    def is_active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"


class Field(Base):
    """A field of state management (lĩnh vực): land, construction, health, ..."""

    __tablename__ = "fields"

    id: Mapped[intpk]
    code: Mapped[str64] = mapped_column(unique=True)
    name: Mapped[str255]
    name_en: Mapped[str255] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
