"""A permintaan informasi is answered within 10 working days, extendable once
by 7 with a written reason (UU 14/2008 Pasal 22; DOMAIN.md "Complaints")."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import services as workflow
from complaints.models import Complaint, ComplaintPolicy, ComplaintUpdate
from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import TransitionNotAllowed
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.workdays import JAKARTA
from tests.factories import UserFactory

S = Complaint.Status
INFORMATION = Complaint.Kind.INFORMATION


def at(year, month, day, hour=9, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


# Dispatched Tuesday 15 December 2026, 09:00 WIB. Ten working days skip the
# weekends, cuti bersama (Thu 24 Dec) and Christmas (Fri 25 Dec): Thursday
# 31 December at closing time. Five working days end Tuesday 22 December.
DISPATCHED = at(2026, 12, 15)
INFO_DUE = at(2026, 12, 31, 16)
COMPLAINT_DUE = at(2026, 12, 22, 16)
# Seven working days after 31 December skip New Year (Fri 1 Jan) and Isra
# Mikraj (Tue 5 Jan): Wednesday 13 January 2027 at closing time.
EXTENDED_DUE = at(2027, 1, 13, 16)
BEFORE_DUE = at(2026, 12, 30, 10)


@pytest.fixture
def dispatch(file_complaint, hall_admin, agency_a, _frozen_clock):
    def _dispatch(kind=INFORMATION, agency=agency_a):
        _frozen_clock.move_to(DISPATCHED)
        complaint = file_complaint(kind=kind)
        return workflow.complaint_dispatch(complaint=complaint, agency=agency, by=hall_admin)

    return _dispatch


@pytest.fixture
def admin_b(agency_b):
    return UserFactory(username="admin.b", role=User.Role.AGENCY_ADMIN, agency=agency_b)


@pytest.fixture
def request_(dispatch, _frozen_clock):
    """An information request with Disdukcapil, one day before its deadline."""
    complaint = dispatch()
    _frozen_clock.move_to(BEFORE_DUE)
    return complaint


def extend(complaint, by, reason="Data masih dihimpun dari arsip kecamatan."):
    return workflow.complaint_extend(complaint=complaint, by=by, reason=reason)


class TestDeadline:
    def test_an_information_request_gets_ten_working_days_past_the_holidays(self, hall, dispatch):
        assert ComplaintPolicy.for_hall(hall).information_days == 10
        complaint = dispatch()
        assert complaint.due_at == INFO_DUE

    def test_a_complaint_keeps_five(self, dispatch):
        assert dispatch(kind=Complaint.Kind.COMPLAINT).due_at == COMPLAINT_DUE

    def test_the_hall_sets_its_own_number(self, hall, dispatch):
        ComplaintPolicy.objects.update_or_create(hall=hall, defaults={"information_days": 3})
        assert dispatch().due_at == at(2026, 12, 18, 16)

    def test_no_hall_may_give_more_than_the_law(self, hall):
        policy = ComplaintPolicy.for_hall(hall)
        policy.information_days = 11
        with pytest.raises(ValidationError) as caught:
            policy.full_clean()
        assert "information_days" in caught.value.error_dict

    def test_the_reporters_reply_gives_the_agency_ten_again(
        self, dispatch, agency_admin_a, _frozen_clock
    ):
        complaint = dispatch()
        workflow.complaint_respond(complaint=complaint, by=agency_admin_a, body="Syaratnya KK.")
        _frozen_clock.move_to(at(2026, 12, 16))
        workflow.complaint_reply(complaint=complaint, by=None, body="Asli atau fotokopi?")
        complaint.refresh_from_db()
        # 17, 18, 21, 22, 23, 28, 29, 30, 31 Dec and 4 Jan.
        assert complaint.due_at == at(2027, 1, 4, 16)


class TestExtension:
    def test_it_moves_the_deadline_seven_working_days_with_the_reason(
        self, request_, agency_admin_a
    ):
        complaint = extend(request_, agency_admin_a)
        complaint.refresh_from_db()
        assert complaint.due_at == EXTENDED_DUE
        assert complaint.extended_at == BEFORE_DUE
        assert complaint.status == S.DISPATCHED

        update = complaint.updates.get(kind=ComplaintUpdate.Kind.EXTENSION)
        assert update.is_public and update.author_label == "Disdukcapil"
        assert "7 hari kerja" in update.body
        assert "13 Januari 2027" in update.body
        assert "arsip kecamatan" in update.body

        entry = AuditEntry.objects.get(action="complaint.extend")
        assert entry.actor == agency_admin_a
        assert entry.note == "Data masih dihimpun dari arsip kecamatan."
        assert entry.changes["due_at"] == [INFO_DUE.isoformat(), EXTENDED_DUE.isoformat()]

        message = OutboxMessage.objects.get(
            recipient=complaint.reporter_email, subject__contains="diperpanjang"
        )
        assert complaint.tracking_id in message.subject
        assert "arsip kecamatan" in message.body

    def test_the_public_page_shows_it(self, client, request_, agency_admin_a):
        extend(request_, agency_admin_a)
        page = client.get(f"/pengaduan/publik/{request_.tracking_id}/").content.decode()
        assert "Perpanjangan waktu" in page
        assert "arsip kecamatan" in page

    def test_only_once(self, request_, agency_admin_a, hall_admin):
        extend(request_, agency_admin_a)
        with pytest.raises(TransitionNotAllowed) as caught:
            extend(request_, hall_admin)
        assert caught.value.code == "already_extended"
        request_.refresh_from_db()
        assert request_.due_at == EXTENDED_DUE
        assert AuditEntry.objects.filter(action="complaint.extend").count() == 1

    def test_the_hall_admin_may_extend(self, request_, hall_admin):
        assert extend(request_, hall_admin).due_at == EXTENDED_DUE

    def test_another_agency_or_counter_staff_may_not(self, request_, admin_b, staff_a):
        for user in (admin_b, staff_a):
            with pytest.raises(PermissionDenied):
                extend(request_, user)
        request_.refresh_from_db()
        assert request_.due_at == INFO_DUE and request_.extended_at is None

    def test_a_complaint_cannot_be_extended(self, dispatch, agency_admin_a):
        complaint = dispatch(kind=Complaint.Kind.COMPLAINT)
        with pytest.raises(TransitionNotAllowed) as caught:
            extend(complaint, agency_admin_a)
        assert caught.value.code == "not_an_information_request"

    def test_not_after_the_deadline(self, dispatch, agency_admin_a, _frozen_clock):
        complaint = dispatch()
        _frozen_clock.move_to(at(2026, 12, 31, 16, 1))
        with pytest.raises(TransitionNotAllowed) as caught:
            extend(complaint, agency_admin_a)
        assert caught.value.code == "deadline_passed"

    def test_not_once_answered(self, request_, agency_admin_a):
        workflow.complaint_respond(complaint=request_, by=agency_admin_a, body="Syaratnya KK.")
        with pytest.raises(TransitionNotAllowed) as caught:
            extend(request_, agency_admin_a)
        assert caught.value.code == "not_with_agency"

    def test_a_reason_is_required(self, request_, agency_admin_a):
        with pytest.raises(ValidationError) as caught:
            extend(request_, agency_admin_a, reason="  ")
        assert "reason" in caught.value.error_dict


def api_url(complaint):
    return f"/api/v1/complaints/{complaint.tracking_id}/extend/"


class TestApi:
    def test_it_extends(self, token_client, agency_admin_a, request_):
        response = token_client(agency_admin_a).post(
            api_url(request_), {"reason": "Menunggu data dari kecamatan."}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["due_at"] == EXTENDED_DUE.isoformat()

    def test_a_missing_reason_is_400(self, token_client, agency_admin_a, request_):
        response = token_client(agency_admin_a).post(api_url(request_), {}, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()["errors"]

    def test_a_second_extension_is_409(self, token_client, agency_admin_a, request_):
        client = token_client(agency_admin_a)
        client.post(api_url(request_), {"reason": "Pertama."}, format="json")
        response = client.post(api_url(request_), {"reason": "Kedua."}, format="json")
        assert response.status_code == 409
        assert "satu kali" in response.content.decode()

    def test_another_agency_gets_nothing(self, token_client, admin_b, request_):
        response = token_client(admin_b).post(
            api_url(request_), {"reason": "Bukan kami."}, format="json"
        )
        assert response.status_code in (403, 404)
        request_.refresh_from_db()
        assert request_.extended_at is None


class TestPage:
    BUTTON = "Perpanjang 7 hari kerja"

    def url(self, complaint):
        return f"/pengaduan/kelola/{complaint.tracking_id}/"

    def test_the_agency_sees_the_button_and_extends(self, client, request_, agency_admin_a):
        client.force_login(agency_admin_a)
        assert self.BUTTON in client.get(self.url(request_)).content.decode()
        response = client.post(
            self.url(request_),
            {"action": "extend", "extend-reason": "Menunggu data dari kecamatan."},
        )
        assert response.status_code == 302
        request_.refresh_from_db()
        assert request_.due_at == EXTENDED_DUE
        page = client.get(self.url(request_)).content.decode()
        assert self.BUTTON not in page
        assert "Menunggu data dari kecamatan." in page
        assert "13 Jan 2027, 16.00 <span" in page and ">diperpanjang</span>" in page

    def test_a_missing_reason_is_a_field_error(self, client, request_, agency_admin_a):
        client.force_login(agency_admin_a)
        response = client.post(self.url(request_), {"action": "extend", "extend-reason": ""})
        assert response.status_code == 400
        assert response.context["action_forms"]["extend"].errors["reason"]
        request_.refresh_from_db()
        assert request_.extended_at is None

    def test_the_hall_admin_sees_it_too(self, client, request_, hall_admin):
        client.force_login(hall_admin)
        assert self.BUTTON in client.get(self.url(request_)).content.decode()

    def test_no_button_where_not_allowed(
        self, client, dispatch, staff_a, agency_admin_a, _frozen_clock
    ):
        complaint = dispatch(kind=Complaint.Kind.COMPLAINT)
        client.force_login(agency_admin_a)
        assert self.BUTTON not in client.get(self.url(complaint)).content.decode()

        information = dispatch()
        client.force_login(staff_a)  # counter staff read, the agency admin acts
        assert self.BUTTON not in client.get(self.url(information)).content.decode()

        _frozen_clock.move_to(at(2026, 12, 31, 16, 1))
        client.force_login(agency_admin_a)
        assert self.BUTTON not in client.get(self.url(information)).content.decode()

    def test_another_agency_cannot_post_it(self, client, request_, admin_b):
        client.force_login(admin_b)
        response = client.post(
            self.url(request_), {"action": "extend", "extend-reason": "Bukan kami."}
        )
        assert response.status_code == 404
        request_.refresh_from_db()
        assert request_.extended_at is None
