"""The platform's upload cleaner (mpp_portal.documents.uploads), called directly
as forum attachments and PKS scans will call it."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript

from mpp_portal.documents.models import IssuedDocument
from mpp_portal.documents.uploads import (
    MAX_IMAGE_PIXELS,
    CleanedFile,
    UploadKind,
    clean_upload,
    uploads_undone_on_error,
)
from tests.complaints.test_uploads import blank_png

GPS = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 10.0)}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png_with_gps():
    image = Image.new("RGB", (32, 24), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "KameraRahasia X1"  # Model
    exif[0x8825] = GPS  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    return data


def pdf(*, javascript=None, password=None):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        writer.add_open_action(JavaScript(javascript))
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(data, name, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type)


class TestImages:
    def test_a_png_comes_back_without_exif_or_gps(self):
        original = png_with_gps()
        assert b"KameraRahasia" in original
        cleaned = clean_upload(upload(original, "rumah_siti.png", "image/png"))
        assert isinstance(cleaned, CleanedFile)
        data = cleaned.read()
        assert b"KameraRahasia" not in data
        stored = Image.open(io.BytesIO(data))
        assert stored.format == "PNG"
        assert dict(stored.getexif()) == {}
        assert stored.getexif().get_ifd(0x8825) == {}
        assert "exif" not in stored.info
        assert stored.getpixel((3, 3)) == (10, 120, 200)
        assert (cleaned.kind, cleaned.extension, cleaned.content_type) == (
            UploadKind.IMAGE,
            "png",
            "image/png",
        )
        # Never the uploaded name: it may carry personal data.
        assert cleaned.name == "berkas.png"
        assert clean_upload(upload(original, "a.png"), stem="scan").name == "scan.png"
        assert cleaned.size == len(data)

    def test_an_exe_renamed_jpg_is_refused(self):
        exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
        with pytest.raises(ValidationError) as caught:
            clean_upload(upload(exe, "foto_ktp.jpg", "image/jpeg"))
        assert caught.value.code == "invalid_type"
        assert caught.value.messages == [
            "Berkas foto_ktp.jpg bukan gambar (JPEG/PNG/WebP) atau PDF yang sah."
        ]

    def test_a_gif_is_not_an_accepted_image(self):
        out = io.BytesIO()
        Image.new("RGB", (4, 4)).save(out, format="GIF")
        with pytest.raises(ValidationError) as caught:
            clean_upload(upload(out.getvalue(), "a.gif", "image/gif"))
        assert caught.value.code == "invalid_type"

    def test_a_decompression_bomb_is_refused_before_decoding(self, monkeypatch):
        bomb = blank_png(14000, 14000)
        assert len(bomb) < 100_000

        def no_decoding(self):
            raise AssertionError("pixels decoded")

        monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
        with pytest.raises(ValidationError) as caught:
            clean_upload(upload(bomb, "bom.png", "image/png"))
        assert caught.value.code == "too_many_pixels"
        assert caught.value.messages[0] == (
            "Gambar bom.png terlalu besar: paling besar 40 megapiksel. Kecilkan ukuran foto "
            "lalu unggah kembali."
        )

    def test_the_pixel_limit_is_inclusive(self):
        assert MAX_IMAGE_PIXELS == 8000 * 5000
        cleaned = clean_upload(upload(blank_png(8000, 5000), "a.png"))
        assert Image.open(cleaned).size == (8000, 5000)
        with pytest.raises(ValidationError, match="megapiksel"):
            clean_upload(upload(blank_png(8000, 5001), "a.png"))


class TestPdf:
    """A PDF is accepted by its %PDF- header and stored byte for byte, as the
    complaint attachments always were; the portal serves it as a download."""

    def test_a_pdf_with_a_javascript_action_is_stored_unchanged(self):
        original = pdf(javascript="app.alert('halo');")
        assert b"/JavaScript" in original
        cleaned = clean_upload(upload(original, "surat.txt", "text/plain"))
        assert (cleaned.kind, cleaned.extension, cleaned.content_type) == (
            UploadKind.PDF,
            "pdf",
            "application/pdf",
        )
        assert cleaned.read() == original

    def test_an_encrypted_pdf_is_stored_unchanged(self):
        original = pdf(password="rahasia")
        assert PdfReader(io.BytesIO(original)).is_encrypted
        cleaned = clean_upload(upload(original, "pks.pdf", "application/pdf"))
        assert cleaned.kind == UploadKind.PDF
        assert cleaned.read() == original


class TestAcceptedKinds:
    def test_a_pdf_only_upload_refuses_an_image(self):
        with pytest.raises(ValidationError) as caught:
            clean_upload(upload(png_with_gps(), "scan.png"), accept={UploadKind.PDF})
        assert caught.value.code == "invalid_type"
        assert caught.value.messages == ["Berkas scan.png bukan dokumen PDF yang sah."]

    def test_an_image_only_upload_refuses_a_pdf(self):
        with pytest.raises(ValidationError) as caught:
            clean_upload(upload(pdf(), "foto.pdf"), accept={UploadKind.IMAGE})
        assert caught.value.messages == ["Berkas foto.pdf bukan gambar (JPEG/PNG/WebP) yang sah."]

    def test_an_unknown_kind_is_a_programming_error(self):
        with pytest.raises(ValueError, match="accept"):
            clean_upload(upload(pdf(), "a.pdf"), accept={"docx"})
        with pytest.raises(ValueError, match="accept"):
            clean_upload(upload(pdf(), "a.pdf"), accept=set())


class TestSizeLimit:
    def test_the_given_limit_applies(self):
        data = pdf()
        assert clean_upload(upload(data, "a.pdf"), max_bytes=len(data)).size == len(data)
        with pytest.raises(ValidationError) as caught:
            clean_upload(upload(data, "a.pdf"), max_bytes=len(data) - 1)
        assert caught.value.code == "too_large"
        assert "Berkas a.pdf lebih besar dari" in caught.value.messages[0]

    def test_the_default_is_the_setting(self, settings):
        settings.MAX_UPLOAD_BYTES = 2 * 1024 * 1024
        big = upload(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024), "besar.pdf")
        with pytest.raises(ValidationError) as caught:
            clean_upload(big)
        assert caught.value.messages == ["Berkas besar.pdf lebih besar dari 2 MB."]


class TestUndoneOnError:
    def test_files_written_in_a_failed_block_are_deleted(self):
        names = []
        with pytest.raises(RuntimeError), uploads_undone_on_error() as written:
            item = IssuedDocument()
            written.save(item.file, clean_upload(upload(png_with_gps(), "a.png")))
            names.append(item.file.name)
            assert default_storage.exists(item.file.name)
            raise RuntimeError("transaksi gagal")
        assert names and not default_storage.exists(names[0])

    def test_files_of_a_block_that_succeeds_are_kept(self):
        with uploads_undone_on_error() as written:
            item = IssuedDocument()
            written.save(item.file, clean_upload(upload(pdf(), "a.pdf")))
        assert default_storage.exists(item.file.name)
