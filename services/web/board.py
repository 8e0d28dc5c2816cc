"""Pages of the queue: the hall's public display board (a TV, no login).

The page renders the board's state once; static/services/board.js then polls
``GET /api/v1/halls/<slug>/board/`` every second and announces each new call
by voice. ``announcement_text`` here and ``MPPBoard.announcementText`` in the
script build the same sentence; a browser test keeps them in agreement.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp_portal.accounts.permissions import can
from mpp_portal.audit import record
from mpp_portal.documents.formatting import terbilang
from mpp_portal.organizations.models import Hall
from services import selectors

# Calls listed under the big one; board.js has the same number (RECENT).
RECENT_CALLS = 6

# Digits are read one by one ("A-012" is "A nol satu dua"), as halls call
# tickets, never as a number ("dua belas").
DIGIT_WORDS = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
)


def spoken_code(code):
    """Return a ticket code as it is read aloud: "DK-105" -> "D K satu nol lima"."""
    words = []
    for char in code.upper():
        if "0" <= char <= "9":
            words.append(DIGIT_WORDS[int(char)])
        elif "A" <= char <= "Z":
            words.append(char)
    return " ".join(words)


def announcement_text(code, counter_number):
    """Return the Indonesian sentence the board speaks for a call.

    Always Indonesian, whatever the page language: it is what the hall hears.

    >>> announcement_text("A-012", 3)
    'Nomor antrean A nol satu dua, silakan menuju loket tiga'
    """
    return f"Nomor antrean {spoken_code(code)}, silakan menuju loket {terbilang(counter_number)}"


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Hall
        fields = ["board_announcement"]
        widgets = {"board_announcement": forms.TextInput(attrs={"maxlength": 300})}


@login_required
def board_announcement(request, hall):
    """The hall admin edits the running text; the boards show it within seconds."""
    hall = get_object_or_404(Hall, slug=hall, is_active=True)
    if not can(request.user, "board.announce", hall=hall):
        raise PermissionDenied
    form = AnnouncementForm(request.POST or None, instance=hall)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            before = Hall.objects.select_for_update().get(pk=hall.pk).board_announcement
            form.instance.board_announcement = " ".join(
                form.cleaned_data["board_announcement"].split()
            )
            form.instance.save(update_fields=["board_announcement"])
            selectors.board_changed(hall.pk)
            transaction.on_commit(lambda: selectors.board_hall_changed(hall.slug))
            selectors.board_hall_changed(hall.slug)
            record(
                actor=request.user,
                action="hall.board_announcement",
                obj=hall,
                note=f"{before} → {form.instance.board_announcement}",
                request=request,
            )
        messages.success(request, _("Teks berjalan disimpan; layar antrean menampilkannya."))
        return redirect("services:board_announcement", hall=hall.slug)
    return render(request, "services/board/announcement.html", {"hall": hall, "form": form})


@never_cache
def board(request, hall):
    hall = get_object_or_404(Hall, slug=hall, is_active=True)
    # The poll's cached state: at a year of tickets the page costs a cache
    # read, as the poll does (the copy keeps the cached dict untouched).
    state = dict(selectors.cached_board_state(hall))
    state.pop("fingerprint")
    state.pop("etag", None)
    latest = state["calls"][0] if state["calls"] else None
    now = timezone.localtime()
    context = {
        "hall": hall,
        "board": state,
        "latest": latest,
        "recent_calls": state["calls"][1 : 1 + RECENT_CALLS],
        "announcement": (
            announcement_text(latest["code"], latest["counter_number"]) if latest else ""
        ),
        "api_url": reverse("hall-board", args=[hall.slug]),
        "today": date_format(now, "DATE_FORMAT"),
        "now": now,
        # Labels the script needs when it redraws the board, in the page language.
        "strings": {
            "counter": _("Loket %(number)s"),
            "noCalls": _("Belum ada panggilan"),
            "noRecent": _("Belum ada panggilan sebelumnya"),
            "noCounters": _("Belum ada loket yang buka"),
            "noWaiting": _("Tidak ada yang menunggu"),
            "recall": _("ulang"),
            "booked": _("terjadwal"),
            "paused": _("istirahat"),
            "transferred": _("dialihkan"),
            "ok": _("Diperbarui otomatis"),
            "offline": _("Koneksi terputus, mencoba lagi…"),
            "soundOn": _("Suara aktif"),
            "soundOff": _("Suara belum aktif"),
            # The clock the script redraws: names in the page language, Sunday first.
            "days": [str(WEEKDAYS[(day + 6) % 7]) for day in range(7)],
            "months": [str(MONTHS[month]) for month in range(1, 13)],
            "timeSeparator": get_format("TIME_FORMAT")[1],
        },
    }
    return render(request, "services/board/board.html", context)


urlpatterns = [
    path("antrean/layar/<slug:hall>/", board, name="board"),
    path(
        "antrean/layar/<slug:hall>/teks-berjalan/",
        board_announcement,
        name="board_announcement",
    ),
]
