"""The complaint workflow on the platform's transition helper: the SLA
scan's auto-close (one bulk move that tells each reporter), the anonymity
rule of the audit trail, and a bulk move from two states."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from complaints import services as workflow
from complaints import sla
from complaints.models import Complaint, ComplaintUpdate
from mpp_portal.audit.models import AuditEntry
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.transitions import bulk_transition


def audit(action):
    return AuditEntry.objects.filter(action=action)


@pytest.fixture
def responded(file_complaint, agency_a, hall_admin, agency_admin_a):
    def _responded(**kwargs):
        complaint = workflow.complaint_dispatch(
            complaint=file_complaint(**kwargs), agency=agency_a, by=hall_admin
        )
        return workflow.complaint_respond(complaint=complaint, by=agency_admin_a, body="Beres.")

    return _responded


def test_autoclose_tells_the_reporter_and_writes_the_timeline(responded):
    by_mail = responded()
    by_phone = responded(reporter_email="", reporter_phone="081234567890")
    anonymous = responded(is_anonymous=True)
    OutboxMessage.objects.all().delete()
    later = by_mail.due_at + datetime.timedelta(minutes=1)

    assert sla.complaint_sla_scan(now=later)["closed"] == 3

    messages = OutboxMessage.objects.filter(dedupe_key__contains="autoclosed")
    assert {(m.channel, m.object_id) for m in messages} == {
        ("email", by_mail.pk),
        ("whatsapp", by_phone.pk),
    }
    mail = messages.get(channel="email")
    assert by_mail.tracking_id in mail.subject and "ditutup otomatis" in mail.body
    assert mail.hall_id == by_mail.hall_id
    for complaint in (by_mail, by_phone, anonymous):
        complaint.refresh_from_db()
        assert (complaint.status, complaint.closed_at, complaint.due_at) == ("closed", later, None)
        update = complaint.updates.last()
        assert (update.kind, update.from_status, update.to_status, update.author_label) == (
            ComplaintUpdate.Kind.STATUS,
            "responded",
            "closed",
            "Sistem",
        )
    entries = audit("complaint.autoclose")
    assert {e.object_repr for e in entries} == {
        c.tracking_id for c in (by_mail, by_phone, anonymous)
    }
    # A second scan closes nothing and tells nobody again.
    assert sla.complaint_sla_scan(now=later)["closed"] == 0
    assert messages.count() == 2 and entries.count() == 3


def test_an_anonymous_reporters_own_move_is_audited_without_actor_or_address(
    file_complaint, hall_admin, citizen, rf
):
    complaint = file_complaint(reporter=citizen, is_anonymous=True)
    workflow.complaint_request_info(complaint=complaint, by=hall_admin, question="Loket mana?")
    # The reporter of an anonymous complaint acts through the secret link.
    workflow.complaint_provide_info(
        complaint=complaint,
        by=AnonymousUser(),
        text="Loket 3, Senin pagi.",
        request=rf.post("/", REMOTE_ADDR="10.9.9.9"),
    )
    entry = audit("complaint.provide_info").get()
    assert (entry.actor, entry.actor_label, entry.ip_address) == (None, "sistem", None)
    assert audit("complaint.request_info").get().actor == hall_admin


def test_bulk_records_each_rows_own_source(hall, hall_admin, file_complaint):
    """With two sources each audit entry names the state its row left."""
    waiting = workflow.complaint_request_info(
        complaint=file_complaint(), by=hall_admin, question="Kapan kejadiannya?"
    )
    fresh = file_complaint()
    moved = bulk_transition(
        Complaint.objects.filter(hall=hall),
        Complaint.Status.ARCHIVED,
        sources=[Complaint.Status.SUBMITTED, Complaint.Status.INFO_REQUESTED],
        action="complaint.test_archive",
    )
    assert {c.pk for c in moved} == {waiting.pk, fresh.pk}
    sources = dict(audit("complaint.test_archive").values_list("object_id", "from_status"))
    assert sources == {str(waiting.pk): "info_requested", str(fresh.pk): "submitted"}
