import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services as workflow
from mpp_portal.workdays import JAKARTA

# Tuesday 1 December 2026, 09:00 WIB: a working day inside office hours.
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def file_complaint(hall):
    def _file(**kwargs):
        data = {
            "hall": hall,
            "kind": "pengaduan",
            "title": "Antrean KTP-el terlalu lama",
            "description": "Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
            "reporter_name": "Siti Aminah",
            "reporter_email": "siti@example.test",
            "reporter_phone": "081234567890",
        }
        data.update(kwargs)
        complaint, token = workflow.complaint_file(**data)
        complaint.access_token = token
        return complaint

    return _file


def jpeg_with_gps():
    """A real JPEG whose EXIF holds a camera model and GPS coordinates."""
    from PIL import Image

    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "KameraRahasia X1"  # Model
    exif[0x8825] = {1: "S", 2: (3.0, 10.0, 0.0), 3: "E", 4: (102.0, 13.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_1234_rumah_siti.jpg", out.getvalue(), "image/jpeg")
