"""``flask deadlines calc | seed-rules``."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.deadlines.models import DeadlineRule


def test_seed_rules_command_is_idempotent(runner, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    first = runner.invoke(args=["deadlines", "seed-rules"])
    assert first.exit_code == 0, first.output
    count = db_session.scalar(select(func.count()).select_from(DeadlineRule))
    again = runner.invoke(args=["deadlines", "seed-rules"])
    assert again.exit_code == 0 and "rules added: 0" in again.output
    assert db_session.scalar(select(func.count()).select_from(DeadlineRule)) == count


def test_calc_prints_the_due_date_last(runner, rules: Session) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (["KN-02", "2026-02-13"], "2026-03-06"),  # accepted on the Friday before Tết (10 WD rule)
        (["KN-02", "2026-07-03"], "2026-07-14"),  # 7 WD from 1/7/2026
        (["KN-03", "2026-03-02", "--flag", "remote", "--flag", "complex"], "2026-05-04"),
        (["kn-03", "2026-03-02", "--flag", "complex"], "2026-04-16"),
        (["TC-04", "2026-03-02", "--flag", "especially_complex", "--extensions", "2"], "2026-06-01"),
        (["TC-01", "2026-02-13"], "2026-03-03"),
    ]
    for args, due in cases:
        result = runner.invoke(args=["deadlines", "calc", *args])
        assert result.exit_code == 0, result.output
        assert result.output.strip().splitlines()[-1] == due, args


def test_calc_errors_are_one_line(runner, rules: Session) -> None:  # type: ignore[no-untyped-def]
    for args in (["NOPE-1", "2026-03-02"], ["KN-03", "2026-13-02"], ["KN-03", "yesterday"],
                 ["KN-03", "2026-03-02", "--extensions", "1"]):
        result = runner.invoke(args=["deadlines", "calc", *args])
        assert result.exit_code != 0
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
