"""The public HTML pages: hall page, hall list, language switch, error pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import RequestFactory
from django.urls import include, path

from mpp_portal import views as portal_views
from mpp_portal.organizations.models import Agency, OfficeHours
from tests.factories import AgencyFactory, HallFactory


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("boom")


# This module doubles as a URLconf (pytest.mark.urls) that adds pages which fail on
# purpose, so the 403 and 500 handlers run the way they do in production.
urlpatterns = [
    path("uji/terlarang/", _forbidden),
    path("uji/rusak/", _broken),
    path("", include("mpp_portal.urls")),
]
handler403 = "mpp_portal.views.error_403"
handler404 = "mpp_portal.views.error_404"
handler500 = "mpp_portal.views.error_500"


@pytest.fixture
def other_hall(db):
    hall = HallFactory(name="MPP Kota Bengkulu", slug="kota-bengkulu")
    AgencyFactory(hall=hall, name="Dinas Perhubungan Kota", short_name="Dishub", slug="dishub")
    return hall


# --- hall page ------------------------------------------------------------------------------


def test_home_lists_the_agencies_of_the_hall_by_kind(client, hall, agency_a, agency_b):
    AgencyFactory(
        hall=hall,
        name="PT Bank Rakyat Indonesia",
        short_name="BRI",
        slug="bri",
        kind=Agency.Kind.BUMN,
    )
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "MPP Perigo Agung" in html
    assert hall.address in html
    for name in ("Disdukcapil", "Bapenda", "BRI"):
        assert name in html
    groups = dict(response.context["agency_groups"])
    assert [a.short_name for a in groups["Perangkat Daerah"]] == ["Bapenda", "Disdukcapil"]
    assert [a.short_name for a in groups["BUMN"]] == ["BRI"]
    assert "Swasta" not in groups  # empty kinds get no heading
    assert '<html lang="id">' in html
    assert 'href="#konten"' in html and 'id="konten"' in html


def test_hall_page_shows_office_hours_with_indonesian_day_names(client, hall):
    OfficeHours.objects.create(hall=hall, weekday=OfficeHours.Weekday.SATURDAY, is_closed=True)
    for day in range(5):
        OfficeHours.objects.create(hall=hall, weekday=day)

    html = client.get(hall.get_absolute_url()).content.decode()

    for day in ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"):
        assert day in html
    assert "08.00–16.00 WIB" in html
    assert "Tutup" in html


def test_search_without_javascript_filters_agencies(client, hall, agency_a, agency_b):
    response = client.get("/", {"q": "kependudukan"})

    html = response.content.decode()
    assert "Disdukcapil" in html
    assert "Bapenda" not in html


def test_search_with_no_match_says_so(client, hall, agency_a):
    html = client.get("/", {"q": "tidak-ada-xyz"}).content.decode()
    assert "Tidak ada instansi yang cocok" in html


def test_hall_page_hides_inactive_agencies_and_other_halls(client, hall, agency_a, other_hall):
    AgencyFactory(hall=hall, name="Dinas Lama", short_name="Dinas Lama", is_active=False)

    html = client.get(hall.get_absolute_url()).content.decode()

    assert "Disdukcapil" in html
    assert "Dinas Lama" not in html
    assert "Dishub" not in html


def test_hall_page_query_count_does_not_grow_with_agencies(
    client, hall, django_assert_max_num_queries
):
    for n in range(15):
        AgencyFactory(hall=hall, kind=list(Agency.Kind)[n % 5])
    with django_assert_max_num_queries(6):
        response = client.get(hall.get_absolute_url())
    assert response.status_code == 200


def test_unknown_or_inactive_hall_is_404(client, hall):
    hall.is_active = False
    hall.save()
    assert client.get("/mpp/perigo-agung/").status_code == 404
    assert client.get("/mpp/tidak-ada/").status_code == 404


def test_several_halls_show_a_list(client, hall, agency_a, other_hall):
    response = client.get("/")

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "organizations/hall_list.html"
    html = response.content.decode()
    assert "MPP Perigo Agung" in html and "MPP Kota Bengkulu" in html
    assert 'href="/mpp/perigo-agung/"' in html and 'href="/mpp/kota-bengkulu/"' in html


def test_staff_is_sent_to_their_own_hall(client, hall, other_hall, staff_a):
    client.force_login(staff_a)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/mpp/perigo-agung/"


def test_citizens_get_the_four_quick_actions_first(client, hall, citizen):
    links = ['href="/pesan/"', 'href="/antrean/lacak/"', 'href="/layanan/"', 'href="/pengaduan/"']
    for user in (None, citizen):
        if user:
            client.force_login(user)
        html = client.get("/mpp/perigo-agung/").content.decode()
        actions = html.split('class="quick-actions', 1)[1].split("</nav>", 1)[0]
        assert all(link in actions for link in links)
        assert "Pesan jadwal" in actions and "Lacak antrean" in actions


def test_staff_see_the_hall_without_the_citizen_actions(client, hall, staff_a):
    client.force_login(staff_a)
    html = client.get("/mpp/perigo-agung/").content.decode()
    assert "quick-actions" not in html
    assert "Jam layanan" in html


# --- language -------------------------------------------------------------------------------


def test_language_switch_to_english_and_back(client, hall, agency_a):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert ">Home<" in html
    assert "Skip to main content" in html
    assert "Agencies serving here" in html
    assert "Monday" in html

    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="id">' in html
    assert ">Beranda<" in html


def test_language_switch_ignores_an_offsite_next(client, hall):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://contoh-jahat.test/"}
    )
    assert response.status_code == 302
    assert "contoh-jahat" not in response["Location"]


def test_language_control_is_a_labelled_form(client, hall):
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'aria-label="Pilih bahasa"' in html
    assert 'name="language" value="en"' in html


# --- error pages ----------------------------------------------------------------------------


def test_missing_page_is_indonesian_404(client, settings, hall):
    settings.DEBUG = False
    response = client.get("/tidak-ada-halaman-ini/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Halaman tidak ditemukan" in html
    assert "MPP Portal" in html


@pytest.mark.urls("tests.platform.test_pages")
def test_forbidden_page_is_indonesian_403(client, settings, hall):
    settings.DEBUG = False
    response = client.get("/uji/terlarang/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "Akses ditolak" in html
    assert "/akun/masuk/?next=/uji/terlarang/" in html


@pytest.mark.urls("tests.platform.test_pages")
def test_server_error_page_is_indonesian_500(client, settings, hall):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/uji/rusak/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Terjadi kesalahan pada server" in html


@pytest.mark.parametrize("name", ["403.html", "404.html"])
def test_error_templates_render_with_a_request(rf, name, db):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/x/")
    request.user = AnonymousUser()
    html = loader.render_to_string(name, request=request)
    assert "MPP Portal" in html


def test_500_template_renders_without_context_or_request():
    html = loader.get_template("500.html").render()
    assert "Terjadi kesalahan pada server" in html
    assert "{%" not in html


def test_500_view_needs_no_database_or_context_processor():
    response = portal_views.error_500(RequestFactory().get("/"))
    assert response.status_code == 500


def test_csrf_failure_page_is_indonesian(hall, db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 403
    assert "Formulir kedaluwarsa" in response.content.decode()


def test_csrf_failure_page_says_which_check_refused_the_form(hall, client, db):
    """A refused origin is not an expired session: the page says which it was."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.get("/akun/masuk/")  # the CSRF cookie, as a browser has it
    token = browser.cookies["csrftoken"].value
    refused = browser.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token},
        headers={"Origin": "null"},
    )
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "Formulir ditolak" in text and "asal kirimannya" in text
    assert "Formulir kedaluwarsa" not in text

    no_cookie = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en"})
    assert "tidak mengirim cookie" in no_cookie.content.decode()

    stale = browser.post(
        "/i18n/setlang/",
        {"language": "en", "csrfmiddlewaretoken": "x" * 64},
        headers={"Origin": "http://testserver"},
    )
    assert stale.status_code == 403
    assert "dibuka terlalu lama" in stale.content.decode()


def test_assets_are_local_and_htmx_sends_the_csrf_token(client, hall):
    import re

    html = client.get("/").content.decode()

    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("bootstrap.bundle.min.js") for a in assets)
    assert any(a.endswith("htmx.min.js") for a in assets)
    assert all(a.startswith("/static/") for a in assets), assets
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_vendored_files_exist_with_their_licenses():
    from django.conf import settings

    vendor = settings.BASE_DIR / "static" / "vendor"
    for name in (
        "bootstrap/css/bootstrap.min.css",
        "bootstrap/js/bootstrap.bundle.min.js",
        "bootstrap/LICENSE",
        "htmx/htmx.min.js",
        "htmx/LICENSE",
        "chartjs/chart.umd.min.js",
        "chartjs/LICENSE.md",
        "bootstrap-icons/bootstrap-icons.min.css",
        "README.md",
    ):
        assert (vendor / name).is_file(), name


def test_an_english_browser_still_gets_indonesian_until_it_chooses(client, hall):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="id"' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="en"' in response.content.decode()


def test_hall_page_links_the_agreements_each_agency_serves_under(client, hall):
    html = client.get(hall.get_absolute_url()).content.decode()
    assert f'href="/mpp/{hall.slug}/kerja-sama/"' in html
    assert client.get(f"/mpp/{hall.slug}/kerja-sama/").status_code == 200
