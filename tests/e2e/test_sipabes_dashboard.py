"""The SIPABES investment dashboard and the staff list in Chromium, phone and desktop.

Counts on the page match the seeded rows, every breakdown has a drawn
chart and its table, the year form is used by clicking, and the pages pass
the suite's WCAG checks (tests/e2e/test_accessibility.py). Screenshots go
to var/screenshots/sipabes-dashboard/.
"""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mpp_portal.accounts.models import User
from services.sipabes.dashboard import BREAKDOWNS
from services.sipabes.models import InvestmentTarget, Registration
from tests.e2e.steps import accessibility_problems, log_in, shot, wait_until
from tests.e2e.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import UserFactory
from tests.sipabes import dashboard_seed as seed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/sipabes-dashboard"
S = Registration.Status


@pytest.fixture
def officer(hall):
    return UserFactory(username="petugas.sipabes.e2e", role=User.Role.SIPABES_OFFICER, hall=hall)


@pytest.fixture
def seeded(hall, officer):
    """2024: 12 traders in two markets (9 with NIB); 2025: 4 traders."""
    muara = seed.market(hall, "Pasar Tradisional Modern Muara Aman", "17.07.01")
    tes = seed.market(hall, "Pasar Tes", "17.07.04")
    for i in range(8):
        seed.registration(
            market=muara,
            officer=officer,
            when=datetime.datetime(2024, 6 + i % 3, 20, 9),
            status=S.HANDED_OVER if i < 6 else S.CAPTURED,
            capital=10_000_000,
            workers=2,
            codes=("47811",) if i % 2 else ("47811", "56101"),
        )
    for i in range(4):
        seed.registration(
            market=tes,
            officer=officer,
            when=datetime.datetime(2024, 7, 4, 9),
            status=S.NIB_ISSUED if i < 3 else S.SUBMITTED,
            capital=25_000_000,
            workers=1,
            codes=("56101",),
        )
    for _ in range(4):
        seed.registration(market=tes, officer=officer, when=datetime.datetime(2025, 3, 3, 9))
    InvestmentTarget.objects.create(regency="Kabupaten Lebong", year=2024, amount=1_500_000_000_000)


def _charts_drawn(page):
    # Chart.getChart returns the chart drawn on a canvas (evaluate() is not
    # subject to the page's CSP, unlike wait_for_function).
    return page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-series]')]"
        ".filter(c => window.Chart && Chart.getChart(c)).length"
    )


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_the_dashboard_shows_the_seeded_year(live_server, device, seeded, viewport):
    page = device(*viewport)
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(live_server.url + reverse("sipabes:dashboard") + "?tahun=2024")
    assert response.status == 200
    expect(page.locator("#jumlah-pelaku")).to_have_text("12")
    expect(page.locator("#jumlah-nib")).to_have_text("9")
    expect(page.locator("#jumlah-tenaga-kerja")).to_have_text("20")
    expect(page.locator("#jumlah-modal")).to_have_text("Rp180.000.000")
    expect(page.locator("#capaian-target")).to_contain_text("Rp1.500.000.000.000")
    wait_until(page, "document.querySelectorAll('canvas[data-series]').length === 5")
    wait_until(
        page,
        "[...document.querySelectorAll('canvas[data-series]')]"
        ".every(c => window.Chart && Chart.getChart(c))",
    )
    assert _charts_drawn(page) == len(BREAKDOWNS)
    assert page.evaluate("window.__csp") == []  # script-src 'self' refused nothing
    for name in BREAKDOWNS:
        table = page.locator(f"#tabel-{name}")
        expect(table).to_be_visible()
        expect(table.locator("caption")).not_to_be_empty()
    markets = page.locator("#tabel-by_market tbody tr")
    expect(markets).to_have_count(2)
    expect(markets.nth(0)).to_contain_text("Pasar Tes")
    expect(markets.nth(0).locator("td").nth(0)).to_have_text("4")
    expect(page.locator("#catatan-privasi")).to_contain_text("kurang dari 3 pelaku usaha")
    assert accessibility_problems(page) == []
    name = "phone" if viewport[0] < 500 else "desktop"
    shot(page, SHOTS, f"dasbor-2024-{name}")

    # The year form, used as a visitor would.
    page.get_by_label("Tahun", exact=True).select_option("2025")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url("**tahun=2025**")
    expect(page.locator("#jumlah-pelaku")).to_have_text("4")
    expect(page.locator("#capaian-target")).to_contain_text("belum ditetapkan")
    assert accessibility_problems(page) == []
    shot(page, SHOTS, f"dasbor-2025-{name}")


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_the_staff_list_filters_in_the_browser(live_server, device, hall, seeded, viewport):
    admin = UserFactory(username="admin.mpp.e2e", role=User.Role.HALL_ADMIN, hall=hall)
    page = device(*viewport)
    path = reverse("sipabes:staff_list")
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + path)
    log_in(page, admin.username)
    page.wait_for_url(live_server.url + path)
    expect(page.locator("#jumlah-hasil")).to_have_text("16 pendaftaran")
    assert accessibility_problems(page) == []
    page.get_by_label("Pasar").select_option(label="Pasar Tes")
    page.get_by_label("Status").select_option("nib_issued")
    page.get_by_role("button", name="Saring").click()
    expect(page.locator("#jumlah-hasil")).to_have_text("3 pendaftaran")
    expect(page.locator("#tabel-pendaftaran")).to_contain_text("****")
    assert accessibility_problems(page) == []
    shot(page, SHOTS, f"daftar-staf-{'phone' if viewport[0] < 500 else 'desktop'}")
