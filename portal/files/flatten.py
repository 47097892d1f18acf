"""Flattening a blacked-out copy into pictures of what it shows.

Blacking out in a PDF or an office document often hides nothing: a rectangle drawn over the words
leaves the words in the file (copy and paste gives them back), a box laid over a scanned page
leaves the scan whole underneath, a redaction marked but not applied is only a note. The only copy
that can be trusted is a picture of what the page shows. So a redacted copy of an evidence file
(portal/cases/evidence.py) is kept as:

- for a picture: its first frame, transparency laid on white, as a PNG (no hidden colour under
  transparent pixels, no metadata);
- for a PDF: each page rendered by PDFium (the engine of Chromium's viewer) at :data:`DPI`, with its
  annotations as drawn, as a JPEG on a new PDF page of the same size: no text, no layers, no
  annotations, nothing under the boxes, no metadata. A redaction annotation that was never applied
  is refused, since rendering it would show the words it was meant to remove.

Office documents are refused: nothing here can render them faithfully.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import pikepdf
import pypdfium2
from PIL import Image, ImageOps

from portal.files.sniff import FileType

DPI = 150  # readable print quality for a scanned A4 page
MAX_PAGES = 60
MAX_PAGE_PIXELS = 25_000_000  # a page larger than this (an A0 plan) is rendered at a lower resolution
JPEG_QUALITY = 85


class CannotFlatten(ValueError):
    """The file cannot be turned into pictures (``reason`` says why, for the message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "office" | "unreadable" | "redactions" | "pages"


@dataclass(frozen=True)
class Flattened:
    data: bytes
    mime: str


def flatten(data: bytes, file_type: FileType) -> Flattened:
    """A picture-only copy of ``data`` (already checked to be of ``file_type``)."""
    if file_type.is_image:
        return Flattened(_png(data), "image/png")
    if file_type.mime == "application/pdf":
        return Flattened(_pdf(data), "application/pdf")
    raise CannotFlatten("office")


def _png(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        upright = ImageOps.exif_transpose(image) or image
        rgba = upright.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "PNG", optimize=True)
    return out.getvalue()


def _unapplied_redactions(data: bytes) -> bool:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return any(isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") == pikepdf.Name.Redact
                   for page in pdf.pages for annot in (page.obj.get("/Annots") or []))


def _pdf(data: bytes) -> bytes:
    try:
        if _unapplied_redactions(data):
            raise CannotFlatten("redactions")
        document = pypdfium2.PdfDocument(data)
    except (pikepdf.PdfError, pypdfium2.PdfiumError) as exc:
        raise CannotFlatten("unreadable") from exc
    out = pikepdf.new()
    try:
        if len(document) > MAX_PAGES:
            raise CannotFlatten("pages")
        document.init_forms()  # filled-in form fields are drawn as they show
        for index in range(len(document)):
            page = document[index]
            try:
                width, height = page.get_size()
                scale = min(DPI / 72, math.sqrt(MAX_PAGE_PIXELS / max(width * height, 1.0)))
                bitmap = page.render(scale=scale, draw_annots=True, may_draw_forms=True)
                picture = bitmap.to_pil().convert("RGB")
                bitmap.close()
            finally:
                page.close()
            _add_picture_page(out, picture, scale)
    except pypdfium2.PdfiumError as exc:
        raise CannotFlatten("unreadable") from exc
    finally:
        document.close()
    buffer = io.BytesIO()
    out.save(buffer, static_id=True)
    return buffer.getvalue()


def _add_picture_page(pdf: pikepdf.Pdf, picture: Image.Image, scale: float) -> None:
    """A page of ``picture``'s size in points (as rendered, rotation included) showing only it."""
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", quality=JPEG_QUALITY)
    width, height = picture.width / scale, picture.height / scale
    image = pdf.make_stream(jpeg.getvalue(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                            Width=picture.width, Height=picture.height, ColorSpace=pikepdf.Name.DeviceRGB,
                            BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode)
    page = pdf.add_blank_page(page_size=(width, height))
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(f"q {width:.3f} 0 0 {height:.3f} 0 0 cm /Im0 Do Q".encode())
