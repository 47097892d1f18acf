"""``flask org import`` / ``org export``: idempotent, dry run, line-numbered errors, no tracebacks."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import select

from portal.org.models import Field, OrgUnit, RoutingRule, UnitWard
from portal.org.services import unit_by_code

GOOD = textwrap.dedent("""\
    fields:
      - code: io-water
        name: Cấp nước
        name_en: Water supply
    units:
      - code: IO-ROOT
        name: Ủy ban nhân dân Thành phố
        kind: provincial_committee
        valid_from: 2000-01-01
      - code: IO-SXD
        name: Sở Xây dựng
        name_en: Department of Construction
        kind: department
        parent: IO-ROOT
        valid_from: 2000-01-01
        fields: [io-water]
        wards: [IO-P1]
      - code: IO-Q1
        name: Ủy ban nhân dân Quận 1
        kind: district_committee
        parent: IO-ROOT
        valid_from: 2000-01-01
        valid_to: 2025-07-01
        successor: IO-P1
      - code: IO-P1
        name: Ủy ban nhân dân phường Sài Gòn
        kind: ward_committee
        parent: IO-ROOT
        valid_from: 2025-07-01
    rules:
      - code: IO-KN1
        position: 10
        name: Khiếu nại lần đầu
        kind: complaint
        second_complaint: false
        strategy: concerned_unit
      - code: IO-FIX
        position: 20
        name: Cấp nước về Sở Xây dựng
        field: io-water
        strategy: fixed
        target: IO-SXD
    """)


@pytest.fixture
def org_file(tmp_path):
    def write(text: str) -> str:
        path = tmp_path / "org.yaml"
        path.write_text(text, encoding="utf-8")
        return str(path)
    return write


def test_import_creates_then_is_idempotent(runner, db_session, org_file):
    path = org_file(GOOD)
    first = runner.invoke(args=["org", "import", path])
    assert first.exit_code == 0, first.output
    assert "create unit IO-SXD" in first.output and "create rule IO-FIX" in first.output
    sxd = unit_by_code(db_session, "IO-SXD")
    assert sxd.parent.code == "IO-ROOT" and [w.ward.code for w in sxd.wards] == ["IO-P1"]
    assert unit_by_code(db_session, "IO-Q1").successor.code == "IO-P1"
    again = runner.invoke(args=["org", "import", path])
    assert again.exit_code == 0 and "already up to date" in again.output


def test_dry_run_shows_changes_and_writes_nothing(runner, db_session, org_file):
    result = runner.invoke(args=["org", "import", org_file(GOOD), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would create unit IO-ROOT" in result.output and "nothing written" in result.output
    assert unit_by_code(db_session, "IO-ROOT") is None
    assert db_session.scalar(select(Field.id).where(Field.code == "io-water")) is None


def test_export_round_trips(runner, db_session, org_file, tmp_path):
    assert runner.invoke(args=["org", "import", org_file(GOOD)]).exit_code == 0
    out = tmp_path / "export.yaml"
    exported = runner.invoke(args=["org", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    text = out.read_text(encoding="utf-8")
    assert "IO-SXD" in text and "Sở Xây dựng" in text
    again = runner.invoke(args=["org", "import", str(out)])
    assert again.exit_code == 0 and "already up to date" in again.output, again.output
    stdout = runner.invoke(args=["org", "export"])
    assert "code: IO-FIX" in stdout.output


def test_import_updates_a_renamed_unit(runner, db_session, org_file):
    assert runner.invoke(args=["org", "import", org_file(GOOD)]).exit_code == 0
    result = runner.invoke(args=["org", "import", org_file(GOOD.replace("name: Sở Xây dựng", "name: Sở XD"))])
    assert "update unit IO-SXD: name" in result.output
    db_session.expire_all()
    assert unit_by_code(db_session, "IO-SXD").name == "Sở XD"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("units:\n  - code: A\n    name: A\n    kind: nonsense\n", 2, "unknown kind"),
    ("units:\n  - code: A\n    name: A\n    kind: department\n    parent: NOPE\n", 2, "unknown unit 'NOPE'"),
    ("units:\n  - code: A\n    kind: department\n", 2, "'name' is required"),
    ("units:\n  - code: A\n    name: A\n    kind: department\n    valid_from: 2025-13-01\n", 2, "must be a date"),
    ("fields:\n  - code: x\n    name: X\n    colour: red\n", 2, "unknown key 'colour'"),
    ("fields: [\n  - oops\n", 2, "not valid YAML"),
    ("rules:\n  - code: R\n    name: R\n    strategy: fixed\n", 2, "đơn vị nhận"),
    ("units:\n  - code: A\n    name: A\n    kind: department\n    valid_from: 2020-01-01\n"
     "    valid_to: 2019-01-01\n", 2, "Ngày kết thúc"),
    ("- just a list\n", 1, "must be a mapping"),
])
def test_bad_files_give_a_line_number_and_no_traceback(runner, db_session, org_file, text, line, message):
    result = runner.invoke(args=["org", "import", org_file(text)])
    assert result.exit_code != 0
    assert f"line {line}:" in result.output and message in result.output, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert db_session.scalar(select(OrgUnit.id).where(OrgUnit.code == "A")) is None


def test_a_bad_entry_rolls_back_the_whole_file(runner, db_session, org_file):
    bad = GOOD + "  - code: IO-BAD\n    name: x\n    strategy: nope\n"
    result = runner.invoke(args=["org", "import", org_file(bad)])
    assert result.exit_code == 1 and "unknown strategy" in result.output
    assert unit_by_code(db_session, "IO-SXD") is None
    assert db_session.scalar(select(RoutingRule.id).where(RoutingRule.code == "IO-KN1")) is None
    assert db_session.scalar(select(UnitWard.unit_id).limit(1)) is None


def test_missing_file(runner, tmp_path):
    result = runner.invoke(args=["org", "import", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "cannot read" in result.output
