"""Users, their role assignments and staff recovery codes."""

from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, created_at, intpk, str64, str255
from portal.org.models import OrgUnit


class Role(enum.StrEnum):
    INTAKE_OFFICER = "intake_officer"  # cán bộ xử lý đơn
    HANDLER = "handler"  # cán bộ thụ lý, xác minh
    DEPUTY = "deputy"  # cấp phó
    HEAD = "head"  # người đứng đầu
    INSPECTOR = "inspector"  # thanh tra (read-only oversight)
    ADMIN = "admin"


class User(UserMixin, Base):
    """A citizen or a staff member. Staff have role assignments; citizens have none."""

    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str255] = mapped_column(unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: invited, not yet accepted
    full_name: Mapped[str255] = mapped_column(default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    is_staff: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    email_confirmed_at: Mapped[dt.datetime | None]
    # A new address waiting for its confirmation link to be followed.
    pending_email: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None]
    # Bumped to revoke every session and every outstanding signed link of this user.
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    created_at: Mapped[created_at]
    last_login_at: Mapped[dt.datetime | None]
    deleted_at: Mapped[dt.datetime | None]  # the account was deleted by its owner (row anonymised)

    roles: Mapped[list[RoleAssignment]] = relationship(back_populates="user", cascade="all, delete-orphan",
                                                       lazy="selectin", foreign_keys="RoleAssignment.user_id")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    @property
    def has_accepted_invitation(self) -> bool:
        return self.password_hash is not None

    def get_id(self) -> str:  # Flask-Login: the session is bound to the session version
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id}{' staff' if self.is_staff else ''}>"


class RoleAssignment(Base):
    """A role held for one unit; it applies to the unit's whole subtree."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "unit_id", "role"),
        # One người đứng đầu per unit, held by the database too (two approvals at the same moment).
        Index("uq_role_assignments_one_head", "unit_id", unique=True,
              sqlite_where=text("role = 'HEAD'"), postgresql_where=text("role = 'HEAD'")),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    granted_at: Mapped[created_at]
    # The administrator who asked for it (portal/accounts/grants.py); None for the command line and
    # the demo. An administrator made by one may not approve that one's requests, nor the reverse.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    unit: Mapped[OrgUnit] = relationship(lazy="joined")


class RequestState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class RoleRequest(Base):
    """A role an administrator asked to grant, in force only once a second administrator approves it
    (portal/accounts/grants.py): nobody alone can give an account the power to open cases, and so an
    administrator cannot make a head of an account whose mailbox they control."""

    __tablename__ = "role_requests"
    __table_args__ = (
        # One open request per grant: a second one would be approved twice (SQLAlchemy stores enum names).
        Index("uq_role_requests_pending", "user_id", "unit_id", "role", unique=True,
              sqlite_where=text("state = 'PENDING'"), postgresql_where=text("state = 'PENDING'")),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    # A head appointed in place of the current one: the replacement happens at approval, so that the
    # unit is never without its head while the request waits.
    replace_head: Mapped[bool] = mapped_column(default=False)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the head when it was asked
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[created_at]
    state: Mapped[RequestState] = mapped_column(Enum(RequestState, native_enum=False, length=16),
                                                default=RequestState.PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was refused

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    replaces: Mapped[User | None] = relationship(foreign_keys=[replaces_id])


class RecoveryCode(Base):
    """A one-time staff recovery code, stored as a keyed hash; ``used_at`` is set when spent."""

    __tablename__ = "recovery_codes"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str64]
    created_at: Mapped[created_at]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")
