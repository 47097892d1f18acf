"""Import and export of the organisation as YAML (``flask org import FILE`` / ``flask org export``).

The file has three optional lists, ``fields``, ``units`` and ``rules``; every entry is matched by
its ``code``, so importing the same file twice changes nothing. Nothing is ever deleted: a unit is
retired by giving it a ``valid_to``; a rule is switched off with ``active: false``. Dates are
``YYYY-MM-DD``; ``valid_to`` is the first day the unit no longer exists::

    fields:
      - code: land                  # required, unique
        name: Đất đai               # required
        name_en: Land
        active: true
    units:                          # parents before their children
      - code: UBND-TP               # required, unique
        name: Ủy ban nhân dân Thành phố
        name_en: City People's Committee
        kind: provincial_committee  # provincial_committee | department | inspectorate | ward_committee |
                                    # district_committee | police | public_service_unit | state_enterprise | other
        parent: null                # the parent's code; null only for the root
        valid_from: 2000-01-01
        valid_to: null
        successor: null             # code of the unit that took over when retired
        fields: [land]              # codes of the fields the unit manages
        wards: [P-BENTHANH]         # codes of the wards it covers (empty: the whole city)
    rules:                          # tried in ``position`` order
      - code: KN-1
        position: 10
        name: Khiếu nại lần đầu
        kind: complaint             # complaint | denunciation | petition | feedback | null (any)
        second_complaint: false     # true | false | null (any)
        field: null                 # a field code, or null (any)
        strategy: concerned_unit    # concerned_unit | concerned_superior | accused_manager |
                                    # field_and_area | ward | fixed
        target: null                # the unit code, for ``fixed``
        active: true
        note: ""

Heads and deputies are staff appointments and are set in the administration screens, not here.
Errors name the line of the entry at fault (``line 12: ...``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.org import services
from portal.org.models import Field, OrgUnit, RoutingRule, RuleStrategy, UnitKind

KINDS = ("complaint", "denunciation", "petition", "feedback")
LINE = "__line__"


class OrgFileError(ValueError):
    """A bad organisation file; the message starts with the line number."""


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps dates as text (checked here, with the line) and records lines."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _fail(entry: dict[str, Any] | None, message: str) -> OrgFileError:
    line = entry.get(LINE, "?") if isinstance(entry, dict) else "?"
    return OrgFileError(f"line {line}: {message}")


def parse(text: str) -> dict[str, list[dict[str, Any]]]:
    """Read and shape-check an organisation file."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "line ?"
        raise OrgFileError(f"{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise OrgFileError("line 1: the file must be a mapping with fields, units and rules")
    unknown = set(data) - {"fields", "units", "rules", LINE}
    if unknown:
        raise _fail(data, f"unknown section {sorted(unknown)[0]!r}")
    result: dict[str, list[dict[str, Any]]] = {}
    for section in ("fields", "units", "rules"):
        entries = data.get(section) or []
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise _fail(data, f"{section} must be a list of mappings")
        result[section] = entries
    return result


_ALLOWED = {
    "fields": {"code", "name", "name_en", "active"},
    "units": {"code", "name", "name_en", "kind", "parent", "valid_from", "valid_to", "successor", "fields", "wards"},
    "rules": {"code", "position", "name", "kind", "second_complaint", "field", "strategy", "target", "active", "note"},
}


def _text(entry: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = entry.get(key)
    if value is None or value == "":
        if required:
            raise _fail(entry, f"{key!r} is required")
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _fail(entry, f"{key!r} must be text")
    return str(value).strip()


def _date(entry: dict[str, Any], key: str, *, required: bool = False) -> dt.date | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise _fail(entry, f"{key!r} is required")
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(entry, f"{key!r} must be a date YYYY-MM-DD, not {value!r}") from None


def _bool(entry: dict[str, Any], key: str, default: bool | None) -> bool | None:
    value = entry.get(key, default)
    if value is not None and not isinstance(value, bool):
        raise _fail(entry, f"{key!r} must be true, false or null")
    return value


def _codes(entry: dict[str, Any], key: str) -> list[str]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(entry, f"{key!r} must be a list of codes")
    return value


def _check_keys(section: str, entry: dict[str, Any]) -> None:
    unknown = set(entry) - _ALLOWED[section] - {LINE}
    if unknown:
        raise _fail(entry, f"unknown key {sorted(unknown)[0]!r}")


@dataclass
class _Context:
    session: Session
    actor_id: int | None
    changes: list[str]

    def unit(self, entry: dict[str, Any], code: str) -> OrgUnit:
        unit = services.unit_by_code(self.session, code)
        if unit is None:
            raise _fail(entry, f"unknown unit {code!r}")
        return unit

    def field_ids(self, entry: dict[str, Any], codes: list[str]) -> list[int]:
        found = dict(self.session.execute(select(Field.code, Field.id).where(Field.code.in_(codes))).all())
        for code in codes:
            if code not in found:
                raise _fail(entry, f"unknown field {code!r}")
        return [found[c] for c in codes]


def _import_field(ctx: _Context, entry: dict[str, Any]) -> None:
    _check_keys("fields", entry)
    code = _text(entry, "code", required=True)
    values = {"name": _text(entry, "name", required=True), "name_en": _text(entry, "name_en"),
              "is_active": _bool(entry, "active", True)}
    field = ctx.session.scalar(select(Field).where(Field.code == code))
    if field is not None and all(getattr(field, k) == v for k, v in values.items()):
        return
    services.save_field(ctx.session, field, code=code, actor_id=ctx.actor_id, **values)
    ctx.changes.append(f"{'create' if field is None else 'update'} field {code}")


def _unit_values(ctx: _Context, entry: dict[str, Any]) -> dict[str, Any]:
    kind = _text(entry, "kind", required=True)
    if kind not in {k.value for k in UnitKind}:
        raise _fail(entry, f"unknown kind {kind!r}")
    parent_code = _text(entry, "parent")
    return {"name": _text(entry, "name", required=True), "name_en": _text(entry, "name_en"),
            "kind": UnitKind(kind), "parent_id": ctx.unit(entry, parent_code).id if parent_code else None,
            "valid_from": _date(entry, "valid_from") or dt.date(2000, 1, 1), "valid_to": _date(entry, "valid_to")}


def _import_unit(ctx: _Context, entry: dict[str, Any]) -> None:
    _check_keys("units", entry)
    code = _text(entry, "code", required=True)
    values = _unit_values(ctx, entry)
    unit = services.unit_by_code(ctx.session, code)
    try:
        if unit is None:
            unit = services.create_unit(ctx.session, code=code, actor_id=ctx.actor_id, **values)
            ctx.changes.append(f"create unit {code}")
        else:
            diff = services.update_unit(ctx.session, unit, actor_id=ctx.actor_id, **values)
            if diff:
                ctx.changes.append(f"update unit {code}: {', '.join(sorted(diff))}")
        if services.set_unit_fields(ctx.session, unit, ctx.field_ids(entry, _codes(entry, "fields")),
                                    actor_id=ctx.actor_id):
            ctx.changes.append(f"unit {code}: fields set to {_codes(entry, 'fields')}")
    except services.OrgError as exc:
        raise _fail(entry, f"unit {code}: {exc}") from None


def _link_unit(ctx: _Context, entry: dict[str, Any]) -> None:
    """Second pass: successors and wards may name units defined further down."""
    code = _text(entry, "code", required=True)
    unit = ctx.unit(entry, code)
    successor_code = _text(entry, "successor")
    successor_id = ctx.unit(entry, successor_code).id if successor_code else None
    ward_ids = [ctx.unit(entry, c).id for c in _codes(entry, "wards")]
    try:
        if successor_id != unit.successor_id:
            services.update_unit(ctx.session, unit, successor_id=successor_id, actor_id=ctx.actor_id)
            ctx.changes.append(f"unit {code}: successor set to {successor_code or 'none'}")
        if services.set_unit_wards(ctx.session, unit, ward_ids, actor_id=ctx.actor_id):
            ctx.changes.append(f"unit {code}: wards set to {_codes(entry, 'wards')}")
    except services.OrgError as exc:
        raise _fail(entry, f"unit {code}: {exc}") from None


def _import_rule(ctx: _Context, entry: dict[str, Any]) -> None:
    _check_keys("rules", entry)
    code = _text(entry, "code", required=True)
    kind = entry.get("kind")
    if kind is not None and kind not in KINDS:
        raise _fail(entry, f"unknown kind {kind!r}")
    strategy = _text(entry, "strategy", required=True)
    if strategy not in {s.value for s in RuleStrategy}:
        raise _fail(entry, f"unknown strategy {strategy!r}")
    position = entry.get("position", 100)
    if not isinstance(position, int) or isinstance(position, bool):
        raise _fail(entry, "'position' must be a whole number")
    field_code, target_code = _text(entry, "field"), _text(entry, "target")
    values = {"code": code, "position": position, "name": _text(entry, "name", required=True), "kind": kind,
              "second_complaint": _bool(entry, "second_complaint", None),
              "field_id": ctx.field_ids(entry, [field_code])[0] if field_code else None,
              "strategy": RuleStrategy(strategy),
              "target_unit_id": ctx.unit(entry, target_code).id if target_code else None,
              "is_active": _bool(entry, "active", True), "note": _text(entry, "note")}
    rule = ctx.session.scalar(select(RoutingRule).where(RoutingRule.code == code))
    if rule is not None and all(getattr(rule, k) == v for k, v in values.items()):
        return
    try:
        services.save_rule(ctx.session, rule, actor_id=ctx.actor_id, **values)
    except services.OrgError as exc:
        raise _fail(entry, f"rule {code}: {exc}") from None
    ctx.changes.append(f"{'create' if rule is None else 'update'} rule {code}")


def import_org(session: Session, text: str, *, actor_id: int | None = None) -> list[str]:
    """Apply an organisation file; returns the changes made (empty when already up to date).
    Raises :class:`OrgFileError` at the first bad entry (the caller rolls back)."""
    document = parse(text)
    ctx = _Context(session, actor_id, [])
    for entry in document["fields"]:
        _import_field(ctx, entry)
    for entry in document["units"]:
        _import_unit(ctx, entry)
    for entry in document["units"]:
        _link_unit(ctx, entry)
    for entry in document["rules"]:
        _import_rule(ctx, entry)
    return ctx.changes


def export_org(session: Session) -> str:
    """The whole organisation as a YAML document that :func:`import_org` accepts."""
    codes = dict(session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    field_codes = dict(session.execute(select(Field.id, Field.code)).all())
    fields = [{"code": f.code, "name": f.name, "name_en": f.name_en, "active": f.is_active}
              for f in session.scalars(select(Field).order_by(Field.code))]
    units = [{"code": u.code, "name": u.name, "name_en": u.name_en, "kind": u.kind.value,
              "parent": codes.get(u.parent_id) if u.parent_id else None,
              "valid_from": u.valid_from.isoformat(), "valid_to": u.valid_to.isoformat() if u.valid_to else None,
              "successor": codes.get(u.successor_id) if u.successor_id else None,
              "fields": sorted(field_codes[uf.field_id] for uf in u.fields),
              "wards": sorted(codes[uw.ward_id] for uw in u.wards)}
             for u, _depth in services.units_in_order(session)]
    rules = [{"code": r.code, "position": r.position, "name": r.name, "kind": r.kind,
              "second_complaint": r.second_complaint, "field": field_codes.get(r.field_id) if r.field_id else None,
              "strategy": r.strategy.value, "target": codes.get(r.target_unit_id) if r.target_unit_id else None,
              "active": r.is_active, "note": r.note}
             for r in services.rules_in_order(session)]
    header = "# Organisation file (see `flask --app wsgi org import --help` and portal/org/io.py)\n"
    return header + yaml.safe_dump({"fields": fields, "units": units, "rules": rules}, allow_unicode=True,
                                   sort_keys=False, width=120)
