"""Uploaded files, checked by their content and stripped to what they show.

One cleaner for every upload of the portal (complaint attachments, forum
attachments, scans of signed agreements): ``clean_upload`` takes what a
form or the API received and returns a ``CleanedFile`` ready for
``FieldFile.save()``, or raises a ValidationError whose Indonesian message
names the file.

The content decides, never the name or the browser's content type: a PDF
must start with ``%PDF-``, an image must open with Pillow in one of
``IMAGE_FORMATS``. An image's size is read from its header before any
pixel is decoded (``MAX_IMAGE_PIXELS``), and the stored image is rebuilt
from its pixels alone, so no EXIF, GPS, comment, XMP, text chunk or ICC
profile of the upload survives (DOMAIN.md "Complaints": strip photo
metadata). A PDF is stored as received: it is served as a download
(``Content-Disposition: attachment``), never shown inline.

``uploads_undone_on_error`` removes files written by a block whose
transaction fails, since Django has no hook for a rollback.
"""

import contextlib
import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class UploadKind(models.TextChoices):
    IMAGE = "image", gettext_lazy("Gambar")
    PDF = "pdf", gettext_lazy("PDF")


ANY_KIND = frozenset(UploadKind)

# Stored format of each accepted image format. MPO is the multi-picture JPEG
# of iPhone and Samsung cameras: its first frame is the photo, kept as JPEG.
IMAGE_FORMATS = {
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "MPO": ("JPEG", "jpg", "image/jpeg"),
    "PNG": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
}
# Largest image accepted, in pixels (width x height), read from the header
# before any pixel is decoded. A 48 MP phone photo downscaled by the phone
# is about 12 MP; 40 MP keeps a decoded image under about 160 MB (RGBA),
# where a 24 KB PNG could otherwise ask for gigabytes.
MAX_IMAGE_PIXELS = 40_000_000
PDF_MAGIC = b"%PDF-"


class CleanedFile(ContentFile):
    """The cleaned bytes of an upload, with what a model needs to store them.

    ``name`` is ``<stem>.<extension>``: never the uploaded name, which may
    carry personal data ("IMG_rumah_siti.jpg").
    """

    def __init__(self, data, *, kind, extension, content_type, stem="berkas"):
        super().__init__(data, name=f"{stem}.{extension}")
        self.kind = kind
        self.extension = extension
        self.content_type = content_type
        self.sha256 = hashlib.sha256(data).hexdigest()


def check_size(upload, *, max_bytes=None):
    """Raise ValidationError (code ``too_large``) when ``upload`` is over the limit.

    ``max_bytes`` defaults to ``settings.MAX_UPLOAD_BYTES``. Forms call it
    to answer early, before the rest of the upload is read.
    """
    max_bytes = settings.MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if upload.size > max_bytes:
        raise ValidationError(
            _("Berkas %(name)s lebih besar dari %(mb)s MB.")
            % {"name": upload.name, "mb": max_bytes // (1024 * 1024)},
            code="too_large",
        )


def clean_upload(upload, *, accept=ANY_KIND, max_bytes=None, stem="berkas"):
    """Return the upload cleaned as a ``CleanedFile`` or raise ValidationError.

    ``accept`` is a set of ``UploadKind`` (images, PDF or both);
    ``max_bytes`` defaults to ``settings.MAX_UPLOAD_BYTES``. Error codes:
    ``too_large``, ``too_many_pixels``, ``invalid_type``.
    """
    accept = frozenset(accept)
    if not accept or not accept <= ANY_KIND:
        raise ValueError(f"accept must be a non-empty subset of {sorted(ANY_KIND)}.")
    check_size(upload, max_bytes=max_bytes)
    upload.seek(0)
    data = upload.read()
    if data.startswith(PDF_MAGIC) and UploadKind.PDF in accept:
        return CleanedFile(
            data,
            kind=UploadKind.PDF,
            extension="pdf",
            content_type="application/pdf",
            stem=stem,
        )
    if UploadKind.IMAGE not in accept:
        raise _wrong_kind(upload.name, accept)
    image_format, clean = _image_pixels(data, upload.name, accept)
    stored_format, extension, content_type = IMAGE_FORMATS[image_format]
    out = io.BytesIO()
    clean.save(out, format=stored_format)
    return CleanedFile(
        out.getvalue(),
        kind=UploadKind.IMAGE,
        extension=extension,
        content_type=content_type,
        stem=stem,
    )


def _wrong_kind(name, accept):
    if accept == {UploadKind.PDF}:
        message = _("Berkas %(name)s bukan dokumen PDF yang sah.")
    elif accept == {UploadKind.IMAGE}:
        message = _("Berkas %(name)s bukan gambar (JPEG/PNG/WebP) yang sah.")
    else:
        message = _("Berkas %(name)s bukan gambar (JPEG/PNG/WebP) atau PDF yang sah.")
    return ValidationError(message % {"name": name}, code="invalid_type")


def _too_many_pixels(name):
    return ValidationError(
        _(
            "Gambar %(name)s terlalu besar: paling besar %(mp)s megapiksel. Kecilkan ukuran "
            "foto lalu unggah kembali."
        )
        % {"name": name, "mp": MAX_IMAGE_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def _image_pixels(data, name, accept):
    """Return (format, image) of a new image holding only the upload's pixels."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    not_an_image = _wrong_kind(name, accept)
    try:
        # open() reads the header only; Pillow's own bomb check raises for
        # twice its (much higher) limit.
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise _too_many_pixels(name) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    if image.format not in IMAGE_FORMATS:
        raise not_an_image
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(name)
    try:
        image.verify()
        image = Image.open(io.BytesIO(data))
        image_format = image.format
        # The first frame: the photo of an MPO, the still of an animation.
        image.seek(0)
        # Keep the picture the right way up before the orientation tag goes.
        image = ImageOps.exif_transpose(image)
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise _too_many_pixels(name)
        keep_alpha = IMAGE_FORMATS[image_format][0] != "JPEG" and (
            "A" in image.getbands() or "transparency" in image.info
        )
        mode = "RGBA" if keep_alpha else ("L" if image.mode in ("1", "L") else "RGB")
        pixels = image.convert(mode)
        # A new image from the raw pixels: ``info`` (comment, ICC profile,
        # XMP, EXIF, text chunks) is empty, so save() can copy none of it.
        clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    return image_format, clean


class WrittenFiles(list):
    """Files saved inside an ``uploads_undone_on_error`` block."""

    def save(self, field_file, content):
        """Save ``content`` to ``field_file`` (model not saved) and remember it."""
        field_file.save(content.name, content, save=False)
        self.append((field_file.storage, field_file.name))


@contextlib.contextmanager
def uploads_undone_on_error():
    """Yield a ``WrittenFiles``; delete every file in it if the block fails.

    Django has no hook for a rollback, so the block that opens the
    transaction removes its own files when an exception leaves it::

        with uploads_undone_on_error() as written, transaction.atomic():
            written.save(scan.file, clean_upload(upload, accept={UploadKind.PDF}))
            scan.save()
    """
    written = WrittenFiles()
    try:
        yield written
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
