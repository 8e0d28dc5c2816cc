"""Lists cost the same number of queries for 3 rows as for 30."""

import datetime

import pytest
import time_machine

from complaints import services as workflow
from complaints.models import Category
from mpp_portal.workdays import JAKARTA
from tests.factories import AgencyFactory


@pytest.fixture
def many(file_complaint, hall, hall_admin, citizen):
    """File ``n`` more complaints of every sort: own categories, agencies,
    some dispatched, all overdue a week later."""
    made = []

    def _add(n):
        for i in range(n):
            k = len(made)
            category = Category.objects.create(name=f"Kategori {k}", slug=f"kategori-{k}")
            agency = AgencyFactory(hall=hall)
            complaint = file_complaint(
                title=f"Laporan {k}",
                category=category,
                reported_agency=agency,
                reporter=citizen,
                is_anonymous=(i % 3 == 0),
            )
            if i % 2:
                complaint = workflow.complaint_dispatch(
                    complaint=complaint, agency=agency, by=hall_admin
                )
            made.append(complaint)
        return made

    return _add


LATER = datetime.datetime(2026, 12, 14, 10, 0, tzinfo=JAKARTA)


@pytest.mark.parametrize(
    ("who", "url", "limit"),
    [
        ("hall_admin", "/pengaduan/kelola/csv/", 12),
        ("hall_admin", "/pengaduan/kelola/terlambat/", 12),
        ("hall_admin", "/pengaduan/kelola/", 14),
        ("citizen", "/pengaduan/", 10),
    ],
    ids=["csv", "overdue-board", "inbox", "citizen-own-list"],
)
def test_the_count_does_not_grow_with_rows(
    request, client, many, who, url, limit, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    counts = []
    for n in (3, 27):
        many(n)
        with time_machine.travel(LATER, tick=False):
            with django_assert_max_num_queries(limit) as captured:
                response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
    # The page really lists the rows it was asked about.
    body = response.content.decode("utf-8-sig")
    assert "Laporan 29" in body
