"""The hall admin's planning pages and the signatory's pages on a 390x844 phone:
nothing wider than the screen, every control large enough to tap, WCAG basics;
screenshots in var/screenshots/forum-phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.steps import accessibility_problems, log_in, shot
from tests.forums.conftest import (  # noqa: F401 - fixtures
    bupati,
    drafted_forum,
    held_forum,
    kadis,
    planned_forum,
    signing_forum,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOLDER = "var/screenshots/forum-phone"

# Controls smaller than 24 CSS px in either direction (WCAG 2.2, 2.5.8) or
# reaching past the screen's right edge; links inside running text are exempt.
SMALL_OR_CUT = """
() => {
  const out = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll(
      'main button, main .btn, main input:not([type=hidden]), main select, main textarea,'
      + ' main .nav-link, main .page-link')) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    const check = el.type === 'checkbox' || el.type === 'radio';
    const label = check && el.labels && el.labels[0] && el.labels[0].getBoundingClientRect();
    // A check box is tapped through its label too.
    const h = label ? Math.max(r.height, label.height) : r.height;
    const w = label ? Math.max(r.right, label.right) - Math.min(r.left, label.left) : r.width;
    if (h < 24 || w < 24 || r.right > width + 0.5) {
      out.push(`${el.tagName.toLowerCase()}#${el.id || ''}.${el.className} `
               + `${Math.round(w)}x${Math.round(h)} right ${Math.round(r.right)}`);
    }
  }
  return out;
}
"""


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def phone(device):
    return device(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)


def check_page(page, name):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    assert page.evaluate(SMALL_OR_CUT) == [], name
    assert accessibility_problems(page) == [], name
    shot(page, FOLDER, name)


def test_planning_pages_on_a_phone(live_server, device, hall_admin, planned_forum):  # noqa: F811
    page = phone(device)
    url = reverse("forums:manage_new")
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, hall_admin.username)
    page.wait_for_url(live_server.url + url)
    expect(page.locator("main form")).to_be_visible()
    check_page(page, "plan-new-390")

    for name in ("manage_detail", "manage_inputs", "manage_attendance", "manage_items"):
        page.goto(live_server.url + reverse(f"forums:{name}", args=[planned_forum.pk]))
        check_page(page, f"{name}-390")


def test_signatory_pages_on_a_phone(
    live_server,
    device,
    _media,
    bupati,  # noqa: F811 - the fixtures imported above
    signing_forum,  # noqa: F811
):
    page = phone(device)
    url = reverse("forums:signoff_list")
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, bupati.username)
    page.wait_for_url(live_server.url + url)
    expect(page.locator("main")).to_contain_text(signing_forum.theme)
    check_page(page, "signoff-list-390")

    page.goto(live_server.url + reverse("forums:signoff_detail", args=[signing_forum.pk]))
    expect(page.locator("main")).to_contain_text(signing_forum.frozen_sha256[:16])
    check_page(page, "signoff-detail-390")
