"""Queries of the complaint pages: lists, the overdue board, statistics.

Every list annotates each row with its deadline text ("sisa 2 hari kerja")
using the batch helpers of ``mpp_portal.workdays.calendar``: one calendar
read per hall on the page, not one per row.
"""

from collections import defaultdict

from django.db.models import Avg, Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from complaints.models import Complaint, ComplaintUpdate
from mpp_portal.workdays.calendar import describe_remaining_many, working_days_between_many

S = Complaint.Status
# Steps whose deadline the staff must meet (the responded window is the
# reporter's, the info_requested clock is paused).
STAFF_STEPS = (S.SUBMITTED, S.DISPATCHED)


def annotate_remaining(complaints, now=None):
    """Set ``remaining`` (text), ``is_late`` and ``due_today`` on each complaint."""
    now = now or timezone.now()
    by_hall = defaultdict(list)
    halls = {}
    for complaint in complaints:
        by_hall[complaint.hall_id].append(complaint)
        halls[complaint.hall_id] = complaint.hall
    for hall_id, rows in by_hall.items():
        texts = describe_remaining_many([c.due_at for c in rows], now=now, hall=halls[hall_id])
        for complaint in rows:
            due = complaint.due_at
            complaint.remaining = texts.get(due, "")
            complaint.is_late = due is not None and due < now and complaint.status in STAFF_STEPS
            complaint.due_today = due is not None and (
                timezone.localdate(due) == timezone.localdate(now)
            )
    return complaints


def _search(qs, query):
    if not query:
        return qs
    return qs.filter(
        Q(tracking_id__iexact=query)
        | Q(tracking_id__icontains=query)
        | Q(title__icontains=query)
        | Q(description__icontains=query)
    )


def staff_inbox(user, *, status="", kind="", agency=None, channel="", overdue=False, q=""):
    """The hall admin's inbox: waiting for verification first, then by deadline."""
    qs = Complaint.objects.visible_to(user).select_related("hall", "assigned_agency", "category")
    if status == "semua":
        pass
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.open()
    if kind:
        qs = qs.filter(kind=kind)
    if agency is not None:
        qs = qs.filter(Q(assigned_agency=agency) | Q(reported_agency=agency))
    if channel:
        qs = qs.filter(channel=channel)
    if overdue:
        qs = qs.filter(status__in=STAFF_STEPS, due_at__lt=timezone.now())
    qs = _search(qs, q)
    return qs.annotate(
        waiting_first=Case(
            When(status=S.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("waiting_first", "due_at", "submitted_at")


def agency_list(user, *, show_all=False):
    """What was dispatched to the user's agency, by deadline."""
    qs = Complaint.objects.visible_to(user).select_related("hall", "category")
    if not show_all:
        qs = qs.filter(status__in=[S.DISPATCHED, S.RESPONDED])
    return qs.order_by("due_at", "submitted_at")


def overdue_board(user, now=None):
    """Open complaints past their staff deadline, grouped by step, oldest first."""
    now = now or timezone.now()
    rows = list(
        Complaint.objects.visible_to(user)
        .filter(status__in=STAFF_STEPS, due_at__lt=now)
        .select_related("hall", "assigned_agency")
        .order_by("due_at")
    )
    annotate_remaining(rows, now)
    return {
        "verify": [c for c in rows if c.status == S.SUBMITTED],
        "followup": [c for c in rows if c.status == S.DISPATCHED],
    }


def public_list(*, agency=None, status="", kind="", q=""):
    qs = Complaint.objects.public().select_related("hall", "assigned_agency", "category")
    if agency is not None:
        qs = qs.filter(assigned_agency=agency)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.order_by("-submitted_at")


def public_updates(complaint):
    """What the public page shows: status changes, the agency's responses and
    its extensions of an information request's deadline.

    The reporter's own replies stay on the reporter's page: they may carry
    personal details.
    """
    kinds = [
        ComplaintUpdate.Kind.STATUS,
        ComplaintUpdate.Kind.RESPONSE,
        ComplaintUpdate.Kind.EXTENSION,
    ]
    return complaint.updates.filter(is_public=True, kind__in=kinds).prefetch_related("attachments")


def reporter_updates(complaint):
    return complaint.updates.filter(is_public=True).prefetch_related("attachments")


def staff_updates(complaint):
    return complaint.updates.prefetch_related("attachments")


def statistics(hall, now=None):
    """Per agency and per status figures of ``hall``.

    Counts and averages are SQL aggregates; the average working days from
    dispatch to response are computed exactly in Python over one values()
    query with one calendar read (working days depend on the calendar).
    """
    now = now or timezone.now()
    from mpp_portal.organizations.models import Agency

    base = Complaint.objects.filter(hall=hall)
    per_status = dict(base.order_by().values_list("status").annotate(n=Count("pk")))
    statuses = [
        {"code": value, "label": label, "count": per_status.get(value, 0)}
        for value, label in S.choices
    ]
    per_agency = {
        row["assigned_agency"]: row
        for row in base.filter(assigned_agency__isnull=False, dispatched_at__isnull=False)
        .order_by()
        .values("assigned_agency")
        .annotate(
            received=Count("pk"),
            on_time=Count("pk", filter=Q(responded_late=False)),
            late=Count("pk", filter=Q(responded_late=True)),
            overdue_open=Count("pk", filter=Q(status=S.DISPATCHED, due_at__lt=now)),
            avg_rating=Avg("rating"),
            rated=Count("rating"),
        )
    }
    pairs = list(
        base.filter(
            assigned_agency__isnull=False,
            dispatched_at__isnull=False,
            responded_at__isnull=False,
        )
        .order_by()
        .values_list("assigned_agency", "dispatched_at", "responded_at")
    )
    days = working_days_between_many([(d, r) for _a, d, r in pairs], hall=hall)
    spent = defaultdict(list)
    for (agency_id, _d, _r), n in zip(pairs, days, strict=True):
        spent[agency_id].append(max(n, 0))
    agencies = []
    for agency in Agency.objects.filter(pk__in=per_agency).order_by("name"):
        row = per_agency[agency.pk]
        values = spent.get(agency.pk, [])
        agencies.append(
            {
                "agency": agency,
                "received": row["received"],
                "on_time": row["on_time"],
                "late": row["late"],
                "overdue_open": row["overdue_open"],
                "avg_days": sum(values) / len(values) if values else None,
                "rating": row["avg_rating"],
                "rated": row["rated"],
            }
        )
    return {"statuses": statuses, "agencies": agencies, "total": sum(per_status.values())}
