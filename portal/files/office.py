"""Metadata-stripped working copies of office documents: OOXML (docx, xlsx, pptx) and OpenDocument
(odt, ods).

The archive is rewritten part by part, in the same order, with fixed timestamps and no extra
fields (which can hold owner ids):

- document properties (``docProps/core.xml``, ``custom.xml``, OpenDocument ``meta.xml``) are
  replaced by empty ones; ``app.xml`` loses the company, manager, template and hyperlink base;
  OpenDocument ``settings.xml`` (printer names, window layout) is replaced by an empty one;
- everywhere, the names, initials and account ids of authors (comments, tracked changes, the
  people/persons/authors lists, ``dc:creator``) become "Tác giả 1", "Tác giả 2"... consistently
  within the document, so who wrote what can still be followed without knowing who it is;
- local paths (attached templates, linked files: ``C:\\Users\\<name>\\...``) are removed;
- embedded JPEG and PNG pictures lose their EXIF/XMP/text (bytes only, no re-encoding); printer
  settings lose the printer's name.

A part that cannot be vouched for (an embedded object, an unknown binary, a picture format that can
hide metadata, a part too large to read) means no working copy at all: the document is then only
available as its original, through the audited download, as before. Never raises.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from portal.files.strip import clean_jpeg, clean_png

MAX_PART = 64 * 1024 * 1024  # larger parts are not read into memory: no working copy
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
AUTHOR = "Tác giả {n}"
INITIALS = "TG{n}"

_EMPTY_CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
               'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
               'terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/'
               'XMLSchema-instance"/>')
_EMPTY_CUSTOM = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
                 'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>')
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_EMPTY = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:{root} xmlns:office="' + _ODF_OFFICE + '"'
              '{version}>{body}</office:{root}>')

# Binary parts kept as they are: vector drawings and fonts made by the office suite itself, and
# OpenDocument's layout cache.
_KEPT_AS_IS = ("emf", "wmf", "svm", "bmp", "odttf", "fntdata", "ttf", "otf")
_KEPT_NAMES = ("mimetype", "layout-cache")
_XML = ("xml", "rels", "vml", "rdf")

# Attributes naming a person, in any namespace: comment and revision authors (w:author, w15:author),
# initials, the account behind them (userId, providerId, Excel's userName, a person's displayName).
_PERSON_ATTRS = re.compile(r'(\s(?:[\w.-]+:)?)(author|initials|userId|providerId|userName|displayName)="([^"]*)"')
# Elements whose text is a person: dc:creator (OpenDocument annotations and changes), the author
# list of Excel comments, OpenDocument author fields, the last modifier.
_PERSON_ELEMENTS = re.compile(
    r"<((?:[\w.-]+:)?(?:creator|initial-creator|author|author-name|author-initials|creator-initials|"
    r"lastModifiedBy))(\s[^>]*)?>([^<]*)</\1>")
# Lists of authors whose entries carry the name in a plain ``name`` attribute (PowerPoint).
_AUTHOR_LISTS = ("commentauthors.xml", "authors.xml")
_NAME_ATTR = re.compile(r'(<(?:[\w.-]+:)?(?:cmAuthor|author)\b[^>]*?\s)(name|initials)="([^"]*)"')
# Elements of app.xml that name an organisation, a person or a path.
_APP_ELEMENTS = re.compile(r"<(Company|Manager|HyperlinkBase|Template)\s*(?:/>|>.*?</\1>)", re.S)
# Excel's absolute path of the workbook (x15ac:absPath url="C:\Users\<name>\...").
_ABS_PATH = re.compile(r"<(?:[\w.-]+:)?absPath\b[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?absPath>)", re.S)
# Relationship targets on a disk or a share (attached templates, linked pictures and workbooks).
_LOCAL_TARGET = re.compile(r'Target="(?:file:|[A-Za-z]:[\\/]|\\\\|/(?:home|Users)/)[^"]*"', re.I)


class _Unclean(Exception):
    """A part this module cannot vouch for."""


class _Pseudonyms:
    """The same person gets the same pseudonym throughout one document."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.initials_seen: dict[str, int] = {}

    @staticmethod
    def _number(seen: dict[str, int], value: str) -> int:
        return seen.setdefault(value.strip().casefold(), len(seen) + 1)

    def name(self, value: str) -> str:
        return AUTHOR.format(n=self._number(self.names, value)) if value.strip() else value

    def initials(self, value: str) -> str:
        return INITIALS.format(n=self._number(self.initials_seen, value)) if value.strip() else value


def strip_office(data: bytes) -> bytes | None:
    """A clean copy of the OOXML or OpenDocument archive ``data``, or None (see the module)."""
    people = _Pseudonyms()
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                if info.file_size > MAX_PART:
                    return None
                part = b"" if info.is_dir() else _clean_part(info.filename, source.read(info), people)
                copy = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
                # OpenDocument's mimetype must stay first and uncompressed.
                copy.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
                target.writestr(copy, part)
    except (_Unclean, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, UnicodeDecodeError,
            ValueError, OSError, EOFError):
        return None
    return out.getvalue()


def _clean_part(name: str, data: bytes, people: _Pseudonyms) -> bytes:
    path = name.lower()
    base = path.rsplit("/", 1)[-1]
    ext = base.rsplit(".", 1)[-1] if "." in base else ""
    if path in _KEPT_NAMES:
        return data
    if ext in _XML:
        return _clean_xml(path, base, data.decode("utf-8"), people).encode("utf-8")
    if ext in ("jpg", "jpeg", "jpe"):
        return clean_jpeg(data)
    if ext == "png":
        return clean_png(data)
    if ext in _KEPT_AS_IS:
        return data
    if base.startswith("printersettings") and ext == "bin":
        return _without_printer_name(data)
    raise _Unclean(name)


def _clean_xml(path: str, base: str, text: str, people: _Pseudonyms) -> str:
    if path == "docprops/core.xml":
        return _EMPTY_CORE
    if path == "docprops/custom.xml":
        return _EMPTY_CUSTOM
    if base == "meta.xml" and "<office:document-meta" in text:
        return _odf_empty(text, "document-meta", "<office:meta/>")
    if base == "settings.xml" and "<office:document-settings" in text:
        return _odf_empty(text, "document-settings", "")
    if path == "docprops/app.xml":
        text = _APP_ELEMENTS.sub("", text)
    if base.endswith(".rels"):
        text = _LOCAL_TARGET.sub('Target="file:///"', text)
    text = _ABS_PATH.sub("", text)
    if base in _AUTHOR_LISTS:
        text = _NAME_ATTR.sub(_attr(people), text)
    text = _PERSON_ATTRS.sub(_attr(people), text)
    return _PERSON_ELEMENTS.sub(
        lambda m: f"<{m[1]}{m[2] or ''}>{_person(people, m[1], m[3])}</{m[1]}>", text)


def _attr(people: _Pseudonyms) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        prefix, attr, value = match[1], match[2], match[3]
        if attr == "providerId":
            new = "None" if value else value
        elif attr == "initials":
            new = people.initials(value)
        else:
            new = people.name(value)
        return f'{prefix}{attr}="{new}"'
    return replace


def _person(people: _Pseudonyms, element: str, value: str) -> str:
    return people.initials(value) if "initials" in element else people.name(value)


def _odf_empty(text: str, root: str, body: str) -> str:
    version = re.search(r'office:version="([0-9.]+)"', text)
    return _ODF_EMPTY.format(root=root, body=body, version=f' office:version="{version[1]}"' if version else "")


def _without_printer_name(data: bytes) -> bytes:
    """A Windows DEVMODE starts with the printer's name (32 UTF-16 characters): blank it."""
    if len(data) < 64:
        raise _Unclean("printer settings")
    return bytes(64) + data[64:]
