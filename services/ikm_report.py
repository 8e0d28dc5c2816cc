"""The IKM report: its data (page, API, PDF) and the PDF issued through ``documents``.

Every number comes from services/skm.py and from database aggregates: one
aggregate for the nine sums, one for the respondent profile, and one
GROUP BY query each for the monthly trend and the comparison between
agencies; ``skm.ikm_from_sums`` turns each group's sums into NRR and IKM.
"""

import datetime
import re
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp_portal.masking import mask_contacts_in_text
from services import skm
from services.models import SKM_ELEMENTS, SurveyResponse

KIND = "ikm_report"
PDF_TEMPLATE = "services/survey/ikm_report_pdf.html"
# Suggestions listed on the page and in the PDF, newest first.
SUGGESTION_LIMIT = 200
TREND_MONTHS = 12
# Elements the follow-up plan starts from: the lowest NRR first.
PRIORITY_ELEMENTS = 3
FOLLOWUP_PLAN_MAX = 4000
JOB_TTL = 60 * 60 * 24

PROFILE_FIELDS = [
    ("sex", gettext_lazy("Jenis kelamin"), SurveyResponse.Sex),
    ("age_band", gettext_lazy("Usia"), SurveyResponse.AgeBand),
    ("education", gettext_lazy("Pendidikan"), SurveyResponse.Education),
    ("occupation", gettext_lazy("Pekerjaan"), SurveyResponse.Occupation),
]


def koma(value, places=2):
    """Indonesian number: decimal comma, point for thousands ("1.234,50")."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _sums_kwargs():
    return {name: Sum(name) for name in SurveyResponse.SCORE_FIELDS}


def _ikm_of_row(row):
    sums = [row[name] or 0 for name in SurveyResponse.SCORE_FIELDS]
    return skm.ikm_from_sums(row["respondents"], sums)


def profile_breakdown(responses):
    """Counts per sex, age band, education and occupation, in one conditional aggregate.

    From the SKM rollup for a scope of skm.scope() (services.rollup).
    """
    found = skm.rollup_scope(responses)
    if found is not None:
        from services.rollup import SURVEY_PROFILE

        row = skm.survey_rows(found, profile=True)[0]
        counts = {
            f"{field}__{value or 'none'}": n
            for (field, value), n in zip(SURVEY_PROFILE, row["profile"], strict=True)
        }
    else:
        aggregates = {}
        for field, _label, choices in PROFILE_FIELDS:
            for value in [*choices.values, ""]:
                aggregates[f"{field}__{value or 'none'}"] = Count("pk", filter=Q(**{field: value}))
        counts = responses.aggregate(**aggregates)
    groups = []
    for field, label, choices in PROFILE_FIELDS:
        rows = [
            {"label": str(text), "count": counts[f"{field}__{value}"]}
            for value, text in choices.choices
        ]
        rows.append({"label": _("Tidak diisi"), "count": counts[f"{field}__none"]})
        groups.append({"field": field, "label": label, "rows": rows})
    return groups


def monthly_trend(responses, until, months=TREND_MONTHS):
    """IKM per month for the ``months`` months ending with ``until``'s month (GROUP BY month)."""
    first = until.replace(day=1)
    for _step in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    found = skm.rollup_scope(responses)
    if found is not None:
        rows = [
            {**row, "month": row["key"]}
            for row in skm.survey_rows(found, "month", date_from=first, date_to=until)
        ]
    else:
        rows = (
            responses.filter(date__gte=first, date__lte=until)
            .annotate(month=TruncMonth("date"))
            .values("month")
            .annotate(respondents=Count("pk"), **_sums_kwargs())
            .order_by("month")
        )
    trend = []
    for row in rows:
        _nrr, ikm = _ikm_of_row(row)
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        trend.append({"month": month, "respondents": row["respondents"], "ikm": ikm})
    return trend


def agency_comparison(responses):
    """IKM per agency of the scope (GROUP BY agency), best first."""
    found = skm.rollup_scope(responses)
    if found is not None:
        rows = [
            {
                **row,
                "agency": row["key"][0],
                "agency__name": row["key"][1],
                "agency__short_name": row["key"][2],
            }
            for row in skm.survey_rows(found, "agency")
        ]
    else:
        rows = (
            responses.values("agency", "agency__name", "agency__short_name")
            .annotate(respondents=Count("pk"), **_sums_kwargs())
            .order_by("agency__name")
        )
    result = []
    for row in rows:
        _nrr, ikm = _ikm_of_row(row)
        grade, _label = skm.grade_for(ikm)
        result.append(
            {
                "agency_id": row["agency"],
                "name": row["agency__short_name"] or row["agency__name"],
                "respondents": row["respondents"],
                "ikm": ikm,
                "ikm_text": koma(ikm),
                "grade": grade,
            }
        )
    result.sort(key=lambda item: (-item["ikm"], item["name"]))
    return result


def service_comparison(responses):
    """IKM per service of the scope (GROUP BY service), as published reports table it."""
    found = skm.rollup_scope(responses)
    if found is not None:
        rows = [
            {**row, "service__name": row["key"][2], "agency__short_name": row["key"][3]}
            for row in skm.survey_rows(found, "service")
        ]
    else:
        rows = (
            responses.values("service", "service__name", "agency__short_name")
            .annotate(respondents=Count("pk"), **_sums_kwargs())
            .order_by("agency__short_name", "service__name")
        )
    result = []
    for row in rows:
        _nrr, ikm = _ikm_of_row(row)
        grade, _label = skm.grade_for(ikm)
        result.append(
            {
                "name": row["service__name"],
                "agency": row["agency__short_name"],
                "respondents": row["respondents"],
                "ikm": ikm,
                "ikm_text": koma(ikm),
                "grade": grade,
            }
        )
    return result


def _suggestion_key(text):
    """Suggestions that differ only in case, spaces or punctuation are one."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def group_suggestions(rows):
    """Group suggestion rows by service; the same suggestion once, with its count.

    Returns [{"service", "total", "items": [{"text", "count", "last"}]}], the
    service with most suggestions first, each service's most frequent first.
    """
    groups = {}
    for row in rows:
        service = row["service__name"]
        items = groups.setdefault(service, {})
        key = _suggestion_key(row["suggestion"])
        if not key:
            continue
        item = items.get(key)
        if item is None:
            # The PDF is published (and goes into the MCP evidence pack): a
            # phone number, NIK or e-mail written into a suggestion is masked.
            text = mask_contacts_in_text(row["suggestion"].strip())
            items[key] = {"text": text[:1].upper() + text[1:], "count": 1, "last": row["date"]}
        else:
            item["count"] += 1
            item["last"] = max(item["last"], row["date"])
    result = [
        {
            "service": service,
            "total": sum(item["count"] for item in items.values()),
            "items": sorted(items.values(), key=lambda i: (-i["count"], -i["last"].toordinal())),
        }
        for service, items in groups.items()
        if items
    ]
    result.sort(key=lambda group: (-group["total"], group["service"]))
    return result


def priority_elements(elements, summary, count=PRIORITY_ELEMENTS):
    """The ``count`` elements with the lowest NRR: where a follow-up plan starts."""
    if not summary["respondents"]:
        return []
    return sorted(elements, key=lambda row: (row["nrr"], row["element"]))[:count]


def report_data(
    *, hall, agency=None, service=None, date_from, date_to, suggestions=True, detail=False
):
    """Everything the IKM page and the PDF show for one scope and period."""
    responses, served = skm.scope(
        hall=hall, agency=agency, service=service, date_from=date_from, date_to=date_to
    )
    summary = skm.ikm_summary(responses, served)
    elements = [
        {
            "element": number,
            "code": f"U{number}",
            "name": str(name),
            "nrr": nrr,
            "nrr_text": koma(nrr, 4),
            "weighted_text": koma((nrr / 9).quantize(skm.FOUR), 4),
        }
        for (number, name), nrr in zip(SKM_ELEMENTS, summary["nrr"], strict=True)
    ]
    # Trend and comparison keep the scope but not the period start: a trend of one month
    # says nothing, and the comparison is always between the hall's agencies.
    trend_scope, _served = skm.scope(hall=hall, agency=agency, service=service)
    compare_scope, _served = skm.scope(hall=hall, date_from=date_from, date_to=date_to)
    data = {
        "hall": hall,
        "agency": agency,
        "service": service,
        "date_from": date_from,
        "date_to": date_to,
        "summary": summary,
        "ikm_text": "—" if summary["ikm"] is None else koma(summary["ikm"]),
        "elements": elements,
        "profile": profile_breakdown(responses),
        "trend": monthly_trend(trend_scope, date_to),
        "agencies": agency_comparison(compare_scope),
        "suggestions": [],
    }
    if suggestions:
        data["suggestions"] = list(
            responses.exclude(suggestion="")
            .order_by("-date", "-created_at")
            .values("pk", "suggestion", "date", "service__name")[:SUGGESTION_LIMIT]
        )
    if detail:
        # The PDF's extra sections, as published IKM reports have them.
        data["services"] = service_comparison(responses)
        data["suggestion_groups"] = group_suggestions(data["suggestions"])
        data["priorities"] = priority_elements(elements, summary)
    return data


def chart_data(data):
    """The three charts' numbers for json_script (plain floats and strings)."""
    return {
        "elements": {
            "labels": [row["code"] for row in data["elements"]],
            "names": [row["name"] for row in data["elements"]],
            "nrr": [float(row["nrr"]) for row in data["elements"]],
        },
        "trend": {
            "labels": [f"{row['month']:%m/%Y}" for row in data["trend"]],
            "ikm": [float(row["ikm"]) for row in data["trend"]],
            "respondents": [row["respondents"] for row in data["trend"]],
        },
        "agencies": {
            "labels": [row["name"] for row in data["agencies"]],
            "ikm": [float(row["ikm"]) for row in data["agencies"]],
        },
    }


# ---------------------------------------------------------------------------
# PDF through Celery and documents
# ---------------------------------------------------------------------------
def period_code(date_from, date_to):
    """ "202612" for a whole calendar month, else "20261201-20261215"."""
    next_day = date_to + datetime.timedelta(days=1)
    if (
        date_from.day == 1
        and next_day.day == 1
        and date_from.replace(day=1) == date_to.replace(day=1)
    ):
        return f"{date_from:%Y%m}"
    return f"{date_from:%Y%m%d}-{date_to:%Y%m%d}"


def report_number(*, hall, date_from, date_to):
    """The next free number IKM/<hall>/<period>/<n>; decided when the job is queued.

    The page polls the registry for exactly this number, so it is fixed before the
    task runs. The counter lives in the cache (an atomic INCR on Redis), seeded from
    the registry so numbers stay unique after a cache flush.
    """
    from mpp_portal.documents.models import IssuedDocument

    prefix = f"IKM/{hall.code}/{period_code(date_from, date_to)}/"
    key = f"ikm-report-seq:{prefix}"
    issued = IssuedDocument.objects.filter(kind=KIND, number__startswith=prefix).count()
    cache.add(key, issued, timeout=JOB_TTL)
    n = cache.incr(key)
    while IssuedDocument.objects.filter(kind=KIND, number=f"{prefix}{n}").exists():
        n = cache.incr(key)
    return f"{prefix}{n}"


def job_key(number):
    return f"ikm-report-job:{number}"


def job_failed(number):
    return cache.get(job_key(number)) == "failed"


def report_title(data):
    scope = data["service"].name if data["service"] else None
    scope = scope or (data["agency"].name if data["agency"] else data["hall"].name)
    return _("Laporan Indeks Kepuasan Masyarakat %(scope)s") % {"scope": scope}


def report_issue(
    *, hall, agency, service, date_from, date_to, number, issued_by=None, followup_plan=""
):
    """Render the report's PDF and register it under ``number``.

    ``followup_plan``: the hall's own plan for the lowest elements, as the
    admin wrote it when asking for the PDF (published reports carry one).
    The signature names ``issued_by`` with their position and NIP.
    """
    from mpp_portal.documents.services import document_issue

    data = report_data(
        hall=hall,
        agency=agency,
        service=service,
        date_from=date_from,
        date_to=date_to,
        detail=True,
    )
    data["followup_plan"] = (followup_plan or "").strip()[:FOLLOWUP_PLAN_MAX]
    return document_issue(
        kind=KIND,
        number=number,
        title=report_title(data),
        template_name=PDF_TEMPLATE,
        context={"report": data},
        hall=hall,
        issued_by=issued_by,
    )
