"""Working copies carry nothing that names the sender: office documents, PDFs beyond their Info
dictionary, and the pictures inside both."""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree import ElementTree

import pikepdf
import pytest
from PIL import Image

from portal.files.office import FIXED_TIME
from portal.files.services import ingest
from portal.files.sniff import detect
from portal.files.storage import LocalStorage
from portal.files.strip import clean_jpeg, clean_png, strip_metadata
from tests.files import samples

SECRETS = (samples.SECRET_AUTHOR, samples.SECOND_AUTHOR, "Secret%20Person", "secret@example.vn",
           "secret.person@example.vn")


def working_copy(data: bytes) -> bytes | None:
    return strip_metadata(data, detect(data))


def parts(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def assert_nothing_names_the_sender(data: bytes) -> None:
    for secret in SECRETS:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in data, (secret, encoding)


def pixels(data: bytes) -> tuple[tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as im:
        return im.size, im.convert("RGB").tobytes()


# -- pictures, byte by byte ------------------------------------------------------------------------

@pytest.mark.parametrize("progressive", [False, True])
def test_clean_jpeg_drops_exif_and_comments_and_keeps_every_pixel(progressive):
    with Image.open(io.BytesIO(samples.jpeg_with_gps((96, 48)))) as im:
        out = io.BytesIO()
        im.save(out, format="JPEG", exif=im.info["exif"], comment=samples.SECRET_AUTHOR.encode(),
                progressive=progressive)
    original = out.getvalue() + b"trailer: " + samples.SECRET_AUTHOR.encode()
    cleaned = clean_jpeg(original)
    assert_nothing_names_the_sender(cleaned)
    assert b"Exif" not in cleaned and cleaned.endswith(b"\xff\xd9")
    assert pixels(cleaned) == pixels(original)
    with Image.open(io.BytesIO(cleaned)) as im:
        assert not im.getexif() and "comment" not in im.info


def test_clean_jpeg_keeps_the_colour_profile():
    profile = b"ICC_PROFILE-bytes" * 10
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 30)).save(out, format="JPEG", icc_profile=profile)
    with Image.open(io.BytesIO(clean_jpeg(out.getvalue()))) as im:
        assert im.info.get("icc_profile") == profile


def test_clean_png_drops_text_chunks_and_keeps_every_pixel():
    original = samples.png_with_text()
    cleaned = clean_png(original)
    assert_nothing_names_the_sender(cleaned)
    assert pixels(cleaned) == pixels(original)


@pytest.mark.parametrize(("clean", "data"), [
    (clean_jpeg, b"not a jpeg"), (clean_jpeg, samples.jpeg_with_gps()[:200]),
    (clean_png, b"\x89PNG\r\n\x1a\n" + b"\0" * 20), (clean_png, samples.png_with_text()[:-8]),
])
def test_damaged_pictures_are_refused_not_passed_through(clean, data):
    with pytest.raises(ValueError):
        clean(data)


# -- office documents ------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [samples.docx_with_authors, samples.xlsx_with_authors, samples.odt_with_authors])
def test_office_working_copy_names_nobody_and_stays_the_same_document(make):
    original = make()
    working = working_copy(original)
    assert working is not None
    assert detect(working) == detect(original)  # still accepted as the same kind of document
    before, after = parts(original), parts(working)
    assert list(after) == list(before)  # every part kept, in order (OpenDocument's mimetype first)
    for name, data in after.items():
        assert_nothing_names_the_sender(data)
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(data)  # noqa: S314 (our own test data) still well-formed
    with zipfile.ZipFile(io.BytesIO(working)) as zf:
        assert {info.date_time for info in zf.infolist()} == {FIXED_TIME}
        if "mimetype" in before:
            assert zf.infolist()[0].compress_type == zipfile.ZIP_STORED


def test_docx_authors_become_consistent_pseudonyms_and_the_text_stays():
    after = parts(working_copy(samples.docx_with_authors()))
    document, comments = after["word/document.xml"].decode(), after["word/comments.xml"].decode()
    assert samples.DOCUMENT_TEXT in document and "Ghi chú của người gửi" in comments
    # Document order: the person list is read after the document, so the first author is "1" everywhere.
    assert 'w:author="Tác giả 1"' in document and 'w:author="Tác giả 2"' in document
    assert 'w:author="Tác giả 1"' in comments and 'w:initials="TG1"' in comments
    assert 'w15:author="Tác giả 1"' in after["word/people.xml"].decode()
    assert 'Target="file:///"' in after["word/_rels/settings.xml.rels"].decode()
    assert b"<Pages>1</Pages>" in after["docProps/app.xml"] and b"Company" not in after["docProps/app.xml"]
    assert pixels(after["word/media/image1.jpeg"]) == pixels(samples.jpeg_with_gps())


def test_xlsx_printer_settings_keep_their_public_fields_without_the_printer_or_the_driver_data():
    before, after = parts(samples.xlsx_with_authors()), parts(working_copy(samples.xlsx_with_authors()))
    name = "xl/printerSettings/printerSettings1.bin"
    assert len(after[name]) == 220 and after[name][:64] == bytes(64)
    assert after[name][64:70] == before[name][64:70] and after[name][70:72] == bytes(2)  # no driver extra
    assert after[name][72:] == before[name][72:220]
    assert b"absPath" not in after["xl/workbook.xml"] and b"<sheets/>" in after["xl/workbook.xml"]
    assert "<author>Tác giả 1</author>" in after["xl/comments1.xml"].decode()


def test_odt_metadata_and_settings_are_emptied_and_the_text_stays():
    after = parts(working_copy(samples.odt_with_authors()))
    assert b"initial-creator" not in after["meta.xml"] and b'office:version="1.3"' in after["meta.xml"]
    assert b"PrinterName" not in after["settings.xml"]
    content = after["content.xml"].decode()
    assert samples.DOCUMENT_TEXT in content and "<dc:creator>Tác giả 1</dc:creator>" in content
    assert '<text:author-name text:fixed="true">Tác giả 2</text:author-name>' in content


@pytest.mark.parametrize("extra", [
    [("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0" + samples.SECRET_AUTHOR.encode())],
    [("word/media/image2.tiff", b"II*\0" + samples.SECRET_AUTHOR.encode())],
    [("word/media/image3.jpeg", b"\xff\xd8 damaged")],
    [("word/notes.xml", samples.SECRET_AUTHOR.encode("utf-16"))],
    [("word/media/image4.emf", b"\x01\0\0\0 EMF wrapping " + samples.jpeg_with_gps())],
    [("_xmlsignatures/sig1.xml", f"<Signature><X509SubjectName>CN={samples.SECRET_AUTHOR}</X509SubjectName>"
                                 "</Signature>")],
])
def test_a_part_that_cannot_be_vouched_for_means_no_working_copy(extra):
    assert working_copy(samples.docx_with_authors(extra)) is None


def test_an_office_document_without_a_clean_copy_is_still_received(tmp_path):
    storage = LocalStorage(tmp_path)
    data = samples.docx_with_authors([("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0")])
    stored = ingest(storage, "thư.docx", data)
    assert stored.working_key is None and storage.read(stored.storage_key) == data


# -- PDFs ------------------------------------------------------------------------------------------

def pdf_text(data: bytes) -> bytes:
    """Every byte of the PDF with its streams decoded, so compressed data cannot hide a name."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
                 object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()


def test_pdf_working_copy_drops_every_hidden_author_and_active_content():
    original = samples.pdf_with_hidden_data()
    assert samples.SECRET_AUTHOR.encode() in pdf_text(original)
    working = strip_metadata(original, detect(original))
    assert_nothing_names_the_sender(pdf_text(working))
    with pikepdf.open(io.BytesIO(working)) as pdf:
        assert "/OpenAction" not in pdf.Root and not pdf.attachments
        page = pdf.pages[0]
        assert "/Metadata" not in page.obj and "/PieceInfo" not in page.obj
        annots = list(page.obj.Annots)
        assert [str(a.Subtype) for a in annots] == ["/Text", "/Widget"]  # the attached file is gone
        assert str(annots[0].Contents) == "Ghi chú bằng chứng" and "/T" not in annots[0] and "/M" not in annots[0]
        assert str(annots[1].T) == "ho_ten"  # a form field keeps its name
        image = page.Resources.XObject.Im0
        assert b"Exif" not in image.read_raw_bytes()
        assert pixels(image.read_raw_bytes()) == pixels(samples.jpeg_with_gps())


# -- what staff get ----------------------------------------------------------------------------------

def test_staff_open_the_clean_copy_of_an_office_document_and_the_case_page_says_so(client, db_session):
    from portal.accounts.models import Role
    from portal.cases.models import Attachment, CaseKind
    from portal.files.storage import get_storage
    from tests.factories import make_case, make_unit, make_user
    from tests.helpers import login_as

    unit = make_unit(db_session, parent=make_unit(db_session))
    handler = make_user(db_session, roles=[(Role.HANDLER, unit)])
    case = make_case(db_session, unit=unit, kind=CaseKind.DENUNCIATION, handler_id=handler.id)
    original = samples.docx_with_authors()
    stored = ingest(get_storage(), "tố cáo.docx", original)
    attachment = Attachment(submission_id=case.submission_id, original_name=stored.original_name,
                            mime_type=stored.mime_type, size=stored.size, sha256=stored.sha256,
                            storage_key=stored.storage_key, working_key=stored.working_key,
                            working_sha256=stored.working_sha256)
    db_session.add(attachment)
    db_session.flush()
    login_as(client, handler)
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Tệp 1 (DOCX)" in page and "bản làm việc, đã xóa siêu dữ liệu" in page
    assert "tố cáo.docx" not in page  # the name it was sent with is not shown
    response = client.get(f"/staff/cases/{case.id}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{case.reference}-tep-1.docx"
    assert response.data == get_storage().read(stored.working_key) != original
    for data in parts(response.data).values():
        assert_nothing_names_the_sender(data)


def test_office_people_and_paths_outside_the_usual_places():
    """SharePoint library columns, pivot refreshers, Excel notes' bold author line, PowerPoint change
    records and comment authors (initials first), LibreOffice's sender initials, mail-merge and
    field-code paths, OneDrive URLs: all replaced; evidence text that only looks like an attribute
    is left as it is."""
    word = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    secret = samples.SECRET_AUTHOR
    extra = [
        ("customXml/item1.xml",
         '<p:properties xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties"><documentManagement>'
         f'<Owner><UserInfo><DisplayName>{secret}</DisplayName><AccountId>12</AccountId>'
         '<AccountType/></UserInfo></Owner><PublishingContactEmail>secret.person@example.vn</PublishingContactEmail>'
         '</documentManagement></p:properties>'),
        ("word/settings.xml",
         f'<w:settings {word}><w:mailMerge><w:connectString w:val="Data Source=C:\\Users\\{secret}\\'
         'list.xlsx"/></w:mailMerge></w:settings>'),
        ("word/footer1.xml",
         f'<w:ftr {word}><w:p><w:r><w:instrText> INCLUDEPICTURE "C:\\\\Users\\\\{secret}\\\\a.jpg" </w:instrText>'
         '</w:r><w:r><w:t>Trích dẫn: author="Trần Văn C" trong nhật ký</w:t></w:r></w:p></w:ftr>'),
        ("word/_rels/footer1.xml.rels",
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
         f'Id="rId1" Type="x" Target="https://corp-my.sharepoint.com/personal/{secret.replace(" ", "_")}/a.docx" '
         'TargetMode="External"/></Relationships>'),
        ("ppt/commentAuthors.xml",
         f'<p:cmAuthorLst xmlns:p="p"><p:cmAuthor id="1" initials="SP" name="{secret}" lastIdx="1" clrIdx="0"/>'
         '</p:cmAuthorLst>'),
        ("ppt/changesInfos/changesInfo1.xml",
         f'<pc:chgInfo xmlns:pc="pc"><pc:docChgLst><pc:chgData name="{secret}" userId="S::x::1" providerId="AD"/>'
         '</pc:docChgLst></pc:chgInfo>'),
        ("xl/pivotCache/pivotCacheDefinition1.xml",
         f'<pivotCacheDefinition xmlns="x" refreshedBy="{secret}" refreshedDate="46000"/>'),
        ("xl/comments2.xml",
         f'<comments xmlns="x"><authors><author>{secret}</author></authors><commentList><comment ref="B2" '
         f'authorId="0"><text><r><rPr><b/></rPr><t>{secret}:</t></r><r><t xml:space="preserve">\nSai số liệu'
         '</t></r></text></comment></commentList></comments>'),
        ("content2.xml",
         '<office:annotation xmlns:office="o" xmlns:loext="l"><loext:sender-initials>SP</loext:sender-initials>'
         '</office:annotation>'),
    ]
    after = parts(working_copy(samples.docx_with_authors(extra)))
    for name, data in after.items():
        assert_nothing_names_the_sender(data)
        assert secret.replace(" ", "_").encode() not in data, name
    assert "<DisplayName></DisplayName><AccountId></AccountId>" in after["customXml/item1.xml"].decode()
    assert "C:\\Users\\user\\list.xlsx" in after["word/settings.xml"].decode()
    footer = after["word/footer1.xml"].decode()
    assert "C:\\\\Users\\\\user\\\\a.jpg" in footer and 'author="Trần Văn C"' in footer  # text untouched
    assert '/personal/user/a.docx' in after["word/_rels/footer1.xml.rels"].decode()
    assert 'initials="TG1" name="Tác giả 1"' in after["ppt/commentAuthors.xml"].decode()
    assert '<t>Tác giả 1:</t>' in after["xl/comments2.xml"].decode()
    assert "<loext:sender-initials>TG1</loext:sender-initials>" in after["content2.xml"].decode()


def with_parts(archive: bytes, replaced: dict[str, str | bytes]) -> bytes:
    """``archive`` with ``replaced`` parts written over (or added after) its own, order kept."""
    rest = {name: data for name, data in parts(archive).items() if name not in replaced}
    return samples._zip([*rest.items(), *replaced.items()], stored=("mimetype",))


def test_odf_signatures_are_dropped():
    data = with_parts(samples.odt_with_authors(),
                      {"META-INF/documentsignatures.xml": f"<Signature>CN={samples.SECRET_AUTHOR}</Signature>"})
    assert "META-INF/documentsignatures.xml" in parts(data)
    after = parts(working_copy(data))
    assert "META-INF/documentsignatures.xml" not in after and "content.xml" in after


def damaged_member(data: bytes, name: str, *, encrypted: bool = False) -> bytes:
    """``data`` with the compressed bytes of ``name`` flipped, or marked encrypted (as zip tools'
    password protection does): the type check, which reads other parts, still accepts it."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    raw = bytearray(data)
    if encrypted:
        raw[info.header_offset + 6] |= 1
        for at in range(len(raw) - 46):
            if raw[at:at + 4] == b"PK\x01\x02" and raw[at + 46:at + 46 + len(name)] == name.encode():
                raw[at + 8] |= 1
    else:
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for at in range(start + 2, start + 6):
            raw[at] ^= 0x5A
    return bytes(raw)


@pytest.mark.parametrize("encrypted", [False, True])
def test_a_damaged_office_document_gets_no_working_copy_and_no_error(tmp_path, encrypted):
    data = damaged_member(samples.docx_with_authors(), "word/document.xml", encrypted=encrypted)
    detect(data)  # accepted by the type check
    assert working_copy(data) is None
    stored = ingest(LocalStorage(tmp_path), "a.docx", data)
    assert stored.working_key is None


def test_a_photo_with_exif_pillow_cannot_rewrite_is_still_turned_upright_and_cleaned():
    data = samples.jpeg_with_mistyped_exif((64, 32))
    working = working_copy(data)
    assert working is not None and b"10,46,30" not in working
    with Image.open(io.BytesIO(working)) as im:
        assert im.size == (32, 64) and not im.getexif()  # orientation 6 applied, EXIF gone


def test_pdf_signatures_xfa_threads_and_filtered_jpegs_are_cleaned():
    pdf = pikepdf.Pdf.open(io.BytesIO(samples.pdf_with_metadata()))
    secret = pikepdf.String(samples.SECRET_AUTHOR)
    signature = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Sig, Name=secret, Location=secret, ContactInfo=secret, ByteRange=[0, 1, 2, 3],
        Contents=pikepdf.String(b"0\x82 certificate of " + samples.SECRET_AUTHOR.encode())))
    field = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget,
                                                 FT=pikepdf.Name.Sig, T=pikepdf.String("chu_ky"), V=signature,
                                                 Rect=[0, 0, 0, 0]))
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]), SigFlags=3,
                                           XFA=pdf.make_stream(f"<xdp>{samples.SECRET_AUTHOR}</xdp>".encode()))
    pdf.Root.Perms = pikepdf.Dictionary(DocMDP=signature)
    pdf.Root.DSS = pikepdf.Dictionary(Certs=pikepdf.Array([pdf.make_stream(samples.SECRET_AUTHOR.encode())]))
    pdf.Root.Threads = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(I=pikepdf.Dictionary(Author=secret)))])
    photo = samples.jpeg_with_gps()
    image = pdf.make_stream(zlib.compress(photo))
    image.Type, image.Subtype, image.Width, image.Height = pikepdf.Name.XObject, pikepdf.Name.Image, 64, 32
    image.Filter = pikepdf.Array([pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode])
    image.BitsPerComponent, image.ColorSpace = 8, pikepdf.Name.DeviceRGB
    pdf.pages[0].obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    out = io.BytesIO()
    pdf.save(out)
    working = working_copy(out.getvalue())
    assert working is not None
    assert_nothing_names_the_sender(pdf_text(working))
    with pikepdf.open(io.BytesIO(working)) as clean:
        kept = clean.pages[0].Resources.XObject.Im0
        assert kept.Filter == pikepdf.Name.DCTDecode and b"Exif" not in kept.read_raw_bytes()
        assert pixels(kept.read_raw_bytes()) == pixels(photo)
        assert str(clean.pages[0].obj.Annots[0].T) == "chu_ky" and "/V" not in clean.pages[0].obj.Annots[0]


def test_an_archive_too_large_unpacked_gets_no_working_copy(monkeypatch):
    """A zip bomb the type check let through, or a huge spreadsheet: no rewrite, the original only."""
    from portal.files import office

    data = samples.docx_with_authors()
    monkeypatch.setattr(office, "MAX_TOTAL", sum(len(v) for v in parts(data).values()) - 1)
    assert working_copy(data) is None
    monkeypatch.setattr(office, "MAX_TOTAL", 10**9)
    monkeypatch.setattr(office, "MAX_PART", len(parts(data)["word/document.xml"]) - 1)
    assert working_copy(data) is None


def test_pdf_scripts_chained_after_a_safe_action_thumbnails_and_jpeg2000():
    pdf = pikepdf.Pdf.open(io.BytesIO(samples.pdf_with_metadata()))
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"app.alert('{samples.SECRET_AUTHOR}')"))
    link = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.vn"),
                              Next=pikepdf.Array([pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("x"),
                                                                     Next=script)]))
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10], A=link))]))
    pdf.pages[0].obj.Thumb = pdf.make_stream(samples.jpeg_with_gps())
    out = io.BytesIO()
    pdf.save(out)
    working = working_copy(out.getvalue())
    assert_nothing_names_the_sender(pdf_text(working))
    with pikepdf.open(io.BytesIO(working)) as clean:
        kept = clean.pages[0].obj.Annots[0].A
        assert str(kept.URI) == "https://example.vn" and "/Next" not in kept.Next[0]  # the script is gone
        assert "/Thumb" not in clean.pages[0].obj
    jpx = pikepdf.Pdf.open(io.BytesIO(samples.pdf_with_metadata()))
    image = jpx.make_stream(b"\0\0\0\x0cjP  \r\n\x87\n" + samples.SECRET_AUTHOR.encode())
    image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.JPXDecode
    image.Width, image.Height = 1, 1
    jpx.pages[0].obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    out = io.BytesIO()
    jpx.save(out)
    assert working_copy(out.getvalue()) is None  # JPEG 2000 metadata boxes are not cleaned: no copy


def test_odf_sender_fields_are_emptied():
    fields = ("<text:sender-firstname>Secret</text:sender-firstname><text:sender-lastname>Person"
              "</text:sender-lastname><text:sender-email>secret@example.vn</text:sender-email>"
              "<text:sender-phone-private>0901234567</text:sender-phone-private>")
    data = with_parts(samples.odt_with_authors(), {
        "styles.xml": f'<office:document-styles xmlns:office="o" xmlns:text="t"><text:p>{fields}'
                      "</text:p></office:document-styles>"})
    styles = parts(working_copy(data))["styles.xml"].decode()
    assert "Secret" not in styles and "0901234567" not in styles and "secret@example.vn" not in styles
    assert "<text:sender-email></text:sender-email>" in styles


@pytest.mark.parametrize("hostile", [
    ">" * 300_000, "<Company" * 40_000, "<absPath>" * 40_000, '<w:r w:author="' * 30_000,
    "<dc:creator>" * 30_000, "/Users/" + "a%20" * 80_000,
])
def test_hostile_xml_is_cleaned_in_linear_time(hostile):
    """Each shape made a pattern rescan the rest of the part from every position (quadratic: tens
    of seconds at these sizes, hours at the upload limit). The bound is generous: linear work here
    takes well under a tenth of it."""
    import time

    part = ('<p:properties xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties">' + hostile)
    data = with_parts(samples.docx_with_authors(), {"customXml/item1.xml": part, "docProps/app.xml": hostile})
    started = time.perf_counter()
    working_copy(data)
    assert time.perf_counter() - started < 5
