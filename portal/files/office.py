"""Metadata-stripped working copies of office documents: OOXML (docx, xlsx, pptx) and OpenDocument
(odt, ods).

The archive is rewritten part by part, in the same order, with fixed timestamps and no extra
fields (which can hold owner ids):

- document properties (``docProps/core.xml``, ``custom.xml``, OpenDocument ``meta.xml``) are
  replaced by empty ones; ``app.xml`` loses the company, manager, template and hyperlink base;
  OpenDocument ``settings.xml`` (printer names, window layout) is replaced by an empty one, and its
  signatures are dropped; SharePoint's properties (a custom XML item) lose every value;
- everywhere, the names, initials and account ids of people (comment and revision authors, the
  people/persons/authors lists, change records, pivot refreshers, ``dc:creator``, Excel notes'
  author line) become "Tác giả 1", "Tác giả 2"... consistently within the document, so who wrote
  what can still be followed without knowing who it is; only tags are rewritten this way, never
  the document's text;
- the user's segment of a path or an account URL (``C:\\Users\\<name>``, ``/home/<name>``,
  OneDrive's ``/personal/<name>``) becomes ``user`` wherever it appears; relationship targets on a
  disk or a share are removed;
- OpenDocument sender fields (the suite's user data: name, e-mail, phones, address) are emptied;
- embedded JPEG and PNG pictures lose their EXIF/XMP/text (bytes only, no re-encoding); printer
  settings lose the printer's name and the driver's private data.

A part that cannot be vouched for (an embedded object, an unknown binary, a drawing wrapping a
photo, an OOXML signature, a part too large to read) raises :class:`Unclean`: no working copy at
all, the document is then only available as its original, through the audited download.
"""

from __future__ import annotations

import io
import re
import zipfile

from portal.files.strip import Unclean, clean_jpeg, clean_png

# Larger parts, or more unpacked bytes in all (a zip bomb the type check let through, a huge
# spreadsheet), get no working copy: the rewrite stays within a few seconds and bounded memory.
MAX_PART = 32 * 1024 * 1024
MAX_TOTAL = 32 * 1024 * 1024
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
# OpenDocument's layout cache. Drawings are refused if they wrap a photo or a text chunk.
_KEPT_AS_IS = ("bmp", "odttf", "fntdata", "ttf", "otf")
_DRAWINGS = ("emf", "wmf", "svm")
_DRAWING_HIDES = (b"Exif\0", b"<x:xmpmeta", b"\xff\xd8\xff", b"tEXt", b"iTXt", b"zTXt")
_KEPT_NAMES = ("mimetype", "layout-cache")
_XML = ("xml", "rels", "vml", "rdf")
# OpenDocument signatures hold the signer's certificate and are not listed in the manifest: dropped.
# An OOXML signature is referenced by the package: no working copy.
_DROPPED = ("META-INF/documentsignatures.xml", "META-INF/macrosignatures.xml")
_SIGNATURES = "_xmlsignatures/"

# An opening tag with attributes (not <?...?>, <!...> or a closing tag), and one attribute in it.
_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)(\s[^<>]*?)(/?)>")
_ATTR = re.compile(r"(\s)([\w.:-]+)(\s*=\s*)([\"'])(.*?)\4", re.S)
# Attributes naming a person, in any namespace: comment and revision authors (w:author, w15:author),
# the account behind them (userId, Excel's userName, a person's displayName), who refreshed a pivot.
_PERSON_ATTRS = {"author", "userId", "userName", "displayName", "refreshedBy"}
_INITIALS_ATTRS = {"initials"}
# Elements whose ``name`` attribute is a person: PowerPoint's comment authors and change records,
# Excel's shared-workbook users.
_PERSON_TAGS = {"cmAuthor", "author", "chgData", "userInfo", "person"}
# Elements whose text is a person: dc:creator (OpenDocument annotations and changes), the author
# list of Excel comments, OpenDocument author fields, the last modifier, SharePoint's user fields.
_PERSON_TEXT = re.compile(r"<((?:[\w.-]+:)?(?:creator|initial-creator|author|author-name|lastModifiedBy|"
                          r"DisplayName))(\s[^<>]*)?>([^<]*)</\1>")
_INITIALS_TEXT = re.compile(r"<((?:[\w.-]+:)?(?:author-initials|creator-initials|sender-initials))(\s[^<>]*)?>"
                            r"([^<]*)</\1>")
# OpenDocument sender fields (from the office suite's user data: name, e-mail, phones, address).
_SENDER_TEXT = re.compile(r"<((?:[\w.-]+:)?sender-(?!initials)[\w-]+)(\s[^<>]*)?>([^<]*)</\1>")
_ACCOUNT_TEXT = re.compile(r"<((?:[\w.-]+:)?(?:AccountId|AccountType|LookupId))(\s[^<>]*)?>([^<]*)</\1>")
# SharePoint's library columns, stored in the document as a custom XML item: every value is emptied.
_SHAREPOINT_PROPERTIES = "schemas.microsoft.com/office/2006/metadata/properties"
_TEXT_NODE = re.compile(r">[^<>]+<")  # [^<>]: a run of '>' must not be rescanned from each one
# Elements of app.xml that name an organisation, a person or a path.
_APP_ELEMENTS = re.compile(r"<((?:[\w.-]+:)?(?:Company|Manager|HyperlinkBase|Template))\b[^<>]*?(?:/>|>[^<]*</\1>)")
_NOTE_AUTHOR = re.compile(r">([^<>]+):<")
# Excel's absolute path of the workbook (x15ac:absPath url="C:\Users\<name>\...").
_ABS_PATH = re.compile(r"<(?:[\w.-]+:)?absPath\b[^<>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?absPath>)")
# Relationship targets on a disk or a share (attached templates, linked pictures and workbooks).
_LOCAL_TARGET = re.compile(r'Target="(?:file:|[A-Za-z]:[\\/]|\\\\|/(?:home|Users)/)[^"]*"', re.I)
# A user's name inside a path or an account URL, anywhere (mail-merge sources, field codes, picture
# descriptions, data connections, linked images): only that segment is replaced.
_USER_IN_PATH = (
    re.compile(r"([\\/](?:Users|Documents and Settings|home)(?:[\\/]|%5C|%2F)+)([^\\/\"'<>%]+(?:%20[^\\/\"'<>%]+)*)",
               re.I),
    re.compile(r"(/personal/)([^/\"'<>]+)", re.I),
    re.compile(r"(d\.docs\.live\.net/)([^/\"'<>]+)", re.I),
)


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


def strip_office(data: bytes) -> bytes:
    """A clean copy of the OOXML or OpenDocument archive ``data``; raises :class:`Unclean` for a part
    it cannot vouch for (see the module), and whatever the archive's damage raises."""
    people = _Pseudonyms()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        infos = source.infolist()
        if sum(info.file_size for info in infos) > MAX_TOTAL:
            raise Unclean("too large unpacked")
        for info in infos:
            if info.file_size > MAX_PART:
                raise Unclean(f"part too large: {info.filename}")
            if info.filename in _DROPPED:
                continue
            part = b"" if info.is_dir() else _clean_part(info.filename, source.read(info), people)
            copy = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            # OpenDocument's mimetype must stay first and uncompressed.
            copy.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(copy, part)
    return out.getvalue()


def _clean_part(name: str, data: bytes, people: _Pseudonyms) -> bytes:
    path = name.lower()
    base = path.rsplit("/", 1)[-1]
    ext = base.rsplit(".", 1)[-1] if "." in base else ""
    if path in _KEPT_NAMES:
        return data
    if path.startswith(_SIGNATURES):
        raise Unclean("signed document: the signature names the signer")
    if ext in _XML:
        return _clean_xml(path, base, data.decode("utf-8"), people).encode("utf-8")
    if ext in ("jpg", "jpeg", "jpe"):
        return clean_jpeg(data)
    if ext == "png":
        return clean_png(data)
    if ext in _DRAWINGS:
        if any(mark in data for mark in _DRAWING_HIDES):
            raise Unclean(f"drawing wrapping a picture: {name}")
        return data
    if ext in _KEPT_AS_IS:
        return data
    if base.startswith("printersettings") and ext == "bin":
        return _without_printer_name(data)
    raise Unclean(name)


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
    if path.startswith("customxml/") and _SHAREPOINT_PROPERTIES in text:
        text = _TEXT_NODE.sub("><", text)  # library columns: owners, contacts, e-mails, editors
    if base.endswith(".rels"):
        text = _LOCAL_TARGET.sub('Target="file:///"', text)
    text = _ABS_PATH.sub("", text)
    for pattern in _USER_IN_PATH:
        text = pattern.sub(r"\1user", text)
    # Excel writes a note's author, in bold, as the note's first words ("Name:").
    note_authors = set(re.findall(r"<author>([^<]+)</author>", text)) if base.startswith("comments") else set()
    text = _TAG.sub(lambda m: _clean_tag(m, people), text)
    text = _PERSON_TEXT.sub(lambda m: f"<{m[1]}{m[2] or ''}>{people.name(m[3])}</{m[1]}>", text)
    text = _INITIALS_TEXT.sub(lambda m: f"<{m[1]}{m[2] or ''}>{people.initials(m[3])}</{m[1]}>", text)
    text = _ACCOUNT_TEXT.sub(lambda m: f"<{m[1]}{m[2] or ''}></{m[1]}>", text)
    text = _SENDER_TEXT.sub(lambda m: f"<{m[1]}{m[2] or ''}></{m[1]}>", text)
    if note_authors:
        text = _NOTE_AUTHOR.sub(lambda m: f">{people.name(m[1])}:<" if m[1] in note_authors else m[0], text)
    return text


def _clean_tag(tag: re.Match[str], people: _Pseudonyms) -> str:
    """One opening tag with its person attributes replaced (never text outside a tag)."""
    element = tag[1].rsplit(":", 1)[-1]

    def attribute(match: re.Match[str]) -> str:
        space, name, equals, quote, value = match.groups()
        local = name.rsplit(":", 1)[-1]
        if local in _PERSON_ATTRS or (local == "name" and element in _PERSON_TAGS):
            value = people.name(value)
        elif local in _INITIALS_ATTRS:
            value = people.initials(value)
        elif local == "providerId" and value:
            value = "None"
        return f"{space}{name}{equals}{quote}{value}{quote}"

    return f"<{tag[1]}{_ATTR.sub(attribute, tag[2])}{tag[3]}>"


def _odf_empty(text: str, root: str, body: str) -> str:
    version = re.search(r'office:version="([0-9.]+)"', text)
    return _ODF_EMPTY.format(root=root, body=body, version=f' office:version="{version[1]}"' if version else "")


def _without_printer_name(data: bytes) -> bytes:
    """A Windows DEVMODE: the printer's name (its first 32 UTF-16 characters) blanked, and the
    driver's private data after the public fields (job accounting may keep a user or host name
    there) cut off."""
    if len(data) < 72:
        raise Unclean("printer settings")
    size = int.from_bytes(data[68:70], "little")  # dmSize: the public fields
    if not 72 <= size <= len(data):
        raise Unclean("printer settings")
    return bytes(64) + data[64:70] + bytes(2) + data[72:size]  # dmDriverExtra = 0
