"""The bupati opens the regency's dashboard in Chromium, on a laptop and a phone.

Signs in from the login page the dashboard sends them to, sees every tile
with its charts drawn and its tables, changes the period with the form (and
is told, in Indonesian, when a period does not exist), and the page prints
on A4. The page must pass the suite's WCAG checks, break no CSP rule and
never scroll sideways on the phone. Screenshots and the print preview go to
/tmp/shots/C/ (REGENCY_SHOTS overrides).
"""

import datetime
import os
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from forums.models import AgreementItem, Forum
from mpp_portal.accounts.models import User
from regency.figures import TILE_MODULES
from services.sipabes.models import InvestmentTarget, Registration
from tests.e2e.steps import accessibility_problems, log_in, open_menu, shot, wait_until
from tests.e2e.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import ServiceFactory, UserFactory
from tests.regency.conftest import answer, wib
from tests.sipabes.dashboard_seed import market, registration

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REGENCY_SHOTS", "/tmp/shots/C"))
DRAWN = (
    "[...document.querySelectorAll('canvas[data-ubin]')]"
    ".every(c => window.Chart && Chart.getChart(c))"
)
OVERFLOW = "document.documentElement.scrollWidth > window.innerWidth"
# What sticks out on the right, for the failure message.
WIDE = (
    "() => [...document.querySelectorAll('body *')]"
    ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)"
    ".map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"
)


@pytest.fixture
def bupati(hall):
    return UserFactory(username="bupati.e2e", role=User.Role.SIGNATORY, hall=hall)


@pytest.fixture
def history(hall, agency_a, agency_b, staff_a):
    """Answers, registrations and a forum in the first quarter of 2026."""
    ktp = ServiceFactory(agency=agency_a, name="Perekaman KTP-el")
    pbb = ServiceFactory(agency=agency_b, name="Pembayaran PBB-P2")
    for day, score in [(5, 4), (12, 3), (20, 4)]:
        for month in (1, 2, 3):
            answer(ktp, datetime.date(2026, month, day), score)
            answer(pbb, datetime.date(2026, month, day + 1), score - 1)
    pasar = market(hall, "Pasar Muara Aman")
    for month in (1, 2, 3):
        for n in range(4):
            registration(
                market=pasar,
                officer=staff_a,
                when=datetime.datetime(2026, month, 10 + n, 10),
                status=Registration.Status.NIB_ISSUED if n < 3 else Registration.Status.CAPTURED,
                capital=25_000_000,
            )
    InvestmentTarget.objects.create(regency=hall.regency, year=2026, amount=5_000_000_000)
    forum = Forum.objects.create(
        hall=hall,
        slug="fkm-2026",
        theme="Pemusatan layanan di MPP",
        starts_at=wib(2026, 2, 12, 9),
        venue="Aula MPP",
        status=Forum.Status.SIGNED,
        signed_at=wib(2026, 2, 20, 10),
        is_published=True,
    )
    for number, agency, target, done in [
        (1, agency_a, datetime.date(2026, 3, 13), datetime.date(2026, 3, 12)),
        (2, agency_b, datetime.date(2026, 3, 13), datetime.date(2026, 3, 17)),
        (3, agency_b, datetime.date(2026, 3, 27), None),
    ]:
        AgreementItem.objects.create(
            forum=forum,
            number=number,
            text=f"Butir {number}",
            agency=agency,
            target_date=target,
            status=AgreementItem.Status.DONE if done else AgreementItem.Status.OPEN,
            done_on=done,
        )


def _open_dashboard(page, live_server, username):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + reverse("regency:dashboard"))
    log_in(page, username)
    page.wait_for_url(live_server.url + reverse("regency:dashboard"))


def _choose(page, kind, year, index):
    page.get_by_label("Jenis periode").select_option(label=kind)
    page.get_by_label("Tahun").fill(str(year))
    page.get_by_label("Ke-").fill(str(index))
    page.get_by_role("button", name="Tampilkan").click()


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_bupati_reads_the_dashboard(live_server, device, bupati, history, viewport):
    name = "laptop" if viewport[0] > 500 else "phone"
    page = device(*viewport)
    _open_dashboard(page, live_server, bupati.username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dasbor kabupaten")
    expect(page.locator(".dasbor-tile")).to_have_count(len(TILE_MODULES))
    assert not page.evaluate(OVERFLOW)
    shot(page, SHOTS, f"dasbor-bulan-ini-{name}")

    # The first quarter, chosen with the form.
    _choose(page, "Triwulan", 2026, 1)
    page.wait_for_url("**jenis=quarter**")
    expect(page.locator("#periode-terpilih")).to_have_text("Triwulan I 2026")
    wait_until(page, DRAWN)
    assert page.evaluate("document.querySelectorAll('canvas[data-ubin]').length") >= 4
    ikm = page.locator("#ubin-ikm")
    expect(ikm.locator("table caption")).to_contain_text("IKM per layanan")
    expect(ikm.locator("tbody tr")).to_have_count(2)
    expect(ikm.get_by_text("Cara hitung")).to_be_visible()
    investment = page.locator("#ubin-investment")
    expect(investment).to_contain_text("Rp300 juta")  # 12 x Rp25.000.000
    expect(investment).to_contain_text("NIB terbit")
    commitment = page.locator("#ubin-commitment")
    expect(commitment.locator("tbody tr")).to_have_count(2)
    # The change against Q4 2025 is said in words, not in colour only.
    expect(investment.locator(".dasbor-delta").first).to_contain_text("naik")
    ikm.get_by_text("Cara hitung").click()
    expect(ikm.locator("details")).to_contain_text("Krejcie")
    assert page.evaluate("window.__csp") == []
    assert accessibility_problems(page) == []
    assert not page.evaluate(OVERFLOW), "the page scrolls sideways"
    shot(page, SHOTS, f"dasbor-triwulan-{name}")
    if name == "phone":  # a few screens at readable size, to look at
        for n in range(4):
            clip = {"x": 0, "y": n * 1800, "width": 390, "height": 1800}
            page.screenshot(
                path=str(SHOTS / f"dasbor-triwulan-phone-{n}.png"), full_page=True, clip=clip
            )

    # A period that does not exist: told which field and why.
    _choose(page, "Triwulan", 2026, 5)
    expect(page.locator("#galat-ke")).to_have_text("Triwulan hanya sampai ke-4.")
    expect(page.get_by_label("Ke-")).to_have_attribute("aria-invalid", "true")
    wait_until(page, DRAWN)
    shot(page, SHOTS, f"dasbor-galat-{name}")
    assert not page.evaluate(OVERFLOW), page.evaluate(WIDE)


def test_the_dashboard_prints_on_a4(live_server, device, bupati, history):
    page = device(1366, 768)
    _open_dashboard(page, live_server, bupati.username)
    _choose(page, "Triwulan", 2026, 1)
    page.wait_for_url("**jenis=quarter**")
    wait_until(page, DRAWN)
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator(".portal-header").is_hidden()
    assert page.locator(".dasbor-form").is_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / "dasbor-cetak.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.stat().st_size > 10_000
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(next(line for line in pages.stdout.splitlines() if line.startswith("Pages:"))[6:])
    assert 1 < count <= 8
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SHOTS / "cetak")], check=True)


def test_anybody_finds_the_public_dashboard_in_the_menu(live_server, device, hall, history):
    page = device(390, 844)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + reverse("services:catalogue"))
    open_menu(page)
    public_info = page.get_by_role("button", name="Informasi publik")
    public_info.click()
    expect(public_info).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Dasbor publik").click()
    page.wait_for_url(f"**/mpp/{hall.slug}/dasbor/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dasbor publik")
    expect(page.get_by_text("Hanya angka gabungan, tanpa data pribadi.")).to_be_visible()
    _choose(page, "Triwulan", 2026, 1)
    page.wait_for_url("**jenis=quarter**")
    wait_until(page, DRAWN)
    # Aggregates only: no link into the staff pages.
    hrefs = page.eval_on_selector_all(".dasbor-link", "links => links.map(a => a.pathname)")
    assert reverse("agreements:coverage") not in hrefs
    assert reverse("services:ikm") not in hrefs
    assert page.evaluate("window.__csp") == []
    assert accessibility_problems(page) == []
    assert not page.evaluate(OVERFLOW), page.evaluate(WIDE)
    shot(page, SHOTS, "dasbor-publik-phone")
