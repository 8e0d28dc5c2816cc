"""An adendum of the term, once in force, moves the end date of what it amends."""

import datetime

import pytest

from agreements import services
from agreements.models import Agreement
from mpp_portal.audit.models import AuditEntry
from tests.agreements.conftest import TODAY

pytestmark = pytest.mark.django_db

S = Agreement.Status
D = datetime.date
NEW_END = D(2029, 6, 19)


def _adendum(hall, admin, agency, base, *, fields=("term",), start=TODAY, end=NEW_END):
    return services.agreement_create(
        hall=hall,
        by=admin,
        title="Adendum I perpanjangan jangka waktu",
        kind=Agreement.Kind.ADDENDUM,
        parties=[{"agency": None, "number": "100.3/9/ADD/2026"}, {"agency": agency}],
        amends=base,
        amended_fields=list(fields),
        signed_on=start,
        start_date=start,
        end_date=end,
    )


def test_signing_an_adendum_in_force_moves_the_end_date(make_agreement, agency_a, hall, admin_mpp):
    base = make_agreement(agency_a, status=S.ACTIVE, end_date=D(2027, 6, 19))
    adendum = _adendum(hall, admin_mpp, agency_a, base)

    services.agreement_sign(agreement=adendum, by=admin_mpp, today=TODAY)

    adendum.refresh_from_db()
    base.refresh_from_db()
    assert adendum.status == S.ACTIVE
    assert base.end_date == D(2029, 6, 19)
    entry = AuditEntry.objects.for_object(base).get(action="agreement.term_amended")
    assert entry.actor == admin_mpp
    assert entry.changes == {"end_date": ["2027-06-19", "2029-06-19"], "adendum": adendum.pk}


def test_the_daily_task_keeps_the_amended_agreement_going(
    make_agreement, agency_a, hall, admin_mpp
):
    # The old end has passed; the adendum signed earlier starts today.
    base = make_agreement(agency_a, status=S.ACTIVE, end_date=TODAY - datetime.timedelta(days=1))
    adendum = _adendum(hall, admin_mpp, agency_a, base, start=TODAY + datetime.timedelta(days=1))
    services.agreement_sign(agreement=adendum, by=admin_mpp, today=TODAY)
    assert Agreement.objects.get(pk=adendum.pk).status == S.SIGNED
    Agreement.objects.filter(pk=adendum.pk).update(start_date=TODAY)

    counts = services.agreement_daily(today=TODAY)

    base.refresh_from_db()
    assert Agreement.objects.get(pk=adendum.pk).status == S.ACTIVE
    assert (base.status, base.end_date) == (S.ACTIVE, D(2029, 6, 19))
    assert counts["expired"] == 0
    entry = AuditEntry.objects.for_object(base).get(action="agreement.term_amended")
    assert entry.actor is None  # the system, at 00:15 WIB
    # Idempotent: a second run changes nothing more.
    services.agreement_daily(today=TODAY)
    assert AuditEntry.objects.filter(action="agreement.term_amended").count() == 1


def test_an_adendum_of_other_parts_leaves_the_term(make_agreement, agency_a, hall, admin_mpp):
    base = make_agreement(agency_a, status=S.ACTIVE, end_date=D(2027, 6, 19))
    adendum = _adendum(hall, admin_mpp, agency_a, base, fields=("staff_count",))
    services.agreement_sign(agreement=adendum, by=admin_mpp, today=TODAY)
    base.refresh_from_db()
    assert base.end_date == D(2027, 6, 19)
    assert not AuditEntry.objects.filter(action="agreement.term_amended").exists()


def test_an_open_ended_adendum_makes_the_agreement_open_ended(
    make_agreement, agency_a, hall, admin_mpp
):
    base = make_agreement(agency_a, status=S.ACTIVE, end_date=D(2027, 6, 19))
    adendum = _adendum(hall, admin_mpp, agency_a, base, end=None)
    services.agreement_sign(agreement=adendum, by=admin_mpp, today=TODAY)
    base.refresh_from_db()
    assert base.end_date is None and base.is_open_ended
