"""The complaint workflow: filing, transitions, deadlines, privacy."""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints import services as workflow
from complaints.models import Complaint, ComplaintUpdate
from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import TransitionNotAllowed
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.webhooks.services import webhook_sign
from mpp_portal.workdays import JAKARTA
from tests.complaints.conftest import jpeg_with_gps
from tests.transition_guard import force_status

S = Complaint.Status


def at(day, hour=9, minute=0, month=12, year=2026):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


class TestFiling:
    def test_it_gets_a_tracking_id_deadline_and_secret(self, file_complaint, hall):
        first = file_complaint()
        second = file_complaint()
        assert (first.tracking_id, second.tracking_id) == ("LBG-2026-000001", "LBG-2026-000002")
        # Filed Tuesday 09:00: three working days -> Friday 4 Dec, end of office hours.
        assert first.due_at == at(4, 16)
        assert first.check_access_token(first.access_token)
        assert not first.check_access_token("salah")
        assert first.access_token not in first.access_token_hash

    def test_the_reporter_is_told_once(self, file_complaint, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            complaint = file_complaint()
        message = OutboxMessage.objects.get()
        assert message.recipient == "siti@example.test"
        assert complaint.tracking_id in message.body
        assert complaint.access_token in message.body

    def test_anonymous_keeps_no_identity_anywhere(self, file_complaint, citizen, rf):
        request = rf.post("/", REMOTE_ADDR="10.1.2.3")
        complaint = file_complaint(is_anonymous=True, reporter=citizen, request=request)
        complaint.refresh_from_db()
        assert (
            complaint.reporter,
            complaint.reporter_name,
            complaint.reporter_email,
            complaint.reporter_phone,
        ) == (None, "", "", "")
        entry = AuditEntry.objects.get(action="complaint.file")
        assert entry.actor is None and entry.ip_address is None
        assert OutboxMessage.objects.count() == 0
        assert str(complaint.public_reporter_name) == "Anonim"

    def test_length_limits_are_enforced(self, file_complaint):
        with pytest.raises(ValidationError) as excinfo:
            file_complaint(title="x" * 151, description="pendek")
        assert {"title", "description"} <= set(excinfo.value.message_dict)
        assert Complaint.objects.count() == 0

    def test_filed_after_hours_counts_from_the_next_working_day(self, file_complaint):
        with time_machine.travel(at(4, 17), tick=False):  # Friday after closing
            complaint = file_complaint()
        # Received Monday 7 Dec; three working days -> Thursday 10 Dec.
        assert complaint.due_at == at(10, 16)

    def test_deadline_skips_nyepi_and_idul_fitri_2026(self, file_complaint):
        with time_machine.travel(at(17, 10, month=3), tick=False):
            complaint = file_complaint()
        # 18-24 March 2026 are closed (Nyepi, Idul Fitri and their cuti bersama).
        assert complaint.due_at == at(27, 16, month=3)


class TestAttachments:
    def test_photo_metadata_is_stripped(self, file_complaint):
        complaint = file_complaint(attachments=[jpeg_with_gps()])
        attachment = complaint.attachments.get()
        with attachment.file.open("rb") as handle:
            data = handle.read()
        stored = Image.open(io.BytesIO(data))
        assert dict(stored.getexif()) == {}
        assert b"KameraRahasia" not in data
        assert "rumah_siti" not in attachment.file.name
        assert attachment.kind == "image"

    def test_content_decides_not_the_name(self, file_complaint):
        fake = SimpleUploadedFile("foto.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
        with pytest.raises(ValidationError, match="bukan gambar"):
            file_complaint(attachments=[fake])
        assert Complaint.objects.count() == 0
        pdf = SimpleUploadedFile("surat.txt", b"%PDF-1.4\n%%EOF\n", "text/plain")
        assert file_complaint(attachments=[pdf]).attachments.get().kind == "pdf"

    def test_size_and_count_limits(self, file_complaint, settings):
        settings.MAX_UPLOAD_BYTES = 10
        big = SimpleUploadedFile("a.pdf", b"%PDF-1.4 lebih dari sepuluh byte", "application/pdf")
        with pytest.raises(ValidationError, match="lebih besar"):
            file_complaint(attachments=[big])
        settings.MAX_UPLOAD_BYTES = 10 * 1024 * 1024
        many = [SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4", "application/pdf") for n in range(6)]
        with pytest.raises(ValidationError, match="Paling banyak 5"):
            file_complaint(attachments=many)

    def test_a_failure_leaves_no_file_behind(self, file_complaint, settings):
        good = jpeg_with_gps()
        bad = SimpleUploadedFile("x.png", b"bukan gambar", "image/png")
        with pytest.raises(ValidationError):
            file_complaint(attachments=[good, bad])
        media = settings.MEDIA_ROOT
        assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


@pytest.fixture
def dispatched(file_complaint, hall_admin, agency_a):
    complaint = file_complaint()
    return workflow.complaint_dispatch(
        complaint=complaint,
        agency=agency_a,
        by=hall_admin,
        instruction="Mohon dicek antrean hari Senin.",
    )


class TestWorkflow:
    def test_dispatch_sets_the_follow_up_deadline(self, dispatched, agency_a):
        assert (dispatched.status, dispatched.assigned_agency) == (S.DISPATCHED, agency_a)
        assert dispatched.due_at == at(8, 16)  # five working days from Tuesday
        note = dispatched.updates.get(kind=ComplaintUpdate.Kind.NOTE)
        assert note.is_public is False

    def test_only_the_hall_admin_dispatches(
        self, file_complaint, staff_a, agency_admin_a, agency_a
    ):
        complaint = file_complaint()
        for user in (staff_a, agency_admin_a):
            with pytest.raises(PermissionDenied):
                workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=user)

    def test_information_request_pauses_the_clock(self, file_complaint, hall_admin):
        complaint = file_complaint()
        complaint = workflow.complaint_request_info(
            complaint=complaint, by=hall_admin, question="Pukul berapa kejadiannya?"
        )
        assert (complaint.status, complaint.due_at, complaint.paused_days_left) == (
            S.INFO_REQUESTED,
            None,
            3,
        )
        with time_machine.travel(at(9, 10), tick=False):  # a week later
            complaint = workflow.complaint_provide_info(
                complaint=complaint, by=None, text="Sekitar pukul 10 pagi."
            )
        assert complaint.status == S.SUBMITTED
        assert complaint.due_at == at(14, 16)  # three working days from Wednesday 9 Dec

    def test_respond_reply_accept_and_rate(self, dispatched, agency_admin_a):
        complaint = workflow.complaint_respond(
            complaint=dispatched, by=agency_admin_a, body="Petugas ditambah pada hari Senin."
        )
        assert complaint.status == S.RESPONDED
        assert complaint.responded_late is False
        assert complaint.due_at == at(15, 16)  # ten working days for the reporter
        complaint = workflow.complaint_reply(
            complaint=complaint, by=None, body="Masih lama pada hari Selasa."
        )
        assert complaint.status == S.DISPATCHED
        complaint = workflow.complaint_respond(
            complaint=complaint, by=agency_admin_a, body="Loket kedua dibuka."
        )
        complaint = workflow.complaint_accept(
            complaint=complaint, by=None, rating=5, comment="Terima kasih"
        )
        assert (complaint.status, complaint.rating) == (S.CLOSED, 5)

    def test_reopen_only_once_and_within_the_window(self, dispatched, agency_admin_a):
        complaint = workflow.complaint_respond(
            complaint=dispatched, by=agency_admin_a, body="Sudah ditangani."
        )
        complaint = workflow.complaint_accept(complaint=complaint, by=None)
        complaint = workflow.complaint_reopen(complaint=complaint, by=None, body="Ternyata belum.")
        assert (complaint.status, complaint.reopened) == (S.DISPATCHED, True)
        complaint = workflow.complaint_respond(
            complaint=complaint, by=agency_admin_a, body="Sekarang sudah."
        )
        complaint = workflow.complaint_accept(complaint=complaint, by=None)
        with pytest.raises(TransitionNotAllowed, match="satu kali"):
            workflow.complaint_reopen(complaint=complaint, by=None, body="Lagi")

    def test_agency_b_cannot_touch_agency_a(self, dispatched, staff_b, agency_b):
        from mpp_portal.accounts.models import User
        from tests.factories import UserFactory

        admin_b = UserFactory(username="admin.b", role=User.Role.AGENCY_ADMIN, agency=agency_b)
        with pytest.raises(PermissionDenied):
            workflow.complaint_respond(complaint=dispatched, by=admin_b, body="Bukan urusan kami")
        assert Complaint.objects.visible_to(admin_b).count() == 0

    def test_hand_back_returns_it_for_re_dispatch(
        self, dispatched, agency_admin_a, hall_admin, agency_b
    ):
        complaint = workflow.complaint_hand_back(
            complaint=dispatched, by=agency_admin_a, reason="Ini kewenangan Bapenda."
        )
        assert (complaint.status, complaint.assigned_agency) == (S.SUBMITTED, None)
        complaint = workflow.complaint_dispatch(complaint=complaint, agency=agency_b, by=hall_admin)
        assert complaint.assigned_agency == agency_b

    def test_archive_as_duplicate_links_the_other(self, file_complaint, hall_admin):
        original = file_complaint()
        copy = file_complaint()
        with pytest.raises(ValidationError):
            workflow.complaint_archive(complaint=copy, by=hall_admin, reason="duplicate")
        copy = workflow.complaint_archive(
            complaint=copy, by=hall_admin, reason="duplicate", duplicate_of=original
        )
        assert copy.status == S.ARCHIVED
        assert original.tracking_id in copy.updates.last().body

    @pytest.mark.parametrize(
        ("status", "operation"),
        [
            (S.SUBMITTED, "respond"),
            (S.SUBMITTED, "accept"),
            (S.DISPATCHED, "dispatch"),
            (S.ARCHIVED, "dispatch"),
            (S.CLOSED, "respond"),
            (S.INFO_REQUESTED, "dispatch"),
        ],
    )
    def test_forbidden_moves(self, file_complaint, hall_admin, agency_a, status, operation):
        complaint = file_complaint()
        force_status(complaint, status, assigned_agency=agency_a)
        calls = {
            "respond": lambda: workflow.complaint_respond(
                complaint=complaint, by=hall_admin, body="x"
            ),
            "accept": lambda: workflow.complaint_accept(complaint=complaint, by=None),
            "dispatch": lambda: workflow.complaint_dispatch(
                complaint=complaint, agency=agency_a, by=hall_admin
            ),
        }
        with pytest.raises(TransitionNotAllowed):
            calls[operation]()
        complaint.refresh_from_db()
        assert complaint.status == status

    def test_every_move_is_audited_and_on_the_timeline(self, dispatched, agency_admin_a):
        workflow.complaint_respond(complaint=dispatched, by=agency_admin_a, body="Sudah.")
        actions = list(
            AuditEntry.objects.filter(object_id=str(dispatched.pk))
            .order_by("created_at", "pk")
            .values_list("action", flat=True)
        )
        assert actions == ["complaint.file", "complaint.dispatch", "complaint.respond"]
        public = [u.to_status for u in dispatched.updates.filter(is_public=True)]
        assert public == ["submitted", "dispatched", "responded"]

    def test_webhook_payload_hides_an_anonymous_reporter(
        self, file_complaint, hall_admin, agency_a
    ):
        complaint = file_complaint(is_anonymous=True)
        complaint = workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
        payload = workflow.webhook_payload(complaint)
        assert payload["reporter_name"] is None
        assert "Siti" not in str(payload)
        signature = webhook_sign("rahasia", b"{}", "1796090400")
        assert signature.startswith("sha256=") and len(signature) == 71


@pytest.mark.parametrize("handed_back", [False, True], ids=["new", "handed-back"])
@pytest.mark.parametrize("move", ["complaint_reply", "complaint_reopen"])
def test_the_reporter_cannot_dispatch_a_submitted_complaint(
    file_complaint, hall_admin, agency_a, agency_admin_a, move, handed_back
):
    """The table allows submitted -> dispatched for the hall admin's dispatch;
    a reply or reopen with the reporter's token must not use it (it gave a 500
    for a new report and sent a handed-back one to the agency unverified)."""
    complaint = file_complaint()
    if handed_back:
        workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
        workflow.complaint_hand_back(
            complaint=complaint, reason="Bukan kewenangan kami.", by=agency_admin_a
        )
    with pytest.raises(TransitionNotAllowed):
        getattr(workflow, move)(complaint=complaint, by=None, body="Tolong dipercepat.")
    complaint.refresh_from_db()
    assert complaint.status == S.SUBMITTED
