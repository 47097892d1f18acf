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


# -- documents carrying their authors in every place office suites put them ------------------------

SECOND_AUTHOR = "Second Reviewer"
DOCUMENT_TEXT = "Nội dung tố cáo: sai phạm tại công trình"
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def _zip(parts: list[tuple[str, bytes | str]], stored: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 14, 9, 26, 53))
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()


def docx_with_authors(extra: list[tuple[str, bytes | str]] = ()) -> bytes:  # type: ignore[assignment]
    """A Word document naming its author in the properties, tracked changes, comments, the people
    list with an account id, a template path, and a photo with EXIF GPS."""
    return _zip([
        ("[Content_Types].xml",
         f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT}"><Default Extension="jpeg" '
         'ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/'
         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        ("docProps/core.xml",
         '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
         'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
         f'{SECRET_AUTHOR}</dc:creator><cp:lastModifiedBy>{SECRET_AUTHOR}</cp:lastModifiedBy>'
         '</cp:coreProperties>'),
        ("docProps/app.xml",
         '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
         f'extended-properties"><Template>Normal.dotm</Template><Company>{SECRET_AUTHOR} Co</Company>'
         f'<Manager>{SECRET_AUTHOR}</Manager><Pages>1</Pages></Properties>'),
        ("docProps/custom.xml",
         '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
         'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
         f'<property name="Owner"><vt:lpwstr>{SECRET_AUTHOR}</vt:lpwstr></property></Properties>'),
        ("word/document.xml",
         f'<?xml version="1.0"?><w:document {_W}><w:body><w:p><w:r><w:t>{DOCUMENT_TEXT}</w:t></w:r>'
         f'<w:ins w:id="1" w:author="{SECRET_AUTHOR}" w:date="2026-03-14T09:00:00Z"><w:r><w:t>thêm</w:t></w:r>'
         f'</w:ins><w:del w:id="2" w:author="{SECOND_AUTHOR}"><w:r><w:delText>bớt</w:delText></w:r></w:del>'
         '</w:p></w:body></w:document>'),
        ("word/comments.xml",
         f'<?xml version="1.0"?><w:comments {_W}><w:comment w:id="0" w:author="{SECRET_AUTHOR}" '
         'w:initials="SP"><w:p><w:r><w:t>Ghi chú của người gửi</w:t></w:r></w:p></w:comment></w:comments>'),
        ("word/people.xml",
         '<?xml version="1.0"?><w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
         f'<w15:person w15:author="{SECRET_AUTHOR}"><w15:presenceInfo w15:providerId="AD" '
         'w15:userId="S::secret.person@example.vn::0f1e"/></w15:person></w15:people>'),
        ("word/_rels/settings.xml.rels",
         '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/attachedTemplate" Target="file:///C:\\Users\\Secret%20Person\\Templates\\Normal.dotm" '
         'TargetMode="External"/></Relationships>'),
        ("word/media/image1.jpeg", jpeg_with_gps()),
        *extra,
    ])


def xlsx_with_authors() -> bytes:
    """An Excel workbook naming its author in comments, the persons list, its saved path and the
    printer settings."""
    # A Windows DEVMODE: the printer's name, versions, dmSize = 220 public bytes, then 40 bytes of
    # the driver's private data (where job accounting keeps a user name).
    public = (SECRET_AUTHOR + " printer").encode("utf-16-le").ljust(64, b"\0") + b"\x01\x04\x00\x06"
    public += (220).to_bytes(2, "little") + (40).to_bytes(2, "little")
    printer = public.ljust(220, b"\x07") + SECRET_AUTHOR.encode("utf-16-le").ljust(40, b"\0")
    return _zip([
        ("[Content_Types].xml",
         f'<?xml version="1.0"?><Types xmlns="{_CT}"><Override PartName="/xl/workbook.xml" ContentType="'
         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'),
        ("xl/workbook.xml",
         '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
         'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"><mc:AlternateContent>'
         '<mc:Choice Requires="x15"><x15ac:absPath url="C:\\Users\\Secret Person\\Documents\\"/>'
         f'</mc:Choice></mc:AlternateContent><fileSharing userName="{SECRET_AUTHOR}"/><sheets/></workbook>'),
        ("xl/comments1.xml",
         '<?xml version="1.0"?><comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         f'<authors><author>{SECRET_AUTHOR}</author></authors><commentList><comment ref="A1" authorId="0">'
         '<text><t>Số liệu sai</t></text></comment></commentList></comments>'),
        ("xl/persons/person.xml",
         '<?xml version="1.0"?><personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/'
         f'threadedcomments"><person displayName="{SECRET_AUTHOR}" id="{{A1}}" userId="secret@example.vn" '
         'providerId="AD"/></personList>'),
        ("xl/printerSettings/printerSettings1.bin", printer),
    ])


def odt_with_authors() -> bytes:
    """An OpenDocument text naming its author in meta.xml, an annotation, a tracked change and an
    author field, with the printer's name in settings.xml and a PNG with a text chunk."""
    office = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    dc = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    text_ns = 'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    meta_ns = 'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
    return _zip([
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("meta.xml",
         f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {office} {meta_ns} {dc} '
         f'office:version="1.3"><office:meta><meta:initial-creator>{SECRET_AUTHOR}</meta:initial-creator>'
         f'<dc:creator>{SECRET_AUTHOR}</dc:creator></office:meta></office:document-meta>'),
        ("settings.xml",
         f'<?xml version="1.0" encoding="UTF-8"?><office:document-settings {office} office:version="1.3">'
         '<office:settings><config:config-item xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0"'
         f' config:name="PrinterName" config:type="string">{SECRET_AUTHOR} printer</config:config-item>'
         '</office:settings></office:document-settings>'),
        ("content.xml",
         f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {office} {dc} {text_ns} '
         f'office:version="1.3"><office:body><office:text><text:tracked-changes><text:changed-region '
         f'text:id="c1"><text:insertion><office:change-info><dc:creator>{SECOND_AUTHOR}</dc:creator>'
         '</office:change-info></text:insertion></text:changed-region></text:tracked-changes>'
         f'<text:p>{DOCUMENT_TEXT}<office:annotation><dc:creator>{SECRET_AUTHOR}</dc:creator>'
         '<text:p>Ghi chú</text:p></office:annotation> — <text:author-name text:fixed="true">'
         f'{SECRET_AUTHOR}</text:author-name></text:p></office:text></office:body></office:document-content>'),
        ("Pictures/1.png", png_with_text()),
        ("META-INF/manifest.xml",
         '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
         'opendocument:xmlns:manifest:1.0" manifest:version="1.3"/>'),
    ], stored=("mimetype",))


def pdf_with_hidden_data() -> bytes:
    """A PDF hiding its author outside the Info dictionary: page XMP, private application data,
    a commented annotation, an attached file, an opening script, and a JPEG with EXIF GPS."""
    pdf = pikepdf.Pdf.open(io.BytesIO(pdf_with_metadata()))
    page = pdf.pages[0]
    page.obj.Metadata = pdf.make_stream(f"<x:xmpmeta><dc:creator>{SECRET_AUTHOR}</dc:creator></x:xmpmeta>"
                                        .encode())
    page.obj.PieceInfo = pikepdf.Dictionary(App=pikepdf.Dictionary(Private=pikepdf.String(SECRET_AUTHOR)))
    photo = jpeg_with_gps()
    image = pikepdf.Stream(pdf, photo)
    image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.DCTDecode
    image.Width, image.Height, image.BitsPerComponent = 64, 32, 8
    image.ColorSpace = pikepdf.Name.DeviceRGB
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(b"q 64 0 0 32 10 10 cm /Im0 Do Q")
    note = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[10, 10, 30, 30], T=pikepdf.String(SECRET_AUTHOR),
        M=pikepdf.String("D:20260314092653+07'00'"), Contents=pikepdf.String("Ghi chú bằng chứng")))
    field = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, Rect=[40, 40, 90, 60], FT=pikepdf.Name.Tx,
        T=pikepdf.String("ho_ten")))
    attached = pikepdf.AttachedFileSpec(pdf, f"Author: {SECRET_AUTHOR}".encode(), filename="notes.txt")
    clip = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment,
                                                Rect=[100, 10, 120, 30], FS=attached.obj))
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([note, field, clip]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
    pdf.attachments["secret.txt"] = pikepdf.AttachedFileSpec(pdf, f"{SECRET_AUTHOR}".encode(), filename="secret.txt")
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                             JS=pikepdf.String(f"app.alert('{SECRET_AUTHOR}')"))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def exif_with_mistyped_gps(orientation: int = 6) -> bytes:
    """EXIF as some phone apps write it: an orientation and a GPS latitude stored as ASCII text,
    which Pillow cannot write back (``ImageOps.exif_transpose`` then fails)."""
    import struct

    gps_offset = 8 + 2 + 2 * 12 + 4
    ifd0 = struct.pack(">H", 2) + struct.pack(">HHII", 0x0112, 3, 1, orientation << 16) \
        + struct.pack(">HHII", GPS_IFD, 4, 1, gps_offset) + struct.pack(">I", 0)
    text = b"10,46,30\0"
    gps = struct.pack(">H", 1) + struct.pack(">HHII", 2, 2, len(text), gps_offset + 2 + 12 + 4) + struct.pack(">I", 0)
    return b"Exif\0\0MM\0\x2a" + struct.pack(">I", 8) + ifd0 + gps + text


def jpeg_with_mistyped_exif(size: tuple[int, int] = (64, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 30, 30)).save(out, format="JPEG", exif=exif_with_mistyped_gps())
    return out.getvalue()
