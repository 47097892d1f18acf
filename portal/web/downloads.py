"""File downloads built in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from flask import Response
from werkzeug.exceptions import abort


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV attachment, UTF-8 with a byte-order mark (so spreadsheet programs read Vietnamese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def file_download(data: bytes, mime: str, name: str) -> Response:
    """A stored file as an attachment: never rendered inline (an image or a PDF keeps its type; anything
    else is served as bytes), never sniffed, never cached."""
    response = Response(data, mimetype=mime if mime == "application/pdf" or mime.startswith("image/")
                        else "application/octet-stream")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def stored_bytes(key: str) -> bytes:
    """The bytes stored under ``key`` in the files storage (404 when they are gone)."""
    from portal.files.storage import get_storage

    try:
        return get_storage().read(key)
    except KeyError:
        abort(404)


def signed_document(data: bytes, stem: str) -> Response:
    """The signed decision or conclusion uploaded at resolution (a PDF or a picture, checked then), named
    ``stem`` plus its extension (the name it was uploaded with may name people). Its type is read from its
    first bytes only: a full check again would parse the whole file at every download."""
    import filetype

    from portal.files.sniff import EXTENSIONS

    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind is not None and kind.mime in EXTENSIONS else "application/octet-stream"
    return file_download(data, mime, f"{stem}.{EXTENSIONS.get(mime, 'bin')}")
