"""The SIPABES officer's phone at a market stall, in Chromium at 390x844.

The officer opens the visit, loses the signal (context.set_offline), saves
two registrations and a third whose NIK was registered meanwhile, sees
them waiting (also after reloading the page offline: the service worker
serves it), gets the signal back and sees them sent, the third with its
conflict message; records the NIB, asks for the receipt, which the real
Celery worker renders; its QR decodes to the verification page; the public
dashboard counts the traders. Then the WCAG basics of the SIPABES pages.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from mpp_portal.accounts.models import User
from services.sipabes import services
from services.sipabes.kbli import kbli_import_seed
from services.sipabes.models import Market, Registration, Visit
from tests.e2e.steps import accessibility_problems, log_in, shot, wait_until
from tests.factories import AgencyFactory, UserFactory
from tests.sipabes.core_fixtures import nik, registration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/sipabes"
PHONE = (390, 844)


@pytest.fixture
def market_day(office_hours, hall):
    kbli_import_seed()
    dpmptsp = AgencyFactory(hall=hall, short_name="DPMPTSP", slug="dpmptsp")
    officer = UserFactory(
        username="petugas.sipabes.e2e",
        first_name="Yoga",
        last_name="Pratama",
        role=User.Role.SIPABES_OFFICER,
        agency=dpmptsp,
    )
    market = Market.objects.create(
        hall=hall,
        name="Pasar Tradisional Modern Muara Aman",
        village="Kelurahan Pasar Muara Aman",
        district_code="17.07.01",
    )
    visit = Visit.objects.create(
        hall=hall,
        market=market,
        date=timezone.localdate(),  # today in Asia/Jakarta (settings.TIME_ZONE)
        status=Visit.Status.OPEN,
        target_traders=20,
    )
    visit.officers.add(officer)
    return officer, visit


def _fill(page, *, nik_value, name, business, capital, kbli_search, kbli_code):
    # The page empties the form after a save; typing before that ends would
    # lose what was typed (the CI saw the third save refused half-empty).
    expect(page.get_by_label("NIK", exact=True)).to_have_value("")
    expect(page.get_by_label("Nama usaha", exact=True)).to_have_value("")
    page.get_by_label("NIK", exact=True).fill(nik_value)
    page.get_by_label("Nama lengkap", exact=True).fill(name)
    page.get_by_label(re.compile(r"^Nomor HP/WhatsApp")).fill("0812-3456-7890")
    page.get_by_label("Alamat rumah", exact=True).fill("Desa Talang Leak, Kabupaten Lebong")
    page.get_by_label("Nama usaha", exact=True).fill(business)
    page.get_by_label("Cari KBLI", exact=True).fill(kbli_search)
    page.locator(f"#kbli-{kbli_code}").check()
    page.get_by_label(re.compile(r"^Blok")).fill("Los Ikan")
    page.get_by_label(re.compile(r"^Nomor kios/los")).fill("14")
    page.get_by_label("Modal usaha (Rp)", exact=True).fill(capital)
    page.get_by_label("Jumlah tenaga kerja", exact=True).fill("2")
    page.get_by_label(re.compile("menyetujui data pribadinya")).check()
    page.get_by_role("button", name="Simpan pendaftaran").click()


@pytest.mark.worker
def test_officer_registers_offline_and_hands_over_the_receipt(
    live_server, device, market_day, celery_worker_process, tmp_path
):
    officer, visit = market_day
    # A trader registered by a colleague a moment ago (the conflict below).
    colleague = services.registration_create(
        officer=officer, visit=visit, **registration_data(nik=nik(3003), business_name="Kios Lama")
    )
    page = device(*PHONE)
    url = live_server.url + reverse("sipabes:visit", args=[visit.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + reverse("sipabes:home"))
    log_in(page, officer.username)
    page.get_by_role("link", name=re.compile("Pasar Tradisional Modern")).click()
    expect(page).to_have_url(url)
    # The service worker has the page and its files before the signal goes.
    wait_until(page, "navigator.serviceWorker.controller !== null")
    wait_until(page, "caches.match(location.pathname).then(r => !!r)")
    shot(page, SHOTS, "01-visit-online")

    page.context.set_offline(True)
    expect(page.locator("#sipabes-net")).to_be_visible()
    _fill(
        page,
        nik_value=nik(3001),
        name="Rosmawati",
        business="Ikan Segar Rosmawati",
        capital="25.000.000",
        kbli_search="ikan",
        kbli_code="47813",
    )
    expect(page.get_by_text("1 menunggu dikirim")).to_be_visible()
    expect(page.get_by_text("Skala usaha: Mikro")).to_have_count(0)  # the form was reset
    page.get_by_label("Modal usaha (Rp)", exact=True).fill("1.000.000.001")
    expect(page.get_by_text("Skala usaha: Kecil")).to_be_visible()
    page.get_by_label("Modal usaha (Rp)", exact=True).fill("")
    _fill(
        page,
        nik_value=nik(3002),
        name="Ujang Saputra",
        business="Warung Makan Ujang",
        capital="1.500.000.000",
        kbli_search="warung",
        kbli_code="56102",
    )
    _fill(
        page,
        nik_value=nik(3003),
        name="Sukri Harahap",
        business="Kios Sukri",
        capital="5.000.000",
        kbli_search="pertanian",
        kbli_code="47811",
    )
    expect(page.get_by_text("3 menunggu dikirim")).to_be_visible()
    assert Registration.objects.count() == 1  # nothing reached the server

    # Reloading without signal: the service worker serves the page, the
    # queue is still there.
    page.reload()
    expect(page.get_by_text("3 menunggu dikirim")).to_be_visible()
    expect(page.get_by_role("button", name="Simpan pendaftaran")).to_be_visible()
    shot(page, SHOTS, "02-offline-three-waiting")

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_text("Semua pendaftaran sudah terkirim")).to_be_visible(timeout=20_000)
    items = page.locator("#sipabes-items li")
    expect(items.filter(has_text="terkirim")).to_have_count(2)
    conflict = items.filter(has_text="Kios Sukri")
    expect(conflict).to_contain_text("sudah terdaftar")
    expect(conflict.get_by_role("link", name="Lihat pendaftaran yang ada")).to_have_attribute(
        "href", colleague.get_absolute_url()
    )
    shot(page, SHOTS, "03-back-online-sent")
    assert Registration.objects.count() == 3
    rosmawati = Registration.objects.get(nik=nik(3001))
    assert (rosmawati.scale, rosmawati.capital, rosmawati.phone) == (
        "mikro",
        25_000_000,
        "+6281234567890",
    )
    assert Registration.objects.get(nik=nik(3002)).scale == "kecil"

    # The NIB from OSS, typed by the officer.
    items.filter(has_text="Ikan Segar Rosmawati").get_by_role(
        "link", name="Buka pendaftaran"
    ).click()
    page.get_by_role("button", name="Sudah diajukan di OSS RBA").click()
    expect(page.locator("#sipabes-status")).to_have_text("Diajukan ke OSS")
    page.get_by_label("NIB dari OSS", exact=True).fill("912030000001")
    page.get_by_role("button", name="Simpan NIB").click()
    expect(page.get_by_text("tepat 13 angka")).to_be_visible()
    page.get_by_label("NIB dari OSS", exact=True).fill("9120300000123")
    page.get_by_role("button", name="Simpan NIB").click()
    expect(page.locator("#sipabes-status")).to_have_text("NIB terbit")
    expect(page.locator("#sipabes-nib")).to_contain_text("9120300000123")

    # The receipt: progress, then the link (the real worker renders it).
    page.get_by_role("button", name="Buat tanda terima (PDF)").click()
    expect(page.get_by_text("Tanda terima sedang dibuat")).to_be_visible()
    link = page.locator("#sipabes-receipt-link")
    expect(link).to_be_visible(timeout=60_000)
    shot(page, SHOTS, "04-receipt-ready")
    pdf = page.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.body()[:5] == b"%PDF-"
    (tmp_path / "receipt.pdf").write_bytes(pdf.body())
    import subprocess

    import zxingcpp
    from PIL import Image

    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-singlefile",
            str(tmp_path / "receipt.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    codes = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    rosmawati.refresh_from_db()
    code = rosmawati.receipt.verification_code
    assert (
        [c.text for c in codes] == [f"http://testserver/verifikasi/{code}/"]
        or [c.text for c in codes] == [f"{live_server.url}/verifikasi/{code}/"]
        or codes[0].text.endswith(f"/verifikasi/{code}/")
    )
    verify = page.request.get(live_server.url + f"/verifikasi/{code}/")
    assert verify.ok and "Tanda Terima Pendaftaran NIB" in verify.text()

    page.get_by_label(re.compile("telah menerima NIB")).check()
    page.get_by_role("button", name="Catat penyerahan").click()
    expect(page.locator("#sipabes-status")).to_have_text("Diserahkan")
    shot(page, SHOTS, "05-handed-over")

    # The public dashboard counts them (three traders, one NIB).
    # The current year in Asia/Jakarta, when the registrations were made.
    year = timezone.localdate().year
    figures = page.request.get(live_server.url + f"/api/v1/sipabes/dashboard/?year={year}").json()
    assert (figures["totals"]["traders"], figures["totals"]["nib_issued"]) == (3, 1)


@pytest.mark.parametrize("path", ["home", "visit", "registration", "correct", "lookup"])
def test_sipabes_pages_meet_the_basics(live_server, device, market_day, path):
    officer, visit = market_day
    registration = services.registration_create(
        officer=officer, visit=visit, **registration_data(nik=nik(3101))
    )
    if path == "correct":
        services.registration_return(registration=registration, by=officer, reason="KTP buram")
    urls = {
        "correct": reverse("sipabes:correct", args=[registration.pk]),
        "home": reverse("sipabes:home"),
        "visit": reverse("sipabes:visit", args=[visit.pk]),
        "registration": reverse("sipabes:registration", args=[registration.pk]),
        "lookup": reverse("sipabes:lookup") + f"?code={registration.receipt_code}&nik_last4=3101",
    }
    page = device(*PHONE)
    if path != "lookup":
        page.goto(live_server.url + reverse("accounts:login") + "?next=" + urls[path])
        log_in(page, officer.username)
        page.wait_for_url(live_server.url + urls[path])
    else:
        page.goto(live_server.url + urls[path])
    assert accessibility_problems(page) == []
    shot(page, SHOTS, f"a11y-{path}")


def test_a_signed_out_phone_keeps_the_registration_waiting(live_server, device, market_day):
    officer, visit = market_day
    page = device(*PHONE)
    path = reverse("sipabes:visit", args=[visit.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + path)
    log_in(page, officer.username)
    page.wait_for_url(live_server.url + path)
    page.context.clear_cookies()  # the session ended while the page was open
    _fill(
        page,
        nik_value=nik(3201),
        name="Halimah",
        business="Kue Halimah",
        capital="3.000.000",
        kbli_search="kue",
        kbli_code="47242",
    )
    item = page.locator("#sipabes-items li").filter(has_text="Kue Halimah")
    expect(item).to_contain_text("Sesi berakhir")
    expect(item).to_contain_text("menunggu dikirim")
    expect(page.get_by_text("1 menunggu dikirim")).to_be_visible()
    assert not Registration.objects.exists()


def test_officer_rejects_a_registration_with_a_reason(live_server, device, market_day):
    """The 'Tolak pendaftaran' form, clicked in Chromium on a phone."""
    officer, visit = market_day
    registration = services.registration_create(
        officer=officer, visit=visit, **registration_data(nik=nik(3301), business_name="Kios Ragu")
    )
    page = device(*PHONE)
    url = reverse("sipabes:registration", args=[registration.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, officer.username)
    page.get_by_text("Kembalikan atau tolak").click()
    page.get_by_label("Alasan ditolak").fill("Pelaku usaha membatalkan pendaftaran.")
    page.get_by_role("button", name="Tolak pendaftaran").click()
    expect(page.locator("#sipabes-status")).to_have_text("Ditolak")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REJECTED
    assert registration.status_reason == "Pelaku usaha membatalkan pendaftaran."
