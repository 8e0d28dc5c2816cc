"""Every page in English: no msgid of ours may miss the English catalogue.

The pages render with the demo data (manage.py seed_demo) while a recorder
wraps the English translation object: every gettext/ngettext lookup that
finds no English entry is written down, whether it came from a template
({% translate %}, {% blocktranslate %}), a form, a model's choices or a
view. Lookups of msgids that Django or a third-party app translates for
other languages (their English source strings, "This field is required.")
are not ours and do not count.

New pages: add a ``Page`` to PAGES (public) or STAFF_PAGES (signed in). A
path may be a function of the demo objects (``Demo``).
"""

import gettext as gettext_module
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import trans_real

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]


# --- the recorder ---------------------------------------------------------------------------


def _library_msgids():
    """Msgids that Django and third-party apps translate (any of a few languages)."""
    directories = [Path(django.__file__).parent / "conf" / "locale"]
    for config in apps.get_app_configs():
        path = Path(config.path)
        if PROJECT in path.parents and ".venv" not in path.parts:
            continue  # our own apps
        directories.append(path / "locale")
    msgids = set()
    for directory in directories:
        for language in ("id", "de", "fr", "nl", "es"):
            for mo in (directory / language / "LC_MESSAGES").glob("*.mo"):
                with mo.open("rb") as handle:
                    catalog = gettext_module.GNUTranslations(handle)._catalog
                for key in catalog:
                    msgids.add(key[0] if isinstance(key, tuple) else key)
    return msgids


# {% get_available_languages %} passes the names through gettext; the switch shows
# each language in itself (name_local), so "Bahasa Indonesia" needs no English.
LANGUAGE_NAMES = {name for _code, name in settings.LANGUAGES}

# A msgid whose Indonesian text shows on an English page was formatted before
# English was active (e.g. ``_("... %(n)s") % {...}`` at import): no lookup
# happens then, so the pages' text is searched for the msgids' long pieces.
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdf]|%[sdf]|\{[^}]*\}|<[^>]*>|&[a-z]+;|\n")
MIN_PIECE = 30


def _indonesian_pieces():
    mo = PROJECT / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        catalog = gettext_module.GNUTranslations(handle)._catalog
    pieces = set()
    for key, english in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or "\x04" in msgid or msgid == english:
            continue
        for piece in PLACEHOLDER.split(msgid):
            piece = " ".join(piece.split())
            if len(piece) >= MIN_PIECE and piece not in english:
                pieces.add(piece)
    return pieces


def _visible_text(html):
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]*>", " ", html)).split())


class Recorder:
    """Wrap the English DjangoTranslation; ``misses`` collects msgids it lacks."""

    def __init__(self, monkeypatch):
        self.library = _library_msgids()
        self.misses = set()
        english = trans_real.translation("en")
        catalog = english._catalog
        original_gettext, original_ngettext = english.gettext, english.ngettext

        def gettext(message):
            self._check(message, message in catalog)
            return original_gettext(message)

        def ngettext(singular, plural, number):
            self._check(singular, (singular, 0) in catalog)
            return original_ngettext(singular, plural, number)

        monkeypatch.setattr(english, "gettext", gettext)
        monkeypatch.setattr(english, "ngettext", ngettext)

    def _check(self, message, found):
        if found or not message.strip() or message in LANGUAGE_NAMES:
            return
        if message in self.library or message.split("\x04")[-1] in self.library:
            return
        self.misses.add(message)

    def take(self):
        misses, self.misses = self.misses, set()
        return misses


# --- the demo objects -----------------------------------------------------------------------


@dataclass
class Demo:
    hall: object
    service: object
    counter: object
    ticket: object
    booking: object
    booking_token: str
    complaint: object
    complaint_token: str
    public_complaint: object
    extra: dict = field(default_factory=dict)


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--force", stdout=_Sink(), stderr=_Sink())
    from complaints.models import Complaint
    from mpp_portal.organizations.models import Hall
    from services.models import Booking, Counter, Service, Ticket

    hall = Hall.objects.get(slug="perigo-agung")
    service = Service.objects.filter(agency__hall=hall, booking_schedule__isnull=False).first()
    booking = Booking.objects.filter(service__agency__hall=hall).order_by("-pk").first()
    booking_token = booking.set_manage_token()
    booking.save(update_fields=["manage_token_hash"])
    complaint = Complaint.objects.filter(hall=hall).order_by("-pk").first()
    complaint_token = complaint.set_access_token()
    complaint.save(update_fields=["access_token_hash"])
    public = Complaint.objects.filter(hall=hall, is_confidential=False).exclude(
        status__in=["submitted"]
    )
    return Demo(
        hall=hall,
        service=service,
        counter=Counter.objects.filter(hall=hall).order_by("pk").first(),
        ticket=Ticket.objects.filter(service__agency__hall=hall).order_by("-pk").first(),
        booking=booking,
        booking_token=booking_token,
        complaint=complaint,
        complaint_token=complaint_token,
        public_complaint=public.order_by("-pk").first() or complaint,
    )


class _Sink:
    def write(self, text):
        pass

    def flush(self):
        pass


# --- the pages ------------------------------------------------------------------------------


@dataclass
class Page:
    path: Callable[[Demo], str] | str
    method: str = "get"
    data: dict | None = None
    user: str | None = None  # a demo username; None: anonymous

    def url(self, demo):
        return self.path(demo) if callable(self.path) else self.path


def _r(name, *args):
    return reverse(name, args=args)


def _first(model_path, **filters):
    """The demo's first row of ``app_label.Model`` matching ``filters`` (pk order)."""
    from django.apps import apps

    return apps.get_model(model_path).objects.filter(**filters).order_by("pk").first()


def _signed_forum_url(demo):
    forum = _first("forums.Forum", hall=demo.hall, status="signed")
    return _r("forums:public_detail", forum.pk, forum.slug)


def _pending_signoff_url(demo):
    signatory = _first(
        "forums.Signatory", forum__status="in_signing", user__username="bupati", approved_at=None
    )
    return _r("forums:signoff_detail", signatory.forum_id)


PAGES = [
    Page("/"),
    Page(lambda d: d.hall.get_absolute_url()),
    Page(_r("accounts:login")),
    Page(_r("accounts:login"), "post", {"username": "tidak.ada", "password": "salah"}),
    Page(_r("services:catalogue")),
    Page(_r("services:catalogue") + "?q=tidak-ada-xyz"),
    Page(lambda d: d.service.get_absolute_url()),
    Page(lambda d: _r("services:detail_print", d.service.pk, d.service.slug)),
    Page(lambda d: _r("services:board", d.hall.slug)),
    Page(_r("services:track_lookup")),
    Page(_r("services:track_lookup") + "?code=XXXX-XXXX"),
    Page(lambda d: _r("services:track", d.ticket.tracking_code)),
    Page(lambda d: _r("services:survey", d.ticket.tracking_code)),
    Page(_r("services:booking_start")),
    Page(lambda d: _r("services:booking_service", d.service.pk)),
    Page(lambda d: _r("services:booking_service", d.service.pk), "post", {}),
    Page(_r("services:booking_find")),
    Page(_r("services:booking_find"), "post", {"code": "ZZZZZZ", "phone": "0812"}),
    Page(lambda d: _r("services:booking_detail", d.booking.code)),
    Page(lambda d: _r("services:booking_manage", d.booking.code) + f"?token={d.booking_token}"),
    Page(_r("complaints:home")),
    Page(_r("complaints:new")),
    Page(_r("complaints:new"), "post", {"title": "x"}),
    Page(_r("complaints:track_lookup")),
    Page(_r("complaints:track_lookup"), "post", {"tracking_id": "x", "token": "y"}),
    Page(lambda d: _r("complaints:track", d.complaint.tracking_id) + f"?token={d.complaint_token}"),
    Page(_r("complaints:public_list")),
    Page(lambda d: _r("complaints:public_detail", d.public_complaint.tracking_id)),
    Page(_r("complaints:stats")),
    Page(_r("documents:lookup")),
    Page(_r("documents:lookup") + "?code=TIDAKADA"),
    Page("/tidak-ada-halaman/"),
    # SIPABES, forums and agreements (issues 10-12)
    Page(_r("sipabes:dashboard")),
    Page(_r("sipabes:dashboard") + "?tahun=abc"),
    Page(_r("sipabes:lookup")),
    Page(_r("sipabes:lookup"), "post", {"code": "TIDAKADA", "nik4": "12"}),
    Page(_r("forums:public_list")),
    Page(_signed_forum_url),
    Page(lambda d: _first("forums.Forum", hall=d.hall, inputs_open=True).get_absolute_url()),
    Page(lambda d: _r("agreements:public", d.hall.slug)),
    # The regency's dashboard (issue 16)
    Page(lambda d: _r("regency:public_dashboard", d.hall.slug)),
    Page(lambda d: _r("regency:public_dashboard", d.hall.slug) + "?jenis=month&tahun=2026&ke=13"),
]

STAFF_PAGES = [
    Page("/", user="warga"),
    Page(_r("services:my_bookings"), user="warga"),
    Page(_r("services:console"), user="petugas.dukcapil"),
    Page(lambda d: _r("services:console_counter", d.counter.pk), user="petugas.dukcapil"),
    Page(lambda d: _r("services:console_queue", d.counter.pk), user="petugas.dukcapil"),
    Page(lambda d: _r("services:survey_tablet", d.counter.pk), user="petugas.dukcapil"),
    Page(_r("complaints:agency_list"), user="petugas.dukcapil"),
    Page(_r("complaints:new_counter"), user="petugas.dukcapil"),
    Page(lambda d: _r("services:kiosk", d.hall.slug), user="kiosk"),
    Page(lambda d: _r("services:kiosk_check_in", d.hall.slug), user="kiosk"),
    Page(_r("services:manage"), user="admin.dukcapil"),
    Page(_r("services:manage_create"), user="admin.dukcapil"),
    Page(lambda d: _r("services:manage_edit", d.service.pk), user="admin.mpp"),
    Page(lambda d: _r("services:booking_schedule", d.service.pk), user="admin.mpp"),
    Page(_r("services:booking_staff"), user="admin.mpp"),
    Page(_r("services:booking_close_day"), user="admin.mpp"),
    Page(_r("services:stats"), user="admin.mpp"),
    Page(_r("services:ikm"), user="admin.mpp"),
    Page(_r("complaints:inbox"), user="admin.mpp"),
    Page(_r("complaints:overdue"), user="admin.mpp"),
    Page(lambda d: _r("complaints:detail", d.complaint.tracking_id), user="admin.mpp"),
    Page(lambda d: _r("complaints:detail", d.complaint.tracking_id), user="admin.dukcapil"),
    Page(lambda d: _r("services:board_announcement", d.hall.slug), user="admin.mpp"),
    Page(lambda d: _r("services:kiosk", d.hall.slug) + f"?service={d.service.pk}", user="kiosk"),
    Page(lambda d: _r("services:ticket_print", d.ticket.tracking_code), user="kiosk"),
    Page(_r("complaints:inbox"), user="bupati"),
    Page(_r("accounts:coming"), user="api.dukcapil"),
    Page(_r("sipabes:home"), user="petugas.sipabes"),
    Page(
        lambda d: _r("sipabes:visit", _first("sipabes.Visit", hall=d.hall, status="open").pk),
        user="petugas.sipabes",
    ),
    Page(
        lambda d: _r("sipabes:registration", _first("sipabes.Registration", hall=d.hall).pk),
        user="petugas.sipabes",
    ),
    Page(_r("sipabes:staff_list"), user="admin.mpp"),
    Page(_r("sipabes:visits"), user="admin.mpp"),
    Page(_r("sipabes:markets"), user="admin.mpp"),
    Page(_r("forums:manage_list"), user="admin.mpp"),
    Page(_r("forums:manage_new"), user="admin.mpp"),
    Page(
        lambda d: _r("forums:manage_detail", _first("forums.Forum", hall=d.hall).pk),
        user="admin.mpp",
    ),
    Page(
        lambda d: _r("forums:report", _first("forums.Forum", hall=d.hall, status="signed").pk),
        user="admin.mpp",
    ),
    Page(_r("forums:signoff_list"), user="bupati"),
    Page(_pending_signoff_url, user="bupati"),
    Page(_r("forums:agency_items"), user="admin.dukcapil"),
    Page(_r("agreements:list"), user="admin.mpp"),
    Page(_r("agreements:coverage"), user="admin.mpp"),
    Page(_r("agreements:stakeholders"), user="admin.mpp"),
    Page(_r("agreements:create"), user="admin.mpp"),
    Page(lambda d: _r("agreements:detail", _first("agreements.Agreement").pk), user="admin.mpp"),
    Page(_r("regency:dashboard"), user="bupati"),
    Page(_r("regency:dashboard") + "?jenis=year&tahun=abc", user="admin.mpp"),
    Page(_r("regency:dashboard"), user="admin.dukcapil"),
    Page(_r("regency:evidence"), user="admin.mpp"),
    Page(_r("regency:evidence_indicators"), user="admin.mpp"),
    Page(_r("services:console"), user="warga"),  # forbidden: the 403 page
]


def _fetch(client, page, demo):
    from mpp_portal.accounts.models import User

    client.cookies["django_language"] = "en"
    if page.user:
        client.force_login(User.objects.get(username=page.user))
    url = page.url(demo)
    if page.method == "post":
        response = client.post(url, page.data or {}, follow=True)
    else:
        response = client.get(url, follow=True)
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return url, response


def _stored_texts():
    """Texts written into the database in the language of their moment (a
    complaint's timeline entries): the data of record, not the page's words."""
    from complaints.models import ComplaintUpdate

    bodies = ComplaintUpdate.objects.values_list("body", flat=True)
    return " ".join(" ".join(body.split()) for body in bodies)


def test_every_page_in_english_has_every_string_translated(client, demo, monkeypatch):
    recorder = Recorder(monkeypatch)
    stored = _stored_texts()
    pieces = {piece for piece in _indonesian_pieces() if piece not in stored}
    problems = {}
    for page in PAGES + STAFF_PAGES:
        client.logout()
        url, response = _fetch(client, page, demo)
        assert response.status_code < 500, url
        if b"<html" in response.content:
            assert b'<html lang="en"' in response.content, url
        misses = recorder.take()
        if b"<html" in response.content or b"<section" in response.content:
            text = _visible_text(response.content.decode())
            misses |= {f"(shown in Indonesian) {p}" for p in pieces if p in text}
        if misses:
            problems[f"{page.method.upper()} {url} as {page.user or 'anonymous'}"] = sorted(misses)
    assert problems == {}


def test_the_recorder_sees_a_missing_msgid(client, demo, monkeypatch):
    """A string with no English entry, from a template and from Python, is reported."""
    from django.template import Context, Template
    from django.utils.translation import gettext, ngettext, override

    recorder = Recorder(monkeypatch)
    with override("en"):
        Template("{% load i18n %}{% translate 'Kalimat uji tanpa terjemahan' %}").render(Context())
        gettext("Kalimat lain tanpa terjemahan")
        ngettext("%(n)s pengaduan uji", "%(n)s pengaduan uji", 2)
        gettext("This field is required.")  # Django's own: not ours
        gettext("Pengaduan")  # translated
    assert recorder.take() == {
        "Kalimat uji tanpa terjemahan",
        "Kalimat lain tanpa terjemahan",
        "%(n)s pengaduan uji",
    }


def test_english_pages_write_english_dates_times_and_labels(client, demo):
    from django.utils.translation import override

    from complaints.models import Complaint

    client.cookies["django_language"] = "en"
    html = client.get(demo.hall.get_absolute_url()).content.decode()
    assert "Monday" in html and "Senin" not in html
    assert "08:00–16:00" in html and "08.00" not in html

    board = client.get(reverse("services:board", args=[demo.hall.slug])).content.decode()
    assert "Public Service Mall<" in board  # one hall, not "Malls"
    today = timezone.localdate()
    assert f"{today:%A}, {today.day} {today:%B} {today.year}" in board
    assert '"timeSeparator": ":"' in board and '"Sunday"' in board and '"December"' in board

    form = client.get(reverse("complaints:new")).content.decode()
    assert "Short, at most 150 characters." in form or "at most 150" in form
    assert "Ringkas, paling banyak" not in form
    assert "Ceritakan apa yang terjadi" not in form

    one = Complaint.objects.filter(kind=Complaint.Kind.COMPLAINT).first()
    token = one.set_access_token()
    one.save(update_fields=["access_token_hash"])
    track = client.get(
        reverse("complaints:track", args=[one.tracking_id]) + f"?token={token}", follow=True
    )
    with override("en"):
        kind = str(one.get_kind_display())
    assert kind == "Complaint"
    assert kind in _visible_text(track.content.decode())


def test_indonesian_pages_keep_indonesian_dates_and_times(client, demo):
    html = client.get(demo.hall.get_absolute_url()).content.decode()
    assert "08.00–16.00" in html
    board = client.get(reverse("services:board", args=[demo.hall.slug])).content.decode()
    assert "Mal Pelayanan Publik<" in board
    assert '"timeSeparator": "."' in board and '"Minggu"' in board and '"Desember"' in board
