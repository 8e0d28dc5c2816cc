"""The cut Bootstrap CSS (mpp_portal/purged_css.py) styles every page exactly as
the whole of Bootstrap did: each element's computed style, its icon glyph
included, is the same with either file; screenshots of both are kept."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from services import queue
from tests.e2e.steps import log_in, shot
from tests.factories import CounterFactory, ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "test-results" / "purged-css"
ORIGINALS = {
    "bootstrap.min.css": Path(settings.BASE_DIR) / "static/vendor/bootstrap/css/bootstrap.min.css",
    "bootstrap-icons.min.css": Path(settings.BASE_DIR)
    / "static/vendor/bootstrap-icons/bootstrap-icons.min.css",
}

STYLES = """() => Array.from(document.querySelectorAll('body *')).map((e) => {
  const s = getComputedStyle(e);
  const before = getComputedStyle(e, '::before');
  return e.tagName + '.' + e.className + ' ' + Array.from(s).sort().map(
    (p) => p + ':' + s.getPropertyValue(p)).join(';') + ' ::before ' + before.content
    + before.fontFamily;
})"""


def _serve(path):
    def handler(route):
        route.fulfill(path=str(path))

    return handler


def _styles(page, url, *, original, name, user=None):
    if original:
        for filename, path in ORIGINALS.items():
            page.route(f"**/{filename}", _serve(path))
    page.goto(url)
    if user and "/akun/masuk/" in page.url:
        log_in(page, user)
        page.goto(url)
    page.wait_for_load_state("networkidle")
    shot(page, SHOTS, f"{name}-{'before' if original else 'after'}")
    return page.evaluate(STYLES)


@pytest.fixture
def busy_hall(office_hours, hall, agency_a, staff_a):
    service = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    counter = CounterFactory(agency=agency_a, number=1, services=[service])
    queue.counter_open(counter=counter, by=staff_a)
    for _ in range(3):
        queue.ticket_issue(service=service)
    queue.ticket_call_next(counter=counter, by=staff_a)
    return hall


@pytest.mark.parametrize(
    ("name", "path", "user"),
    [
        ("home", "/", None),
        ("catalogue", "/layanan/", None),
        ("board", "board", None),
        ("complaint-form", "/pengaduan/baru/", None),
        ("login", "/akun/masuk/", None),
        ("stats", "/antrean/statistik/", "admin.mpp.uji"),
        ("console", "/antrean/loket/", "petugas.a"),
    ],
)
def test_every_element_is_styled_as_with_all_of_bootstrap(
    browser, live_server, busy_hall, hall_admin, name, path, user
):
    if path == "board":
        path = reverse("services:board", args=[busy_hall.slug])
    url = live_server.url + path
    results = []
    for original in (True, False):
        context = browser.new_context(
            locale="id-ID", viewport={"width": 1280, "height": 900}, timezone_id="Asia/Jakarta"
        )
        page = context.new_page()
        try:
            results.append(_styles(page, url, original=original, name=name, user=user))
        finally:
            context.close()
    before, after = results
    assert len(before) == len(after) > 10
    differing = []
    for b, a in zip(before, after, strict=True):
        if b != a:
            props_b, props_a = set(b.split(";")), set(a.split(";"))
            differing.append((b[:60], sorted(props_b - props_a)[:4], sorted(props_a - props_b)[:4]))
    assert not differing, differing[:12]


def test_the_cut_files_are_smaller_and_served(live_server, page):
    response = page.request.get(live_server.url + "/static/vendor/bootstrap/css/bootstrap.min.css")
    assert response.ok
    assert len(response.body()) < ORIGINALS["bootstrap.min.css"].stat().st_size * 0.6
    icons = page.request.get(
        live_server.url + "/static/vendor/bootstrap-icons/bootstrap-icons.min.css"
    )
    assert icons.ok and len(icons.body()) < 20_000
