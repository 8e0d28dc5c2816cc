"""SIPABES on a 390x844 phone: every page of the officer's journey (and the
planner's) has no sideways scrolling and tap targets of at least 44 x 44 px
(WCAG 2.5.5). Links inside running text are exempt (the inline exception);
a checkbox counts with its label row. Screenshots: var/screenshots/sipabes-phone/."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mpp_portal.accounts.models import User
from services.sipabes import services
from tests.e2e import test_sipabes_journey as journey
from tests.e2e.steps import log_in, shot
from tests.factories import UserFactory
from tests.sipabes.core_fixtures import nik, registration_data

market_day = journey.market_day  # the journey's fixture: an open visit, its officer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/sipabes-phone"
PHONE = (390, 844)
MIN = 44

# Returns {"overflow": px scrolled sideways, "small": [targets under MIN px]}.
TARGETS = """() => {
  const main = document.querySelector('main') || document.body;
  const small = [];
  const seen = new Set();
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (let el of main.querySelectorAll(sel)) {
    const style = getComputedStyle(el);
    if (el.type === 'checkbox' || el.type === 'radio') {
      el = el.closest('.form-check') || el;
    } else if (el.tagName === 'A' && style.display === 'inline'
               && el.closest('p, .form-text, .alert, td, dd, .breadcrumb-text')) {
      continue;  // a link in running text (WCAG 2.5.8 inline exception)
    }
    if (seen.has(el)) continue;
    seen.add(el);
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.height < MIN_PX - 0.5 || r.width < MIN_PX - 0.5) {
      const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '')
        .trim().slice(0, 40);
      small.push(el.tagName.toLowerCase() + ' "' + text + '" ' +
                 Math.round(r.width) + 'x' + Math.round(r.height));
    }
  }
  return {overflow: document.documentElement.scrollWidth - window.innerWidth, small: small};
}""".replace("MIN_PX", str(MIN))


def _audit(page, name):
    shot(page, SHOTS, name)
    found = page.evaluate(TARGETS)
    assert found["overflow"] <= 0, f"{name}: scrolls sideways by {found['overflow']} px"
    assert found["small"] == [], f"{name}: targets under {MIN} px: {found['small']}"


def _open(page, live_server, user, path):
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + path)
    log_in(page, user.username)
    page.wait_for_url(live_server.url + path)


@pytest.mark.parametrize(
    "state", ["visit", "home", "captured", "nib_issued", "returned", "correct", "lookup"]
)
def test_the_officer_s_pages_fit_a_phone(live_server, device, market_day, state):
    officer, visit = market_day
    reg = services.registration_create(
        officer=officer, visit=visit, **registration_data(nik=nik(4101))
    )
    if state in ("nib_issued",):
        services.registration_submit(registration=reg, by=officer)
        services.registration_record_nib(
            registration=reg, by=officer, nib="9120400000031", issued_on=timezone.localdate()
        )
    if state in ("returned", "correct"):
        services.registration_return(registration=reg, by=officer, reason="KTP buram")
    paths = {
        "visit": reverse("sipabes:visit", args=[visit.pk]),
        "home": reverse("sipabes:home"),
        "captured": reverse("sipabes:registration", args=[reg.pk]),
        "nib_issued": reverse("sipabes:registration", args=[reg.pk]),
        "returned": reverse("sipabes:registration", args=[reg.pk]),
        "correct": reverse("sipabes:correct", args=[reg.pk]),
    }
    page = device(*PHONE)
    if state == "lookup":
        page.goto(live_server.url + reverse("sipabes:lookup"))
        _audit(page, "lookup-form")
        page.goto(
            live_server.url + reverse("sipabes:lookup") + f"?code={reg.receipt_code}&nik_last4=4101"
        )
        _audit(page, "lookup-answer")
        return
    _open(page, live_server, officer, paths[state])
    if state in ("captured", "nib_issued", "returned"):
        for summary in page.locator("main details > summary").all():
            summary.click()  # the folded forms are part of the page too
    _audit(page, state)


def test_the_planner_s_pages_fit_a_phone(live_server, device, market_day):
    officer, visit = market_day
    admin = UserFactory(username="admin.mpp.phone", role=User.Role.HALL_ADMIN, hall=visit.hall)
    services.visit_plan(
        market=visit.market,
        date=timezone.localdate() + datetime.timedelta(days=3),
        by=admin,
        officers=[officer],
    )
    page = device(*PHONE)
    _open(page, live_server, admin, reverse("sipabes:visits"))
    _audit(page, "visits")
    page.goto(live_server.url + reverse("sipabes:markets"))
    _audit(page, "markets")
