"""Service catalogue, counters and the walk-in queue.

Tickets and bookings are state machines (DESIGN.md §3): their statuses are
moved only through ``mpp_portal.transitions`` (which checks ``TRANSITIONS``,
stamps the time and writes the audit entry), called by ``services.queue``
and ``services.booking``.
"""

import datetime
import hashlib
import re
import secrets

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.query import ModelIterable
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mpp_portal.accounts.permissions import scope
from mpp_portal.organizations.models import Agency, Hall


class Priority(models.TextChoices):
    """The groups UU 25/2009 Pasal 29 and its elucidation give special
    treatment (DOMAIN.md "Priority service"), and everybody else.

    A parent who comes with a baby or a small child queues in the children's
    group, not as a pregnant woman: the law names children, and DOMAIN.md
    counts the children who accompany a parent among them. Tickets issued
    before the split keep "ibu_hamil" (then "Ibu hamil / membawa anak").
    """

    NORMAL = "normal", _("Umum")
    ELDERLY = "lansia", _("Lansia")
    DISABILITY = "disabilitas", _("Penyandang disabilitas")
    PREGNANT = "ibu_hamil", _("Ibu hamil")
    CHILD = "anak", _("Anak-anak / membawa anak kecil")
    # The elucidation names victims of natural and of social disasters.
    DISASTER_VICTIM = "korban_bencana", _("Korban bencana")


PRIORITY_LEVELS = [p for p in Priority.values if p != Priority.NORMAL]


class ServiceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, agency__is_active=True)

    def for_hall(self, hall):
        return self.filter(agency__hall=hall)

    def visible_to(self, user):
        """Services a staff member works with: own agency, or the whole hall."""
        return scope(self, user, "queue.operate", hall="agency__hall_id", agency="agency_id")

    def search(self, text):
        """Full-text search in Indonesian (stemmed) with a prefix fallback."""
        text = (text or "").strip()
        if not text:
            return self
        vector = (
            SearchVector("name", weight="A", config="indonesian")
            + SearchVector("agency__name", "agency__short_name", weight="B", config="indonesian")
            + SearchVector("description", weight="C", config="indonesian")
        )
        query = SearchQuery(text, config="indonesian", search_type="websearch")
        # Filter on the match itself: ts_rank gives rows that match none of
        # the words a tiny positive rank.
        return (
            self.annotate(document=vector, rank=SearchRank(vector, query))
            .filter(
                Q(document=query)
                | Q(name__icontains=text)
                | Q(agency__short_name__icontains=text)
                | Q(code__iexact=text)
            )
            .order_by("-rank", "name")
        )


class Service(models.Model):
    """A service an agency delivers at the hall, with its standar pelayanan.

    The fourteen components of Permenpan RB 15/2014 (DOMAIN.md) are
    stored as fields so that the public page can show them in order.
    """

    agency = models.ForeignKey(
        Agency, verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("nama layanan"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    code = models.CharField(
        _("kode antrean"),
        max_length=3,
        validators=[
            RegexValidator(r"^[A-Z]{1,3}$", _("Gunakan 1-3 huruf kapital, mis. A atau DK."))
        ],
        help_text=_("Huruf di depan nomor tiket, mis. A untuk A-012."),
    )
    description = models.TextField(_("deskripsi"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    average_service_minutes = models.PositiveSmallIntegerField(
        _("rata-rata waktu layanan (menit)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(480)],
        help_text=_("Diperbarui dari riwayat layanan, kecuali ditetapkan manual."),
    )
    average_minutes_fixed = models.BooleanField(
        _("tetapkan rata-rata secara manual"), default=False
    )
    daily_ticket_cap = models.PositiveIntegerField(
        _("kuota tiket harian"),
        null=True,
        blank=True,
        help_text=_("Kosongkan bila tidak dibatasi."),
    )
    accepted_priorities = ArrayField(
        models.CharField(max_length=20, choices=Priority.choices),
        verbose_name=_("prioritas yang dilayani"),
        default=list,
        blank=True,
        help_text=_("Kelompok prioritas yang boleh mengambil tiket prioritas."),
    )

    # -- Standar pelayanan: penyampaian pelayanan (1-6) ----------------------
    requirements = ArrayField(
        models.CharField(max_length=300),
        verbose_name=_("1. persyaratan"),
        default=list,
        blank=True,
    )
    procedure = models.TextField(_("2. sistem, mekanisme dan prosedur"), blank=True)
    duration = models.CharField(_("3. jangka waktu pelayanan"), max_length=200, blank=True)
    fee = models.PositiveBigIntegerField(_("4. biaya/tarif (rupiah)"), default=0)
    fee_note = models.CharField(_("keterangan biaya"), max_length=300, blank=True)
    product = models.CharField(_("5. produk pelayanan"), max_length=300, blank=True)
    complaint_handling = models.TextField(
        _("6. penanganan pengaduan, saran dan masukan"), blank=True
    )
    # -- Standar pelayanan: pengelolaan pelayanan (7-14) ---------------------
    legal_basis = ArrayField(
        models.CharField(max_length=300), verbose_name=_("7. dasar hukum"), default=list, blank=True
    )
    facilities = models.TextField(_("8. sarana dan prasarana"), blank=True)
    staff_competence = models.TextField(_("9. kompetensi pelaksana"), blank=True)
    internal_supervision = models.TextField(_("10. pengawasan internal"), blank=True)
    staff_count = models.PositiveSmallIntegerField(_("11. jumlah pelaksana"), default=1)
    service_guarantee = models.TextField(_("12. jaminan pelayanan"), blank=True)
    safety_guarantee = models.TextField(_("13. jaminan keamanan dan keselamatan"), blank=True)
    performance_evaluation = models.TextField(_("14. evaluasi kinerja pelaksana"), blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "name"]
        verbose_name = _("layanan")
        verbose_name_plural = _("layanan")
        constraints = [
            models.UniqueConstraint(fields=["agency", "slug"], name="service_unique_slug"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("services:detail", args=[self.pk, self.slug])

    @property
    def hall_id(self):
        return self.agency.hall_id

    @property
    def is_free(self):
        return self.fee == 0

    def accepts(self, priority):
        return priority == Priority.NORMAL or priority in self.accepted_priorities

    def clean(self):
        bad = set(self.accepted_priorities) - set(PRIORITY_LEVELS)
        if bad:
            raise ValidationError({"accepted_priorities": _("Prioritas tidak dikenal.")})
        if self.agency_id and self.code:
            clash = (
                Service.objects.filter(agency__hall_id=self.agency.hall_id, code=self.code)
                .exclude(pk=self.pk)
                .exists()
            )
            if clash:
                raise ValidationError(
                    {"code": _("Kode antrean ini sudah dipakai layanan lain di gedung ini.")}
                )

    def standard_components(self):
        """Return the fourteen components as (number, label, value) in order."""
        fields = [
            "requirements",
            "procedure",
            "duration",
            "fee",
            "product",
            "complaint_handling",
            "legal_basis",
            "facilities",
            "staff_competence",
            "internal_supervision",
            "staff_count",
            "service_guarantee",
            "safety_guarantee",
            "performance_evaluation",
        ]
        rows = []
        for number, name in enumerate(fields, start=1):
            field = self._meta.get_field(name)
            label = str(field.verbose_name).split(". ", 1)[-1]
            value = getattr(self, name)
            if name == "fee":
                value = self.fee_display
            rows.append((number, label, value))
        return rows

    @property
    def fee_display(self):
        if self.fee == 0:
            return _("Gratis")
        amount = f"{self.fee:,}".replace(",", ".")
        return f"Rp{amount}"


class CounterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Counters a staff member works with: own agency, or the whole hall."""
        return scope(self, user, "queue.operate", hall="hall_id", agency="agency_id")


class Counter(models.Model):
    """A counter (loket/gerai) in a hall, run by one agency."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="counters")
    agency = models.ForeignKey(
        Agency, verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="counters"
    )
    number = models.PositiveSmallIntegerField(_("nomor loket"))
    name = models.CharField(_("nama"), max_length=100, blank=True)
    services = models.ManyToManyField(
        Service, through="CounterService", related_name="counters", verbose_name=_("layanan")
    )
    is_open = models.BooleanField(_("buka"), default=False)
    operator = models.ForeignKey(
        "accounts.User",
        verbose_name=_("petugas"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="operated_counters",
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    # Set while the open counter is on a break (istirahat): nobody is called
    # to it and the board says so. Each break is kept as a CounterPause.
    paused_at = models.DateTimeField(_("istirahat sejak"), null=True, blank=True)
    # Priority tickets called in a row; after PRIORITY_STREAK_LIMIT a normal
    # ticket gets its turn so that nobody waits forever.
    priority_streak = models.PositiveSmallIntegerField(default=0)

    PRIORITY_STREAK_LIMIT = 3

    objects = CounterQuerySet.as_manager()

    class Meta:
        ordering = ["hall", "number"]
        verbose_name = _("loket")
        verbose_name_plural = _("loket")
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="counter_unique_number"),
            # One staff member runs one open counter at a time.
            models.UniqueConstraint(
                fields=["operator"],
                condition=Q(is_open=True),
                name="counter_one_open_per_operator",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return self.name or _("Loket %(number)s") % {"number": self.number}

    def clean(self):
        if self.agency_id and self.hall_id and self.agency.hall_id != self.hall_id:
            raise ValidationError({"agency": _("Instansi ini tidak berada di gedung loket ini.")})


class CounterPause(models.Model):
    """One break of an open counter, from pause to resume (or close)."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="pauses")
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("mulai"))
    ended_at = models.DateTimeField(_("selesai"))

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("istirahat loket")
        verbose_name_plural = pgettext_lazy("jamak", "istirahat loket")
        indexes = [models.Index(fields=["counter", "started_at"], name="counterpause_day_idx")]

    def __str__(self):
        return f"{self.counter} {self.started_at:%Y-%m-%d %H:%M}-{self.ended_at:%H:%M}"

    @property
    def minutes(self):
        return max(0, round((self.ended_at - self.started_at).total_seconds() / 60))


class CounterService(models.Model):
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE)
    service = models.ForeignKey(Service, on_delete=models.CASCADE)
    weight = models.PositiveSmallIntegerField(
        _("bobot"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Layanan berbobot lebih tinggi dipanggil lebih dulu (1-10)."),
    )

    class Meta:
        verbose_name = _("layanan loket")
        verbose_name_plural = _("layanan loket")
        constraints = [
            models.UniqueConstraint(fields=["counter", "service"], name="counterservice_unique"),
        ]

    def __str__(self):
        return f"{self.counter} - {self.service}"

    def clean(self):
        """A counter serves only its own agency's services, in its own hall.

        Its staff may act only on their agency's tickets: a service of
        another agency would be called at a counter that cannot serve it.
        """
        try:
            counter, service = self.counter, self.service
        except (Counter.DoesNotExist, Service.DoesNotExist):
            return  # the missing field gets its own "required" error
        error = self.mismatch(counter, service)
        if error:
            raise ValidationError({"service": error})

    @staticmethod
    def mismatch(counter, service):
        """Return why ``counter`` may not serve ``service``, or None."""
        if service.agency_id != counter.agency_id or service.agency.hall_id != counter.hall_id:
            return _(
                "%(service)s adalah layanan %(agency)s; %(counter)s hanya melayani "
                "layanan %(counter_agency)s di gedung ini."
            ) % {
                "service": service.name,
                "agency": service.agency,
                "counter": counter.label,
                "counter_agency": counter.agency,
            }
        return None


class TicketSequence(models.Model):
    """The last ticket number issued for one service on one day.

    Incremented with one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
    inside the issuing transaction: the row lock serialises concurrent
    kiosks, and a rolled-back issue rolls the number back with it.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE)
    date = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("urutan nomor tiket")
        verbose_name_plural = pgettext_lazy("jamak", "urutan nomor tiket")
        constraints = [
            models.UniqueConstraint(fields=["service", "date"], name="ticketsequence_unique_day"),
        ]

    def __str__(self):
        return f"{self.service_id}@{self.date}: {self.last_number}"


# A tracking code is typed from a paper ticket on a phone: an alphabet with
# no look-alikes (no 0/O, no 1/I/L), read in any case, grouped by five
# ("K7QM4-XPD2H"). Ten characters of 31 are about 49.5 bits: far beyond
# guessing through the throttled lookup, for what a code unlocks (the
# ticket's tracking page and its one survey).
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10


def _tracking_code():
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_tracking_code(text):
    """Return the stored form of a tracking code as a person typed it, or None.

    Case, spaces, dashes and dots do not matter: "k7qm4 xpd2h" is "K7QM4-XPD2H".
    """
    cleaned = re.sub(r"[\s._-]", "", text or "").upper()
    if len(cleaned) != TRACKING_LENGTH or any(c not in TRACKING_ALPHABET for c in cleaned):
        return None
    return f"{cleaned[:5]}-{cleaned[5:]}"


class _QueuePositionIterable(ModelIterable):
    """Yield tickets with their place in the call order attached (one batch)."""

    def __iter__(self):
        from services.ordering import queue_positions

        tickets = list(super().__iter__())
        positions = queue_positions(tickets)
        for ticket in tickets:
            ticket.ahead_count, ticket.open_counter_count = positions.get(ticket.pk, (0, 0))
        yield from tickets


class TicketQuerySet(models.QuerySet):
    def by_tracking_code(self, text):
        """Filter to the ticket of a tracking code, typed in any case or grouping.

        Codes issued before the readable alphabet (case-sensitive URL-safe
        tokens) still match exactly.
        """
        text = (text or "").strip()
        codes = {text}
        normal = normalise_tracking_code(text)
        if normal:
            codes.add(normal)
        return self.filter(tracking_code__in=codes)

    def today(self, hall=None):
        qs = self.filter(date=timezone.localdate())
        if hall is not None:
            qs = qs.filter(service__agency__hall=hall)
        return qs

    def waiting(self):
        return self.filter(status=Ticket.Status.WAITING)

    def with_queue_position(self):
        """Attach ``ahead_count`` and ``open_counter_count`` to each ticket fetched.

        Ticket.people_ahead() and estimated_wait_minutes() read these. They
        come from services.ordering.queue_positions(), the call order itself,
        in two queries for the whole batch, so a list costs the same
        whatever its length.
        """
        clone = self._chain()
        clone._iterable_class = _QueuePositionIterable
        return clone

    def visible_to(self, user):
        """Tickets a staff member may see and act on."""
        return scope(
            self,
            user,
            "queue.operate",
            hall="service__agency__hall_id",
            agency="service__agency_id",
        )


class Ticket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Menunggu")
        CALLED = "called", _("Dipanggil")
        SERVING = "serving", _("Sedang dilayani")
        DONE = "done", _("Selesai")
        SKIPPED = "skipped", _("Tidak hadir")
        CANCELLED = "cancelled", _("Dibatalkan")

    # Allowed moves (DESIGN.md §3). A transfer moves the ticket back to
    # "waiting" in the target service; the move itself is kept as a
    # TicketTransfer row.
    TRANSITIONS = {
        Status.WAITING: {Status.CALLED, Status.CANCELLED},
        Status.CALLED: {Status.CALLED, Status.SERVING, Status.SKIPPED, Status.WAITING},
        Status.SERVING: {Status.DONE, Status.WAITING},
        Status.SKIPPED: {Status.WAITING},
        Status.DONE: set(),
        Status.CANCELLED: set(),
    }
    OPEN_STATUSES = (Status.WAITING, Status.CALLED, Status.SERVING)
    MAX_CALLS = 3

    service = models.ForeignKey(
        Service, verbose_name=_("layanan"), on_delete=models.PROTECT, related_name="tickets"
    )
    # The service whose daily sequence gave the number; it stays when the
    # ticket is transferred, so the printed code never changes.
    numbered_service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="numbered_tickets"
    )
    date = models.DateField(_("tanggal"))
    number = models.PositiveIntegerField(_("nomor"))
    code = models.CharField(_("kode"), max_length=10)
    tracking_code = models.CharField(max_length=20, unique=True, default=_tracking_code)
    priority = models.CharField(
        _("prioritas"), max_length=20, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.WAITING
    )
    issued_at = models.DateTimeField(_("waktu ambil"), default=timezone.now)
    # The arrival: when the ticket was taken or the booking checked in (a
    # transferred ticket keeps its first arrival). Waits count from it; the
    # place in line is computed from it by services.ordering.
    queued_at = models.DateTimeField(default=timezone.now)
    # A booking's check-in: the booked slot's start (the "booked" mark on the
    # console, the board and the tracking page); empty for a walk-in.
    booked_slot_at = models.DateTimeField(_("jadwal pemesanan"), null=True, blank=True)
    # Called before the walk-ins of its booked service (services.ordering).
    # Copied from BookingSchedule.booked_first at check-in, so that the
    # setting changed during the day never reorders people already waiting.
    booked_first = models.BooleanField(default=False)
    counter = models.ForeignKey(
        Counter,
        verbose_name=_("loket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    served_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    call_count = models.PositiveSmallIntegerField(default=0)
    called_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requeued = models.BooleanField(default=False)
    note = models.TextField(_("catatan"), blank=True)
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)
    near_turn_notified = models.BooleanField(default=False)
    issued_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["queued_at", "pk"]
        verbose_name = _("tiket antrean")
        verbose_name_plural = _("tiket antrean")
        constraints = [
            # Last line of defence behind TicketSequence.
            models.UniqueConstraint(
                fields=["numbered_service", "date", "number"], name="ticket_unique_number"
            ),
            # Booked first goes by the slot (services.ordering): it needs one.
            models.CheckConstraint(
                condition=Q(booked_first=False) | Q(booked_slot_at__isnull=False),
                name="ticket_booked_first_has_slot",
            ),
        ]
        indexes = [
            models.Index(
                fields=["service", "queued_at"],
                condition=Q(status="waiting"),
                name="ticket_waiting_idx",
            ),
            models.Index(fields=["date", "status"], name="ticket_day_status_idx"),
            # Statistics, IKM and the rollup read one service's days: without
            # it a year of tickets is filtered row by row.
            models.Index(fields=["service", "date", "status"], name="ticket_service_day_idx"),
            # The regency dashboard tells visitors apart by their phone number's
            # hash: only the tickets that carry one, read from the index alone.
            models.Index(
                fields=["date", "numbered_service", "phone"],
                condition=~Q(phone=""),
                name="ticket_phone_day_idx",
            ),
        ]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("services:track", args=[self.tracking_code])

    @staticmethod
    def format_code(prefix, number):
        return f"{prefix}-{number:03d}"

    def can_move_to(self, status):
        return status in self.TRANSITIONS[self.status]

    @property
    def is_priority(self):
        return self.priority != Priority.NORMAL

    @property
    def is_booked(self):
        """Whether the ticket is a booking's check-in (the "booked" mark)."""
        return self.booked_slot_at is not None

    def people_ahead(self):
        """Waiting tickets that will be called before this one.

        The call order's own answer (services.ordering, whose docstring says
        what it means when several counters serve the service).
        """
        if self.status != self.Status.WAITING:
            return 0
        if hasattr(self, "ahead_count"):
            return self.ahead_count  # TicketQuerySet.with_queue_position()
        from services.ordering import queue_positions

        return queue_positions([self])[self.pk][0]

    def estimated_wait_minutes(self, people_ahead=None):
        """Estimate from the people ahead, the average minutes and the open counters."""
        if self.status != self.Status.WAITING:
            return 0
        if people_ahead is None:
            people_ahead = self.people_ahead()
        if hasattr(self, "open_counter_count"):
            open_counters = self.open_counter_count
        else:
            open_counters = Counter.objects.filter(services=self.service_id, is_open=True).count()
        open_counters = max(1, open_counters)
        minutes = (people_ahead + 1) * self.service.average_service_minutes / open_counters
        return round(minutes)


class TicketCall(models.Model):
    """One announcement of a ticket at a counter (a call or a recall).

    The display board reads these to show the last calls and to know which
    ones it has not announced yet.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls")
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="calls")
    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="+")
    called_at = models.DateTimeField(default=timezone.now, db_index=True)
    is_recall = models.BooleanField(default=False)

    class Meta:
        ordering = ["-called_at", "-pk"]
        verbose_name = _("panggilan tiket")
        verbose_name_plural = pgettext_lazy("jamak", "panggilan tiket")
        indexes = [models.Index(fields=["hall", "-called_at"], name="ticketcall_hall_idx")]

    def __str__(self):
        return f"{self.ticket} @ {self.counter}"


class TicketTransfer(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transfers")
    from_service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    to_service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pengalihan tiket")
        verbose_name_plural = pgettext_lazy("jamak", "pengalihan tiket")

    def __str__(self):
        return f"{self.ticket}: {self.from_service} → {self.to_service}"


class TicketDayStat(models.Model):
    """The daily rollup: one closed day of one service at one counter, per priority.

    Written by services.rollup after the day closes (a Celery task); the
    statistics read it for the days it covers and the raw tickets for the
    rest (today). The key is where each figure belongs in services.stats:
    ``issued`` and ``issued_by_hour`` by the numbering service (counter
    empty), the handled figures by the service and counter the ticket ended
    at, ``transferred`` by the service it left. Waits and service times are
    counted per whole minute (services.stats rounds every ticket's minutes),
    so medians and percentiles over any range equal those of the tickets.
    """

    date = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    priority = models.CharField(max_length=20, choices=Priority.choices)
    issued = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    no_show = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    transferred = models.PositiveIntegerField(default=0)
    # Waits and service times of the row's tickets as histograms over whole
    # minutes (minute, count) in two parallel arrays: a year of a busy hall
    # is a few hundred thousand pairs, not a million values to sort.
    wait_minutes = ArrayField(models.IntegerField(), default=list)
    wait_counts = ArrayField(models.PositiveIntegerField(), default=list)
    service_minutes = ArrayField(models.IntegerField(), default=list)
    service_counts = ArrayField(models.PositiveIntegerField(), default=list)
    issued_by_hour = ArrayField(models.PositiveIntegerField(), size=24, default=list)

    class Meta:
        verbose_name = _("rekap harian antrean")
        verbose_name_plural = _("rekap harian antrean")
        indexes = [models.Index(fields=["date", "service"], name="ticketdaystat_day_idx")]

    def __str__(self):
        return f"{self.date} {self.service_id}/{self.counter_id}/{self.priority}"


class TicketRollupDay(models.Model):
    """A day whose tickets are in TicketDayStat (for every hall)."""

    date = models.DateField(primary_key=True)
    rolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hari yang sudah direkap")
        verbose_name_plural = _("hari yang sudah direkap")

    def __str__(self):
        return str(self.date)


def local_day_bounds(day: datetime.date):
    """Return the aware start and end of ``day`` in the current time zone."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


# ---------------------------------------------------------------------------
# Online booking (issue 4)
# ---------------------------------------------------------------------------
class BookingSchedule(models.Model):
    """When and how much a service takes bookings."""

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="booking_schedule"
    )
    is_active = models.BooleanField(_("menerima pemesanan"), default=True)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("hari pemesanan"),
        default=list,
        help_text=_("0 = Senin … 4 = Jumat."),
    )
    opens = models.TimeField(_("jam mulai"), default=datetime.time(8, 0))
    closes = models.TimeField(_("jam selesai"), default=datetime.time(12, 0))
    slot_minutes = models.PositiveSmallIntegerField(
        _("panjang slot (menit)"), default=30, validators=[MinValueValidator(5)]
    )
    seats_per_slot = models.PositiveSmallIntegerField(
        _("kursi per slot"), default=4, validators=[MinValueValidator(1)]
    )
    daily_quota = models.PositiveSmallIntegerField(
        _("kuota harian"), default=20, validators=[MinValueValidator(1)]
    )
    days_ahead = models.PositiveSmallIntegerField(
        _("dapat dipesan berapa hari ke depan"), default=14, validators=[MinValueValidator(1)]
    )
    same_day_cutoff = models.TimeField(
        _("batas pemesanan untuk hari ini"),
        null=True,
        blank=True,
        default=datetime.time(12, 0),
        help_text=_("Setelah jam ini tidak bisa memesan untuk hari yang sama. Kosong: tidak bisa."),
    )
    # Per service, not per hall: slots and quotas are per service, and a
    # service whose bookings take most of its day would hold its walk-ins
    # back, while one with a few bookings loses nothing by calling them first.
    booked_first = models.BooleanField(
        _("panggil pemesan lebih dulu"),
        default=True,
        help_text=_(
            "Warga yang sudah check-in dengan pemesanannya dipanggil sebelum antrean langsung "
            "(walk-in) layanan ini; kelompok prioritas tetap didahulukan. Matikan bila "
            "pemesanan mengambil sebagian besar kursi hari itu."
        ),
    )

    class Meta:
        verbose_name = _("jadwal pemesanan")
        verbose_name_plural = _("jadwal pemesanan")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="bookingschedule_opens_first"
            ),
        ]

    def __str__(self):
        return f"{self.service}: {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self):
        if self.opens >= self.closes:
            raise ValidationError({"closes": _("Jam selesai harus setelah jam mulai.")})
        if any(day not in range(7) for day in self.weekdays):
            raise ValidationError({"weekdays": _("Hari tidak dikenal.")})

    def slot_starts(self):
        """Every slot start of a booking day, in order."""
        starts = []
        moment = datetime.datetime.combine(datetime.date.min, self.opens)
        end = datetime.datetime.combine(datetime.date.min, self.closes)
        step = datetime.timedelta(minutes=self.slot_minutes)
        while moment + step <= end:
            starts.append(moment.time())
            moment += step
        return starts


class BookingSeat(models.Model):
    """Seats taken of one slot (``slot_start``) or, with a null slot, of the
    whole day (the daily quota). Taken with a conditional upsert so that the
    count never passes the limit, whatever the number of people booking."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE)
    date = models.DateField()
    slot_start = models.TimeField(null=True)
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("kursi pemesanan")
        verbose_name_plural = pgettext_lazy("jamak", "kursi pemesanan")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "date", "slot_start"],
                name="bookingseat_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.service_id} {self.date} {self.slot_start}: {self.taken}"


class ClosedBookingDay(models.Model):
    """A day a hall admin closed for bookings (all services, or one)."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True)
    date = models.DateField(_("tanggal"))
    reason = models.CharField(_("alasan"), max_length=200)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hari tanpa pemesanan")
        verbose_name_plural = _("hari tanpa pemesanan")

    def __str__(self):
        return f"{self.date}: {self.reason}"


def _booking_code():
    # No look-alike characters: people read it aloud and type it at the kiosk.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=[Booking.Status.BOOKED, Booking.Status.CHECKED_IN])

    def visible_to(self, user):
        """Staff: their agency's or hall's bookings; a citizen: their own."""
        return scope(
            self,
            user,
            "booking.manage",
            hall="service__agency__hall_id",
            agency="service__agency_id",
            owner="user_id",
        )


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Dipesan")
        CHECKED_IN = "checked_in", _("Sudah check-in")
        CANCELLED = "cancelled", _("Dibatalkan")
        NO_SHOW = "no_show", _("Tidak datang")

    TRANSITIONS = {
        Status.BOOKED: {Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW},
        Status.CHECKED_IN: set(),
        Status.CANCELLED: set(),
        Status.NO_SHOW: set(),
    }

    service = models.ForeignKey(
        Service, verbose_name=_("layanan"), on_delete=models.PROTECT, related_name="bookings"
    )
    date = models.DateField(_("tanggal"))
    slot_start = models.TimeField(_("jam"))
    slot_end = models.TimeField()
    code = models.CharField(_("kode pemesanan"), max_length=12, unique=True, default=_booking_code)
    manage_token_hash = models.CharField(max_length=64)
    name = models.CharField(_("nama"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16)
    phone = models.CharField(_("nomor WhatsApp"), max_length=20)
    email = models.EmailField(_("surel"), blank=True)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="booking"
    )
    created_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["date", "slot_start", "pk"]
        verbose_name = _("pemesanan")
        verbose_name_plural = _("pemesanan")
        constraints = [
            # Anti-calo: one active booking per NIK per service per day.
            models.UniqueConstraint(
                fields=["service", "date", "nik"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="booking_one_active_per_nik",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "status"], name="booking_day_status_idx"),
            models.Index(fields=["phone", "created_at"], name="booking_phone_idx"),
            # The weekly limit per NIK counts a NIK's bookings at every booking.
            models.Index(fields=["nik", "created_at"], name="booking_nik_idx"),
        ]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("services:booking_detail", args=[self.code])

    def can_move_to(self, status):
        return status in self.TRANSITIONS[self.status]

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    def set_manage_token(self):
        token = secrets.token_urlsafe(24)
        self.manage_token_hash = self.hash_token(token)
        return token

    def check_manage_token(self, token):
        return bool(token) and secrets.compare_digest(
            self.hash_token(token), self.manage_token_hash
        )

    @property
    def slot_start_at(self):
        return timezone.make_aware(datetime.datetime.combine(self.date, self.slot_start))

    @property
    def slot_end_at(self):
        return timezone.make_aware(datetime.datetime.combine(self.date, self.slot_end))


class BookingConfirmation(models.Model):
    """A booking waiting for the one-time code sent to its phone (BOOKING_OTP).

    It holds no seat: the seat is taken only when the code comes back, by
    the same ``booking_create`` as a booking without a code. An unverified
    phone then cannot keep seats from others for the minutes the code is
    valid (a calo with a hundred numbers would otherwise hold a whole day),
    at the price that a slot may fill up meanwhile and the citizen picks
    another. Rows are deleted on confirmation and when they expire (the
    NIK is not kept longer than needed).
    """

    # The secret that lets the device that asked (its session, or the API
    # caller) enter the code; only its hash is stored, as for the code.
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    slot_start = models.TimeField()
    name = models.CharField(max_length=150)
    nik = models.CharField(max_length=16)
    phone = models.CharField(max_length=20)
    email = models.EmailField(blank=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("konfirmasi pemesanan (OTP)")
        verbose_name_plural = pgettext_lazy("jamak", "konfirmasi pemesanan (OTP)")
        indexes = [models.Index(fields=["expires_at"], name="booking_confirm_expiry_idx")]

    def __str__(self):
        return f"{self.service_id} {self.date} {self.slot_start:%H:%M}"

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at


# ---------------------------------------------------------------------------
# Satisfaction survey, SKM (Permenpan RB 14/2017; issue 4)
# ---------------------------------------------------------------------------
SKM_ELEMENTS = [
    (1, _("Persyaratan")),
    (2, _("Sistem, Mekanisme dan Prosedur")),
    (3, _("Waktu Penyelesaian")),
    (4, _("Biaya/Tarif")),
    (5, _("Produk Spesifikasi Jenis Pelayanan")),
    (6, _("Kompetensi Pelaksana")),
    (7, _("Perilaku Pelaksana")),
    (8, _("Penanganan Pengaduan, Saran dan Masukan")),
    (9, _("Sarana dan Prasarana")),
]


class SurveyQuestion(models.Model):
    """The wording of one of the nine elements and its four answers (configurable)."""

    element = models.PositiveSmallIntegerField(
        _("unsur"),
        unique=True,
        choices=SKM_ELEMENTS,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    question = models.CharField(_("pertanyaan"), max_length=300)
    answer_1 = models.CharField(_("jawaban nilai 1"), max_length=100)
    answer_2 = models.CharField(_("jawaban nilai 2"), max_length=100)
    answer_3 = models.CharField(_("jawaban nilai 3"), max_length=100)
    answer_4 = models.CharField(_("jawaban nilai 4"), max_length=100)

    class Meta:
        ordering = ["element"]
        verbose_name = _("pertanyaan SKM")
        verbose_name_plural = _("pertanyaan SKM")

    def __str__(self):
        return f"U{self.element}: {self.question}"

    @property
    def answers(self):
        return [(4, self.answer_4), (3, self.answer_3), (2, self.answer_2), (1, self.answer_1)]


SCORE = [MinValueValidator(1), MaxValueValidator(4)]


class SurveyResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Answers an IKM reader may see: their agency's, or the whole hall's."""
        return scope(self, user, "ikm.view", hall="hall_id", agency="agency_id")


class SurveyResponse(models.Model):
    class Sex(models.TextChoices):
        MALE = "L", _("Laki-laki")
        FEMALE = "P", _("Perempuan")

    class AgeBand(models.TextChoices):
        UNDER_20 = "<20", _("Di bawah 20 tahun")
        A20 = "20-29", _("20-29 tahun")
        A30 = "30-39", _("30-39 tahun")
        A40 = "40-49", _("40-49 tahun")
        A50 = "50+", _("50 tahun ke atas")

    class Education(models.TextChoices):
        SD = "sd", _("SD ke bawah")
        SMP = "smp", _("SMP")
        SMA = "sma", _("SMA/SMK")
        D = "diploma", _("D1-D4")
        S1 = "s1", _("S1")
        S2 = "s2", _("S2 ke atas")

    class Occupation(models.TextChoices):
        PNS = "pns", _("PNS/TNI/Polri")
        PRIVATE = "swasta", _("Pegawai swasta")
        ENTREPRENEUR = "wirausaha", _("Wirausaha")
        FARMER = "petani", _("Petani/nelayan")
        STUDENT = "pelajar", _("Pelajar/mahasiswa")
        OTHER = "lainnya", _("Lainnya")

    class Channel(models.TextChoices):
        PHONE = "web", _("Ponsel")
        KIOSK = "kiosk", _("Tablet di loket")
        API = "api", _("API")

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="survey")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="surveys")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("tanggal layanan"))
    u1 = models.PositiveSmallIntegerField(validators=SCORE)
    u2 = models.PositiveSmallIntegerField(validators=SCORE)
    u3 = models.PositiveSmallIntegerField(validators=SCORE)
    u4 = models.PositiveSmallIntegerField(validators=SCORE)
    u5 = models.PositiveSmallIntegerField(validators=SCORE)
    u6 = models.PositiveSmallIntegerField(validators=SCORE)
    u7 = models.PositiveSmallIntegerField(validators=SCORE)
    u8 = models.PositiveSmallIntegerField(validators=SCORE)
    u9 = models.PositiveSmallIntegerField(validators=SCORE)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices, blank=True)
    age_band = models.CharField(_("usia"), max_length=6, choices=AgeBand.choices, blank=True)
    education = models.CharField(
        _("pendidikan"), max_length=10, choices=Education.choices, blank=True
    )
    occupation = models.CharField(
        _("pekerjaan"), max_length=10, choices=Occupation.choices, blank=True
    )
    suggestion = models.TextField(_("saran"), max_length=2000, blank=True)
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.PHONE)
    # A suggestion turned into an aspirasi points back here from
    # complaints.Complaint.source_survey (services refers to no other app).
    created_at = models.DateTimeField(default=timezone.now)

    SCORE_FIELDS = [f"u{n}" for n in range(1, 10)]

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("jawaban SKM")
        verbose_name_plural = _("jawaban SKM")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    **{f"u{n}__gte": 1 for n in range(1, 10)},
                    **{f"u{n}__lte": 4 for n in range(1, 10)},
                ),
                name="surveyresponse_scores_1_4",
            ),
        ]
        indexes = [
            models.Index(fields=["hall", "date"], name="survey_hall_date_idx"),
            # Answers written since the SKM rollup (services.rollup): read live.
            models.Index(fields=["created_at"], name="survey_created_idx"),
        ]

    def __str__(self):
        return f"SKM {self.ticket}"

    @property
    def scores(self):
        return [getattr(self, name) for name in self.SCORE_FIELDS]


class SurveyDayStat(models.Model):
    """The daily rollup of the SKM answers: one day of one service (services.rollup).

    ``respondents`` and the nine score sums are what the IKM needs;
    ``profile`` counts the respondents per answer of the profile questions
    in the order of services.rollup.SURVEY_PROFILE (its ``layout`` is kept
    in SurveyRollupDay). Answers written after the day's ``cutoff`` are
    read live, so a late answer is never missed.
    """

    date = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+")
    respondents = models.PositiveIntegerField(default=0)
    u1 = models.PositiveIntegerField(default=0)
    u2 = models.PositiveIntegerField(default=0)
    u3 = models.PositiveIntegerField(default=0)
    u4 = models.PositiveIntegerField(default=0)
    u5 = models.PositiveIntegerField(default=0)
    u6 = models.PositiveIntegerField(default=0)
    u7 = models.PositiveIntegerField(default=0)
    u8 = models.PositiveIntegerField(default=0)
    u9 = models.PositiveIntegerField(default=0)
    profile = ArrayField(models.PositiveIntegerField(), default=list)

    class Meta:
        verbose_name = _("rekap harian SKM")
        verbose_name_plural = _("rekap harian SKM")
        indexes = [models.Index(fields=["hall", "date"], name="surveydaystat_hall_day_idx")]

    def __str__(self):
        return f"SKM {self.date} {self.service_id}"


class SurveyRollupDay(models.Model):
    """A day whose SKM answers written before ``cutoff`` are in SurveyDayStat."""

    date = models.DateField(primary_key=True)
    cutoff = models.DateTimeField()
    # services.rollup.SURVEY_PROFILE when the day was written: another
    # layout (new answer choices) reads the day live until it is written again.
    layout = models.TextField()

    class Meta:
        verbose_name = _("hari SKM yang sudah direkap")
        verbose_name_plural = _("hari SKM yang sudah direkap")

    def __str__(self):
        return str(self.date)
