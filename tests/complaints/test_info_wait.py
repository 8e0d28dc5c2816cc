"""A complaint waiting for the reporter's information does not wait forever:
after the hall's info_wait_days working days the hall admin archives it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from complaints import services as workflow
from complaints.models import Complaint, ComplaintPolicy
from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import TransitionNotAllowed
from mpp_portal.workdays import JAKARTA
from mpp_portal.workdays.models import CalendarDay

S = Complaint.Status


def at(day, hour=9, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=JAKARTA)


# Asked Tuesday 1 Dec 09:00; ten working days later is Tuesday 15 Dec, and
# the wait ends at its closing time.
TOO_EARLY, LATE_ENOUGH = at(15, 15, 59), at(15, 16, 1)


@pytest.fixture
def waiting(file_complaint, hall_admin):
    return workflow.complaint_request_info(
        complaint=file_complaint(), by=hall_admin, question="Loket nomor berapa?"
    )


def detail(complaint, suffix=""):
    return f"/api/v1/complaints/{complaint.tracking_id}/{suffix}"


class TestService:
    def test_the_default_wait_is_ten_working_days(self, hall, waiting):
        assert ComplaintPolicy.for_hall(hall).info_wait_days == 10
        assert waiting.info_requested_at == at(1)
        assert waiting.info_wait_ends() == at(15, 16)

    def test_too_early_is_refused(self, waiting, hall_admin, _frozen_clock):
        _frozen_clock.move_to(TOO_EARLY)
        with pytest.raises(TransitionNotAllowed) as caught:
            workflow.complaint_archive_unanswered(complaint=waiting, by=hall_admin)
        assert caught.value.code == "info_wait_not_over"
        assert "10 hari kerja" in str(caught.value.message)
        assert "Selasa, 15 Desember 2026" in str(caught.value.message)
        waiting.refresh_from_db()
        assert waiting.status == S.INFO_REQUESTED
        assert not AuditEntry.objects.filter(action="complaint.archive_unanswered").exists()

    def test_after_the_wait_it_is_archived_with_an_audit_entry(
        self, waiting, hall_admin, _frozen_clock
    ):
        _frozen_clock.move_to(LATE_ENOUGH)
        workflow.complaint_archive_unanswered(
            complaint=waiting, by=hall_admin, note="Dua kali dihubungi."
        )
        waiting.refresh_from_db()
        assert waiting.status == S.ARCHIVED
        assert waiting.archive_reason == Complaint.ArchiveReason.NO_INFO
        assert waiting.due_at is None and waiting.closed_at == LATE_ENOUGH
        entry = AuditEntry.objects.get(action="complaint.archive_unanswered")
        assert (entry.from_status, entry.to_status, entry.actor) == (
            S.INFO_REQUESTED,
            S.ARCHIVED,
            hall_admin,
        )
        update = waiting.updates.last()
        assert update.is_public
        assert "pelapor tidak melengkapi informasi" in update.body
        assert "Dua kali dihubungi." in update.body

    def test_a_closed_day_of_the_hall_extends_the_wait(
        self, hall, waiting, hall_admin, _frozen_clock
    ):
        CalendarDay.objects.create(date=datetime.date(2026, 12, 14), hall=hall, name="Hari jadi")
        _frozen_clock.move_to(at(16, 15))
        with pytest.raises(TransitionNotAllowed):
            workflow.complaint_archive_unanswered(complaint=waiting, by=hall_admin)
        _frozen_clock.move_to(at(16, 16, 1))
        workflow.complaint_archive_unanswered(complaint=waiting, by=hall_admin)

    def test_the_hall_sets_its_own_wait(self, hall, waiting, hall_admin, _frozen_clock):
        ComplaintPolicy.objects.filter(hall=hall).update(info_wait_days=2)
        hall._complaint_policy_cache = None
        _frozen_clock.move_to(at(3, 16, 1))
        workflow.complaint_archive_unanswered(complaint=waiting, by=hall_admin)
        waiting.refresh_from_db()
        assert waiting.status == S.ARCHIVED

    def test_agency_staff_cannot(self, waiting, agency_admin_a, staff_a, _frozen_clock):
        _frozen_clock.move_to(LATE_ENOUGH)
        for user in (agency_admin_a, staff_a):
            with pytest.raises(PermissionDenied):
                workflow.complaint_archive_unanswered(complaint=waiting, by=user)
        waiting.refresh_from_db()
        assert waiting.status == S.INFO_REQUESTED

    def test_only_a_complaint_waiting_for_the_reporter(
        self, file_complaint, hall_admin, _frozen_clock
    ):
        complaint = file_complaint()
        _frozen_clock.move_to(LATE_ENOUGH)
        with pytest.raises(TransitionNotAllowed):
            workflow.complaint_archive_unanswered(complaint=complaint, by=hall_admin)

    def test_the_ordinary_archive_cannot_skip_the_wait(self, waiting, hall_admin):
        with pytest.raises(TransitionNotAllowed) as caught:
            workflow.complaint_archive(complaint=waiting, by=hall_admin, reason="unclear")
        assert caught.value.code == "awaiting_reporter"
        waiting.refresh_from_db()
        assert waiting.status == S.INFO_REQUESTED

    def test_the_reporters_answer_clears_the_stamp(self, waiting):
        workflow.complaint_provide_info(
            complaint=waiting, by=None, text="Loket 3, hari Senin pagi."
        )
        waiting.refresh_from_db()
        assert waiting.status == S.SUBMITTED and waiting.info_requested_at is None
        assert waiting.info_wait_ends() is None


class TestApi:
    def test_too_early_is_409_then_allowed(self, token_client, hall_admin, waiting, _frozen_clock):
        admin = token_client(hall_admin)
        _frozen_clock.move_to(TOO_EARLY)
        response = admin.post(detail(waiting, "archive-unanswered/"), {}, format="json")
        assert response.status_code == 409
        assert "Laporan dapat diarsipkan setelah" in json_text(response)
        _frozen_clock.move_to(LATE_ENOUGH)
        response = admin.post(
            detail(waiting, "archive-unanswered/"), {"note": "Tidak ada jawaban."}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["status"] == "archived"

    def test_agency_staff_cannot(self, token_client, agency_admin_a, waiting, _frozen_clock):
        _frozen_clock.move_to(LATE_ENOUGH)
        response = token_client(agency_admin_a).post(detail(waiting, "archive-unanswered/"))
        assert response.status_code in (403, 404)
        waiting.refresh_from_db()
        assert waiting.status == S.INFO_REQUESTED

    def test_the_ordinary_archive_does_not_offer_the_reason(
        self, token_client, hall_admin, file_complaint
    ):
        complaint = file_complaint()
        response = token_client(hall_admin).post(
            detail(complaint, "archive/"), {"reason": "no_info"}, format="json"
        )
        assert response.status_code == 400
        assert "reason" in response.json()["errors"]


def json_text(response):
    return response.content.decode()


class TestPage:
    def url(self, complaint):
        return f"/pengaduan/kelola/{complaint.tracking_id}/"

    def test_the_button_refuses_early_then_archives(
        self, client, hall_admin, waiting, _frozen_clock
    ):
        client.force_login(hall_admin)
        page = client.get(self.url(waiting)).content.decode()
        assert "Arsipkan: tidak dapat ditindaklanjuti" in page
        assert "15 Desember 2026" in page
        _frozen_clock.move_to(TOO_EARLY)
        client.force_login(hall_admin)  # the session of 1 Dec has expired
        response = client.post(self.url(waiting), {"action": "archive_unanswered"}, follow=True)
        assert "Laporan dapat diarsipkan setelah" in response.content.decode()
        waiting.refresh_from_db()
        assert waiting.status == S.INFO_REQUESTED
        _frozen_clock.move_to(LATE_ENOUGH)
        client.force_login(hall_admin)
        response = client.post(self.url(waiting), {"action": "archive_unanswered"})
        assert response.status_code == 302
        waiting.refresh_from_db()
        assert waiting.status == S.ARCHIVED

    def test_the_archive_form_does_not_offer_the_reason(self, client, hall_admin, file_complaint):
        client.force_login(hall_admin)
        page = client.get(self.url(file_complaint())).content.decode()
        assert 'value="no_info"' not in page
