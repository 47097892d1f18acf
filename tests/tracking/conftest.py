"""Tracking tests use the intake fixtures (an organisation, a private storage directory)."""

import datetime as dt

import pytest

from portal.cases.models import SubmissionKind
from tests.intake.conftest import org  # noqa: F401
from tests.intake.helpers import receive


@pytest.fixture
def receipt(db_session, app, org, storage):  # type: ignore[no-untyped-def]  # noqa: F811
    """A signed complaint received through the real service, committed."""
    r = receive(db_session, app, SubmissionKind.COMPLAINT, anonymous=False, decision_issuer="UBND phường",
                learned_on=dt.date.today())
    db_session.commit()
    return r
