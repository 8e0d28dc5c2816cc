"""The hall admin plans a market visit on a phone (390x844), in Chromium.

From the SIPABES home the admin opens "Kelola kunjungan", fills the plan
form with yesterday's date (the one error shown), corrects it, plans the
visit, edits the plan, opens it, closes it and reopens it with a reason (audited). The
officer then sees the open visit on their phone. Then the WCAG basics of the
planning pages, phone and desktop, with screenshots to look at.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from services.sipabes.models import Market, Visit
from tests.e2e.steps import accessibility_problems, log_in, shot
from tests.factories import AgencyFactory, UserFactory
from tests.transition_guard import force_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/sipabes-visits"
PHONE = (390, 844)
DESKTOP = (1280, 900)


@pytest.fixture
def hall_setup(office_hours, hall, hall_admin):
    dpmptsp = AgencyFactory(hall=hall, short_name="DPMPTSP", slug="dpmptsp")
    officer = UserFactory(
        username="petugas.sipabes.e2e",
        first_name="Yoga",
        last_name="Pratama",
        role=User.Role.SIPABES_OFFICER,
        agency=dpmptsp,
    )
    UserFactory(
        username="petugas.dua.e2e",
        first_name="Sari",
        last_name="Wulandari",
        role=User.Role.SIPABES_OFFICER,
        agency=dpmptsp,
    )
    market = Market.objects.create(
        hall=hall,
        name="Pasar Tradisional Modern Muara Aman",
        village="Kelurahan Pasar Muara Aman",
        district_code="17.07.01",
        address="Jl. Pasar Muara Aman",
    )
    Market.objects.create(
        hall=hall, name="Pasar Tes", village="Kelurahan Tes", district_code="17.07.04"
    )
    return hall_admin, officer, market


def _sign_in(page, live_server, user, path):
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + path)
    log_in(page, user.username)
    page.wait_for_url(live_server.url + path)


def test_hall_admin_plans_opens_closes_and_reopens_a_visit(live_server, device, hall_setup):
    admin, officer, market = hall_setup
    today = timezone.localdate()
    page = device(*PHONE)
    _sign_in(page, live_server, admin, reverse("sipabes:home"))
    page.get_by_role("link", name="Kelola kunjungan").click()
    expect(page).to_have_url(live_server.url + reverse("sipabes:visits"))
    expect(page.get_by_role("heading", name="Kunjungan jemput bola", level=1)).to_be_visible()

    # One mistake first: yesterday's date.
    page.get_by_label("Pasar", exact=True).select_option(label=market.name)
    page.get_by_label("Tanggal kunjungan").fill((today - datetime.timedelta(days=1)).isoformat())
    page.get_by_label("Target pelaku usaha").fill("25")
    page.get_by_label("Yoga Pratama").check()
    page.get_by_label(re.compile(r"^Catatan")).fill("Bawa printer dan kertas tanda terima.")
    page.get_by_role("button", name="Rencanakan kunjungan").click()
    error = page.locator("#id_date-error")
    expect(error).to_have_text(re.compile("Tanggal kunjungan tidak boleh sebelum hari ini."))
    expect(page.get_by_label("Tanggal kunjungan")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".invalid-feedback.d-block")).to_have_count(1)  # only that one
    # What was typed is kept.
    expect(page.get_by_label("Target pelaku usaha")).to_have_value("25")
    expect(page.get_by_label("Yoga Pratama")).to_be_checked()
    assert not Visit.objects.exists()
    shot(page, SHOTS, "01-phone-past-date")

    page.get_by_label("Tanggal kunjungan").fill(today.isoformat())
    page.get_by_role("button", name="Rencanakan kunjungan").click()
    expect(page.get_by_role("alert").filter(has_text="direncanakan")).to_be_visible()
    visit = Visit.objects.get()
    assert (visit.date, visit.target_traders, list(visit.officers.all())) == (today, 25, [officer])
    card = page.locator(f"#kunjungan-{visit.pk}")
    expect(card).to_contain_text("Direncanakan")
    expect(card).to_contain_text("Yoga Pratama")
    expect(card).to_contain_text("0 terdaftar dari target 25")
    shot(page, SHOTS, "02-phone-planned")

    # A change of plan: the second officer joins, the target grows.
    card.get_by_role("link", name=re.compile("^Ubah rencana")).click()
    expect(page.get_by_role("heading", name="Ubah rencana kunjungan")).to_be_visible()
    page.get_by_label("Sari Wulandari").check()
    page.get_by_label("Target pelaku usaha").fill("30")
    page.get_by_role("button", name="Simpan rencana").click()
    expect(page.get_by_role("alert").filter(has_text="Rencana kunjungan disimpan")).to_be_visible()
    card = page.locator(f"#kunjungan-{visit.pk}")
    expect(card).to_contain_text("Sari Wulandari, Yoga Pratama")
    expect(card).to_contain_text("0 terdaftar dari target 30")

    card.get_by_role("button", name=re.compile("^Buka kunjungan")).click()
    card = page.locator(f"#kunjungan-{visit.pk}")
    expect(card).to_contain_text("Berlangsung")
    card.get_by_role("button", name=re.compile("^Tutup kunjungan")).click()
    card = page.locator(f"#kunjungan-{visit.pk}")
    expect(card).to_contain_text("Ditutup")
    card.get_by_text("Buka kembali", exact=False).first.click()
    card.get_by_label("Alasan membuka kembali").fill("Pedagang los daging datang terlambat")
    shot(page, SHOTS, "03-phone-reopen-reason")
    card.get_by_role("button", name="Buka kembali dengan alasan ini").click()
    expect(page.get_by_role("alert").filter(has_text="dibuka kembali")).to_be_visible()
    expect(page.locator(f"#kunjungan-{visit.pk}")).to_contain_text("Berlangsung")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.OPEN
    reopen = AuditEntry.objects.get(action="sipabes.visit.reopen", object_id=str(visit.pk))
    assert (reopen.actor, reopen.note) == (admin, "Pedagang los daging datang terlambat")
    assert [
        e.action
        for e in AuditEntry.objects.filter(object_id=str(visit.pk)).order_by("pk")
        if e.action.startswith("sipabes.visit.")
    ] == [
        "sipabes.visit.plan",
        "sipabes.visit.edit",
        "sipabes.visit.open",
        "sipabes.visit.close",
        "sipabes.visit.reopen",
    ]
    shot(page, SHOTS, "04-phone-reopened")
    page.get_by_role("navigation", name="Remah roti").get_by_role("link", name="SIPABES").click()
    expect(page).to_have_url(live_server.url + reverse("sipabes:home"))

    # The officer's phone: the visit is open, one tap to its page.
    officer_page = device(*PHONE)
    _sign_in(officer_page, live_server, officer, reverse("sipabes:home"))
    expect(officer_page.get_by_role("link", name="Kelola kunjungan")).to_have_count(0)
    officer_page.get_by_role("link", name=re.compile(market.name)).first.click()
    expect(officer_page).to_have_url(live_server.url + reverse("sipabes:visit", args=[visit.pk]))
    expect(officer_page.get_by_text("Berlangsung").first).to_be_visible()
    shot(officer_page, SHOTS, "05-officer-sees-open-visit")


def test_admin_adds_a_market_with_one_mistake(live_server, device, hall_setup):
    admin, _officer, _market = hall_setup
    page = device(*PHONE)
    _sign_in(page, live_server, admin, reverse("sipabes:markets"))
    page.get_by_label("Nama pasar").fill("Pasar Rimbo Pengadang")
    page.get_by_label("Kelurahan/desa").fill("Desa Rimbo Pengadang")
    page.get_by_label("Kecamatan").select_option("17.07.05")
    page.get_by_label("Lintang").fill("-3.2")  # without the longitude
    page.get_by_role("button", name="Tambah pasar").click()
    expect(page.locator("#id_longitude-error")).to_have_text(
        re.compile("Isi lintang dan bujur bersama")
    )
    page.get_by_label("Bujur").fill("102.31")
    page.get_by_role("button", name="Tambah pasar").click()
    expect(page.get_by_role("alert").filter(has_text="ditambahkan")).to_be_visible()
    added = Market.objects.get(name="Pasar Rimbo Pengadang")
    assert added.district_name == "Rimbo Pengadang"
    shot(page, SHOTS, "06-phone-market-added")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", ["visits", "markets", "visit_edit", "home"])
def test_planning_pages_meet_the_basics(live_server, device, hall_setup, viewport, name):
    admin, officer, market = hall_setup
    today = timezone.localdate()
    planned = Visit.objects.create(
        hall=market.hall, market=market, date=today + datetime.timedelta(days=2), target_traders=30
    )
    planned.officers.add(officer)
    opened = Visit.objects.create(hall=market.hall, market=market, date=today, target_traders=20)
    force_status(opened, Visit.Status.OPEN)
    closed = Visit.objects.create(
        hall=market.hall, market=market, date=today - datetime.timedelta(days=9), notes="Hujan"
    )
    force_status(closed, Visit.Status.CLOSED)
    path = {
        "visits": reverse("sipabes:visits"),
        "markets": reverse("sipabes:markets"),
        "visit_edit": reverse("sipabes:visit_edit", args=[planned.pk]),
        "home": reverse("sipabes:home"),  # with the planner's links
    }[name]
    page = device(*viewport)
    _sign_in(page, live_server, admin, path)
    if name == "visits":
        page.locator(f"#kunjungan-{closed.pk} summary").click()  # the reopen form, unfolded
    assert accessibility_problems(page) == []
    # Nothing wider than the screen on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
    label = "phone" if viewport == PHONE else "desktop"
    shot(page, SHOTS, f"a11y-{name}-{label}")


def test_a_double_click_on_plan_makes_one_visit(live_server, device, hall_setup):
    admin, officer, market = hall_setup
    day = timezone.localdate() + datetime.timedelta(days=3)
    page = device(*PHONE)
    _sign_in(page, live_server, admin, reverse("sipabes:visits"))
    page.get_by_label("Pasar", exact=True).select_option(label=market.name)
    page.get_by_label("Tanggal kunjungan").fill(day.isoformat())
    page.get_by_label("Target pelaku usaha").fill("20")
    page.get_by_label("Yoga Pratama").check()
    page.get_by_role("button", name="Rencanakan kunjungan").dblclick()
    page.wait_for_load_state()
    # Whichever answer the browser shows last (the plan, or the twin refused
    # with its message), the list holds the visit once.
    expect(page.locator("[id^='kunjungan-']")).to_have_count(1)
    expect(
        page.get_by_text(re.compile("direncanakan|sudah memiliki kunjungan")).first
    ).to_be_visible()
    assert Visit.objects.filter(market=market, date=day).count() == 1
    shot(page, SHOTS, "07-phone-double-click")
