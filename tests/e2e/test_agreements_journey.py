"""Issue 12's proof in Chromium: the hall admin records a PKS with two
parties and its signed scan, links it to services and sees the coverage go
up, records an adendum, and, with the clock moved in the test process
(time_machine, no sleep), sees the expiry reminder in the outbox."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from agreements import services
from agreements.models import Agreement
from agreements.tasks import daily_states
from mpp_portal.accounts.models import User
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.workdays import JAKARTA
from tests.agreements.conftest import pdf_bytes
from tests.e2e.steps import accessibility_problems, log_in, shot
from tests.factories import CounterFactory, ServiceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/agreements-journey")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)  # a Monday
END = datetime.date(2026, 7, 31)
TITLE = "Perjanjian Kerja Sama Penyelenggaraan Pelayanan Dukcapil dan Bapenda di MPP"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _shot(page, name):
    shot(page, SHOTS, name)


def _audit(page, where):
    assert accessibility_problems(page) == [], where


def _open(page, url, username):
    page.goto(url)
    if "/akun/masuk/" in page.url:
        log_in(page, username)
        expect(page).not_to_have_url(re.compile(r"/akun/masuk/"))


def test_hall_admin_records_links_amends_and_is_reminded(
    live_server, device, hall, agency_a, agency_b, tmp_path
):
    base = live_server.url
    admin_user = UserFactory(
        username="admin.pks.e2e",
        role=User.Role.HALL_ADMIN,
        hall=hall,
        email="admin.mpp@example.test",
    )
    agency_a.contact_name = "Rahmat Hidayat"
    agency_a.contact_email = "kontak.dukcapil@example.test"
    agency_a.save()
    ktp = ServiceFactory(agency=agency_a, name="Perekaman KTP-el")
    ServiceFactory(agency=agency_a, name="Akta Kelahiran")
    pbb = ServiceFactory(agency=agency_b, name="Pembayaran PBB-P2")
    ServiceFactory(agency=agency_b, name="BPHTB")
    CounterFactory(agency=agency_a, hall=hall, number=1, services=[ktp])
    CounterFactory(agency=agency_b, hall=hall, number=2, services=[pbb])
    scan = tmp_path / "pks-ditandatangani.pdf"
    scan.write_bytes(pdf_bytes("PKS Dukcapil Bapenda"))

    with time_machine.travel(START, tick=True):
        services.coverage_snapshot(hall=hall, today=START.date() - datetime.timedelta(days=30))
        admin = device(1366, 900)

        # -- 1. Record the PKS: the regency and two agencies, with the scan. ---
        _open(admin, base + reverse("agreements:list"), admin_user.username)
        admin.get_by_role("link", name="Catat perjanjian").click()
        admin.get_by_label("Judul*").fill(TITLE)
        admin.locator("#id_regency_number").fill("100.3.7/15/PKS/III/2026")
        admin.locator("#id_regency_signatory_name").fill("Kopli Ansori")
        admin.locator("#id_regency_signatory_title").fill("Bupati Lebong")
        admin.locator("#id_pihak-0-agency").select_option(label=str(agency_a))
        admin.locator("#id_pihak-0-number").fill("470/88/DUKCAPIL/2026")
        admin.locator("#id_pihak-1-agency").select_option(label=str(agency_b))
        admin.locator("#id_pihak-1-number").fill("973/12/BAPENDA/2026")
        admin.locator("#id_signed_on").fill("2026-03-02")
        admin.locator("#id_signed_place").fill("Muara Aman")
        admin.locator("#id_start_date").fill("2026-03-02")
        admin.locator("#id_end_date").fill(END.isoformat())
        admin.locator("#id_staff_count").fill("3")
        admin.locator("#id_scan").set_input_files(str(scan))
        _audit(admin, "form")
        _shot(admin, "01-record-form")
        admin.get_by_role("button", name="Simpan").click()
        expect(admin.get_by_text("Perjanjian dicatat sebagai konsep.")).to_be_visible()
        agreement = Agreement.objects.get(title=TITLE)
        assert agreement.scan and agreement.parties.count() == 3
        expect(admin.get_by_role("link", name="Unduh pindaian (PDF)")).to_be_visible()

        admin.goto(base + reverse("agreements:stakeholders"))
        expect(admin.locator("#tabel-pemangku")).to_contain_text("Rahmat Hidayat")
        _audit(admin, "stakeholders")
        _shot(admin, "01b-stakeholders")

        # -- 2. Coverage before: nothing covered, both counters flagged. -------
        admin.goto(base + reverse("agreements:coverage"))
        expect(admin.locator("#angka-dicakup")).to_have_text("0,0%")
        expect(admin.locator("#angka-loket")).to_have_text("2")
        _shot(admin, "02-coverage-before")

        # -- 3. Sign it (in force today) and link its services. ----------------
        admin.goto(base + agreement.get_absolute_url())
        admin.get_by_role("button", name="Catat sudah ditandatangani").click()
        expect(admin.get_by_text("Perjanjian ditandatangani.")).to_be_visible()
        expect(admin.locator(".agreement-status").first).to_have_text("Berlaku")
        admin.get_by_role("link", name="Atur layanan dan loket").click()
        admin.get_by_label(f"{agency_a} · Perekaman KTP-el").check()
        admin.get_by_label(f"{agency_b} · Pembayaran PBB-P2").check()
        admin.get_by_role("button", name="Simpan").click()
        expect(admin.get_by_text("Ruang lingkup perjanjian disimpan.")).to_be_visible()
        expect(admin.locator("#layanan-dicakup li")).to_have_count(2)

        # -- 4. Coverage goes up. ----------------------------------------------
        admin.goto(base + reverse("agreements:coverage"))
        expect(admin.locator("#angka-dicakup")).to_have_text("50,0%")
        expect(admin.locator("#angka-loket")).to_have_text("0")
        expect(admin.locator("#grafik-cakupan")).to_be_visible()
        _audit(admin, "coverage")
        _shot(admin, "03-coverage-after")

        # -- 5. Record an adendum to it and sign it. -----------------------------
        admin.goto(base + agreement.get_absolute_url())
        admin.get_by_role("link", name="Catat adendum").click()
        expect(admin.locator("#id_kind")).to_have_value("adendum")
        admin.get_by_role("checkbox", name="jumlah petugas").check()
        admin.locator("#id_regency_number").fill("100.3.7/02/ADD/III/2026")
        admin.locator("#id_signed_on").fill("2026-03-02")
        admin.locator("#id_start_date").fill("2026-03-02")
        admin.locator("#id_end_date").fill(END.isoformat())
        admin.locator("#id_staff_count").fill("4")
        _shot(admin, "04-adendum-form")
        admin.get_by_role("button", name="Simpan").click()
        expect(admin.get_by_text("Perjanjian dicatat sebagai konsep.")).to_be_visible()
        admin.get_by_role("button", name="Catat sudah ditandatangani").click()
        expect(admin.get_by_text("Perjanjian ditandatangani.")).to_be_visible()
        adendum = Agreement.objects.get(kind=Agreement.Kind.ADDENDUM)
        assert adendum.amends == agreement and adendum.status == Agreement.Status.ACTIVE
        timeline = admin.locator(".chain-timeline li")
        expect(timeline).to_have_count(2)
        expect(timeline.nth(1)).to_contain_text("mengubah")
        _audit(admin, "adendum detail")
        _shot(admin, "05-adendum-timeline")

    # -- 6. Sixty days before the end: the daily task, in this process. ------
    with time_machine.travel(datetime.datetime(2026, 6, 1, 0, 15, tzinfo=JAKARTA), tick=True):
        result = daily_states()
        assert result["reminders"] == 1  # the PKS (its adendum ends with it), 60 days
        assert daily_states()["reminders"] == 0  # a second run sends nothing
        _open(admin, base + agreement.get_absolute_url(), admin_user.username)
        reminders = admin.locator("#daftar-pengingat li")
        expect(reminders).to_have_count(2)
        expect(reminders.first).to_contain_text("berakhir dalam 60 hari")
        expect(admin.get_by_text("segera berakhir")).to_be_visible()
        admin.goto(base + reverse("agreements:list") + "?status=expiring")
        expect(admin.get_by_role("link", name="100.3.7/15/PKS/III/2026")).to_be_visible()
        _audit(admin, "registry")
        _shot(admin, "06b-registry-expiring")
        admin.goto(base + agreement.get_absolute_url())
        _audit(admin, "detail with reminders")
        _shot(admin, "06-reminder-in-outbox")
    assert set(
        OutboxMessage.objects.filter(object_id=agreement.pk).values_list("recipient", flat=True)
    ) == {"admin.mpp@example.test", "kontak.dukcapil@example.test"}

    # -- 7. The public page: the agencies and the agreement, no scan. --------
    public = device(390, 844)
    public.goto(base + reverse("agreements:public", args=[hall.slug]))
    expect(public.locator(".public-agency").filter(has_text=agency_a.name)).to_contain_text(
        "100.3.7/15/PKS/III/2026"
    )
    assert "pindaian" not in public.content().lower()
    _audit(public, "public")
    _shot(public, "07-public")


def test_hall_admin_removes_a_service_once_it_is_in_the_mpp(live_server, device, hall):
    """The 'Hapus dari daftar' form, clicked in Chromium (Origin header and CSRF as sent)."""
    from agreements.models import PendingService

    UserFactory(username="admin.pending.e2e", role=User.Role.HALL_ADMIN, hall=hall)
    item = PendingService.objects.create(
        hall=hall, agency_name="Kantor Samsat", service_name="Pengesahan STNK tahunan"
    )
    page = device(390, 844)
    _open(
        page,
        live_server.url + reverse("agreements:pending_edit", args=[item.pk]),
        "admin.pending.e2e",
    )
    # The form asks first; saying no keeps the service on the list.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name=re.compile("Hapus dari daftar")).click()
    expect(page.get_by_role("button", name=re.compile("Hapus dari daftar"))).to_be_visible()
    assert questions == ["Hapus Pengesahan STNK tahunan dari daftar layanan yang belum di MPP?"]
    assert PendingService.objects.filter(pk=item.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Hapus dari daftar")).click()
    expect(page).to_have_url(live_server.url + reverse("agreements:coverage"))
    expect(page.get_by_text("Layanan dihapus dari daftar belum di MPP.")).to_be_visible()
    assert not PendingService.objects.filter(pk=item.pk).exists()


def test_hall_admin_uploads_the_signed_scan_from_the_detail_page(
    live_server, device, hall, agency_a, tmp_path
):
    """The detail page's 'Unggah' form in Chromium: a renamed text file refused, a PDF kept."""
    admin_user = UserFactory(username="admin.scan.e2e", role=User.Role.HALL_ADMIN, hall=hall)
    agreement = services.agreement_create(
        hall=hall,
        by=admin_user,
        parties=[
            {"agency": None, "number": "100.3/9/PKS/2024"},
            {"agency": agency_a, "number": "A/9/PKS/2024"},
        ],
        services=(),
        title=TITLE,
        kind=Agreement.Kind.PKS,
        signed_on=datetime.date(2024, 6, 20),
        start_date=datetime.date(2024, 6, 20),
        end_date=datetime.date(2027, 6, 19),
    )
    fake = tmp_path / "pindaian.pdf"
    fake.write_bytes(b"bukan PDF, hanya teks")
    real = tmp_path / "pks-ttd.pdf"
    real.write_bytes(pdf_bytes("PKS bertanda tangan"))
    page = device(1280, 900)
    _open(
        page, live_server.url + reverse("agreements:detail", args=[agreement.pk]), "admin.scan.e2e"
    )

    page.get_by_label("Unggah pindaian (PDF)").set_input_files(str(fake))
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page.locator(".alert-danger, .alert-warning").first).to_be_visible()
    agreement.refresh_from_db()
    assert not agreement.scan
    page.goto(live_server.url + reverse("agreements:detail", args=[agreement.pk]))
    page.get_by_label("Unggah pindaian (PDF)").set_input_files(str(real))
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page.get_by_text("Pindaian naskah disimpan.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Unduh pindaian"))).to_be_visible()
    agreement.refresh_from_db()
    assert agreement.scan and agreement.scan_sha256
