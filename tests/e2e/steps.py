"""Steps every browser journey takes: sign in on the login page, keep a screenshot."""

import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def log_in(page, username):
    """Fill the login page the browser was sent to and submit it."""
    expect(page).to_have_url(re.compile(r"/akun/masuk/"))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Masuk").click()


def shot(page, folder, name):
    """Save a full-page screenshot to look at after the run (folder/name.png)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def wait_until(page, expression, timeout=10_000):
    """Poll a JavaScript expression until it is truthy.

    Playwright's wait_for_function evaluates its string with eval(), which the
    portal's Content-Security-Policy (script-src 'self') refuses; evaluate()
    runs through the DevTools protocol and is not subject to it.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        page.wait_for_timeout(100)


def open_menu(page):
    """Open the header's menu on a phone (no-op where it is not collapsed).

    Bootstrap slides it open; a click on one of its items mid-slide can be
    lost on a loaded machine (CI saw it twice), so this waits until the menu
    has finished opening.
    """
    toggler = page.get_by_role("button", name="Buka menu")
    if not toggler.is_visible():
        return
    toggler.click()
    expect(page.locator("#menu-utama")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


# The accessibility audit run in the page: labels, names and text contrast.
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


def accessibility_problems(page):
    """What the audit finds on the page (an empty list: nothing).

    It reads computed colours, so it runs once the page's stylesheets have
    arrived: page.evaluate waits for the load event (tests/e2e/conftest.py).
    """
    return page.evaluate(AUDIT)
