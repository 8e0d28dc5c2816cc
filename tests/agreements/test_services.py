"""Agreement services: every move of the table, the chain rules, the derived
expiring state, the daily task (set-based, idempotent) and its reminders."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError

from agreements import services
from agreements.models import Agreement, ExpiryReminder
from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import DomainError, TransitionNotAllowed
from mpp_portal.notifications.models import OutboxMessage
from tests.agreements.conftest import TODAY
from tests.transition_guard import force_status

S = Agreement.Status
K = Agreement.Kind
pytestmark = pytest.mark.django_db

MOVES = {
    S.SIGNED: lambda a, by: services.agreement_sign(agreement=a, by=by, today=TODAY),
    S.ACTIVE: lambda a, by: services.agreement_activate(agreement=a, by=by, today=TODAY),
    S.EXPIRED: lambda a, by: services.agreement_expire(agreement=a, by=by, today=TODAY),
    S.TERMINATED: lambda a, by: services.agreement_terminate(
        agreement=a, by=by, reason="Instansi keluar dari MPP", on=TODAY
    ),
}


@pytest.mark.parametrize(
    "source,target",
    list(itertools.product(S.values, [S.SIGNED, S.ACTIVE, S.EXPIRED, S.TERMINATED])),
)
def test_every_pair_of_the_table(make_agreement, agency_a, admin_mpp, source, target):
    """Allowed pairs move (and are audited); every other pair is refused."""
    # Dates that let every allowed move pass its date checks.
    agreement = make_agreement(
        agency_a, start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2026, 1, 31)
    )
    if source != S.DRAFT:
        force_status(agreement, source)
    allowed = target in Agreement.TRANSITIONS[source]
    if allowed:
        MOVES[target](agreement, admin_mpp)
        agreement.refresh_from_db()
        # Signing an agreement already in force activates it at once.
        assert agreement.status in ({target, S.ACTIVE} if target == S.SIGNED else {target})
        assert AuditEntry.objects.filter(
            object_id=str(agreement.pk), from_status=source, to_status=target
        ).exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            MOVES[target](agreement, admin_mpp)
        agreement.refresh_from_db()
        assert agreement.status == source


@pytest.mark.parametrize("source", S.values)
def test_renew_pair(make_agreement, agency_a, admin_mpp, source):
    old = make_agreement(agency_a)
    new = make_agreement(agency_a, status=S.ACTIVE, start_date=datetime.date(2026, 1, 1))
    force_status(old, source)
    if S.RENEWED in Agreement.TRANSITIONS[source]:
        services.agreement_renew(agreement=old, successor=new, by=admin_mpp)
        old.refresh_from_db()
        new.refresh_from_db()
        assert old.status == S.RENEWED and old.successor == new and new.renews == old
    else:
        with pytest.raises(TransitionNotAllowed):
            services.agreement_renew(agreement=old, successor=new, by=admin_mpp)


def test_signing_before_the_start_waits_for_the_daily_task(make_agreement, agency_a, admin_mpp):
    agreement = make_agreement(agency_a, start_date=TODAY + datetime.timedelta(days=3))
    services.agreement_sign(agreement=agreement, by=admin_mpp, today=TODAY)
    agreement.refresh_from_db()
    assert agreement.status == S.SIGNED
    with pytest.raises(DomainError):
        services.agreement_activate(agreement=agreement, by=admin_mpp, today=TODAY)


def test_signing_needs_the_dates(make_agreement, agency_a, admin_mpp):
    agreement = make_agreement(agency_a, signed_on=None)
    with pytest.raises(DomainError, match="tanggal penandatanganan"):
        services.agreement_sign(agreement=agreement, by=admin_mpp, today=TODAY)


def test_terminate_needs_a_reason(make_agreement, agency_a, admin_mpp):
    agreement = make_agreement(agency_a, status=S.ACTIVE)
    with pytest.raises(ValidationError):
        services.agreement_terminate(agreement=agreement, by=admin_mpp, reason="  ")
    services.agreement_terminate(agreement=agreement, by=admin_mpp, reason="Pindah", on=TODAY)
    agreement.refresh_from_db()
    assert agreement.terminated_on == TODAY and agreement.termination_reason == "Pindah"


# --------------------------------------------------------------------------
# Parties and the chain
# --------------------------------------------------------------------------
def test_parties_need_the_regency_and_an_agency(hall, admin_mpp, agency_a):
    with pytest.raises(ValidationError, match="pemerintah daerah"):
        services.agreement_create(
            hall=hall, by=admin_mpp, title="X", parties=[{"agency": agency_a}]
        )
    with pytest.raises(ValidationError, match="instansi"):
        services.agreement_create(hall=hall, by=admin_mpp, title="X", parties=[{"agency": None}])


def test_two_agencies_and_the_regency(make_agreement, agency_a, agency_b, hall):
    agreement = make_agreement(agency_a, agency_b)
    names = [p.name for p in agreement.parties.all()]
    assert names == [hall.government_name, agency_a.name, agency_b.name]
    assert agreement.main_number == "100.3/2/PKS/2024"


def test_an_adendum_cannot_amend_another_agencys_agreement(
    make_agreement, agency_a, agency_b, hall, admin_mpp
):
    base = make_agreement(agency_a, status=S.ACTIVE)
    with pytest.raises(ValidationError) as caught:
        services.agreement_create(
            hall=hall,
            by=admin_mpp,
            title="Adendum",
            kind=K.ADDENDUM,
            amends=base,
            amended_fields=["staff_count"],
            parties=[{"agency": None}, {"agency": agency_b}],
        )
    assert "instansi lain" in str(caught.value.message_dict["amends"])
    adendum = services.agreement_create(
        hall=hall,
        by=admin_mpp,
        title="Adendum",
        kind=K.ADDENDUM,
        amends=base,
        amended_fields=["staff_count"],
        parties=[{"agency": None}, {"agency": agency_a}],
    )
    assert adendum.amends == base


def test_an_adendum_says_what_it_amends(make_agreement, agency_a, hall, admin_mpp):
    base = make_agreement(agency_a, status=S.ACTIVE)
    for extra, field in (
        ({"amends": None, "amended_fields": ["term"]}, "amends"),
        ({"amends": base, "amended_fields": []}, "amended_fields"),
        ({"amends": base, "amended_fields": ["nope"]}, "amended_fields"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.agreement_create(
                hall=hall,
                by=admin_mpp,
                title="Adendum",
                kind=K.ADDENDUM,
                parties=[{"agency": None}, {"agency": agency_a}],
                **extra,
            )
        assert field in caught.value.message_dict
    # A PKS amends nothing.
    with pytest.raises(ValidationError):
        make_agreement(agency_a, amends=base)


def test_a_pks_implements_a_nota_kesepakatan_only(make_agreement, agency_a):
    mou = make_agreement(agency_a, kind=K.MOU, status=S.ACTIVE)
    pks = make_agreement(agency_a, implements=mou)
    assert pks.implements == mou
    with pytest.raises(ValidationError):
        make_agreement(agency_a, implements=pks)


def test_a_renewal_cannot_point_to_itself_or_form_a_cycle(make_agreement, agency_a, admin_mpp):
    first = make_agreement(agency_a, status=S.ACTIVE)
    with pytest.raises(DomainError, match="dirinya sendiri"):
        services.agreement_renew(agreement=first, successor=first, by=admin_mpp)
    force_status(first, S.DRAFT)
    with pytest.raises(ValidationError, match="dirinya sendiri"):
        services.agreement_update(agreement=first, by=admin_mpp, renews=first)
    force_status(first, S.ACTIVE)
    second = make_agreement(agency_a, renews=first)
    force_status(second, S.ACTIVE)
    # first renews second while second renews first: a cycle.
    force_status(first, S.DRAFT)
    with pytest.raises(ValidationError, match="lingkaran"):
        services.agreement_update(agreement=first, by=admin_mpp, renews=second)
    force_status(first, S.ACTIVE)
    with pytest.raises(DomainError, match="lingkaran"):
        services.agreement_renew(agreement=second, successor=first, by=admin_mpp)


def test_a_signed_agreement_changes_only_by_adendum(make_agreement, agency_a, admin_mpp):
    agreement = make_agreement(agency_a, status=S.ACTIVE)
    with pytest.raises(DomainError, match="adendum"):
        services.agreement_update(agreement=agreement, by=admin_mpp, title="Lain")


def test_scope_only_own_agencies_services(make_agreement, agency_a, catalogue, admin_mpp):
    agreement = make_agreement(agency_a, status=S.ACTIVE)
    services.agreement_update(
        agreement=agreement, by=admin_mpp, services=[catalogue["a1"]], counters=[catalogue["ca"]]
    )
    assert list(agreement.services.all()) == [catalogue["a1"]]
    with pytest.raises(ValidationError):
        services.agreement_update(agreement=agreement, by=admin_mpp, services=[catalogue["b1"]])


# --------------------------------------------------------------------------
# Derived expiring
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "days,status,expected",
    [
        (91, S.ACTIVE, False),
        (90, S.ACTIVE, True),
        (89, S.ACTIVE, True),
        (0, S.ACTIVE, True),
        (-1, S.ACTIVE, False),
        (30, S.SIGNED, False),
        (30, S.TERMINATED, False),
    ],
)
def test_expiring_is_derived(make_agreement, agency_a, days, status, expected):
    agreement = make_agreement(
        agency_a,
        start_date=datetime.date(2025, 1, 1),
        end_date=TODAY + datetime.timedelta(days=days),
        status=status,
    )
    assert agreement.is_expiring(TODAY) is expected
    assert Agreement.objects.expiring(today=TODAY).filter(pk=agreement.pk).exists() is expected


def test_open_ended_never_expires(make_agreement, agency_a):
    agreement = make_agreement(agency_a, end_date=None, status=S.ACTIVE)
    assert agreement.is_expiring(TODAY) is False
    assert services.agreement_daily(today=TODAY)["expired"] == 0


# --------------------------------------------------------------------------
# The daily task
# --------------------------------------------------------------------------
def test_daily_moves_and_is_idempotent(make_agreement, agency_a, agency_b, hall):
    starting = make_agreement(agency_a, start_date=TODAY, status=S.SIGNED)
    later = make_agreement(agency_a, start_date=TODAY + datetime.timedelta(days=1), status=S.SIGNED)
    ended = make_agreement(agency_b, end_date=TODAY - datetime.timedelta(days=1), status=S.ACTIVE)
    last_day = make_agreement(agency_b, end_date=TODAY, status=S.ACTIVE)
    first = services.agreement_daily(today=TODAY)
    assert first["activated"] == 1 and first["expired"] == 1
    for agreement, status in (
        (starting, S.ACTIVE),
        (later, S.SIGNED),
        (ended, S.EXPIRED),
        (last_day, S.ACTIVE),
    ):
        agreement.refresh_from_db()
        assert agreement.status == status
    audits = AuditEntry.objects.filter(
        action__in=["agreement.activate", "agreement.expire"]
    ).count()
    second = services.agreement_daily(today=TODAY)
    assert second["activated"] == 0 and second["expired"] == 0 and second["reminders"] == 0
    assert (
        AuditEntry.objects.filter(action__in=["agreement.activate", "agreement.expire"]).count()
        == audits
    )


@pytest.mark.parametrize("count", [3, 30])
def test_daily_query_count_is_constant(
    make_agreement, agency_a, django_assert_max_num_queries, count
):
    """The moves are set-based: as many queries for 30 agreements as for 3
    (only each reminder's outbox rows add queries, per message)."""
    for n in range(count):
        make_agreement(
            agency_a,
            start_date=TODAY,
            status=S.SIGNED,
            end_date=TODAY + datetime.timedelta(days=200 + n),
        )
        make_agreement(agency_a, status=S.ACTIVE, end_date=TODAY - datetime.timedelta(days=1))
    with django_assert_max_num_queries(20):
        result = services.agreement_daily(today=TODAY)
    assert result["activated"] == count and result["expired"] == count


def _reminders(recipient=None):
    messages = OutboxMessage.objects.filter(dedupe_key__startswith="agreement-expiry:")
    return messages.filter(recipient=recipient) if recipient else messages


def test_reminders_at_90_60_30_days_once_each(make_agreement, agency_a, admin_mpp):
    agency_a.contact_name = "Rina"
    agency_a.contact_email = "kontak@dukcapil.example.test"
    agency_a.save()
    end = TODAY + datetime.timedelta(days=100)
    agreement = make_agreement(agency_a, end_date=end, status=S.ACTIVE)
    sent = []
    for day in range(0, 102):
        today = TODAY + datetime.timedelta(days=day)
        result = services.agreement_daily(today=today)
        if result["reminders"]:
            sent.append((end - today).days)
        services.agreement_daily(today=today)  # a second run the same day
    assert sent == [90, 60, 30]
    assert set(ExpiryReminder.objects.values_list("days", flat=True)) == {90, 60, 30}
    assert _reminders("admin.mpp@example.test").count() == 3
    assert _reminders("kontak@dukcapil.example.test").count() == 3
    agreement.refresh_from_db()
    assert agreement.status == S.EXPIRED
    body = _reminders().order_by("pk").first().body
    assert agreement.title in body and "90 hari" in body


def test_a_late_agreement_gets_one_reminder_not_three(make_agreement, agency_a, admin_mpp):
    make_agreement(agency_a, end_date=TODAY + datetime.timedelta(days=10), status=S.ACTIVE)
    assert services.agreement_daily(today=TODAY)["reminders"] == 1
    assert list(ExpiryReminder.objects.values_list("days", flat=True)) == [30]


def test_a_renewal_extending_the_end_reminds_again(make_agreement, agency_a, admin_mpp):
    """The claim is per end date: a new end date is a new reminder."""
    agreement = make_agreement(
        agency_a, end_date=TODAY + datetime.timedelta(days=30), status=S.ACTIVE
    )
    services.agreement_daily(today=TODAY)
    Agreement.objects.filter(pk=agreement.pk).update(end_date=TODAY + datetime.timedelta(days=60))
    assert services.agreement_daily(today=TODAY)["reminders"] == 1
