"""The SKM rollup: the IKM, grade, sample and every section of the report equal the answers'."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from services import ikm_report, rollup, skm
from services.models import SurveyDayStat, SurveyResponse, SurveyRollupDay, Ticket
from tests.services import test_rollup
from tests.services.test_rollup import HOLIDAY, TODAY
from tests.transition_guard import force_status

pytestmark = pytest.mark.django_db

# November 2026 of tickets, with a holiday and transfers (test_rollup).
month = test_rollup.month


def _answer_served_tickets():
    """Most served tickets of November answered, with every profile answer and some blanks."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO services_surveyresponse (
                ticket_id, service_id, agency_id, hall_id, date, u1, u2, u3, u4, u5, u6, u7,
                u8, u9, sex, age_band, education, occupation, suggestion, channel, created_at)
            SELECT t.id, t.service_id, s.agency_id, a.hall_id, t.date,
                   1 + t.id %% 4, 1 + (t.id / 3) %% 4, 2 + t.id %% 3, 3 + t.id %% 2,
                   1 + (t.id / 5) %% 4, 2 + (t.id / 7) %% 3, 3, 4, 1 + (t.id / 11) %% 4,
                   (ARRAY['L','P',''])[1 + t.id %% 3],
                   (ARRAY['<20','20-29','30-39','40-49','50+',''])[1 + t.id %% 6],
                   (ARRAY['sd','smp','sma','diploma','s1','s2',''])[1 + t.id %% 7],
                   (ARRAY['pns','swasta','wirausaha','petani','pelajar','lainnya',''])
                       [1 + t.id %% 7],
                   CASE WHEN t.id %% 5 = 0 THEN 'Saran ' || t.id ELSE '' END,
                   (ARRAY['web','kiosk','api'])[1 + t.id %% 3], t.finished_at
            FROM services_ticket t
            JOIN services_service s ON s.id = t.service_id
            JOIN organizations_agency a ON a.id = s.agency_id
            WHERE t.status = 'done' AND t.id %% 4 <> 1
            """,
            [],
        )
        return cursor.rowcount


def _late_answer(day):
    """A served ticket of ``day`` answered only now (after its day was rolled up)."""
    ticket = (
        Ticket.objects.filter(date=day, status=Ticket.Status.DONE, survey__isnull=True)
        .select_related("service")
        .first()
    )
    return skm.survey_submit(ticket=ticket, scores=[1, 2, 3, 4, 4, 3, 2, 1, 4], sex="P")


def _today_answer(service, counter):
    from services.queue import ticket_issue

    ticket = ticket_issue(service=service)
    now = timezone.now()
    force_status(
        ticket,
        Ticket.Status.DONE,
        called_at=now,
        started_at=now,
        finished_at=now + datetime.timedelta(minutes=3),
        counter=counter,
    )
    return skm.survey_submit(ticket=ticket, scores=[4] * 9, age_band="50+", education="s2")


def _raw(queryset):
    # A clone has no skm.scope(): every section is computed from the answers.
    clone = queryset.all()
    assert skm.rollup_scope(clone) is None
    return clone


SCOPES = [
    {"date_from": TODAY - datetime.timedelta(days=364), "date_to": TODAY},
    {"date_from": datetime.date(2026, 11, 10), "date_to": datetime.date(2026, 11, 20)},
    {"date_from": datetime.date(2026, 11, 25), "date_to": TODAY},
    {},
]


@pytest.mark.parametrize("narrow", [None, "agency", "service"])
@pytest.mark.parametrize("period", range(len(SCOPES)))
def test_the_ikm_from_the_rollup_equals_the_answers(
    hall,
    agency_a,
    service_a,
    counter_a,
    month,
    narrow,
    period,
):
    answered = _answer_served_tickets()
    assert answered > 100
    assert rollup.rollup_closed_days() == 29
    assert SurveyRollupDay.objects.filter(date=HOLIDAY).exists()
    assert SurveyDayStat.objects.filter(date=datetime.date(2026, 11, 2)).exists()
    rolled = SurveyDayStat.objects.values_list("respondents", flat=True)
    # Every answer of a closed day (the month fixture served one ticket today).
    assert sum(rolled) == SurveyResponse.objects.exclude(date=TODAY).count() >= answered - 1
    # After the rollup: a late answer for a rolled day, and one of today.
    _late_answer(datetime.date(2026, 11, 24))
    _today_answer(service_a, counter_a)

    kwargs = {"hall": hall, **SCOPES[period]}
    if narrow == "agency":
        kwargs["agency"] = agency_a
    elif narrow == "service":
        kwargs["service"] = service_a
    responses, served = skm.scope(**kwargs)
    assert skm.rollup_scope(responses) is not None

    summary = skm.ikm_summary(responses, served)
    raw = skm.ikm_summary(_raw(responses), _raw(served))
    assert summary == raw
    assert summary["respondents"] == responses.count() > 0
    assert summary["ikm"] is not None and summary["grade"] in "ABCD"
    assert ikm_report.profile_breakdown(responses) == ikm_report.profile_breakdown(_raw(responses))
    assert ikm_report.monthly_trend(responses, TODAY) == ikm_report.monthly_trend(
        _raw(responses), TODAY
    )
    assert ikm_report.agency_comparison(responses) == ikm_report.agency_comparison(_raw(responses))
    assert ikm_report.service_comparison(responses) == ikm_report.service_comparison(
        _raw(responses)
    )


def test_the_rollup_rows_hold_the_answers_of_their_day_and_service(
    hall,
    service_a,
    month,
):
    _answer_served_tickets()
    rollup.rollup_closed_days()
    day = datetime.date(2026, 11, 2)
    answers = SurveyResponse.objects.filter(date=day, service=service_a)
    row = SurveyDayStat.objects.get(date=day, service=service_a)
    assert row.respondents == answers.count() > 0
    assert row.u1 == sum(answers.values_list("u1", flat=True))
    sex = dict(zip(rollup.SURVEY_PROFILE, row.profile, strict=True))
    assert sex[("sex", "P")] == answers.filter(sex="P").count()
    assert sex[("sex", "")] == answers.filter(sex="").count()


def test_a_day_rolled_in_an_older_layout_is_read_live_and_rolled_again(
    hall,
    service_a,
    month,
):
    _answer_served_tickets()
    rollup.rollup_closed_days()
    # New answer choices: the days written before are not trusted.
    SurveyRollupDay.objects.update(layout="sex=L;sex=")
    SurveyDayStat.objects.update(u1=0, respondents=0)
    responses, served = skm.scope(hall=hall)
    assert skm.ikm_summary(responses, served) == skm.ikm_summary(_raw(responses), _raw(served))
    assert rollup.rollup_closed_days() == 29
    assert not SurveyRollupDay.objects.exclude(layout=rollup.SURVEY_LAYOUT).exists()
    assert SurveyDayStat.objects.filter(respondents__gt=0).exists()


def test_the_ikm_page_of_a_year_is_a_fixed_number_of_queries(
    hall,
    month,
    django_assert_max_num_queries,
):
    from django.test.utils import CaptureQueriesContext

    _answer_served_tickets()
    rollup.rollup_closed_days()
    counts = []
    for days in (7, 364):
        with CaptureQueriesContext(connection) as queries:
            ikm_report.report_data(
                hall=hall, date_from=TODAY - datetime.timedelta(days=days), date_to=TODAY
            )
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 16
