"""The follow-up report of one forum: page, CSV and PDF (as the IKM report).

Who reads it: the hall admins of the forum's hall (``forum.manage``) and
the agency admins of that hall (``forum.follow_up``), whose agencies'
items are in it. Anybody else signed in gets 403 when they hold neither
capability, 404 for a forum of another hall; an anonymous visitor is sent
to the login page.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from forums import reports
from forums.models import Forum
from mpp_portal.accounts.permissions import can
from mpp_portal.csv_export import SEMICOLON_PARAM, SEMICOLON_VALUE, CsvExport
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.jobs.services import enqueue

REPORT_TEMPLATE = "forums/report.html"


def may_read(user, forum):
    """Whether ``user`` may read the follow-up report of ``forum`` (no query)."""
    if can(user, "forum.manage", hall=forum.hall_id):
        return True
    return user.is_agency_admin and can(user, "forum.follow_up", hall=forum.hall_id)


def _report_forum(request, pk):
    """The forum ``pk`` if the user may read its report (403, 404 otherwise)."""
    user = request.user
    if not (can(user, "forum.manage") or can(user, "forum.follow_up")) or user.is_api_client:
        raise PermissionDenied
    forum = get_object_or_404(Forum.objects.select_related("hall"), pk=pk)
    if not may_read(user, forum):
        # Another hall's forum: as if it did not exist.
        raise Http404
    return forum


def _job_state(request, forum, number):
    """None, or the state of the PDF job ``number`` of this forum."""
    if not number or not number.startswith(f"FKM-TL/{forum.hall.code}/{forum.pk}/"):
        return None
    user = request.user
    # The status shows the download link: the requester's own PDF, or any
    # of this forum's for a hall admin of its hall.
    mine = IssuedDocument.objects.filter(issued_by=user)
    if can(user, "forum.manage", hall=forum.hall_id):
        mine = mine | IssuedDocument.objects.filter(hall=forum.hall)
    document = mine.filter(kind=reports.KIND, number=number).first()
    return {
        "number": number,
        "document": document,
        "failed": document is None and reports.job_failed(number),
    }


@login_required
def report_page(request, pk):
    forum = _report_forum(request, pk)
    data = reports.report_data(forum)
    context = {
        "forum": forum,
        "report": data,
        "job": _job_state(request, forum, request.GET.get("laporan", "")),
        "semicolon": urlencode({SEMICOLON_PARAM: SEMICOLON_VALUE}),
        "is_manager": can(request.user, "forum.manage", hall=forum.hall_id),
    }
    return render(request, REPORT_TEMPLATE, context)


@login_required
def report_csv(request, pk):
    forum = _report_forum(request, pk)
    export = CsvExport(request, f"tindak-lanjut-fkm-{forum.pk}-{forum.slug}.csv")
    export.writerows(reports.csv_rows(reports.report_data(forum)))
    response = export.response
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def report_pdf(request, pk):
    """Queue the PDF; the page then polls the document registry for its number."""
    forum = _report_forum(request, pk)
    number = reports.report_number(forum)
    job = {"forum": forum.pk, "number": number, "user": request.user.pk}
    # A Job row, published after this (autocommit) write: a broker outage
    # delays the PDF, never loses it or fails this request.
    enqueue("forums.follow_up_report_pdf", key=f"forum-report:{number}", job=job)
    url = reverse("forums:report", args=[forum.pk])
    return redirect(url + "?" + urlencode({"laporan": number}))


@login_required
def report_pdf_status(request, pk):
    """The htmx poll of a queued PDF: "sedang dibuat…" until the registry has it."""
    forum = _report_forum(request, pk)
    job = _job_state(request, forum, request.GET.get("nomor", ""))
    if job is None:
        raise Http404
    return render(request, "forums/report_job.html", {"job": job, "forum": forum})
