"""Imports every feature's models so that Alembic and the tests see the whole schema."""

from portal.accounts.models import RoleAssignment, User  # noqa: F401
from portal.audit.models import AuditEntry  # noqa: F401
from portal.cases.models import (  # noqa: F401
    Attachment,
    Case,
    CaseEvent,
    Deadline,
    Message,
    ReporterIdentity,
    Submission,
    SubmissionNote,
)
from portal.db import Base  # noqa: F401
from portal.notifications.models import OutboxMessage  # noqa: F401
from portal.org.models import Field, OrgUnit  # noqa: F401
