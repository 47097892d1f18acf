"""Decide a file's type from its bytes (never from its name) against an allow-list.

A file is accepted only when its signature matches an allowed type AND the matching library
actually opens it: Pillow for images, pikepdf for PDFs, ``zipfile`` for office documents (whose
``[Content_Types].xml`` or ``mimetype`` entry must name the document type).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass

import filetype
import pikepdf
from PIL import Image

# Refuse decompression bombs early (a 40-megapixel photo is already very large).
Image.MAX_IMAGE_PIXELS = 40_000_000

IMAGE_TYPES = {"image/jpeg": ("JPEG", "jpg"), "image/png": ("PNG", "png"), "image/webp": ("WEBP", "webp")}
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
# OOXML main part content type -> (mime, extension). Macro-enabled variants are not in this list.
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (DOCX, "docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (XLSX, "xlsx"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (PPTX, "pptx"),
}
ODF = {ODT: "odt", ODS: "ods"}
OFFICE_TYPES = frozenset({mime for mime, _ext in OOXML_MAIN.values()} | set(ODF))
EXTENSIONS = {mime: ext for mime, (_fmt, ext) in IMAGE_TYPES.items()} | {PDF: "pdf"} | dict(OOXML_MAIN.values()) | ODF
ALLOWED_DESCRIPTION = "PDF, JPEG, PNG, WebP, DOCX, XLSX, PPTX, ODT, ODS"
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_RATIO = 200  # uncompressed / compressed: refuse zip bombs


class FileRejected(ValueError):
    """The file is not of an allowed type, or is damaged."""


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str

    @property
    def is_image(self) -> bool:
        return self.mime in IMAGE_TYPES

    @property
    def is_pdf(self) -> bool:
        return self.mime == PDF

    @property
    def is_office(self) -> bool:
        return self.mime in OFFICE_TYPES


def detect(data: bytes) -> FileType:
    """The allowed type of ``data``, or :class:`FileRejected`."""
    if not data:
        raise FileRejected("empty file")
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    kind = filetype.guess(data[:8192])
    if kind is None:
        raise FileRejected("unknown type")
    if kind.mime in IMAGE_TYPES:
        _open_image(data, IMAGE_TYPES[kind.mime][0])
        return FileType(kind.mime, IMAGE_TYPES[kind.mime][1])
    if kind.mime == PDF:
        _open_pdf(data)
        return FileType(PDF, "pdf")
    raise FileRejected(f"type not allowed: {kind.mime}")


def _open_image(data: bytes, expected_format: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.format != expected_format:
                    raise FileRejected("image format does not match its signature")
                im.verify()
            with Image.open(io.BytesIO(data)) as im:
                im.load()
    except FileRejected:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileRejected(f"damaged image: {exc}") from exc


def _open_pdf(data: bytes) -> None:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) < 1:
                raise FileRejected("PDF without pages")
    except FileRejected:
        raise
    except (pikepdf.PdfError, ValueError, OSError) as exc:
        raise FileRejected(f"damaged PDF: {exc}") from exc


def _office(data: bytes) -> FileType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise FileRejected("too many parts")
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_ZIP_RATIO * max(len(data), 1):
                raise FileRejected("compression ratio too high")
            names = {i.filename for i in infos}
            if "mimetype" in names:
                mime = zf.read("mimetype").decode("ascii", "replace").strip()
                if mime in ODF:
                    return FileType(mime, ODF[mime])
                raise FileRejected(f"document type not allowed: {mime}")
            if "[Content_Types].xml" in names:
                types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
                if "macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
                    raise FileRejected("documents with macros are not allowed")
                for main, (mime, ext) in OOXML_MAIN.items():
                    if f'ContentType="{main}"' in types:
                        return FileType(mime, ext)
                raise FileRejected("unknown office document")
    except FileRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, NotImplementedError) as exc:
        raise FileRejected(f"damaged archive: {exc}") from exc
    raise FileRejected("plain zip archives are not allowed")
