"""A visitor and a hall admin walk through the foundation pages in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from mpp_portal.accounts.models import User
from tests.e2e.steps import open_menu
from tests.factories import AgencyFactory, HallFactory, UserFactory

PASSWORD = "rahasia-uji-123"
SCREENSHOT = "/tmp/mpp_home_390x844.png"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_hall():
    hall = HallFactory(
        name="MPP Perigo Agung",
        slug="perigo-agung",
        address="Kompleks Pasar Tradisional Modern, Muara Aman, Lebong Utara",
    )
    AgencyFactory(
        hall=hall,
        name="Dinas Kependudukan dan Pencatatan Sipil",
        short_name="Disdukcapil",
        slug="disdukcapil",
    )
    AgencyFactory(
        hall=hall,
        name="BPJS Kesehatan",
        short_name="BPJS Kesehatan",
        slug="bpjs-kesehatan",
        kind="bumn",
    )
    return hall


def test_visitor_switches_language_and_hall_admin_signs_in_and_out(live_server, page, demo_hall):
    UserFactory(
        username="admin.e2e",
        first_name="Rina",
        last_name="Wati",
        role=User.Role.HALL_ADMIN,
        hall=demo_hall,
    )

    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", name="MPP Perigo Agung", level=1)).to_be_visible()
    expect(page.get_by_text("Disdukcapil", exact=True)).to_be_visible()

    # The client-side filter hides cards as one types.
    page.get_by_label("Cari instansi").fill("bpjs")
    expect(page.get_by_text("Disdukcapil", exact=True)).to_be_hidden()
    expect(page.get_by_text("BPJS Kesehatan", exact=True).first).to_be_visible()
    page.get_by_label("Cari instansi").fill("")

    # To English and back, through the visible control, by keyboard for the way back.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()
    indonesian = page.get_by_role("button", name="Bahasa Indonesia")
    indonesian.focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("link", name="Beranda", exact=True)).to_be_visible()

    # A visitor sees no administration menu.
    nav = page.get_by_role("navigation", name="Navigasi utama")
    expect(nav.get_by_role("link", name="Administrasi")).to_have_count(0)

    # Sign in as the hall admin.
    page.get_by_role("link", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/akun/masuk/"))
    page.get_by_label("Nama pengguna").fill("admin.e2e")
    page.get_by_label("Kata sandi").fill("salah")
    page.get_by_role("main").get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("alert")).to_contain_text("kata sandi salah")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Masuk").click()

    # The hall admin lands on the complaints inbox, their work page.
    expect(page).to_have_url(re.compile(r"/pengaduan/kelola/$"))
    # Bootstrap's script sits at the end of the body: the button is on the page
    # (and can take focus) before the drop-down is wired up. A person cannot
    # press Enter within those milliseconds; the test could, and then the menu
    # stayed shut (a CI run saw it). Wait for the page's scripts first.
    page.wait_for_load_state("load")
    # The hall admin's pages sit in the "Kelola" drop-down, opened from the keyboard.
    manage = nav.get_by_role("button", name="Kelola")
    manage.press("Enter")
    expect(manage).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Administrasi")).to_be_visible()
    expect(nav.get_by_role("link", name="Dokumentasi API")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_text("Rina Wati")).to_be_visible()
    expect(page.get_by_text("Admin MPP")).to_be_visible()

    # Sign out (a POST form) and land on the public page again.
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("link", name="Masuk")).to_be_visible()
    expect(nav.get_by_role("link", name="Administrasi")).to_have_count(0)


def test_home_on_a_phone(live_server, browser, demo_hall):
    context = browser.new_context(locale="id-ID", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        # Nothing wider than the screen: no sideways scrolling on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert overflow is False
        page.screenshot(path=SCREENSHOT)
        # The skip link is the first stop for the keyboard and lands on the content.
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Lewati ke konten utama")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"#konten$"))
        expect(page.locator("main#konten")).to_be_focused()
        # The menu is behind the toggler and opens with it.
        toggler = page.get_by_role("button", name="Buka menu")
        expect(toggler).to_be_visible()
        expect(page.get_by_role("button", name="English")).to_be_hidden()
        open_menu(page)
        expect(page.get_by_role("button", name="English")).to_be_visible()
    finally:
        context.close()
