"""SKM answers and the IKM index (Permenpan RB 14/2017, DOMAIN.md)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from services import queue, skm
from services.models import SurveyResponse

# The published table (Krejcie & Morgan 1970, Table 1): population N -> sample S.
KREJCIE_MORGAN = {
    10: 10, 15: 14, 20: 19, 25: 24, 30: 28, 35: 32, 40: 36, 45: 40, 50: 44, 55: 48,
    60: 52, 65: 56, 70: 59, 75: 63, 80: 66, 85: 70, 90: 73, 95: 76, 100: 80, 110: 86,
    120: 92, 130: 97, 140: 103, 150: 108, 160: 113, 170: 118, 180: 123, 190: 127,
    200: 132, 210: 136, 220: 140, 230: 144, 240: 148, 250: 152, 260: 155, 270: 159,
    280: 162, 290: 165, 300: 169, 320: 175, 340: 181, 360: 186, 380: 191, 400: 196,
    420: 201, 440: 205, 460: 210, 480: 214, 500: 217, 550: 226, 600: 234, 650: 242,
    700: 248, 750: 254, 800: 260, 850: 265, 900: 269, 950: 274, 1000: 278, 1100: 285,
    1200: 291, 1300: 297, 1400: 302, 1500: 306, 1600: 310, 1700: 313, 1800: 317,
    1900: 320, 2000: 322, 2200: 327, 2400: 331, 2600: 335, 2800: 338, 3000: 341,
    3500: 346, 4000: 351, 4500: 354, 5000: 357, 6000: 361, 7000: 364, 8000: 367,
    9000: 368, 10000: 370, 15000: 375, 20000: 377, 30000: 379, 40000: 380, 50000: 381,
    75000: 382, 1000000: 384,
}  # fmt: skip


@pytest.mark.parametrize(
    ("population", "sample"),
    [(50, 44), (100, 80), (500, 217), (1000, 278), (2000, 322), (10000, 370), (1_000_000, 384)],
)
def test_krejcie_morgan_table(population, sample):
    assert skm.krejcie_morgan(population) == sample


def test_krejcie_morgan_matches_every_row_of_the_published_table():
    assert len(KREJCIE_MORGAN) == 90
    wrong = {
        n: (s, skm.krejcie_morgan(n))
        for n, s in KREJCIE_MORGAN.items()
        if skm.krejcie_morgan(n) != s
    }
    assert wrong == {}


@pytest.mark.parametrize(("population", "sample"), [(0, 0), (1, 1), (3, 3)])
def test_krejcie_morgan_never_asks_for_more_than_the_population(population, sample):
    assert skm.krejcie_morgan(population) == sample


@pytest.mark.parametrize(
    ("ikm", "grade"),
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_grade_boundaries(ikm, grade):
    assert skm.grade_for(Decimal(ikm))[0] == grade


def test_exact_weight_not_0_111():
    # Everybody answers 4: IKM is 100,00. With the printed weight 0,111 it
    # would be 4 x 9 x 0,111 x 25 = 99,90.
    nrr, ikm = skm.ikm_from_sums(10, [40] * 9)
    assert ikm == Decimal("100.00")
    assert nrr == [Decimal("4.0000")] * 9


def test_hand_checked_example():
    # Three questionnaires, checked by hand:
    #   u1..u9 = 4 3 3 4 3 3 4 4 3  (sum 31)
    #            3 3 2 4 3 3 3 4 3  (sum 28)
    #            4 4 3 4 3 4 4 3 2  (sum 31)
    # NRR = 11/3 10/3 8/3 4 3 10/3 11/3 11/3 8/3; sum = 90/3 = 30
    # IKM = 30 / 9 x 25 = 83,333... -> 83,33 (B, Baik)
    sums = [11, 10, 8, 12, 9, 10, 11, 11, 8]
    nrr, ikm = skm.ikm_from_sums(3, sums)
    assert nrr[0] == Decimal("3.6667") and nrr[3] == Decimal("4.0000")
    assert ikm == Decimal("83.33")
    assert skm.grade_for(ikm) == ("B", "Baik")


@pytest.fixture
def served(service_a, counter_a, staff_a):
    """Return a function that serves ``n`` tickets to the end."""
    queue.counter_open(counter=counter_a, by=staff_a)

    def _serve(n):
        done = []
        for _ in range(n):
            queue.ticket_issue(service=service_a)
            ticket = queue.ticket_call_next(counter=counter_a, by=staff_a)
            queue.ticket_start(ticket=ticket, by=staff_a)
            done.append(queue.ticket_finish(ticket=ticket, by=staff_a))
        return done

    return _serve


def test_summary_from_the_database(served, service_a, hall):
    tickets = served(4)
    answers = [
        [4, 3, 3, 4, 3, 3, 4, 4, 3],
        [3, 3, 2, 4, 3, 3, 3, 4, 3],
        [4, 4, 3, 4, 3, 4, 4, 3, 2],
    ]
    for ticket, scores in zip(tickets, answers, strict=False):
        skm.survey_submit(ticket=ticket, scores=scores, sex="P", age_band="30-39")
    responses, population = skm.scope(hall=hall, service=service_a)
    summary = skm.ikm_summary(responses, population)
    assert summary["respondents"] == 3
    assert summary["ikm"] == Decimal("83.33")
    assert (summary["grade"], summary["grade_label"]) == ("B", "Baik")
    assert (summary["population"], summary["min_sample"], summary["sample_reached"]) == (
        4,
        4,
        False,
    )


def test_one_answer_per_finished_ticket(served, service_a):
    ticket = served(1)[0]
    skm.survey_submit(ticket=ticket, scores=[4] * 9)
    with pytest.raises(skm.SurveyNotAllowed) as excinfo:
        skm.survey_submit(ticket=ticket, scores=[3] * 9)
    assert excinfo.value.code == "already_answered"
    assert SurveyResponse.objects.count() == 1


def test_unfinished_ticket_and_bad_scores(service_a, served):
    waiting = queue.ticket_issue(service=service_a)
    with pytest.raises(skm.SurveyNotAllowed) as excinfo:
        skm.survey_submit(ticket=waiting, scores=[4] * 9)
    assert excinfo.value.code == "ticket_not_done"
    done = served(1)[0]
    for scores in ([4] * 8, [5] + [4] * 8, [0] + [4] * 8, ["4"] * 9):
        with pytest.raises(ValidationError):
            skm.survey_submit(ticket=done, scores=scores)
