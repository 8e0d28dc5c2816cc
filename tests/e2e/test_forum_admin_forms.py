"""The forum forms the main journey does not click: CSV attendance (per-line errors, then
all lines), grouping inputs by topic, a topic note, linking a complaint, a signatory's
return with a comment, and an addendum of the signed berita acara."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from complaints import services as workflow
from forums import services
from forums.models import Forum, Signatory
from mpp_portal.accounts.models import User
from mpp_portal.workdays import JAKARTA
from tests.e2e.steps import log_in, shot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/forum-forms")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def forum(hall, hall_admin, agency_a):
    today = timezone.localdate()
    forum = services.forum_plan(
        hall=hall,
        by=hall_admin,
        theme="Forum uji formulir",
        venue="Aula MPP",
        starts_at=datetime.datetime.combine(today, datetime.time(9), tzinfo=JAKARTA),
        is_published=True,
    )
    for text in (
        "Antrean KTP-el terlalu lama pada hari Senin.",
        "Ruang tunggu perlu kipas angin tambahan.",
    ):
        services.input_submit(forum=forum, text=text, is_anonymous=True)
    return forum


def test_csv_topics_notes_and_complaint_link(live_server, device, forum, hall_admin, hall):
    complaint, _token = workflow.complaint_file(
        hall=hall,
        kind="pengaduan",
        title="Loket KK sering kosong",
        description="Petugas loket kartu keluarga sering tidak ada di tempat siang hari.",
        reporter_name="Warga Rahasia",
        reporter_email="rahasia@example.test",
    )
    services.forum_hold(forum, by=hall_admin, chaired_by="Sekda")
    admin = device(1366, 900)
    admin.goto(live_server.url + reverse("forums:manage_attendance", args=[forum.pk]))
    log_in(admin, hall_admin.username)
    csv_form = admin.locator("#form-csv")
    csv_form.get_by_label("Berkas CSV").set_input_files(
        {
            "name": "hadir.csv",
            "mimeType": "text/csv",
            "buffer": b"nama;asal;unsur;peran\nAni;Desa A;pengguna;\n;Desa B;tokoh;\n",
        }
    )
    csv_form.get_by_role("button", name="Impor").click()
    expect(admin.locator("#galat-csv")).to_contain_text("Baris 3: nama kosong")
    shot(admin, SHOTS, "01-csv-errors")
    assert forum.attendance.count() == 0
    csv_form = admin.locator("#form-csv")
    csv_form.get_by_label("Berkas CSV").set_input_files(
        {
            "name": "hadir.csv",
            "mimeType": "text/csv",
            "buffer": b"nama,asal,unsur,peran\nAni,Desa A,pengguna,\nDedi,Unihaz,akademisi,dosen\n",
        }
    )
    csv_form.get_by_role("button", name="Impor").click()
    expect(admin.get_by_text("2 peserta diimpor.")).to_be_visible()
    assert forum.attendance.count() == 2

    admin.get_by_role("link", name="Masukan").click()
    admin.get_by_label("Antrean KTP-el terlalu lama").check()
    admin.locator("#form-topik").get_by_label("Topik").fill("Antrean")
    admin.get_by_role("button", name="Kelompokkan yang dipilih").click()
    expect(admin.get_by_text("1 masukan dikelompokkan.")).to_be_visible()
    expect(admin.get_by_role("heading", name="Antrean")).to_be_visible()
    link = admin.get_by_role("region", name="Tautkan pengaduan")
    link.get_by_label("Nomor pelacakan pengaduan").fill(complaint.tracking_id)
    link.get_by_label("Topik").fill("Antrean")
    link.get_by_role("button", name="Tautkan").click()
    expect(admin.get_by_text("Pengaduan ditautkan sebagai masukan.")).to_be_visible()
    note = admin.get_by_role("region", name="Catatan per topik")
    note.get_by_label("Topik").fill("Antrean")
    note.get_by_label("Catatan pembahasan").fill("Disdukcapil menambah satu loket pada Senin.")
    note.get_by_role("button", name="Simpan catatan").click()
    expect(admin.get_by_text("Catatan topik disimpan.")).to_be_visible()
    shot(admin, SHOTS, "02-inputs")
    assert "Warga Rahasia" not in admin.content()
    assert forum.inputs.filter(topic="Antrean").count() == 2


def test_return_with_a_comment_then_an_addendum(
    live_server, device, forum, hall_admin, agency_a, hall
):
    bupati = UserFactory(
        username="bupati.form",
        role=User.Role.SIGNATORY,
        hall=hall,
        first_name="Kopli",
        last_name="Ansori",
    )
    services.forum_hold(forum, by=hall_admin, chaired_by="Sekda")
    services.attendance_add(forum, name="Ani", group="pengguna")
    services.item_add(
        forum,
        text="Kipas angin dipasang di ruang tunggu.",
        agency=agency_a,
        target_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    services.signatory_add(
        forum,
        user=bupati,
        name="Kopli Ansori",
        position="Bupati Lebong",
        group=Signatory.Group.HEAD_OF_REGION,
    )
    services.berita_acara_issue(forum.pk, user_id=hall_admin.pk)
    forum.refresh_from_db()
    services.signoff_send(forum, by=hall_admin)

    signer = device(1280, 900)
    signer.goto(live_server.url + reverse("forums:signoff_detail", args=[forum.pk]))
    log_in(signer, bupati.username)
    back = signer.locator("#form-kembalikan")
    back.get_by_label("Alasan pengembalian").fill("Target butir 1 terlalu lama.")
    back.get_by_role("button", name="Kembalikan").click()
    expect(signer.get_by_text("Berita acara dikembalikan untuk diperbaiki.")).to_be_visible()
    forum.refresh_from_db()
    assert forum.status == Forum.Status.MINUTES_DRAFTED

    admin = device(1366, 900)
    admin.goto(live_server.url + reverse("forums:manage_detail", args=[forum.pk]))
    log_in(admin, hall_admin.username)
    expect(admin.get_by_text("Target butir 1 terlalu lama.")).to_be_visible()
    shot(admin, SHOTS, "03-returned")
    # A new draft, sent again, approved: then the correction is an addendum.
    services.berita_acara_issue(forum.pk, user_id=hall_admin.pk)
    forum.refresh_from_db()
    services.signoff_send(forum, by=hall_admin)
    forum.refresh_from_db()
    services.signoff_approve(forum, user=bupati, sha256=forum.frozen_sha256)
    admin.reload()
    addendum = admin.locator("#form-adendum")
    addendum.get_by_label("Isi perbaikan").fill("Nama instansi pada butir 1 diperbaiki.")
    addendum.get_by_role("button", name="Buat adendum").click()
    expect(admin.get_by_text("Adendum dibuat.")).to_be_visible()
    expect(admin.get_by_role("heading", name="Adendum 1: Forum uji formulir")).to_be_visible()
    shot(admin, SHOTS, "04-addendum")
    assert Forum.objects.get(addendum_of=forum).status == Forum.Status.HELD


def test_remove_buttons_ask_before_they_remove(live_server, device, forum, hall_admin, agency_a):
    """Removing an agency, a signatory or an agreement: a question first; "no" keeps it."""
    services.forum_set_agency(forum, agency=agency_a, signatory_name="Hendra Wijaya")
    services.forum_hold(forum, by=hall_admin, chaired_by="Sekda")
    services.item_add(
        forum,
        text="Kipas angin dipasang di ruang tunggu.",
        agency=agency_a,
        target_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    admin = device(1366, 900)
    admin.goto(live_server.url + reverse("forums:manage_items", args=[forum.pk]))
    log_in(admin, hall_admin.username)
    admin.wait_for_load_state("load")

    asked = []

    def answer(reply):
        def handle(dialog):
            asked.append(dialog.message)
            dialog.accept() if reply else dialog.dismiss()

        admin.once("dialog", handle)

    remove_item = admin.get_by_role("button", name="Hapus kesepakatan 1")
    answer(False)
    remove_item.click()
    expect(remove_item).to_be_visible()
    assert asked == ["Hapus kesepakatan nomor 1?"]
    assert forum.items.count() == 1
    answer(True)
    remove_item.click()
    expect(admin.get_by_text("Kipas angin dipasang di ruang tunggu.")).to_have_count(0)
    assert forum.items.count() == 0

    admin.goto(live_server.url + reverse("forums:manage_detail", args=[forum.pk]))
    admin.wait_for_load_state("load")
    remove_agency = admin.get_by_role("button", name=f"Hapus {agency_a.name}")
    answer(False)
    remove_agency.click()
    expect(remove_agency).to_be_visible()
    assert forum.agencies.count() == 1
    answer(True)
    remove_agency.click()
    expect(remove_agency).to_have_count(0)
    expect(admin.get_by_text("Instansi peserta dihapus dari forum.")).to_be_visible()
    assert forum.agencies.count() == 0
    assert asked[-1] == f"Hapus {agency_a.name} dari forum ini?"
    shot(admin, SHOTS, "removed-agency")
