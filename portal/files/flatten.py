"""Flattening a blacked-out copy into pictures of what it shows.

Blacking out in a PDF or an office document often hides nothing: a rectangle drawn over the words
leaves the words in the file (copy and paste gives them back), a box laid over a scanned page
leaves the scan whole underneath, a redaction marked but not applied is only a note. The only copy
that can be trusted is a picture of what the page shows. So a redacted copy of an evidence file
(portal/cases/evidence.py) is kept as:

- for a picture: its first frame, transparency laid on white, as a PNG (no hidden colour under
  transparent pixels, no metadata), at most :data:`MAX_PAGE_PIXELS`;
- for a PDF: each page rendered by PDFium (the engine of Chromium's viewer) at :data:`DPI`, with its
  annotations as drawn, as a JPEG on a new PDF page of the same size: no text, no layers, no
  annotations, nothing under the boxes, no metadata.

Refused: an office document (nothing here renders one faithfully); a redaction marked but never
applied, and any markup annotation without an appearance of its own (PDFium draws nothing for it,
so the words it covers in other viewers would be in the copy); pages too small, too large or too
many; and anything that takes more than :data:`CPU_SECONDS` or :data:`MEMORY_BYTES`. The work runs
in a child process under those limits, since a few kilobytes of PDF can describe hours of drawing.

This module imports nothing from the portal: the child runs it as a script.
"""

from __future__ import annotations

import io
import math
import resource
import subprocess
import sys
from dataclasses import dataclass

DPI = 150  # readable print quality for a scanned A4 page
MAX_PAGES = 60
MAX_PAGE_PIXELS = 25_000_000  # a larger page (an A0 plan) is rendered at a lower resolution
MAX_TOTAL_PIXELS = 200_000_000  # about 90 A4 pages at DPI
MAX_OUTPUT = 96 * 1024 * 1024
PAGE_POINTS = (3.0, 14400.0)  # the page sizes PDF allows
JPEG_QUALITY = 85
CPU_SECONDS = 20
WALL_SECONDS = 25
MEMORY_BYTES = 1536 * 1024 * 1024
REASONS = ("office", "unreadable", "redactions", "annotations", "pages", "complex")


class CannotFlatten(ValueError):
    """The file cannot be turned into pictures (``reason``, one of :data:`REASONS`, says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Flattened:
    data: bytes
    mime: str


def flatten(data: bytes, mime: str) -> Flattened:
    """A picture-only copy of ``data`` (already checked to be of type ``mime``), made in a child
    process with CPU, memory and time limits."""
    if mime.startswith("image/"):
        out_mime = "image/png"
    elif mime == "application/pdf":
        out_mime = "application/pdf"
    else:
        raise CannotFlatten("office")
    try:
        done = subprocess.run([sys.executable, "-I", __file__, mime], input=data, capture_output=True,
                              timeout=WALL_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CannotFlatten("complex") from exc
    if done.returncode == 0 and done.stdout:
        return Flattened(done.stdout, out_mime)
    reason = done.stderr.decode("ascii", "replace").strip().rsplit("\n", 1)[-1]
    raise CannotFlatten(reason if reason in REASONS else "complex")


def _limits() -> None:  # the child's first step (not preexec_fn: that is unsafe with threads)
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


# --- in the child --------------------------------------------------------------------------------

def _picture(data: bytes) -> bytes:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = 40_000_000
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        upright = ImageOps.exif_transpose(image) or image
        rgba = upright.convert("RGBA")
    if rgba.width * rgba.height > MAX_PAGE_PIXELS:
        ratio = math.sqrt(MAX_PAGE_PIXELS / (rgba.width * rgba.height))
        rgba = rgba.resize((max(1, int(rgba.width * ratio)), max(1, int(rgba.height * ratio))))
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "PNG", compress_level=6)
    return out.getvalue()


def _check_annotations(page: object) -> None:
    """Refuse what PDFium would not draw as other viewers do: an unapplied redaction, and a
    markup annotation without a normal appearance (links, pop-ups and form fields are drawn)."""
    import pypdfium2.raw as pdfium_c

    drawn = {pdfium_c.FPDF_ANNOT_LINK, pdfium_c.FPDF_ANNOT_POPUP, pdfium_c.FPDF_ANNOT_WIDGET}
    raw = page.raw  # type: ignore[attr-defined]
    for index in range(pdfium_c.FPDFPage_GetAnnotCount(raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(raw, index)
        try:
            subtype = pdfium_c.FPDFAnnot_GetSubtype(annot)
            if subtype == pdfium_c.FPDF_ANNOT_REDACT:
                raise CannotFlatten("redactions")
            # the normal appearance, as UTF-16 with its terminator: 2 bytes when there is none
            if subtype not in drawn and pdfium_c.FPDFAnnot_GetAP(
                    annot, pdfium_c.FPDF_ANNOT_APPEARANCEMODE_NORMAL, None, 0) <= 2:
                raise CannotFlatten("annotations")
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)


def _pdf(data: bytes) -> bytes:
    import pikepdf
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise CannotFlatten("unreadable") from exc
    out = pikepdf.new()
    total_pixels = 0
    try:
        if not 0 < len(document) <= MAX_PAGES:
            raise CannotFlatten("pages")
        document.init_forms()  # filled-in form fields are drawn as they show
        for index in range(len(document)):
            page = document[index]
            try:
                _check_annotations(page)
                width, height = page.get_size()
                if not all(PAGE_POINTS[0] <= side <= PAGE_POINTS[1] for side in (width, height)):
                    raise CannotFlatten("pages")
                scale = min(DPI / 72, math.sqrt(MAX_PAGE_PIXELS / (width * height)))
                total_pixels += int(width * scale) * int(height * scale)
                if total_pixels > MAX_TOTAL_PIXELS:
                    raise CannotFlatten("complex")
                bitmap = page.render(scale=scale, draw_annots=True, may_draw_forms=True)
                picture = bitmap.to_pil().convert("RGB")
                bitmap.close()
            finally:
                page.close()
            _add_picture_page(out, picture, scale)
    finally:
        document.close()
    buffer = io.BytesIO()
    out.save(buffer, static_id=True)
    if buffer.tell() > MAX_OUTPUT:
        raise CannotFlatten("complex")
    return buffer.getvalue()


def _add_picture_page(pdf: object, picture: object, scale: float) -> None:
    """A page of ``picture``'s size in points (as rendered, rotation included) showing only it."""
    import pikepdf

    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", quality=JPEG_QUALITY)  # type: ignore[attr-defined]
    pixels_wide, pixels_high = picture.width, picture.height  # type: ignore[attr-defined]
    width = min(max(pixels_wide / scale, PAGE_POINTS[0]), PAGE_POINTS[1])
    height = min(max(pixels_high / scale, PAGE_POINTS[0]), PAGE_POINTS[1])
    image = pdf.make_stream(jpeg.getvalue(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,  # type: ignore[attr-defined]
                            Width=pixels_wide, Height=pixels_high, ColorSpace=pikepdf.Name.DeviceRGB,
                            BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode)
    page = pdf.add_blank_page(page_size=(width, height))  # type: ignore[attr-defined]
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(f"q {width:.3f} 0 0 {height:.3f} 0 0 cm /Im0 Do Q".encode())  # type: ignore[attr-defined]


def _main() -> int:
    _limits()
    mime = sys.argv[1]
    data = sys.stdin.buffer.read()
    try:
        out = _picture(data) if mime.startswith("image/") else _pdf(data)
    except CannotFlatten as exc:
        print(exc.reason, file=sys.stderr)
        return 2
    except MemoryError:
        print("complex", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - any failure of the renderer: the file is refused, not a 500
        print(f"{type(exc).__name__}\nunreadable", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
