"""SIPABES workflow services: every (from, to) pair of both state machines,
the audit entries, permissions, the nib.recorded webhook, the OSS gateway
setting and the one-answer-per-key rule."""

import datetime
import itertools
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import TransitionNotAllowed
from mpp_portal.webhooks.models import Webhook, WebhookDelivery
from services.sipabes import services
from services.sipabes.models import Registration, SubmissionKey, Visit
from services.sipabes.oss import ManualGateway, gateway
from tests.sipabes.core_fixtures import *  # noqa: F403
from tests.sipabes.core_fixtures import nik, registration_data
from tests.transition_guard import force_status

pytestmark = pytest.mark.django_db

R = Registration.Status
_nibs = itertools.count(9120300000001)


def _put(registration, status):
    fields = {}
    if status in (R.NIB_ISSUED, R.HANDED_OVER):
        fields = {"nib": str(next(_nibs)), "nib_issued_on": datetime.date(2024, 6, 20)}
    return force_status(registration, status, **fields)


MOVES = {
    R.SUBMITTED: lambda reg, by: services.registration_submit(registration=reg, by=by),
    R.NIB_ISSUED: lambda reg, by: services.registration_record_nib(
        registration=reg, by=by, nib=str(next(_nibs)), issued_on=datetime.date(2024, 6, 20)
    ),
    R.HANDED_OVER: lambda reg, by: services.registration_hand_over(
        registration=reg, by=by, acknowledged=True
    ),
    R.RETURNED: lambda reg, by: services.registration_return(
        registration=reg, by=by, reason="Foto KTP-el buram"
    ),
    R.REJECTED: lambda reg, by: services.registration_reject(
        registration=reg, by=by, reason="Sudah punya NIB dari OSS mandiri"
    ),
    R.CAPTURED: lambda reg, by: services.registration_correct(registration=reg, by=by),
}
PAIRS = [(a, b) for a in R.values for b in R.values if a != b]


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_registration_pair(make_registration, officer, source, target):
    registration = _put(make_registration(), source)
    allowed = target in Registration.TRANSITIONS[source]
    if allowed:
        moved = MOVES[target](registration, officer)
        assert moved.status == target
        registration.refresh_from_db()
        assert registration.status == target
        entry = AuditEntry.objects.get(
            object_id=str(registration.pk), from_status=source, to_status=target
        )
        assert entry.actor == officer
        assert entry.action.startswith("sipabes.registration.")
    else:
        with pytest.raises(TransitionNotAllowed):
            MOVES[target](registration, officer)
        registration.refresh_from_db()
        assert registration.status == source


def test_the_table_is_the_issue_s(make_registration):
    """captured -> submitted -> nib_issued -> handed_over | returned | rejected."""
    t = Registration.TRANSITIONS
    assert t[R.CAPTURED] == {R.SUBMITTED, R.RETURNED, R.REJECTED}
    assert t[R.SUBMITTED] == {R.NIB_ISSUED, R.RETURNED, R.REJECTED}
    assert t[R.NIB_ISSUED] == {R.HANDED_OVER}
    assert t[R.RETURNED] == {R.CAPTURED, R.REJECTED}
    assert t[R.HANDED_OVER] == t[R.REJECTED] == set()


def test_return_and_reject_need_a_reason(make_registration, officer):
    registration = make_registration()
    for move in (services.registration_return, services.registration_reject):
        with pytest.raises(ValidationError):
            move(registration=registration, by=officer, reason="  ")


def test_recording_a_nib_checks_format_date_and_uniqueness(make_registration, officer):
    first, second = _put(make_registration(), R.SUBMITTED), _put(make_registration(), R.SUBMITTED)
    today = datetime.date(2024, 6, 20)
    for bad in ("123", "91203000000012", "9120abc000001"):
        with pytest.raises(ValidationError):
            services.registration_record_nib(
                registration=first, by=officer, nib=bad, issued_on=today
            )
    with pytest.raises(ValidationError):
        services.registration_record_nib(
            registration=first,
            by=officer,
            nib="9120400000001",
            issued_on=timezone.localdate() + datetime.timedelta(days=2),
        )
    services.registration_record_nib(
        registration=first, by=officer, nib="9120 4000 00001", issued_on=today
    )
    with pytest.raises(services.NibTaken):
        services.registration_record_nib(
            registration=second, by=officer, nib="9120400000001", issued_on=today
        )
    first.refresh_from_db()
    assert first.nib == "9120400000001"


def test_hand_over_needs_the_acknowledgement(make_registration, officer):
    registration = _put(make_registration(), R.NIB_ISSUED)
    with pytest.raises(ValidationError):
        services.registration_hand_over(registration=registration, by=officer, acknowledged=False)


def test_correction_rederives_the_scale(make_registration, officer):
    registration = _put(make_registration(), R.RETURNED)
    moved = services.registration_correct(
        registration=registration, by=officer, changes={"capital": 2_000_000_000}
    )
    assert (moved.status, moved.scale, moved.status_reason) == (R.CAPTURED, "kecil", "")


def test_nib_recorded_goes_to_the_dpmptsp_webhook(make_registration, officer, dpmptsp):
    Webhook.objects.create(
        agency=dpmptsp,
        url="https://oss.example.test/hook",
        secret="s" * 32,
        events=["nib.recorded"],
    )
    registration = _put(make_registration(nik=nik(8001)), R.SUBMITTED)
    services.registration_record_nib(
        registration=registration,
        by=officer,
        nib="9120500000001",
        issued_on=datetime.date(2024, 6, 20),
    )
    delivery = WebhookDelivery.objects.get(event="nib.recorded")
    assert delivery.payload["nib"] == "9120500000001"
    assert delivery.payload["kbli"] == ["47813"]
    assert nik(8001) not in str(delivery.payload)  # masked
    assert delivery.payload["nik_masked"].endswith("8001")


# --- one NIK, one registration -------------------------------------------------
def test_a_second_registration_of_a_nik_is_refused_with_the_existing_one(make_registration):
    first = make_registration(nik=nik(8100))
    with pytest.raises(services.NikAlreadyRegistered) as caught:
        make_registration(nik=nik(8100), business_name="Kios kedua")
    assert caught.value.extra["registration"] == first.pk
    assert first.receipt_code in str(caught.value.message)


def test_a_nik_with_a_nib_is_told_to_add_kbli_instead(make_registration):
    first = _put(make_registration(nik=nik(8101)), R.HANDED_OVER)
    with pytest.raises(services.NikAlreadyRegistered) as caught:
        make_registration(nik=nik(8101))
    assert first.nib in str(caught.value.message)
    assert "tambahkan KBLI" in str(caught.value.message)


def test_a_rejected_registration_frees_the_nik(make_registration, officer):
    first = make_registration(nik=nik(8102))
    services.registration_reject(registration=first, by=officer, reason="Data ganda")
    assert make_registration(nik=nik(8102)).status == R.CAPTURED


def test_add_activity_adds_kbli_and_a_location(make_registration, officer, market):
    registration = _put(make_registration(), R.HANDED_OVER)
    services.registration_add_activity(
        registration=registration,
        by=officer,
        kbli_codes=["56102", "47813"],
        market=market,
        block="B",
        stall_number="7",
    )
    assert sorted(registration.kbli.values_list("code", flat=True)) == ["47813", "56102"]
    assert registration.locations.get().stall_number == "7"
    assert AuditEntry.objects.filter(action="sipabes.registration.add_activity").exists()
    with pytest.raises(ValidationError):
        services.registration_add_activity(registration=registration, by=officer)


# --- visits -------------------------------------------------------------------
def test_visit_moves(visit, officer, hall_admin):
    force_status(visit, Visit.Status.PLANNED)
    with pytest.raises(TransitionNotAllowed):
        services.visit_close(visit=visit, by=officer)  # planned -> closed
    services.visit_open(visit=visit, by=officer)
    with pytest.raises(TransitionNotAllowed):
        services.visit_open(visit=visit, by=officer)  # open -> open
    services.visit_close(visit=visit, by=officer)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CLOSED and visit.closed_at
    with pytest.raises(TransitionNotAllowed):
        services.visit_open(visit=visit, by=officer)  # closed: only a reopen
    with pytest.raises(PermissionDenied):
        services.visit_reopen(visit=visit, by=officer, reason="Pedagang menyusul")
    with pytest.raises(ValidationError):
        services.visit_reopen(visit=visit, by=hall_admin, reason="")
    services.visit_reopen(visit=visit, by=hall_admin, reason="Pedagang menyusul")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.OPEN
    entry = AuditEntry.objects.get(action="sipabes.visit.reopen")
    assert (entry.note, entry.actor) == ("Pedagang menyusul", hall_admin)
    with pytest.raises(TransitionNotAllowed):
        services.visit_reopen(visit=visit, by=hall_admin, reason="lagi")  # open -> open


@pytest.mark.parametrize(
    ("source", "target"),
    [(a, b) for a in Visit.Status.values for b in Visit.Status.values if a != b],
)
def test_every_visit_pair_against_the_table(visit, source, target):
    from mpp_portal.transitions import transition

    force_status(visit, source)
    if target in Visit.TRANSITIONS[source]:
        transition(visit, target, by=None, action="test")
        assert visit.status == target
    else:
        with pytest.raises(TransitionNotAllowed):
            transition(visit, target, by=None, action="test")


def test_a_closed_visit_takes_no_registration(make_registration, visit, officer, hall_admin):
    services.visit_close(visit=visit, by=officer)
    with pytest.raises(services.VisitNotOpen):
        make_registration()


def test_an_officer_of_another_hall_can_do_nothing(make_registration, other_officer, visit):
    registration = make_registration()
    with pytest.raises(PermissionDenied):
        services.registration_submit(registration=registration, by=other_officer)
    with pytest.raises(PermissionDenied):
        services.registration_create(officer=other_officer, visit=visit, **registration_data())
    assert not Registration.objects.visible_to(other_officer).exists()
    assert not Visit.objects.visible_to(other_officer).exists()


def test_consent_is_required(visit, officer, kbli_seed):
    with pytest.raises(ValidationError):
        services.registration_create(
            officer=officer, visit=visit, **registration_data(consent=False)
        )


# --- gateway -------------------------------------------------------------------
class RecordingGateway(ManualGateway):
    sent = []

    def submit(self, registration):
        self.sent.append(registration.pk)
        return "OSS-REF-1"


def test_the_gateway_is_chosen_in_settings(settings, make_registration, officer):
    assert isinstance(gateway(), ManualGateway)
    settings.SIPABES_OSS_GATEWAY = f"{__name__}.RecordingGateway"
    registration = make_registration()
    services.registration_submit(registration=registration, by=officer)
    assert RecordingGateway.sent == [registration.pk]
    assert AuditEntry.objects.get(action="sipabes.registration.submit").note == "OSS-REF-1"


# --- one answer per key ------------------------------------------------------------
def test_submission_once_replays_created_and_conflict_but_not_bad_input(officer, other_officer):
    key = uuid.uuid4()
    calls = []

    def attempt(status):
        def run():
            calls.append(status)
            return status, {"n": len(calls)}, None

        return run

    assert services.submission_once(key=key, user=officer, attempt=attempt(400)) == (
        400,
        {"n": 1},
        False,
    )
    assert services.submission_once(key=key, user=officer, attempt=attempt(201)) == (
        201,
        {"n": 2},
        False,
    )
    assert services.submission_once(key=key, user=officer, attempt=attempt(201)) == (
        201,
        {"n": 2},
        True,
    )
    assert calls == [400, 201]
    with pytest.raises(services.KeyReused):
        services.submission_once(key=key, user=other_officer, attempt=attempt(201))
    assert SubmissionKey.objects.count() == 1
