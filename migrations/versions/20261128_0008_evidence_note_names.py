"""evidence notes name files by number: "Tệp 3", not the name the file was sent with

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 05:30:00

Until now, the note recorded when a reporter added evidence ended with the files' original names,
which staff read on the case page (a name like "Don to cao - Nguyen Van A.pdf" names the sender).
New notes name the files by their number in the submission, as the case page lists them; this
rewrites the notes written before. Downgrading leaves the numbers: the names stay with the
attachments themselves.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _numbered(last: str, names: list[str], start: int) -> tuple[str, int] | None:
    """The note's file list ``last`` as numbers: the first run of the submission's files, from
    ``start`` on, whose names joined as the note joined them are exactly ``last``."""
    for first in range(start, len(names)):
        joined = ""
        for end in range(first, len(names)):
            joined = names[end] if end == first else f"{joined}, {names[end]}"
            if joined == last:
                return ", ".join(f"Tệp {n}" for n in range(first + 1, end + 2)), end + 1
            if len(joined) >= len(last):
                break
    return None


def upgrade():
    bind = op.get_bind()
    notes = bind.execute(sa.text(
        "SELECT id, submission_id, text FROM submission_notes WHERE kind = 'evidence' ORDER BY submission_id, id")).all()
    files: dict[int, list[str]] = {}
    next_file: dict[int, int] = {}  # each note names the files added after those of the notes before it
    for note in notes:
        if note.submission_id not in files:
            files[note.submission_id] = list(bind.execute(sa.text(
                "SELECT original_name FROM attachments WHERE submission_id = :s ORDER BY id"),
                {"s": note.submission_id}).scalars())
            next_file[note.submission_id] = 0
        # The note was the reporter's words, a blank line, then the list of names: only the list changes.
        head, sep, last = note.text.rpartition("\n\n")
        found = _numbered(last, files[note.submission_id], next_file[note.submission_id])
        if found is None:
            continue
        labels, next_file[note.submission_id] = found
        bind.execute(sa.text("UPDATE submission_notes SET text = :t WHERE id = :id"),
                     {"t": head + sep + labels, "id": note.id})


def downgrade():
    pass
