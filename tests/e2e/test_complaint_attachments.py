"""Issue 13, item 6: attachments on a complaint form that comes back, in Chromium.

A browser never refills a file input: after an error the photo is gone from
the page ("No file chosen"), so the page must say plainly, next to the file
input, that it is to be chosen again. A bad file (a program renamed .jpg)
is reported in the same pass as the other fields' errors.
"""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from complaints.models import Complaint
from tests.e2e.steps import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/cattach")
DESCRIPTION = "Antrean di loket KTP-el mengular sampai ke luar gedung sejak pukul delapan."
# What a Windows program starts with, under a photo's name.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def jpeg():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The per-address limit is tested elsewhere; the browser posts from
    # 127.0.0.1 like every test client.
    settings.COMPLAINT_RATE_PER_HOUR = 1000


@pytest.mark.parametrize(("width", "height", "name"), [(390, 844, "phone"), (1280, 900, "pc")])
def test_files_after_an_error_and_a_renamed_program(live_server, device, hall, width, height, name):
    page = device(width, height)
    page.goto(live_server.url + reverse("complaints:new"))
    attachments = page.get_by_label("Lampiran")

    # -- 1. A photo and no title: the title error, and the photo to choose again.
    page.get_by_label("Pengaduan", exact=True).check()
    page.get_by_label("Uraian").fill(DESCRIPTION)
    page.get_by_label("Nomor HP / WhatsApp").fill("081234567890")
    attachments.set_input_files(
        {"name": "antrean_ktp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.get_by_role("button", name="Kirim laporan").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Laporan belum terkirim")
    expect(summary).to_contain_text("Judul")
    expect(page.locator("#div_id_title")).to_contain_text("harus diisi")
    note = page.locator("#lampiran-pilih-lagi")
    expect(note).to_be_visible()
    expect(note).to_contain_text("pilih lagi berkas antrean_ktp.jpg")
    expect(summary).to_contain_text("pilih lagi berkas Anda")
    # The note sits next to the input, which tells screen readers about it.
    expect(attachments).to_have_attribute(
        "aria-describedby", "id_attachments_helptext lampiran-pilih-lagi"
    )
    assert attachments.evaluate("input => input.files.length") == 0
    shot(page, SHOTS, f"{name}-01-choose-again")

    # -- 2. A program renamed .jpg, the title still missing: both errors at once.
    page.get_by_label("Uraian").fill(DESCRIPTION)
    attachments.set_input_files({"name": "foto_loket.jpg", "mimeType": "image/jpeg", "buffer": EXE})
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator("#div_id_title")).to_contain_text("harus diisi")
    expect(page.locator("#div_id_attachments")).to_contain_text(
        "foto_loket.jpg bukan gambar (JPEG/PNG/WebP) atau PDF yang sah"
    )
    expect(page.get_by_role("alert")).to_contain_text("foto_loket.jpg bukan gambar")
    # Nothing to choose again: the only file was refused, and says why.
    expect(page.locator("#lampiran-pilih-lagi")).to_have_count(0)
    shot(page, SHOTS, f"{name}-02-bad-file-same-pass")

    # -- 3. Title typed, the photo chosen again: filed with its attachment.
    page.get_by_label("Judul").fill("Antrean KTP-el sampai ke luar gedung")
    page.get_by_label("Uraian").fill(DESCRIPTION)
    attachments.set_input_files(
        {"name": "antrean_ktp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.get_by_role("heading", name="Laporan terkirim")).to_be_visible()
    assert Complaint.objects.get().attachments.count() == 1
