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


def upgrade():
    bind = op.get_bind()
    notes = bind.execute(sa.text(
        "SELECT id, submission_id, text FROM submission_notes WHERE kind = 'evidence' ORDER BY submission_id, id")).all()
    names: dict[int, list[tuple[str, str]]] = {}
    for note in notes:
        if note.submission_id not in names:
            rows = bind.execute(sa.text("SELECT original_name FROM attachments WHERE submission_id = :s ORDER BY id"),
                                {"s": note.submission_id}).scalars().all()
            numbered = [(name, f"Tệp {n}") for n, name in enumerate(rows, 1) if name]
            names[note.submission_id] = sorted(numbered, key=lambda pair: -len(pair[0]))  # "a.pdf" after "ba.pdf"
        text = note.text
        for name, label in names[note.submission_id]:
            text = text.replace(name, label)
        if text != note.text:
            bind.execute(sa.text("UPDATE submission_notes SET text = :t WHERE id = :id"), {"t": text, "id": note.id})


def downgrade():
    pass
