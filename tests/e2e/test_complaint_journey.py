"""Issue 5's proof: one anonymous complaint's whole life, through the real pages, in Chromium.

Three browser contexts stand for three people: the citizen's phone, the hall
admin's PC and the agency admin's PC. Only the accounts and agencies are made
directly; every step after that is a click or a keystroke on a page.

Privacy is checked on the way: the citizen types a name, phone and e-mail and
then ticks "Anonim"; none of it is stored, and the agency's list and detail
pages never show it. The photo carries a camera model and GPS coordinates in
its EXIF; the copy the agency downloads carries neither.
"""

import datetime
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from complaints.models import Attachment, Complaint
from mpp_portal.workdays import JAKARTA
from tests.e2e.steps import log_in, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Tuesday 1 December 2026, 09:00 WIB: a working day, so deadlines are plain.
# The live server runs in a thread of this process, so it sees the same clock.
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)

SHOTS = Path("/tmp/cjourney")

# What the citizen types before choosing to stay anonymous.
# Made-up words no factory generates: staff names are random Indonesian
# names and must not collide with what is searched for.
NAME = "Qaswar Zulkifni Hendrawarsa"
PHONE = "081298765432"
EMAIL = "qaswar.hendrawarsa@contoh.test"
CAMERA = "KameraRahasia X1"

TITLE = "Petugas meminta uang tambahan untuk KTP-el"
DESCRIPTION = (
    "Di loket 3 petugas meminta Rp50.000 agar KTP-el saya cepat jadi, padahal "
    "layanannya gratis. Foto papan loket terlampir."
)
INSTRUCTION = "Mohon periksa petugas loket 3 pada hari itu dan laporkan hasilnya."
RESPONSE = (
    "Terima kasih atas laporannya. Petugas loket 3 sudah kami tegur dan uang "
    "dikembalikan; KTP-el Anda dapat diambil besok di loket 1."
)
COMMENT = "Cepat ditanggapi, terima kasih."


def jpeg_with_exif():
    """A real JPEG whose EXIF holds a camera model and GPS coordinates."""
    from PIL import Image

    image = Image.new("RGB", (320, 240), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Pabrikan Rahasia"  # Make
    exif[0x0110] = CAMERA  # Model
    exif[0x8825] = {1: "S", 2: (3.0, 10.0, 0.0), 3: "E", 4: (102.0, 13.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The form's per-address limit is tested in test_pages_public.py. Here the
    # browser posts from 127.0.0.1 like every test client, so keep the limit
    # out of the way of counters other tests may leave in the shared cache.
    settings.COMPLAINT_RATE_PER_HOUR = 1000


def _phone(device):
    return device(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)


def _shot(page, name):
    shot(page, SHOTS, name)


def _assert_no_identity(html, where):
    lowered = html.lower()
    for secret in (NAME, "Qaswar", "Hendrawarsa", PHONE, PHONE[-8:], EMAIL, "qaswar.hendrawarsa"):
        assert secret.lower() not in lowered, f"{secret!r} shown on {where}"


def test_an_anonymous_complaint_from_a_phone_to_done(
    live_server, device, clock, hall, agency_a, agency_b, hall_admin, agency_admin_a
):
    base = live_server.url
    photo = jpeg_with_exif()
    # The test's own photo does carry what must be stripped.
    assert CAMERA.encode() in photo

    # -- 1. The citizen files from a phone, without an account. ---------------
    phone = _phone(device)
    phone.goto(base + reverse("complaints:home"))
    _shot(phone, "01-phone-home")
    phone.get_by_role("link", name="Buat laporan").click()
    expect(phone.get_by_role("heading", name="Buat laporan", level=1)).to_be_visible()

    phone.get_by_label("Pengaduan", exact=True).check()
    phone.get_by_label("Judul").fill(TITLE)
    phone.get_by_label("Uraian").fill(DESCRIPTION)
    phone.get_by_label("Instansi yang dilaporkan").select_option(label=agency_a.name)
    phone.get_by_label("Lokasi kejadian").fill("Loket 3 lantai 1")
    phone.get_by_label("Lampiran").set_input_files(
        {"name": "IMG_2041_rumah_budi.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    # The contact first, then the change of mind: the typed identity must go.
    phone.get_by_label("Nama", exact=True).fill(NAME)
    phone.get_by_label("Nomor HP / WhatsApp").fill(PHONE)
    phone.get_by_label("Surel (e-mail)").fill(EMAIL)
    _shot(phone, "02-phone-form-contact")
    phone.get_by_label("Anonim: rahasiakan identitas saya").check()
    expect(phone.get_by_text("Anda memilih anonim: kontak tidak disimpan.")).to_be_visible()
    expect(phone.get_by_label("Nama", exact=True)).to_be_disabled()
    _shot(phone, "03-phone-form-anonymous")
    phone.get_by_role("button", name="Kirim laporan").click()

    # -- 2. The confirmation: tracking number and the secret link, once. ------
    expect(phone.get_by_role("heading", name="Laporan terkirim")).to_be_visible()
    tracking_id = phone.locator("[data-tracking-id]").inner_text().strip()
    secret_link = phone.get_by_role("textbox", name="Tautan rahasia").input_value().strip()
    assert tracking_id
    assert f"/pengaduan/lacak/{tracking_id}/?token=" in secret_link
    expect(phone.get_by_text("Laporan anonim: kami tidak menyimpan kontak Anda")).to_be_visible()
    _shot(phone, "04-phone-filed")
    # The link is the only way back: it is not shown a second time.
    phone.reload()
    expect(phone.get_by_role("heading", name="Laporan terkirim")).to_have_count(0)

    complaint = Complaint.objects.get(tracking_id=tracking_id)
    assert complaint.is_anonymous
    assert complaint.reporter_id is None
    assert (complaint.reporter_name, complaint.reporter_phone, complaint.reporter_email) == (
        "",
        "",
        "",
    )
    [stored] = complaint.attachments.all()
    assert stored.kind == Attachment.Kind.IMAGE

    # -- 3. The hall admin verifies and dispatches it to agency A. ------------
    admin = device(1366, 900)
    admin.goto(base + reverse("complaints:inbox"))
    log_in(admin, hall_admin.username)
    expect(admin.get_by_role("heading", name="Pengaduan masuk")).to_be_visible()
    row = admin.get_by_role("row").filter(has_text=tracking_id)
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("Menunggu verifikasi")
    expect(row).to_contain_text("Anonim")
    _shot(admin, "05-admin-inbox")
    _assert_no_identity(admin.content(), "the hall admin's inbox")
    row.get_by_role("link", name=tracking_id).click()

    expect(admin.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(admin.locator("[data-reporter]")).to_have_text("Anonim")
    dispatch = admin.get_by_role("region", name="Verifikasi dan teruskan ke instansi")
    dispatch.get_by_label("Instansi penanggung jawab").select_option(label=str(agency_a))
    dispatch.get_by_label("Instruksi disposisi").fill(INSTRUCTION)
    _shot(admin, "06-admin-detail")
    dispatch.get_by_role("button", name="Teruskan").click()
    expect(admin.get_by_text(f"Laporan diteruskan ke {agency_a}.")).to_be_visible()
    expect(admin.get_by_text("Diteruskan ke instansi").first).to_be_visible()
    _shot(admin, "07-admin-dispatched")

    # -- 4. The agency admin of A finds it, reads it and answers. -------------
    agency = device(1366, 900)
    agency.goto(base + reverse("complaints:agency_list"))
    log_in(agency, agency_admin_a.username)
    expect(agency.get_by_role("heading", name=f"Pengaduan untuk {agency_a}")).to_be_visible()
    row = agency.get_by_role("row").filter(has_text=tracking_id)
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("sisa 5 hari kerja")
    _shot(agency, "08-agency-list")
    _assert_no_identity(agency.content(), "the agency's list")
    row.get_by_role("link", name=tracking_id).click()

    expect(agency.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(agency.locator("[data-reporter]")).to_have_text("Anonim")
    expect(agency.get_by_text(INSTRUCTION).first).to_be_visible()
    _shot(agency, "09-agency-detail")
    _assert_no_identity(agency.content(), "the agency's detail page")

    # The photo, downloaded as the agency gets it: pixels only, no EXIF.
    link = agency.get_by_role("link", name=re.compile(r"Lampiran 1 \(Gambar\)"))
    href = link.get_attribute("href")
    download = agency.request.get(base + href)
    assert download.status == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert "IMG_2041" not in download.headers.get("content-disposition", "")
    data = download.body()
    from PIL import Image

    with Image.open(io.BytesIO(data)) as received:
        assert received.format == "JPEG"
        assert received.size == (320, 240)
        assert dict(received.getexif()) == {}
        assert "exif" not in received.info
    assert CAMERA.encode() not in data
    assert b"Pabrikan" not in data
    assert b"Exif\x00\x00" not in data

    answer = agency.get_by_role("region", name="Tanggapi laporan")
    answer.get_by_label("Tanggapan untuk pelapor").fill(RESPONSE)
    answer.get_by_role("button", name="Kirim tanggapan").click()
    expect(agency.get_by_text("Tanggapan terkirim ke pelapor.")).to_be_visible()
    expect(agency.locator(".badge.complaint-status").first).to_have_text("Sudah ditanggapi")
    # The clock now runs for the citizen, not for the agency.
    expect(agency.get_by_text("menunggu pelapor")).to_be_visible()
    expect(agency.get_by_text("Ditutup otomatis")).to_be_visible()
    _shot(agency, "10-agency-responded")
    _assert_no_identity(agency.content(), "the agency's detail page after answering")

    # -- 5. Later, on the phone, the citizen opens the secret link. -----------
    # A fresh context: the link alone gives access, no session from the filing.
    later = _phone(device)
    parts = urlsplit(secret_link)
    later.goto(f"{base}{parts.path}?{parts.query}")
    # The token is dropped from the address bar at once.
    expect(later).to_have_url(base + reverse("complaints:track", args=[tracking_id]))
    expect(later.get_by_role("heading", name=TITLE)).to_be_visible()
    # The answer sits above the forms that ask to accept or reply to it.
    answer = later.get_by_role("region", name=f"Tanggapan {agency_a}")
    expect(answer).to_contain_text(RESPONSE)
    assert answer.bounding_box()["y"] < later.get_by_label("5 — Sangat puas").bounding_box()["y"]
    expect(later.locator(".badge.complaint-status")).to_have_text("Sudah ditanggapi")
    # The dispatch instruction is internal: the citizen never reads it.
    expect(later.get_by_text(INSTRUCTION)).to_have_count(0)
    _shot(later, "11-phone-response")

    accept = later.get_by_role("region", name="Terima tanggapan dan beri nilai")
    accept.get_by_label("5 — Sangat puas").check()
    accept.get_by_label("Komentar").fill(COMMENT)
    accept.get_by_role("button", name="Terima dan tutup laporan").click()

    thanks = "Terima kasih. Laporan ditutup dan penilaian Anda tersimpan."
    expect(later.get_by_text(thanks)).to_be_visible()
    expect(later.locator(".badge.complaint-status")).to_have_text("Selesai")
    expect(later.get_by_text("5/5")).to_be_visible()
    expect(later.get_by_role("region", name=f"Tanggapan {agency_a}")).to_have_count(0)
    expect(later.locator(".timeline")).to_contain_text(RESPONSE)
    _shot(later, "12-phone-closed")

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    assert complaint.rating == 5
    assert complaint.rating_comment == COMMENT
    assert (complaint.reporter_name, complaint.reporter_phone, complaint.reporter_email) == (
        "",
        "",
        "",
    )

    # The agency sees the outcome, still without any identity.
    agency.goto(base + reverse("complaints:detail", args=[tracking_id]))
    expect(agency.locator(".badge.complaint-status").first).to_have_text("Selesai")
    expect(agency.get_by_text(f"5/5: {COMMENT}")).to_be_visible()
    _assert_no_identity(agency.content(), "the agency's detail page when closed")
