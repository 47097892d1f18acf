"""Metadata-stripped working copies (see PLATFORM.md §6).

Images: Pillow, ``ImageOps.exif_transpose`` (so phone photos keep their orientation) then a
re-encode without EXIF, XMP or text chunks. PDFs: pikepdf rewrite without the Info dictionary and
the XMP metadata stream.
"""

from __future__ import annotations

import io

import pikepdf
from PIL import Image, ImageOps

from portal.files.sniff import IMAGE_TYPES, FileType


def strip_metadata(data: bytes, file_type: FileType) -> bytes | None:
    """A copy of ``data`` without metadata, or None when the type keeps no working copy."""
    if file_type.is_image:
        return _strip_image(data, IMAGE_TYPES[file_type.mime][0])
    if file_type.is_pdf:
        return _strip_pdf(data)
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


def _strip_pdf(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Metadata" in pdf.Root:
            del pdf.Root.Metadata
        if "/Info" in pdf.trailer:
            del pdf.trailer.Info
        for page in pdf.pages:
            if "/Metadata" in page.obj:
                del page.obj.Metadata
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False, deterministic_id=True)
        return out.getvalue()
