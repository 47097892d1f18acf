"""Reference data kept per process: the units, the active fields, the unit tree and the routing rules,
and (derived by portal/deadlines/services.py) the deadline rules and the calendar's overrides.

Every public form and every routing decision needs them, and they change a few times a year, so each
process keeps one snapshot per version token instead of reading them on every request:

* every flush that adds, changes or deletes a unit, field, unit-field or unit-ward link, routing
  rule, deadline rule or holiday override (and every ORM bulk statement on them) writes a fresh
  random token to the single :class:`ReferenceVersion` row, in the same transaction;
* a reader reads that token first (one row by primary key, once per transaction), then uses the
  snapshot kept for it, or reads the rows and keeps them under it.

A token is never reused, so a snapshot can only be served for the state it was read from: a change
rolled back leaves an orphan token behind, and a change committed elsewhere shows up as a new token
at the next transaction of every process. Without the row (an empty schema) nothing is kept. A
change made by raw SQL (a data migration, a console) must bump the token too (:func:`bump`), or
the running processes keep what they read until they restart.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterable
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from portal.org.models import Field, OrgUnit, ReferenceVersion, RoutingRule, UnitField, UnitKind, UnitWard
from portal.org.routing import DEFAULT_RULES, Rule, UnitNode, UnitTree

REFERENCE_TYPES: tuple[type, ...] = (OrgUnit, Field, UnitField, UnitWard, RoutingRule)  # and what features register
ROW_ID = 1
_KEPT = 4  # snapshots kept per process, the oldest dropped first
# Values derived from one snapshot, the oldest dropped first. Some are per day (the units active on
# it, the form's choices in each language), so a process whose reference data never changes would
# otherwise keep a few more every day for as long as it lives.
_DERIVED_KEPT = 32
_INFO_KEY = "portal.refdata.token"


class UnitRow(NamedTuple):
    """A unit as forms and lists show it (any validity)."""

    id: int
    code: str
    name: str
    name_en: str
    parent_id: int | None
    kind: UnitKind
    valid_from: dt.date
    valid_to: dt.date | None
    successor_id: int | None

    def is_active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class FieldRow(NamedTuple):
    id: int
    name: str
    name_en: str


class Snapshot:
    """Reference data as read in one transaction; read-only, shared by the requests of a process."""

    def __init__(self, units: list[UnitRow], fields: list[FieldRow], links: list[tuple[int, int]],
                 ward_links: list[tuple[int, int]], rules: list[Rule]) -> None:
        self.units = tuple(units)  # ordered by name, as the database orders them
        self.fields = tuple(fields)  # the active ones, ordered by name
        self.rules = tuple(rules)
        fields_of: dict[int, set[int]] = {}
        for unit_id, field_id in links:
            fields_of.setdefault(unit_id, set()).add(field_id)
        wards_of: dict[int, set[int]] = {}
        for unit_id, ward_id in ward_links:
            wards_of.setdefault(unit_id, set()).add(ward_id)
        self.tree = UnitTree(UnitNode(u.id, u.code, u.kind, u.parent_id, u.valid_from, u.valid_to, u.successor_id,
                                      frozenset(fields_of.get(u.id, ())), frozenset(wards_of.get(u.id, ())))
                             for u in units)
        self._derived: dict[Any, Any] = {}
        self._lock = threading.RLock()  # a build may ask for another derived value

    def active_units(self, day: dt.date) -> list[UnitRow]:
        """The units in force on ``day``, ordered by name."""
        return list(self.derived(("active", day), lambda: tuple(u for u in self.units if u.is_active_on(day))))

    def subtree(self, roots: Iterable[int]) -> set[int]:
        """The ids of ``roots`` and of every unit below them (any validity, as the unit table)."""
        children: dict[int, tuple[int, ...]] = self.derived("children", self._children)
        result: set[int] = set()
        frontier = list(roots)
        while frontier:
            unit_id = frontier.pop()
            if unit_id not in result:
                result.add(unit_id)
                frontier.extend(children.get(unit_id, ()))
        return result

    def ancestors(self, unit_id: int) -> list[int]:
        """``unit_id`` followed by its parent, grandparent, ... (a cycle ends the chain)."""
        parents: dict[int, int | None] = self.derived("parents", lambda: {u.id: u.parent_id for u in self.units})
        chain: list[int] = []
        current: int | None = unit_id
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        return chain

    def superior(self, unit_id: int, day: dt.date) -> int | None:
        """The nearest unit above ``unit_id`` in force on ``day``: an abolished level is skipped (the
        district level ended on 1/7/2025); None at the top."""
        active = self.derived(("active-ids", day), lambda: frozenset(u.id for u in self.active_units(day)))
        return next((above for above in self.ancestors(unit_id)[1:] if above in active), None)

    def _children(self) -> dict[int, tuple[int, ...]]:
        below: dict[int, list[int]] = {}
        for unit in self.units:
            if unit.parent_id is not None:
                below.setdefault(unit.parent_id, []).append(unit.id)
        return {parent: tuple(ids) for parent, ids in below.items()}

    def derived(self, key: Any, build: Any) -> Any:
        """A value computed from this snapshot once (``build()``), e.g. the labels of a form."""
        value = self._derived.get(key)
        if value is None:
            with self._lock:
                value = self._derived.get(key)
                if value is None:
                    value = build()
                    while len(self._derived) >= _DERIVED_KEPT:
                        self._derived.pop(next(iter(self._derived)))
                    self._derived[key] = value
        return value


_snapshots: dict[str, Snapshot] = {}
_keeping = threading.Lock()

_TOKEN = select(ReferenceVersion.token).where(ReferenceVersion.id == ROW_ID)
_UNITS = (select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.name_en, OrgUnit.parent_id, OrgUnit.kind,
                 OrgUnit.valid_from, OrgUnit.valid_to, OrgUnit.successor_id).order_by(OrgUnit.name, OrgUnit.id))
_FIELDS = select(Field.id, Field.name, Field.name_en).where(Field.is_active.is_(True)).order_by(Field.name, Field.id)
_RULES = (select(RoutingRule.code, RoutingRule.name, RoutingRule.strategy, RoutingRule.kind,
                 RoutingRule.second_complaint, RoutingRule.field_id, RoutingRule.target_unit_id)
          .where(RoutingRule.is_active.is_(True)).order_by(RoutingRule.position, RoutingRule.code))


def register(*types: type) -> None:
    """Make a change to rows of ``types`` give the reference data a new token (a feature whose own
    reference data is derived from the snapshot, e.g. the deadline rules)."""
    global REFERENCE_TYPES
    REFERENCE_TYPES = tuple(dict.fromkeys((*REFERENCE_TYPES, *types)))


def snapshot(session: Session) -> Snapshot:
    """The reference data as this transaction sees it."""
    token = current_token(session)
    if token is not None:
        kept = _snapshots.get(token)
        if kept is not None:
            return kept
    fresh = _read(session)
    if token is not None:
        with _keeping:
            while len(_snapshots) >= _KEPT:
                _snapshots.pop(next(iter(_snapshots)))  # the oldest
            _snapshots[token] = fresh
    return fresh


def current_token(session: Session) -> str | None:
    """The version token, read once per transaction (and again after a change in it)."""
    transaction = session.get_transaction()
    known = session.info.get(_INFO_KEY)
    pending = session.autoflush and (session.new or session.dirty or session.deleted)
    if known is not None and transaction is not None and known[0] is transaction and not pending:
        return known[1]
    token = session.scalar(_TOKEN)  # autoflushes first: a pending change gets its own token
    session.info[_INFO_KEY] = (session.get_transaction(), token)
    return token


def _read(session: Session) -> Snapshot:
    units = [UnitRow(*row) for row in session.execute(_UNITS)]
    fields = [FieldRow(*row) for row in session.execute(_FIELDS)]
    links = [(u, f) for u, f in session.execute(select(UnitField.unit_id, UnitField.field_id))]
    ward_links = [(u, w) for u, w in session.execute(select(UnitWard.unit_id, UnitWard.ward_id))]
    rows = session.execute(_RULES).all()
    if rows or session.scalar(select(RoutingRule.id).limit(1)) is not None:
        rules = [Rule(*row) for row in rows]
    else:  # the default rules while none are stored at all
        rules = [rule for _position, rule in DEFAULT_RULES]
    return Snapshot(units, fields, links, ward_links, rules)


def bump(session: Session) -> None:
    """Give the reference data a new token (in the session's transaction)."""
    token = secrets.token_hex(16)
    session.info.pop(_INFO_KEY, None)
    with session.no_autoflush:
        changed = session.execute(update(ReferenceVersion).where(ReferenceVersion.id == ROW_ID).values(token=token),
                                  execution_options={"synchronize_session": False}).rowcount
        if not changed:
            session.execute(insert(ReferenceVersion).values(id=ROW_ID, token=token))


@event.listens_for(Session, "after_transaction_end")
def _forget_token(session: Session, _transaction: Any) -> None:
    """A savepoint rolled back takes its token change with it: read the token again after any
    transaction (or savepoint) ends."""
    session.info.pop(_INFO_KEY, None)


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    if any(isinstance(obj, REFERENCE_TYPES) for obj in chain(session.new, session.dirty, session.deleted)):
        bump(session)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_statement(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None \
            and issubclass(state.bind_mapper.class_, REFERENCE_TYPES):
        bump(state.session)
