"""Uploaded images: pixel bombs refused, phone photos accepted, nothing but
pixels stored. Each stored file is read back from storage."""

import functools
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from complaints.models import Attachment, Complaint
from mpp_portal.documents import uploads

SECRET_TEXT = b"Rumah Siti Jl. Merdeka 5"


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=8)
def blank_png(width, height):
    """A valid, highly compressed black-and-white PNG of any size.

    One bit per pixel: 14000x14000 is about 24 KB on disk, but a decoder
    would need one byte per pixel (196 MB) to open it.
    """
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def upload(data, name="foto.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type)


def stored_bytes(attachment):
    with attachment.file.open("rb") as handle:
        return handle.read()


def form_data(**overrides):
    data = {
        "kind": "pengaduan",
        "title": "Foto antrean",
        "description": "Antrean di loket KTP-el mengular sampai ke luar gedung.",
        "reporter_name": "Siti Aminah",
        "reporter_phone": "081234567890",
    }
    data.update(overrides)
    return data


class TestPixelLimit:
    @pytest.mark.parametrize(
        ("width", "height"),
        [(14000, 14000), (13000, 13000), (8000, 6000)],
        ids=["bomb-14000", "bomb-13000", "48-megapixels"],
    )
    def test_too_many_pixels_are_refused_before_decoding(
        self, file_complaint, monkeypatch, width, height
    ):
        def no_decoding(self):
            raise AssertionError("pixels decoded")

        monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
        with pytest.raises(ValidationError) as caught:
            file_complaint(attachments=[upload(blank_png(width, height))])
        assert caught.value.code == "too_many_pixels"
        assert "megapiksel" in caught.value.messages[0]
        assert Complaint.objects.count() == 0

    def test_the_limit_is_inclusive(self, file_complaint, settings):
        """An image of exactly the allowed size is stored."""
        limit = uploads.MAX_IMAGE_PIXELS
        assert limit == 40_000_000
        complaint = file_complaint(attachments=[upload(blank_png(8000, 5000))])
        assert complaint.attachments.get().kind == Attachment.Kind.IMAGE

    def test_the_public_form_answers_with_a_field_error(self, client, hall):
        response = client.post(
            "/pengaduan/baru/", {**form_data(), "attachments": [upload(blank_png(14000, 14000))]}
        )
        assert response.status_code == 400
        errors = response.context["form"].errors["attachments"]
        assert "megapiksel" in " ".join(errors)
        assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0


def mpo_photo():
    """A two-frame MPO (what iPhone and Samsung cameras write) with GPS EXIF."""
    first = Image.new("RGB", (64, 48), (10, 120, 200))
    second = Image.new("RGB", (32, 24), (250, 250, 0))
    exif = Image.Exif()
    exif[0x0110] = "KameraRahasia X1"
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second], exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    return data


class TestPhonePhotos:
    def test_an_mpo_photo_is_stored_as_its_first_frame_in_jpeg(self, file_complaint):
        complaint = file_complaint(attachments=[upload(mpo_photo(), "IMG_0001.JPG", "image/jpeg")])
        attachment = complaint.attachments.get()
        assert (attachment.kind, attachment.extension, attachment.content_type) == (
            "image",
            "jpg",
            "image/jpeg",
        )
        data = stored_bytes(attachment)
        stored = Image.open(io.BytesIO(data))
        assert stored.format == "JPEG"
        assert getattr(stored, "n_frames", 1) == 1
        assert stored.size == (64, 48)
        assert b"KameraRahasia" not in data


def _icc_with_text():
    """An ICC profile whose description names a person and a place."""
    from PIL import ImageCms

    profile = ImageCms.createProfile("sRGB")
    data = ImageCms.ImageCmsProfile(profile).tobytes()
    return data + SECRET_TEXT


def jpeg_with_everything():
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = SECRET_TEXT.decode()  # ImageDescription
    out = io.BytesIO()
    image.save(
        out,
        format="JPEG",
        exif=exif,
        comment=SECRET_TEXT,
        icc_profile=_icc_with_text(),
        xmp=b"<x:xmpmeta>" + SECRET_TEXT + b"</x:xmpmeta>",
    )
    return out.getvalue()


def png_with_everything():
    from PIL import PngImagePlugin

    image = Image.new("RGBA", (40, 30), (200, 30, 30, 128))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SECRET_TEXT.decode())
    text.add_itxt("XML:com.adobe.xmp", SECRET_TEXT.decode())
    exif = Image.Exif()
    exif[0x010E] = SECRET_TEXT.decode()
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=text, icc_profile=_icc_with_text(), exif=exif)
    return out.getvalue()


def webp_with_everything():
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = SECRET_TEXT.decode()
    out = io.BytesIO()
    image.save(
        out,
        format="WEBP",
        exif=exif,
        icc_profile=_icc_with_text(),
        xmp=b"<x:xmpmeta>" + SECRET_TEXT + b"</x:xmpmeta>",
    )
    return out.getvalue()


class TestOnlyPixelsSurvive:
    @pytest.mark.parametrize(
        ("make", "name", "image_format"),
        [
            (jpeg_with_everything, "a.jpg", "JPEG"),
            (png_with_everything, "a.png", "PNG"),
            (webp_with_everything, "a.webp", "WEBP"),
        ],
    )
    def test_no_metadata_block_is_stored(self, file_complaint, make, name, image_format):
        original = make()
        assert SECRET_TEXT in original
        complaint = file_complaint(attachments=[upload(original, name, "image/" + image_format)])
        data = stored_bytes(complaint.attachments.get())
        assert SECRET_TEXT not in data
        assert b"Merdeka" not in data
        stored = Image.open(io.BytesIO(data))
        assert stored.format == image_format
        assert dict(stored.getexif()) == {}
        for key in ("comment", "icc_profile", "xmp", "exif", "XML:com.adobe.xmp", "Comment"):
            assert key not in stored.info
        assert stored.size == (40, 30)

    def test_the_pixels_are_kept(self, file_complaint):
        complaint = file_complaint(attachments=[upload(png_with_everything(), "a.png")])
        stored = Image.open(io.BytesIO(stored_bytes(complaint.attachments.get())))
        assert stored.convert("RGBA").getpixel((5, 5)) == (200, 30, 30, 128)
