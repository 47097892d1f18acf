"""Organisational units (a tree with effective dates), fields (lĩnh vực), the wards a unit covers,
the fields it manages, competence routing rules, and the staff accused in a case."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text
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
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # first day the unit no longer exists
    # The unit that took over when this one was merged or retired (Luật Tố cáo Art. 12: the successor leads).
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[created_at]

    parent: Mapped[OrgUnit | None] = relationship(remote_side="OrgUnit.id", back_populates="children",
                                                  foreign_keys=[parent_id])
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", foreign_keys=[parent_id])
    successor: Mapped[OrgUnit | None] = relationship(remote_side="OrgUnit.id", foreign_keys=[successor_id])
    fields: Mapped[list[UnitField]] = relationship(back_populates="unit", cascade="all, delete-orphan")
    wards: Mapped[list[UnitWard]] = relationship(back_populates="unit", cascade="all, delete-orphan",
                                                 foreign_keys="UnitWard.unit_id")

    def is_active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def display_name(self, locale: str) -> str:
        """The English name in English when there is one, else the Vietnamese name."""
        return self.name_en if locale == "en" and self.name_en else self.name

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

    def display_name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


class UnitField(Base):
    """A field of state management that a unit manages (in its area, see :class:`UnitWard`)."""

    __tablename__ = "org_unit_fields"

    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)

    unit: Mapped[OrgUnit] = relationship(back_populates="fields")
    field: Mapped[Field] = relationship(lazy="joined")


class UnitWard(Base):
    """A ward or commune in a unit's area. A unit without rows covers the whole city; a ward
    committee always covers its own ward."""

    __tablename__ = "org_unit_wards"

    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)

    unit: Mapped[OrgUnit] = relationship(back_populates="wards", foreign_keys=[unit_id])
    ward: Mapped[OrgUnit] = relationship(foreign_keys=[ward_id], lazy="joined")


class RuleStrategy(enum.StrEnum):
    """How a competence rule finds its unit (see ``portal.org.routing``)."""

    CONCERNED_UNIT = "concerned_unit"  # the unit that issued the decision / did the act / was named
    CONCERNED_SUPERIOR = "concerned_superior"  # that unit's direct superior (second complaint)
    ACCUSED_MANAGER = "accused_manager"  # the unit managing the accused; its superior for a head or deputy
    FIELD_AND_AREA = "field_and_area"  # the unit managing the field in the ward
    WARD = "ward"  # the ward's own People's Committee
    FIXED = "fixed"  # a named unit


class RoutingRule(Base):
    """One competence rule, tried in ``position`` order; the first that yields a unit wins."""

    __tablename__ = "routing_rules"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=100, index=True)
    name: Mapped[str255]
    # Conditions: None means "any".
    kind: Mapped[str | None] = mapped_column(String(32))  # a SubmissionKind value
    second_complaint: Mapped[bool | None] = mapped_column(Boolean)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"))
    strategy: Mapped[RuleStrategy] = mapped_column(Enum(RuleStrategy, native_enum=False, length=32))
    target_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))  # for ``fixed``
    is_active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    field: Mapped[Field | None] = relationship(lazy="joined")
    target_unit: Mapped[OrgUnit | None] = relationship(lazy="joined")


class ReferenceVersion(Base):
    """A single row whose random token is replaced, in the same transaction, whenever units, fields,
    their links or the routing rules change: processes keep a snapshot of those per token
    (``portal.org.refdata``). Random rather than a counter, so a rolled-back change never leaves
    behind a token that a later state could reuse."""

    __tablename__ = "reference_version"

    id: Mapped[intpk]
    token: Mapped[str64]


class AccusedPerson(Base):
    """A staff member identified by staff as accused in a case (drives the conflict-of-interest rows)."""

    __tablename__ = "case_accused_persons"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    marked_at: Mapped[created_at]
