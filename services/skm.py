"""The satisfaction survey (SKM) and its index (IKM), Permenpan RB 14/2017.

NRR per element = sum of its scores / number of questionnaires.
IKM = sum(NRR_i x 1/9) x 25, rounded to two decimals only at the end: the
often-printed weight 0,111 instead of 1/9 shifts results by about 0,1
(DOMAIN.md). The sums come from one SQL aggregate; the arithmetic on the
nine sums uses exact fractions.
"""

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp_portal.audit import record
from mpp_portal.exceptions import DomainError
from services.models import SurveyResponse, Ticket

# (lowest IKM, grade, label), best first (DOMAIN.md).
GRADES = [
    (Decimal("88.31"), "A", gettext_lazy("Sangat Baik")),
    (Decimal("76.61"), "B", gettext_lazy("Baik")),
    (Decimal("65.00"), "C", gettext_lazy("Kurang Baik")),
    (Decimal("25.00"), "D", gettext_lazy("Tidak Baik")),
]
TWO = Decimal("0.01")
FOUR = Decimal("0.0001")


class SurveyNotAllowed(DomainError):
    code = "survey_not_allowed"


def krejcie_morgan(population: int) -> int:
    """Minimum sample for ``population`` (Krejcie & Morgan 1970).

    s = X²NP(1-P) / (d²(N-1) + X²P(1-P)) with X² = 3.841, P = 0.5, d = 0.05,
    rounded to the nearest whole respondent, which reproduces all 90 entries
    of the published table (rounding up would disagree with 45 of them, e.g.
    500 -> 217, not 218): 100 -> 80, 1.000 -> 278, 1.000.000 -> 384. A
    population between two table rows gets the formula's own value.
    """
    if population <= 0:
        return 0
    chi2, p, d = Fraction(3841, 1000), Fraction(1, 2), Fraction(5, 100)
    sample = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return min(population, math.floor(sample + Fraction(1, 2)))


def grade_for(ikm: Decimal):
    for lowest, grade, label in GRADES:
        if ikm >= lowest:
            return grade, label
    return "D", GRADES[-1][2]


def _round(value: Fraction, places: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        places, rounding=ROUND_HALF_UP
    )


def ikm_from_sums(respondents: int, sums: list[int]):
    """Return (nrr list of 9 Decimals, ikm Decimal) from the score sums."""
    if respondents == 0:
        return [Decimal("0.0000")] * 9, Decimal("0.00")
    nrr = [Fraction(total, respondents) for total in sums]
    ikm = sum(value * Fraction(1, 9) for value in nrr) * 25
    return [_round(value, FOUR) for value in nrr], _round(ikm, TWO)


def ikm_summary(responses, served_tickets):
    """Compute the IKM of ``responses`` (a SurveyResponse queryset).

    ``served_tickets`` is the population (finished tickets of the same scope
    and period) for the Krejcie & Morgan minimum sample. Without any answer
    there is no index: ``ikm``, ``grade`` and ``grade_label`` are None (an
    IKM of 0 would read as a verdict; the scale starts at 25).
    """
    totals = responses.aggregate(
        respondents=Count("pk"), **{name: Sum(name) for name in SurveyResponse.SCORE_FIELDS}
    )
    respondents = totals["respondents"]
    sums = [totals[name] or 0 for name in SurveyResponse.SCORE_FIELDS]
    nrr, ikm = ikm_from_sums(respondents, sums)
    population = _population(served_tickets)
    min_sample = krejcie_morgan(population)
    grade, label = grade_for(ikm) if respondents else (None, None)
    return {
        "respondents": respondents,
        "nrr": nrr,
        "ikm": ikm if respondents else None,
        "grade": grade,
        "grade_label": str(label) if respondents else None,
        "population": population,
        "min_sample": min_sample,
        "sample_reached": respondents > 0 and respondents >= min_sample,
    }


def _population(served_tickets):
    """Count ``served_tickets``: from the daily rollup where it covers the days.

    A queryset made by scope() knows its scope; its closed days are summed
    from services.rollup's rows (a year of tickets is counted from a few
    thousand rows), the other days counted from the tickets.
    """
    found = getattr(served_tickets, "_ikm_scope", None)
    if found is None:
        return served_tickets.count()
    from services.models import TicketDayStat, TicketRollupDay

    rolled = TicketRollupDay.objects.all()
    if found["date_from"] is not None:
        rolled = rolled.filter(date__gte=found["date_from"])
    if found["date_to"] is not None:
        rolled = rolled.filter(date__lte=found["date_to"])
    days = sorted(rolled.values_list("date", flat=True))
    if not days:
        return served_tickets.count()
    rows = TicketDayStat.objects.filter(date__in=days)
    for name, path in (("hall", "service__agency__hall"), ("agency", "service__agency")):
        if found[name] is not None:
            rows = rows.filter(**{path: found[name]})
    if found["service"] is not None:
        rows = rows.filter(service=found["service"])
    from_rollup = rows.aggregate(n=Sum("served"))["n"] or 0
    # The other days by name: before, between and after the rolled ones.
    rolled_set, gaps, day = set(days), [], days[0]
    while day < days[-1]:
        if day not in rolled_set:
            gaps.append(day)
        day += datetime.timedelta(days=1)
    live = served_tickets.filter(Q(date__lt=days[0]) | Q(date__gt=days[-1]) | Q(date__in=gaps))
    return from_rollup + live.count()


def scope(*, hall=None, agency=None, service=None, date_from=None, date_to=None):
    """Return (responses, served tickets) for a scope and period."""
    responses = SurveyResponse.objects.all()
    served = Ticket.objects.filter(status=Ticket.Status.DONE)
    if hall is not None:
        responses = responses.filter(hall=hall)
        served = served.filter(service__agency__hall=hall)
    if agency is not None:
        responses = responses.filter(agency=agency)
        served = served.filter(service__agency=agency)
    if service is not None:
        responses = responses.filter(service=service)
        served = served.filter(service=service)
    if date_from is not None:
        responses = responses.filter(date__gte=date_from)
        served = served.filter(date__gte=date_from)
    if date_to is not None:
        responses = responses.filter(date__lte=date_to)
        served = served.filter(date__lte=date_to)
    # ikm_summary() counts the population from the daily rollup by these.
    served._ikm_scope = {
        "hall": hall,
        "agency": agency,
        "service": service,
        "date_from": date_from,
        "date_to": date_to,
    }
    return responses, served


def survey_submit(
    *,
    ticket,
    scores,
    sex="",
    age_band="",
    education="",
    occupation="",
    suggestion="",
    channel=SurveyResponse.Channel.PHONE,
    request=None,
):
    """Record the one answer of a finished ticket."""
    if len(scores) != 9 or any(
        not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 4
        for score in scores
    ):
        raise ValidationError({"scores": _("Isi sembilan nilai, masing-masing 1 sampai 4.")})
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update().select_related("service__agency").get(pk=ticket.pk)
        )
        if ticket.status != Ticket.Status.DONE:
            raise SurveyNotAllowed(
                _("Survei dapat diisi setelah layanan selesai."), code="ticket_not_done"
            )
        if SurveyResponse.objects.filter(ticket=ticket).exists():
            raise SurveyNotAllowed(
                _("Survei untuk tiket ini sudah diisi. Terima kasih."), code="already_answered"
            )
        response = SurveyResponse(
            ticket=ticket,
            service=ticket.service,
            agency=ticket.service.agency,
            hall_id=ticket.service.agency.hall_id,
            date=ticket.date,
            sex=sex,
            age_band=age_band,
            education=education,
            occupation=occupation,
            suggestion=(suggestion or "").strip(),
            channel=channel,
            **dict(zip(SurveyResponse.SCORE_FIELDS, scores, strict=True)),
        )
        response.full_clean(exclude=["ticket"])
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError:
            raise SurveyNotAllowed(
                _("Survei untuk tiket ini sudah diisi. Terima kasih."), code="already_answered"
            ) from None
        record(actor=None, action="survey.submit", obj=ticket, note=channel)
    return response
