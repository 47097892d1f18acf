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
import logging
import struct
import zlib

import pikepdf
from PIL import Image, ImageOps

from portal.files.sniff import IMAGE_TYPES, FileType

log = logging.getLogger(__name__)


def strip_metadata(data: bytes, file_type: FileType) -> bytes | None:
    """A copy of ``data`` without metadata, or None when no clean copy can be made (the file is then
    only available as its original, through the audited download). Never raises: a file the type
    check accepted must not make a citizen's đơn fail because its metadata is odd."""
    try:
        if file_type.is_image:
            return _strip_image(data, IMAGE_TYPES[file_type.mime][0])
        if file_type.is_pdf:
            return _strip_pdf(data)
        if file_type.is_office:
            from portal.files.office import strip_office

            return strip_office(data)
    except Unclean as exc:
        log.info("no working copy of a %s file: %s", file_type.mime, exc)
    except Exception:
        log.warning("no working copy could be made of a %s file", file_type.mime, exc_info=True)
    return None


class Unclean(ValueError):
    """Something in the file cannot be cleaned: no working copy."""


_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def _upright(im: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says. ``exif_transpose`` rewrites the EXIF and
    fails on values stored with an unexpected type; the orientation alone is then read directly."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # noqa: BLE001 (malformed EXIF written by some apps)
        try:
            orientation = int(im.getexif().get(0x0112) or 1)
        except Exception:  # noqa: BLE001 (an orientation that is not a number)
            orientation = 1
        method = _TRANSPOSE.get(orientation)
        return im.transpose(method) if method is not None else im


def _strip_image(data: bytes, fmt: str) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        upright = _upright(im)
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
# associated and embedded files, page thumbnails (pictures of their own, with their own EXIF).
_PDF_DROPPED_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/AA", "/AF", "/EF", "/Thumb")
# Catalog entries: the action run on opening, web-capture data, signature permissions and the
# certificates kept for validation, article threads.
_PDF_DROPPED_ROOT = ("/OpenAction", "/SpiderInfo", "/Perms", "/DSS", "/Threads")
_PDF_DROPPED_NAMES = ("/JavaScript", "/EmbeddedFiles")
# Annotation entries dating their author ("/T" is the author of a markup annotation but the field
# name of a form widget, which is kept).
_ANNOT_AUTHOR_KEYS = ("/M", "/CreationDate")
# Annotations that carry files or media of their own.
_DROPPED_ANNOTS = ("/FileAttachment", "/RichMedia", "/Screen", "/3D", "/Movie", "/Sound")
_UNSAFE_ACTIONS = ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/Rendition")


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
        form = root.get("/AcroForm")
        if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
            del form["/XFA"]  # the XFA packets repeat the form's data and its XMP
        for obj in pdf.objects:  # every indirect object: the catalog, pages, annotations, images...
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                _strip_pdf_object(obj)
        for page in pdf.pages:
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
    if "/A" in obj and not _safe_action(obj.get("/A")):
        del obj["/A"]
    if obj.get("/FT") == "/Sig" and "/V" in obj:
        del obj["/V"]  # the signature: signer's name, place, reason and certificate
    if obj.get("/Type") == "/Annot" or ("/Rect" in obj and "/Subtype" in obj):
        for key in _ANNOT_AUTHOR_KEYS:
            if key in obj:
                del obj[key]
        if obj.get("/Subtype") != "/Widget" and "/T" in obj:
            del obj["/T"]
    if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
        _clean_pdf_jpeg(obj)


def _safe_action(action: object, depth: int = 0) -> bool:
    """False for a script, launch, form submission or import; a safe action keeps only the safe
    actions chained after it (``/Next``, a dictionary or an array, followed to any depth)."""
    if depth > 32:
        return False  # a chain this long (or a loop) is not something a reader needs
    if not isinstance(action, pikepdf.Dictionary):
        return True
    if action.get("/S") in _UNSAFE_ACTIONS:
        return False
    chained = action.get("/Next")
    if isinstance(chained, pikepdf.Array):
        action.Next = pikepdf.Array([a for a in chained if _safe_action(a, depth + 1)])
    elif chained is not None and not _safe_action(chained, depth + 1):
        del action["/Next"]
    return True


def _clean_pdf_jpeg(image: pikepdf.Object) -> None:
    """A JPEG image (DCTDecode, possibly after other filters) without its EXIF/XMP/IPTC; raises
    :class:`Unclean` when it cannot be walked (its EXIF could not be vouched for)."""
    filters = image.get("/Filter")
    chain = list(filters) if isinstance(filters, pikepdf.Array) else [filters]
    if "/JPXDecode" in chain:
        raise Unclean("JPEG 2000 image: its metadata boxes are not cleaned")
    if not chain or chain[-1] != "/DCTDecode":
        return
    parms = image.get("/DecodeParms")
    if len(chain) == 1:
        jpeg = image.read_raw_bytes()
    else:  # e.g. [/FlateDecode /DCTDecode]: undo the outer filters only, keep the JPEG bytes
        image.Filter = pikepdf.Array(chain[:-1])
        if isinstance(parms, pikepdf.Array):
            image.DecodeParms = pikepdf.Array(list(parms)[:-1])
        jpeg = image.read_bytes()
    try:
        cleaned = clean_jpeg(jpeg)
    except ValueError as exc:
        raise Unclean(f"PDF image: {exc}") from exc
    if len(chain) > 1 or cleaned != jpeg:
        if isinstance(parms, pikepdf.Array):
            parms = parms[-1]
        image.write(cleaned, filter=pikepdf.Name.DCTDecode,
                    decode_parms=parms if isinstance(parms, pikepdf.Dictionary) else None, type_check=False)


def _keep_annotation(annot: pikepdf.Object) -> bool:
    """Annotations carrying files or media go (their own metadata cannot be vouched for); every
    other annotation stays. Indirect ones were cleaned with the other objects; direct ones (written
    inside the page's array) are cleaned here."""
    if not isinstance(annot, pikepdf.Dictionary):
        return True
    if annot.get("/Subtype") in _DROPPED_ANNOTS:
        return False
    if not annot.is_indirect:
        _strip_pdf_object(annot)
    return True


# --- images inside documents: byte-level cleaning ------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP0, _APP2, _APP14, _COM = 0xE0, 0xE2, 0xEE, 0xFE


def clean_jpeg(data: bytes) -> bytes:
    """``data`` without its EXIF, XMP, IPTC/Photoshop, comment and other application segments, nor
    anything after the end of the image (camera trailers, second pictures). The JFIF header, the
    colour profile and Adobe's colour transform stay; the compressed image is copied as it is (an
    image cut short in its data gets its end marker, as decoders draw it anyway). Raises ValueError
    when ``data`` is not a JPEG whose segments can be walked."""
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
                if j < 0 or j + 1 >= end:  # cut short before its end marker: decoders draw it anyway
                    return bytes(out + data[i:end if j < 0 else j] + b"\xff\xd9")
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
