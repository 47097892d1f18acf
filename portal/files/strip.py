"""Metadata-stripped working copies (see PLATFORM.md §6).

Staff read working copies; the sealed original is only served through the audited action. A
working copy must therefore carry nothing that can name or place the sender:

- Images: Pillow, ``ImageOps.exif_transpose`` (so phone photos keep their orientation) then a
  re-encode without EXIF, XMP or text chunks.
- PDFs: a pikepdf rewrite (which also drops earlier incremental revisions) without the Info
  dictionary, any XMP stream (document, page, image, font), private application data, annotation
  authors and dates, embedded files, JavaScript and automatic actions; JPEG images inside it lose
  their EXIF/XMP/IPTC segments without being re-encoded.
- Office documents (OOXML, OpenDocument): see :mod:`portal.files.office`.

:func:`clean_jpeg` and :func:`clean_png` work on the bytes (no re-encoding, pixels unchanged); they
are used for images embedded in PDFs and office documents.
"""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
from PIL import Image, ImageOps

from portal.files.sniff import IMAGE_TYPES, FileType


def strip_metadata(data: bytes, file_type: FileType) -> bytes | None:
    """A copy of ``data`` without metadata, or None when no clean copy can be made (the file is then
    only available as its original, through the audited download)."""
    if file_type.is_image:
        return _strip_image(data, IMAGE_TYPES[file_type.mime][0])
    if file_type.is_pdf:
        return _strip_pdf(data)
    if file_type.is_office:
        from portal.files.office import strip_office

        return strip_office(data)
    return None


def _strip_image(data: bytes, fmt: str) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        upright = ImageOps.exif_transpose(im)
        clean = upright.copy()
        # Keep only what rendering needs; EXIF, XMP, ICC comments and text chunks all go.
        clean.info = {k: v for k, v in upright.info.items() if k == "transparency"}
        if fmt == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        out = io.BytesIO()
        options: dict[str, object] = {"quality": 92} if fmt in ("JPEG", "WEBP") else {}
        clean.save(out, format=fmt, **options)
        return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------------

# Keys that carry metadata or active content wherever they appear (document, pages, annotations,
# images, fonts, form fields): XMP streams, private application data, dates, automatic actions,
# associated (embedded) files.
_PDF_DROPPED_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/AA", "/AF")
# Catalog entries: the action run on opening, the document's scripts and its embedded files.
_PDF_DROPPED_ROOT = ("/OpenAction", "/SpiderInfo")
_PDF_DROPPED_NAMES = ("/JavaScript", "/EmbeddedFiles")
# Annotation entries naming or dating their author ("/T" is the author of a markup annotation but
# the field name of a form widget, which is kept).
_ANNOT_AUTHOR_KEYS = ("/M", "/CreationDate")
_UNSAFE_ACTIONS = ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE")


def _strip_pdf(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer.Info
        root = pdf.Root
        for key in _PDF_DROPPED_ROOT:
            if key in root:
                del root[key]
        names = root.get("/Names")
        if isinstance(names, pikepdf.Dictionary):
            for key in _PDF_DROPPED_NAMES:
                if key in names:
                    del names[key]
        for obj in [root, *pdf.objects]:
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                _strip_pdf_object(obj)
        for page in pdf.pages:
            _strip_pdf_object(page.obj)
            annots = page.obj.get("/Annots")
            if isinstance(annots, pikepdf.Array):
                page.obj.Annots = pikepdf.Array([a for a in annots if _keep_annotation(a)])
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False, deterministic_id=True)
        return out.getvalue()


def _strip_pdf_object(obj: pikepdf.Object) -> None:
    for key in _PDF_DROPPED_KEYS:
        if key in obj:
            del obj[key]
    action = obj.get("/A")
    if isinstance(action, pikepdf.Dictionary) and action.get("/S") in _UNSAFE_ACTIONS:
        del obj["/A"]
    if obj.get("/Type") == "/Annot" or ("/Rect" in obj and "/Subtype" in obj):
        for key in _ANNOT_AUTHOR_KEYS:
            if key in obj:
                del obj[key]
        if obj.get("/Subtype") != "/Widget" and "/T" in obj:
            del obj["/T"]
    if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and _is_dct(obj.get("/Filter")):
        raw = obj.read_raw_bytes()
        try:
            cleaned = clean_jpeg(raw)
        except ValueError:
            return  # not a JPEG we can walk: viewers cannot draw it either; leave it as it is
        if cleaned != raw:
            obj.write(cleaned, filter=obj.Filter, decode_parms=obj.get("/DecodeParms"), type_check=False)


def _is_dct(filters: object) -> bool:
    if isinstance(filters, pikepdf.Array):
        return len(filters) == 1 and filters[0] == "/DCTDecode"
    return filters == "/DCTDecode"


def _keep_annotation(annot: pikepdf.Object) -> bool:
    """Attached files go (their own metadata cannot be vouched for); every other annotation stays,
    already cleaned as an object. Direct (non-indirect) annotations are cleaned here."""
    if not isinstance(annot, pikepdf.Dictionary):
        return True
    if annot.get("/Subtype") == "/FileAttachment":
        return False
    _strip_pdf_object(annot)
    return True


# --- images inside documents: byte-level cleaning ------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP0, _APP2, _APP14, _COM = 0xE0, 0xE2, 0xEE, 0xFE


def clean_jpeg(data: bytes) -> bytes:
    """``data`` without its EXIF, XMP, IPTC/Photoshop, comment and other application segments, nor
    anything after the end of the image (camera trailers, second pictures). The JFIF header, the
    colour profile and Adobe's colour transform stay; the compressed image is copied as it is.
    Raises ValueError when ``data`` is not a JPEG whose segments can be walked."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    i, end = 2, len(data)
    while i < end:
        if data[i] != 0xFF:
            raise ValueError("JPEG: marker expected")
        while i < end and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= end:
            break
        marker = data[i]
        i += 1
        if marker == _EOI:
            out += b"\xff\xd9"
            return bytes(out)
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # standalone markers
            out += bytes((0xFF, marker))
            continue
        if i + 2 > end:
            raise ValueError("JPEG: truncated segment")
        length = int.from_bytes(data[i:i + 2], "big")
        if length < 2 or i + length > end:
            raise ValueError("JPEG: bad segment length")
        segment = data[i:i + length]
        i += length
        if _keeps_segment(marker, segment[2:]):
            out += bytes((0xFF, marker)) + segment
        if marker == _SOS:  # entropy-coded data runs to the next marker that is not a restart
            j = i
            while True:
                j = data.find(b"\xff", j)
                if j < 0 or j + 1 >= end:
                    raise ValueError("JPEG: no end of image")
                following = data[j + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    j += 2
                    continue
                break
            out += data[i:j]
            i = j
    raise ValueError("JPEG: no end of image")


def _keeps_segment(marker: int, body: bytes) -> bool:
    if marker == _COM:
        return False
    if marker == _APP2:
        return body.startswith(b"ICC_PROFILE\0")
    if 0xE1 <= marker <= 0xEF:  # APP1 (EXIF, XMP), APP13 (IPTC), ... except Adobe's APP14
        return marker == _APP14
    return True  # APP0 (JFIF), tables, frame and scan headers


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that draw the picture; text, EXIF, time and unknown chunks are dropped.
_PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs",
             b"bKGD", b"hIST", b"cICP", b"acTL", b"fcTL", b"fdAT"}


def clean_png(data: bytes) -> bytes:
    """``data`` with only the chunks that draw the picture (no text, EXIF or time chunks, nothing
    after IEND). Raises ValueError when ``data`` is not a PNG whose chunks can be walked."""
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    out = bytearray(_PNG_SIGNATURE)
    i = len(_PNG_SIGNATURE)
    while i + 12 <= len(data):
        (length,) = struct.unpack(">I", data[i:i + 4])
        kind = data[i + 4:i + 8]
        chunk = data[i:i + 12 + length]
        if len(chunk) != 12 + length or zlib.crc32(chunk[4:8 + length]) != int.from_bytes(chunk[-4:], "big"):
            raise ValueError("PNG: damaged chunk")
        if kind in _PNG_KEPT:
            out += chunk
        i += 12 + length
        if kind == b"IEND":
            return bytes(out)
    raise ValueError("PNG: no IEND")
