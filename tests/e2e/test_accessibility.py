"""WCAG 2.1 AA basics on the public pages, measured in Chromium as rendered.

For every visible piece of text: the contrast between its colour and the
first opaque background behind it is at least 4.5:1 (3:1 for large text,
24 px, or 18.66 px bold). Text over an image or gradient is skipped: its
background is not one colour. Every form control has an accessible name,
every image a text alternative, and the page has one h1 and a lang.
"""

import pytest
from django.urls import reverse

from services.models import BookingSchedule
from tests.e2e.steps import log_in
from tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AUDIT = r"""
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const blend = (fg, bg) => ({
    r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a),
    b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1,
  });
  const background = (el) => {
    let layers = [];
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== "none") return null;
      const bg = parse(style.backgroundColor);
      if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    }
    let color = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) color = blend(layer, color);
    return color;
  };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || seen.has(el)) continue;
    seen.add(el);
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (rect.width === 0 || rect.height === 0 || style.visibility === "hidden") continue;
    if (el.closest(".visually-hidden, [aria-hidden='true'], option, script, style")) continue;
    const bg = background(el);
    if (!bg) continue;
    const fg = blend(parse(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    if (ratio + 0.005 < needed) {
      const behind = `rgb(${[bg.r, bg.g, bg.b].map(Math.round).join(",")})`;
      problems.push(
        `contrast ${ratio.toFixed(2)} < ${needed}: "${text.slice(0, 40)}" `
        + `(${style.color} on ${behind})`
      );
    }
  }
  const controls = "input:not([type=hidden]), select, textarea, button";
  for (const control of document.querySelectorAll(controls)) {
    const rect = control.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0 && !control.classList.contains("btn-check")) continue;
    const labelled = control.labels?.length || control.getAttribute("aria-label")
      || control.getAttribute("aria-labelledby") || control.getAttribute("title")
      || (control.tagName === "BUTTON" && control.textContent.trim());
    const tag = control.tagName.toLowerCase();
    if (!labelled) problems.push(`no accessible name: <${tag} name="${control.name || ""}">`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  }
  if (document.querySelectorAll("h1").length !== 1) problems.push("the page needs exactly one h1");
  if (!document.documentElement.lang) problems.push("<html> has no lang");
  return problems;
}
"""


@pytest.fixture
def bookable(agency_a):
    service = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    BookingSchedule.objects.create(service=service, weekdays=[0, 1, 2, 3, 4])
    return service


@pytest.mark.parametrize(
    "path",
    [
        "/",
        reverse("services:catalogue"),
        reverse("services:booking_start"),
        reverse("services:track_lookup"),
        reverse("complaints:home"),
        reverse("complaints:new"),
        reverse("complaints:public_list"),
        reverse("accounts:login"),
        "/verifikasi/",
    ],
)
@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_public_pages_meet_the_basics(
    live_server, device, hall, agency_a, bookable, path, viewport
):
    page = device(*viewport)
    response = page.goto(live_server.url + path)
    assert response.status == 200
    assert page.evaluate(AUDIT) == []


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("staff_a", reverse("services:console")),
        ("hall_admin", reverse("services:stats")),
        ("hall_admin", reverse("services:ikm")),
        ("hall_admin", reverse("services:booking_staff")),
        ("hall_admin", reverse("complaints:inbox")),
        ("staff_a", reverse("complaints:agency_list")),
    ],
)
def test_staff_pages_meet_the_basics(live_server, device, request, hall, bookable, persona, path):
    user = request.getfixturevalue(persona)
    page = device(1366, 900)
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + path)
    log_in(page, user.username)
    page.wait_for_url(live_server.url + path)
    assert page.evaluate(AUDIT) == []
