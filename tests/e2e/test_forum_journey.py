"""Issue 11's proof: one FKM forum's whole life through the real pages, in Chromium.

The hall admin plans the forum, a citizen sends an input from a phone, the
admin records attendance and two agreements, generates the berita acara
(the render task runs eagerly in the live server's thread) and sends it to
sign-off; the Bupati and an OPD head approve it on their own pages; the
signed PDF is on the public page and its verification page lists the
approvals; the agency marks its item done. Each page also passes the WCAG
basics of test_accessibility.py.
"""

import datetime
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from forums.models import Forum, Input
from mpp_portal.accounts.models import User
from tests.e2e.steps import accessibility_problems, log_in, shot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/forum-journey")
THEME = "Pelayanan KTP-el dan pajak daerah di MPP"
INPUT = "Mohon loket KTP-el dibuka sampai sore karena kami berdagang pagi hari."
ITEM_1 = "Loket KTP-el melayani sampai pukul 15.00 setiap hari kerja."
ITEM_2 = "Papan informasi pajak daerah dipasang di ruang tunggu MPP."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _shot(page, name):
    shot(page, SHOTS, name)


def _audit(page, where):
    assert accessibility_problems(page) == [], where


def test_forum_from_plan_to_signed_and_followed_up(
    live_server, device, hall, agency_a, agency_b, hall_admin, agency_admin_a, celery_eager
):
    base = live_server.url
    bupati = UserFactory(
        username="bupati.e2e",
        role=User.Role.SIGNATORY,
        hall=hall,
        first_name="Kopli",
        last_name="Ansori",
    )
    kadis = UserFactory(
        username="kadis.e2e",
        role=User.Role.SIGNATORY,
        hall=hall,
        first_name="Hendra",
        last_name="Saputra",
    )
    today = timezone.localdate()

    # -- 1. The hall admin plans the forum. -----------------------------------
    admin = device(1366, 900)
    admin.goto(base + reverse("forums:manage_list"))
    log_in(admin, hall_admin.username)
    admin.get_by_role("link", name="Rencanakan forum").click()
    form = admin.locator("#form-rencana")
    form.get_by_label("Tema").fill(THEME)
    form.get_by_label("Waktu pelaksanaan").fill(f"{today:%Y-%m-%d}T09:00")
    form.get_by_label("Tempat").fill("Pasar Tradisional Modern, Muara Aman")
    form.get_by_label("Diumumkan").check()
    _shot(admin, "01-admin-plan")
    form.get_by_role("button", name="Simpan rencana").click()
    expect(admin.get_by_text("Forum direncanakan.")).to_be_visible()
    forum = Forum.objects.get(theme=THEME)

    agency_form = admin.locator("#form-instansi")
    agency_form.get_by_label("Instansi").select_option(label=str(agency_a))
    agency_form.get_by_label("Nama pejabat").fill("Hendra Saputra")
    agency_form.get_by_label("Jabatan").fill("Kepala Disdukcapil")
    agency_form.get_by_role("button", name="Tambah instansi").click()
    for user, position, group in (
        (bupati, "Bupati Lebong", "Kepala daerah"),
        (kadis, "Kepala Dinas Kependudukan dan Pencatatan Sipil", "Kepala OPD"),
    ):
        signer = admin.locator("#form-penanda-tangan")
        signer.get_by_label("Akun penanda tangan").select_option(label=str(user))
        signer.get_by_label("Nama").fill(user.get_full_name())
        signer.get_by_label("Jabatan").fill(position)
        signer.get_by_label("Unsur").select_option(label=group)
        signer.get_by_role("button", name="Tambah penanda tangan").click()
        expect(admin.get_by_text("Penanda tangan disimpan.")).to_be_visible()
    _shot(admin, "02-admin-detail-planned")
    _audit(admin, "manage detail")

    # -- 2. A citizen sends an input from a phone. -----------------------------
    phone = device(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto(base + reverse("forums:public_list"))
    phone.get_by_role("link", name=THEME).click()
    expect(phone.get_by_role("heading", name=THEME)).to_be_visible()
    _audit(phone, "public forum page on a phone")
    phone.get_by_label("Masukan Anda").fill(INPUT)
    phone.get_by_label("Instansi yang dimaksud").select_option(label=str(agency_a))
    phone.get_by_label("Nama (tidak ditampilkan publik)").fill("Qaswar Hendrawarsa")
    phone.get_by_label("Kirim tanpa nama (anonim)").check()
    expect(phone.get_by_label("Nama (tidak ditampilkan publik)")).to_be_disabled()
    expect(phone.get_by_label("Nama (tidak ditampilkan publik)")).to_have_value("")
    _shot(phone, "03-phone-input")
    phone.get_by_role("button", name="Kirim masukan").click()
    expect(phone.get_by_text("Terima kasih, masukan Anda sudah kami terima")).to_be_visible()
    expect(phone.get_by_text("1 masukan diterima.")).to_be_visible()
    assert "Qaswar" not in phone.content() and INPUT not in phone.content()
    _shot(phone, "04-phone-input-sent")
    entry = Input.objects.get(forum=forum)
    assert entry.is_anonymous and entry.name == "" and entry.agency == agency_a

    # -- 3. The forum is held: attendance and two agreements. ------------------
    hold = admin.locator("#form-laksanakan")
    hold.get_by_label("Pimpinan forum").fill("Sekretaris Daerah")
    hold.get_by_role("button", name="Forum telah dilaksanakan").click()
    expect(admin.get_by_text("Forum dicatat telah dilaksanakan.")).to_be_visible()
    admin.get_by_role("link", name="Daftar hadir").click()
    for name, group in (("Siti Aminah", "Pengguna layanan"), ("Rahmat Hidayat", "Media")):
        door = admin.locator("#form-hadir")
        door.get_by_label("Nama").fill(name)
        door.get_by_label("Unsur").select_option(label=group)
        door.get_by_role("button", name="Catat hadir").click()
        expect(admin.get_by_text(f"{name} tercatat hadir.")).to_be_visible()
    _shot(admin, "05-admin-attendance")
    _audit(admin, "attendance")
    admin.get_by_role("link", name="Kesepakatan").click()
    for text, agency, target in (
        (ITEM_1, agency_a, today + datetime.timedelta(days=60)),
        (ITEM_2, agency_b, today + datetime.timedelta(days=30)),
    ):
        add = admin.locator("#form-kesepakatan")
        add.get_by_label("Kesepakatan").fill(text)
        add.get_by_label("Instansi penanggung jawab").select_option(label=str(agency))
        add.get_by_label("Target selesai").fill(f"{target:%Y-%m-%d}")
        if agency == agency_a:
            add.get_by_label("Masukan yang dijawab").select_option(value=str(entry.pk))
        add.get_by_role("button", name="Simpan kesepakatan").click()
        expect(admin.get_by_text("Kesepakatan dicatat.")).to_be_visible()
    _shot(admin, "06-admin-items")
    _audit(admin, "agreements")

    # -- 4. Generate the berita acara, send it to sign-off. -------------------
    admin.get_by_role("link", name="Rencana & berita acara").click()
    admin.get_by_role("button", name="Buat berita acara").click()
    job = admin.locator("#ba-job")
    expect(job).to_contain_text("Berita acara versi 1 siap.")
    _shot(admin, "07-admin-draft-ready")
    admin.get_by_role("link", name="Muat ulang halaman").click()
    admin.get_by_role("button", name="Kirim versi terakhir untuk persetujuan").click()
    expect(admin.get_by_text("Berita acara dikirim untuk persetujuan.")).to_be_visible()
    forum.refresh_from_db()
    assert forum.status == Forum.Status.IN_SIGNING and forum.frozen_sha256

    # -- 5. The Bupati and the OPD head approve. -------------------------------
    for user, label in ((bupati, "08-bupati"), (kadis, "09-kadis")):
        signer = device(1280, 900)
        signer.goto(base + reverse("forums:signoff_list"))
        log_in(signer, user.username)
        pending = signer.locator("#menunggu")
        expect(pending).to_contain_text(THEME)
        pending.get_by_role("link", name=THEME).click()
        expect(signer.locator("#sha-dibekukan")).to_have_text(forum.frozen_sha256)
        _audit(signer, "sign-off page")
        with signer.expect_download() as download:
            signer.locator("#unduh-draf").click()
        assert download.value.path().read_bytes().startswith(b"%PDF")
        _shot(signer, f"{label}-signoff")
        signer.get_by_role("button", name="Setujui berita acara").click()
        expect(signer.get_by_text("Persetujuan Anda tercatat.")).to_be_visible()
    forum.refresh_from_db()
    assert forum.status == Forum.Status.SIGNED
    final = forum.versions.get(is_final=True)

    # -- 6. The signed PDF is on the public page and verifies. -----------------
    phone.goto(base + forum.get_absolute_url())
    expect(phone.locator("#berita-acara-final")).to_be_visible()
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Unduh berita acara (PDF)").click()
    pdf = SHOTS / "berita-acara.pdf"
    pdf.write_bytes(download.value.path().read_bytes())
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    assert "Disetujui secara elektronik" in text and "Kopli Ansori" in text
    assert ITEM_1 in text and ITEM_2 in text
    _shot(phone, "10-phone-signed")
    phone.get_by_role("link", name="Verifikasi keaslian").click()
    expect(phone.locator("#status-dokumen")).to_contain_text("terdaftar")
    verified = phone.locator("#verifikasi-forum")
    expect(verified).to_contain_text("Kopli Ansori")
    expect(verified).to_contain_text("Hendra Saputra")
    expect(verified).to_contain_text(re.compile("disetujui secara elektronik"))
    assert final.document.verification_code in phone.url
    _shot(phone, "11-phone-verified")

    # -- 7. The agency marks its item done. ------------------------------------
    agency = device(1366, 900)
    agency.goto(base + reverse("forums:agency_items"))
    log_in(agency, agency_admin_a.username)
    expect(agency.get_by_text(ITEM_2)).to_have_count(0)
    agency.get_by_role("link", name=re.compile("Loket KTP-el melayani")).click()
    _audit(agency, "agency item")
    progress = agency.locator("#form-kemajuan")
    progress.get_by_label("Status baru").select_option(label="Selesai")
    progress.get_by_label("Catatan kemajuan").fill("Jam layanan diperpanjang sejak Senin.")
    progress.get_by_label("Bukti (foto atau PDF)").set_input_files(
        {"name": "sk.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    progress.get_by_role("button", name="Simpan tindak lanjut").click()
    expect(agency.get_by_text("Tindak lanjut dicatat.")).to_be_visible()
    _shot(agency, "12-agency-done")
    phone.goto(base + forum.get_absolute_url())
    row = phone.get_by_role("listitem").filter(has_text=ITEM_1)
    expect(row).to_contain_text("Selesai")
    _shot(phone, "13-phone-item-done")
