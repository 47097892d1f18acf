"""Content sniffing allow-list, metadata stripping, hashing and the local storage backend."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pikepdf
import pytest
from PIL import Image

from portal.files.services import ingest, safe_name
from portal.files.sniff import FileRejected, detect
from portal.files.storage import LocalStorage
from tests.files import samples


@pytest.mark.parametrize(("make", "mime"), [
    (samples.jpeg_with_gps, "image/jpeg"),
    (samples.png_with_text, "image/png"),
    (samples.webp, "image/webp"),
    (samples.pdf_with_metadata, "application/pdf"),
    (samples.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (samples.odt, "application/vnd.oasis.opendocument.text"),
])
def test_allowed_types_are_recognised_from_their_bytes(make, mime):
    assert detect(make()).mime == mime


@pytest.mark.parametrize("data", [
    samples.PHP, samples.SVG, samples.HTML, b"", b"MZ\x90\x00" + b"\0" * 100,  # PE executable
    samples.docm(), samples.plain_zip(),
    samples.jpeg_with_gps()[:200],  # truncated: the signature alone is not enough
    b"%PDF-1.7\nnot really a pdf",
])
def test_everything_else_is_refused(data):
    with pytest.raises(FileRejected):
        detect(data)


def test_gif_is_not_on_the_allow_list():
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    with pytest.raises(FileRejected):
        detect(out.getvalue())


def test_jpeg_working_copy_has_no_exif_and_the_original_is_sealed(tmp_path):
    storage = LocalStorage(tmp_path)
    original = samples.jpeg_with_gps()
    stored = ingest(storage, "../../etc/ảnh.jpg", original)
    assert storage.read(stored.storage_key) == original
    assert stored.sha256 == hashlib.sha256(original).hexdigest()
    working = storage.read(stored.working_key)
    assert stored.working_sha256 == hashlib.sha256(working).hexdigest()
    with Image.open(io.BytesIO(working)) as im:
        exif = im.getexif()
        assert not exif.get_ifd(samples.GPS_IFD)
        assert samples.ARTIST not in exif
    assert samples.SECRET_AUTHOR.encode() not in working
    assert stored.original_name == "ảnh.jpg"
    assert stored.mime_type == "image/jpeg"


def test_orientation_is_applied_before_exif_is_dropped(tmp_path):
    storage = LocalStorage(tmp_path)
    stored = ingest(storage, "phone.jpg", samples.jpeg_with_gps(size=(60, 20), orientation=6))
    with Image.open(io.BytesIO(storage.read(stored.working_key))) as im:
        assert im.size == (20, 60)


def test_png_text_chunks_are_removed(tmp_path):
    storage = LocalStorage(tmp_path)
    stored = ingest(storage, "a.png", samples.png_with_text())
    assert samples.SECRET_AUTHOR.encode() not in storage.read(stored.working_key)
    assert samples.SECRET_AUTHOR.encode() in storage.read(stored.storage_key)


def test_pdf_info_and_xmp_are_removed(tmp_path):
    storage = LocalStorage(tmp_path)
    original = samples.pdf_with_metadata()
    assert samples.SECRET_AUTHOR.encode() in original
    stored = ingest(storage, "a.pdf", original)
    working = storage.read(stored.working_key)
    assert samples.SECRET_AUTHOR.encode() not in working
    with pikepdf.open(io.BytesIO(working)) as pdf:
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
        assert len(pdf.pages) == 1


def test_office_documents_get_a_working_copy_without_their_authors(tmp_path):
    storage = LocalStorage(tmp_path)
    original = samples.docx_with_authors()
    stored = ingest(storage, "a.docx", original)
    working = storage.read(stored.working_key)
    assert stored.working_sha256 == hashlib.sha256(working).hexdigest() and working != original
    with zipfile.ZipFile(io.BytesIO(working)) as zf:
        assert all(samples.SECRET_AUTHOR.encode() not in zf.read(name) for name in zf.namelist())
    assert storage.read(stored.storage_key) == original  # the sealed original is untouched


def test_local_storage_uses_random_names_and_refuses_path_tricks(tmp_path):
    storage = LocalStorage(tmp_path)
    key = storage.save(b"data")
    assert len(key) == 40 and storage.exists(key)
    assert storage.path(key).parent.parent == tmp_path
    assert storage.keys() == [key]
    for bad in ("../x", "", "ABC", "a/b"):
        assert not storage.exists(bad)
        with pytest.raises(KeyError):
            storage.read(bad)
    storage.delete(key)
    assert not storage.exists(key) and storage.keys() == []


def test_safe_name_strips_directories_and_controls():
    assert safe_name("C:\\Users\\x\\bad\x00name.pdf") == "badname.pdf"
    assert safe_name("") == "tep"
    assert len(safe_name("a" * 500 + ".pdf")) <= 200
