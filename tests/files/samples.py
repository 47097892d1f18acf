"""Sample files built in the test (no binary fixtures): images with EXIF GPS, PDFs with metadata,
office documents, and files that only pretend to be one of those."""

from __future__ import annotations

import io
import zipfile

import pikepdf
from PIL import Image

SECRET_AUTHOR = "Secret Person"
GPS_IFD = 0x8825
ARTIST = 0x013B
ORIENTATION = 0x0112


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF holds an artist name and a GPS position (Pillow's Image.Exif, no piexif)."""
    im = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[ARTIST] = SECRET_AUTHOR
    if orientation:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (10.0, 46.0, 30.0), 3: "E", 4: (106.0, 41.0, 12.0)}
    out = io.BytesIO()
    im.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET_AUTHOR)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 255)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def png_with_comment(comment: bytes = b"") -> bytes:
    """A valid PNG; ``comment`` goes in a text chunk, byte for byte (e.g. the EICAR test string)."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    if comment:
        info.add_text("Comment", comment.decode("latin-1"))
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 255, 0)).save(out, format="WEBP")
    return out.getvalue()


def pdf_with_metadata() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.docinfo["/Author"] = SECRET_AUTHOR
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [SECRET_AUTHOR]
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def docm() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types><Override ContentType="application/vnd.ms-word.document.'
                                           'macroEnabled.main+xml"/></Types>')
        zf.writestr("word/vbaProject.bin", b"\0" * 10)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.txt", "hello")
    return out.getvalue()


PHP = b"<?php echo shell_exec($_GET['c']); ?>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<html><script>alert(1)</script></html>"
