"""Pages of the satisfaction survey (SKM) and the IKM report.

Routes are collected in services/urls.py. Answers are recorded only through
``services.skm.survey_submit``; the report's numbers come from
``services.ikm_report`` (database aggregates).
"""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mpp_portal.accounts.permissions import can
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.jobs.services import enqueue
from services import ikm_report, skm
from services.forms.survey import IkmFilterForm, SurveyForm, survey_questions
from services.models import Counter, SurveyResponse, Ticket

SURVEY_TEMPLATE = "services/survey/survey.html"
TABLET_TEMPLATE = "services/survey/tablet.html"
REPORT_TEMPLATE = "services/survey/ikm.html"
# The tablet offers a ticket finished at its counter within this window; an older
# one belongs to a visitor who has left.
TABLET_WINDOW = datetime.timedelta(minutes=30)


def _ticket_or_404(tracking_code):
    ticket = (
        Ticket.objects.select_related("service__agency__hall")
        .by_tracking_code(tracking_code)
        .first()
    )
    if ticket is None:
        raise Http404(_("Tiket tidak ditemukan."))
    return ticket


def _submit(request, form, ticket, channel):
    """Record a valid form; return the response, or None with the error on the form."""
    data = form.cleaned_data
    try:
        return skm.survey_submit(
            ticket=ticket,
            scores=form.scores(),
            sex=data["sex"],
            age_band=data["age_band"],
            education=data["education"],
            occupation=data["occupation"],
            suggestion=data["suggestion"],
            channel=channel,
            request=request,
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    except skm.SurveyNotAllowed as exc:
        form.add_error(None, exc.message)
    return None


# ---------------------------------------------------------------------------
# Citizen's survey (phone)
# ---------------------------------------------------------------------------
def survey(request, tracking_code):
    ticket = _ticket_or_404(tracking_code)
    context = {"ticket": ticket, "hall": ticket.service.agency.hall}
    if SurveyResponse.objects.filter(ticket=ticket).exists():
        return render(request, SURVEY_TEMPLATE, {**context, "state": "answered"})
    if ticket.status != Ticket.Status.DONE:
        return render(request, SURVEY_TEMPLATE, {**context, "state": "not_done"})
    questions = survey_questions()
    form = SurveyForm(request.POST or None, questions=questions)
    if (
        request.method == "POST"
        and form.is_valid()
        and _submit(request, form, ticket, SurveyResponse.Channel.PHONE) is not None
    ):
        return redirect("services:survey_thanks", tracking_code=ticket.tracking_code)
    status = 400 if form.errors else 200
    return render(
        request, SURVEY_TEMPLATE, {**context, "state": "open", "form": form}, status=status
    )


def survey_thanks(request, tracking_code):
    ticket = _ticket_or_404(tracking_code)
    return render(
        request,
        "services/survey/thanks.html",
        {"ticket": ticket, "hall": ticket.service.agency.hall},
    )


# ---------------------------------------------------------------------------
# Tablet at the counter
# ---------------------------------------------------------------------------
def _tablet_ticket(counter):
    """The last ticket finished at ``counter`` lately that has no answer yet."""
    return (
        Ticket.objects.select_related("service__agency")
        .filter(
            counter=counter,
            status=Ticket.Status.DONE,
            survey__isnull=True,
            finished_at__gte=timezone.now() - TABLET_WINDOW,
        )
        .order_by("-finished_at")
        .first()
    )


@login_required
def survey_tablet(request, counter_id):
    counter = get_object_or_404(Counter.objects.select_related("agency__hall"), pk=counter_id)
    if not request.user.can_act_for_agency(counter.agency):
        raise PermissionDenied
    ticket = _tablet_ticket(counter)
    context = {"counter": counter, "hall": counter.agency.hall, "ticket": ticket}
    if request.method == "POST":
        # The form names its ticket: a newer ticket finishing meanwhile must not take
        # the answer of the visitor still holding the tablet.
        posted = request.POST.get("ticket")
        if ticket is None or str(ticket.pk) != posted:
            return render(request, TABLET_TEMPLATE, {**context, "stale": True}, status=409)
        form = SurveyForm(request.POST, questions=survey_questions())
        if form.is_valid() and _submit(request, form, ticket, SurveyResponse.Channel.KIOSK):
            return redirect(reverse("services:survey_tablet", args=[counter.pk]) + "?terima=1")
        return render(request, TABLET_TEMPLATE, {**context, "form": form}, status=400)
    # Right after an answer the tablet thanks the visitor first, even when the next
    # ticket is already waiting for its survey; the page then reloads itself.
    context["thanked"] = request.GET.get("terima") == "1"
    if ticket is not None and not context["thanked"]:
        context["form"] = SurveyForm(questions=survey_questions())
    return render(request, TABLET_TEMPLATE, context)


# ---------------------------------------------------------------------------
# IKM report (hall and agency admins)
# ---------------------------------------------------------------------------
def _check_can_see_report(user):
    """Hall admins see their hall, agency admins their own agency; nobody else."""
    if not can(user, "ikm.view") or not user.hall_id:
        raise PermissionDenied


def _report_query(form):
    data = form.cleaned_data
    query = {"period": data["period"]}
    if data["period"] == "custom":
        query.update(start=data["start"].isoformat(), end=data["end"].isoformat())
    if form.user.is_hall_admin and data.get("agency"):
        query["agency"] = data["agency"].pk
    if data.get("service"):
        query["service"] = data["service"].pk
    return query


@login_required
def ikm_page(request):
    _check_can_see_report(request.user)
    form = IkmFilterForm(request.GET or None, user=request.user)
    if not request.GET:
        form = IkmFilterForm({"period": "this_month"}, user=request.user)
    report = charts = None
    if form.is_valid():
        data = form.cleaned_data
        report = ikm_report.report_data(
            hall=request.user.hall,
            agency=data["agency"],
            service=data["service"],
            date_from=data["start"],
            date_to=data["end"],
        )
        charts = ikm_report.chart_data(report)
    context = {
        "form": form,
        "report": report,
        "charts": charts,
        "job": _job_state(request, request.GET.get("laporan", "")),
        "query": urlencode(_report_query(form)) if report else "",
    }
    return render(request, REPORT_TEMPLATE, context)


@login_required
@require_POST
def ikm_pdf(request):
    """Queue the PDF; the page then polls the document registry for its number."""
    _check_can_see_report(request.user)
    form = IkmFilterForm(request.POST, user=request.user)
    if not form.is_valid():
        return redirect(reverse("services:ikm") + "?" + urlencode(request.POST.dict()))
    data = form.cleaned_data
    hall = request.user.hall
    number = ikm_report.report_number(hall=hall, date_from=data["start"], date_to=data["end"])
    job = {
        "hall": hall.pk,
        "agency": data["agency"].pk if data["agency"] else None,
        "service": data["service"].pk if data["service"] else None,
        "from": data["start"].isoformat(),
        "to": data["end"].isoformat(),
        "number": number,
        "user": request.user.pk,
        # The hall's follow-up plan, printed in the report (optional, plain text).
        "plan": request.POST.get("followup_plan", "")
        .replace("\x00", "")
        .strip()[: ikm_report.FOLLOWUP_PLAN_MAX],
    }
    # A Job row, published after this (autocommit) write: a broker outage
    # delays the PDF, never loses it or fails this request.
    enqueue("services.tasks.ikm_report_pdf", key=f"ikm-report:{number}", job=job)
    query = {**_report_query(form), "laporan": number}
    return redirect(reverse("services:ikm") + "?" + urlencode(query))


def _job_state(request, number):
    """None, or the state of the PDF job ``number`` of the user's hall."""
    user = request.user
    if not number or not number.startswith(f"IKM/{user.hall.code}/"):
        return None
    # The status shows the download link (the document's public code), so
    # only the PDF's own requester, or a hall admin of its hall, sees it: an
    # agency admin must not fetch another agency's (or the whole hall's)
    # report by guessing the next number, nor a hall sharing this hall's
    # code another hall's.
    mine = IssuedDocument.objects.visible_to(user) | IssuedDocument.objects.filter(issued_by=user)
    document = mine.filter(kind=ikm_report.KIND, number=number).first()
    return {
        "number": number,
        "document": document,
        "failed": document is None and ikm_report.job_failed(number),
    }


@login_required
def ikm_pdf_status(request):
    """The htmx poll of a queued PDF: "sedang dibuat…" until the registry has it."""
    _check_can_see_report(request.user)
    job = _job_state(request, request.GET.get("nomor", ""))
    if job is None:
        raise Http404
    return render(request, "services/survey/_pdf_job.html", {"job": job})


urlpatterns = [
    path("survei/tablet/<int:counter_id>/", survey_tablet, name="survey_tablet"),
    path("survei/<str:tracking_code>/", survey, name="survey"),
    path("survei/<str:tracking_code>/terima-kasih/", survey_thanks, name="survey_thanks"),
    path("skm/", ikm_page, name="ikm"),
    path("skm/laporan-pdf/", ikm_pdf, name="ikm_pdf"),
    path("skm/laporan-pdf/status/", ikm_pdf_status, name="ikm_pdf_status"),
]
