"""Every page runs under script-src 'self': no inline script, nothing refused.

An init script records each ``securitypolicyviolation`` event the browser
fires while the page loads and its scripts run (charts, the board's poll,
htmx, Swagger UI), so a page whose script the policy blocked fails here
instead of silently losing its behaviour in production.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from services import queue
from services.models import BookingSchedule
from tests.e2e.steps import log_in
from tests.factories import CounterFactory, ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def hall_with_a_day(office_hours, hall, agency_a, staff_a):
    """A service with a booking schedule and one served ticket, so charts draw."""
    service = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    BookingSchedule.objects.create(service=service, weekdays=[0, 1, 2, 3, 4])
    counter = queue.counter_open(
        counter=CounterFactory(agency=agency_a, number=1, services=[service]), by=staff_a
    )
    queue.ticket_issue(service=service)
    ticket = queue.ticket_call_next(counter=counter, by=staff_a)
    queue.ticket_start(ticket=ticket, by=staff_a)
    queue.ticket_finish(ticket=ticket, by=staff_a)
    return service


def _visit(page, url):
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__csp")


def test_public_pages_run_under_the_policy(live_server, device, hall, hall_with_a_day):
    service = hall_with_a_day
    page = device(1280, 900)
    for path in [
        "/",
        reverse("services:catalogue"),
        service.get_absolute_url(),
        reverse("services:detail_print", kwargs={"pk": service.pk, "slug": service.slug}),
        reverse("services:booking_start"),
        reverse("services:board", args=[hall.slug]),
        reverse("complaints:new"),
        reverse("api-docs"),
    ]:
        assert _visit(page, live_server.url + path) == [], path
    # Swagger UI drew the schema with its script from a file.
    expect(page.get_by_text("MPP Portal API")).to_be_visible()


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("staff_a", reverse("services:console")),
        ("hall_admin", reverse("services:stats") + "?preset=7d"),
        ("hall_admin", reverse("services:ikm")),
        ("hall_admin", reverse("complaints:inbox")),
        ("hall_admin", "/admin/"),
    ],
)
def test_staff_pages_run_under_the_policy(
    live_server, device, request, hall_with_a_day, persona, path
):
    user = request.getfixturevalue(persona)
    page = device(1366, 900)
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + path)
    log_in(page, user.username)
    page.wait_for_url(live_server.url + path)
    assert _visit(page, live_server.url + path) == []
    if "statistik" in path:
        # The charts were drawn (canvas sized by Chart.js).
        assert page.locator("#grafik-jam").evaluate("c => c.width") > 0
