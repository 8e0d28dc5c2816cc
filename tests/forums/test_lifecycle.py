"""The forum's and the agreement items' state machines, and the sign-off rules."""

import io
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from forums import services
from forums.models import AgreementItem, BeritaAcara, Forum
from mpp_portal.exceptions import DomainError, TransitionNotAllowed
from mpp_portal.jobs.models import Job
from mpp_portal.transitions import transition
from tests.transition_guard import force_status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "status"),
    [(Forum, Forum.Status), (AgreementItem, AgreementItem.Status)],
    ids=["forum", "item"],
)
def test_every_transition_pair(model, status, held_forum, hall_admin):
    """Each (from, to) pair is allowed exactly when the table says so."""
    obj = held_forum if model is Forum else held_forum.items.first()
    allowed = {
        Forum: {
            ("planned", "held"),
            ("held", "minutes_drafted"),
            ("minutes_drafted", "in_signing"),
            ("in_signing", "signed"),
            ("in_signing", "minutes_drafted"),
        },
        AgreementItem: {
            ("open", "in_progress"),
            ("open", "done"),
            ("open", "dropped"),
            ("in_progress", "done"),
            ("in_progress", "dropped"),
        },
    }[model]
    assert {(a, b) for a, targets in model.TRANSITIONS.items() for b in targets} == allowed
    for source, target in itertools.product(status.values, repeat=2):
        force_status(obj, source)
        obj.refresh_from_db()
        if (source, target) in allowed:
            transition(obj, target, by=hall_admin, action="test.move")
            obj.refresh_from_db()
            assert obj.status == target
        else:
            with pytest.raises(TransitionNotAllowed):
                transition(obj, target, by=hall_admin, action="test.move")


def test_plan_numbers_and_slugs(planned_forum, hall):
    assert planned_forum.status == Forum.Status.PLANNED
    assert planned_forum.number.endswith("/BA-FKM/LBG/2024")
    assert planned_forum.slug.startswith("pemusatan-layanan-di-mpp-2024-06-20")
    twin = services.forum_plan(
        hall=hall, by=None, theme=planned_forum.theme, venue="x", starts_at=planned_forum.starts_at
    )
    assert twin.slug == planned_forum.slug + "-2"


def test_public_input_rules(planned_forum, agency_b, agency_a):
    entry = services.input_submit(
        forum=planned_forum,
        text="Antrean KTP terlalu panjang pada hari Senin.",
        agency=agency_a,
        name="Budi",
        contact="0812",
        is_anonymous=True,
    )
    assert (entry.name, entry.contact, entry.is_anonymous) == ("", "", True)
    with pytest.raises(ValidationError):
        services.input_submit(forum=planned_forum, text="pendek")
    with pytest.raises(ValidationError):
        services.input_submit(forum=planned_forum, text="x" * 2001)
    planned_forum.inputs_open = False
    planned_forum.save()
    with pytest.raises(services.InputsClosed):
        services.input_submit(forum=planned_forum, text="Masukan yang cukup panjang.")


def test_input_throttle(settings):
    ip = "203.0.113.9"
    results = [services.input_rate_allowed(ip) for _ in range(services.INPUTS_PER_HOUR + 2)]
    assert results.count(True) == services.INPUTS_PER_HOUR
    assert results[-1] is False
    assert services.input_rate_allowed("203.0.113.10") is True


def test_attendance_csv_is_all_or_nothing(held_forum):
    before = held_forum.attendance.count()
    bad = "nama;asal;unsur;peran\nAni;Desa A;pengguna;\n;Desa B;tokoh;\nCici;;alien;\n"
    count, errors = services.attendance_import_csv(
        held_forum, upload=SimpleUploadedFile("h.csv", bad.encode())
    )
    assert count == 0
    assert [line for line, _msg in errors] == [3, 4]
    assert "alien" in str(errors[1][1])
    assert held_forum.attendance.count() == before
    good = "nama,asal,unsur,peran\nAni,Desa A,Pengguna layanan,\nDedi,Unihaz,akademisi,dosen\n"
    count, errors = services.attendance_import_csv(
        held_forum, upload=SimpleUploadedFile("h.csv", good.encode())
    )
    assert (count, errors) == (2, [])
    assert held_forum.attendance.count() == before + 2


def test_berita_acara_request_is_one_job_per_content(held_forum, hall_admin):
    job = services.berita_acara_request(held_forum, by=hall_admin)
    assert services.berita_acara_request(held_forum, by=hall_admin).pk == job.pk
    services.attendance_add(held_forum, name="Tambahan", group="tokoh")
    assert services.berita_acara_request(held_forum, by=hall_admin).pk != job.pk


def test_drafts_keep_every_version(held_forum, hall_admin):
    first = services.berita_acara_issue(held_forum.pk, user_id=hall_admin.pk)
    held_forum.refresh_from_db()
    assert held_forum.status == Forum.Status.MINUTES_DRAFTED
    services.item_add(
        held_forum,
        text="Butir ketiga.",
        agency=first.forum.items.first().agency,
        target_date=first.forum.items.first().target_date,
    )
    second = services.berita_acara_issue(held_forum.pk, user_id=hall_admin.pk)
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 != second.sha256
    assert BeritaAcara.objects.filter(forum=held_forum).count() == 2
    assert first.document.number != second.document.number


def test_stale_hash_is_refused(signing_forum, bupati):
    with pytest.raises(services.StaleHash):
        services.signoff_approve(signing_forum, user=bupati, sha256="0" * 64)
    signing_forum.refresh_from_db()
    assert not signing_forum.signatories.filter(approved_at__isnull=False).exists()


def test_only_a_signatory_may_approve(signing_forum, hall_admin):
    with pytest.raises(PermissionDenied):
        services.signoff_approve(signing_forum, user=hall_admin, sha256=signing_forum.frozen_sha256)


def test_approve_records_who_when_where_and_the_last_one_signs(signing_forum, bupati, kadis):
    frozen = signing_forum.frozen_sha256
    assert frozen == signing_forum.latest_version.sha256
    first = services.signoff_approve(signing_forum, user=bupati, sha256=frozen, ip="10.0.0.5")
    assert first.approved_sha256 == frozen and str(first.approved_ip) == "10.0.0.5"
    with pytest.raises(services.AlreadyDecided):
        services.signoff_approve(signing_forum, user=bupati, sha256=frozen)
    signing_forum.refresh_from_db()
    assert signing_forum.status == Forum.Status.IN_SIGNING
    services.signoff_approve(signing_forum, user=kadis, sha256=frozen, ip="10.0.0.6")
    signing_forum.refresh_from_db()
    assert signing_forum.status == Forum.Status.SIGNED
    assert signing_forum.signed_at is not None
    assert Job.objects.filter(key=f"forum-ba-final:{signing_forum.pk}").count() == 1
    with pytest.raises(DomainError):
        services.signoff_approve(signing_forum, user=kadis, sha256=frozen)


def test_return_voids_approvals(signing_forum, bupati, kadis, hall_admin):
    frozen = signing_forum.frozen_sha256
    services.signoff_approve(signing_forum, user=bupati, sha256=frozen)
    with pytest.raises(ValidationError):
        services.signoff_return(signing_forum, user=kadis, comment=" ")
    services.signoff_return(signing_forum, user=kadis, comment="Target butir 2 terlalu cepat.")
    signing_forum.refresh_from_db()
    assert signing_forum.status == Forum.Status.MINUTES_DRAFTED
    assert signing_forum.frozen_sha256 == ""
    assert not signing_forum.signatories.filter(approved_at__isnull=False).exists()
    assert signing_forum.signatories.get(user=kadis).returned_comment.startswith("Target")
    # The old hash no longer counts; a new draft and a new send are needed.
    with pytest.raises(DomainError):
        services.signoff_approve(signing_forum, user=bupati, sha256=frozen)
    services.berita_acara_issue(signing_forum.pk, user_id=hall_admin.pk)
    signing_forum.refresh_from_db()
    services.signoff_send(signing_forum, by=hall_admin)
    signing_forum.refresh_from_db()
    assert signing_forum.frozen_sha256 not in ("", frozen)


def test_in_signing_and_signed_are_read_only(signing_forum, hall_admin, agency_a):
    with pytest.raises(services.ForumReadOnly):
        services.item_add(signing_forum, text="x", agency=agency_a, target_date="2024-09-01")
    with pytest.raises(services.ForumReadOnly):
        services.attendance_add(signing_forum, name="Telat", group="tokoh")
    with pytest.raises(services.ForumReadOnly):
        services.forum_update(signing_forum, by=hall_admin, theme="Tema lain")


def _sign(forum, *users):
    for user in users:
        services.signoff_approve(forum, user=user, sha256=forum.frozen_sha256)
    forum.refresh_from_db()
    return forum


def test_item_progress_by_the_agency_only(
    signing_forum, bupati, kadis, agency_admin_a, staff_a, hall_admin
):
    forum = _sign(signing_forum, bupati, kadis)
    mine = forum.items.get(agency=agency_admin_a.agency)
    theirs = forum.items.exclude(agency=agency_admin_a.agency).get()
    with pytest.raises(PermissionDenied):
        services.item_progress(theirs, by=agency_admin_a, note="bukan milik saya")
    with pytest.raises(PermissionDenied):
        services.item_progress(mine, by=staff_a, note="petugas loket tidak berwenang")
    pdf = SimpleUploadedFile("bukti.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    step = services.item_progress(
        mine, by=agency_admin_a, note="Mulai", target="in_progress", attachment=pdf
    )
    assert step.attachment.name.endswith(".pdf")
    with pytest.raises(ValidationError):
        services.item_progress(mine, by=agency_admin_a, note="", target="dropped")
    services.item_progress(mine, by=agency_admin_a, note="Selesai", target="done")
    mine.refresh_from_db()
    assert mine.status == "done" and mine.done_on is not None
    with pytest.raises(DomainError):
        services.item_progress(mine, by=agency_admin_a, note="lagi", target="dropped")
    services.item_progress(
        theirs, by=hall_admin, note="", target="dropped", reason="Digabung dengan butir 1"
    )
    theirs.refresh_from_db()
    assert theirs.status == "dropped" and theirs.status_reason


def test_progress_refuses_a_fake_attachment(signing_forum, bupati, kadis, agency_admin_a):
    forum = _sign(signing_forum, bupati, kadis)
    item = forum.items.get(agency=agency_admin_a.agency)
    fake = SimpleUploadedFile("bukti.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.item_progress(item, by=agency_admin_a, note="bukti palsu", attachment=fake)
    assert not item.progress.exists()


def test_progress_waits_for_the_signature(held_forum, agency_admin_a):
    item = held_forum.items.get(agency=agency_admin_a.agency)
    with pytest.raises(DomainError):
        services.item_progress(item, by=agency_admin_a, note="terlalu dini")


def test_input_from_complaint_is_linked_once(planned_forum, hall, hall_admin):
    from complaints.models import Complaint

    complaint = Complaint.objects.create(
        hall=hall,
        tracking_id="LBG-2024-000001",
        access_token_hash="x" * 64,
        title="Antrean KK lama",
        description="Antrean kartu keluarga lama sekali di loket.",
        reporter_name="Rahasia",
        reporter_phone="+6281234567890",
    )
    first = services.input_from_complaint(
        planned_forum, complaint=complaint, by=hall_admin, topic="Antrean"
    )
    again = services.input_from_complaint(planned_forum, complaint=complaint, by=hall_admin)
    assert first.pk == again.pk
    assert first.complaint_id == complaint.pk and first.source == "complaint"
    assert "Rahasia" not in first.text and first.name == ""


def test_csv_header_required(held_forum):
    count, errors = services.attendance_import_csv(held_forum, upload=io.BytesIO(b"a,b\n1,2\n"))
    assert count == 0 and errors[0][0] == 1


def test_a_draft_older_than_the_forum_cannot_be_sent(drafted_forum, hall_admin, agency_a):
    services.item_add(
        drafted_forum,
        text="Butir yang ditambah sesudah draf.",
        agency=agency_a,
        target_date="2024-12-01",
    )
    with pytest.raises(DomainError) as refused:
        services.signoff_send(drafted_forum, by=hall_admin)
    assert refused.value.code == "draft_outdated"
    services.berita_acara_issue(drafted_forum.pk, user_id=hall_admin.pk)
    drafted_forum.refresh_from_db()
    services.signoff_send(drafted_forum, by=hall_admin)
    drafted_forum.refresh_from_db()
    assert drafted_forum.status == Forum.Status.IN_SIGNING


def test_a_correction_is_an_addendum_never_an_edit(
    signing_forum, bupati, kadis, hall_admin, tmp_path
):
    import subprocess
    from pathlib import Path

    forum = _sign(signing_forum, bupati, kadis)
    final = services.berita_acara_issue(forum.pk, final=True)
    with pytest.raises(services.ForumReadOnly):
        services.forum_update(forum, by=hall_admin, venue="Tempat lain")
    with pytest.raises(ValidationError):
        services.forum_addendum(forum, by=hall_admin, correction=" ")
    addendum = services.forum_addendum(
        forum, by=hall_admin, correction="Target butir 2 menjadi 30 September 2024."
    )
    assert addendum.addendum_of == forum and addendum.status == Forum.Status.HELD
    assert addendum.number == f"{forum.number}/ADD-1"
    assert list(addendum.signatories.values_list("user", flat=True)) == [bupati.pk, kadis.pk]
    draft = services.berita_acara_issue(addendum.pk, user_id=hall_admin.pk)
    addendum.refresh_from_db()
    services.signoff_send(addendum, by=hall_admin)
    addendum = _sign(Forum.objects.get(pk=addendum.pk), bupati, kadis)
    sealed = services.berita_acara_issue(addendum.pk, final=True)
    pdf = tmp_path / "adendum.pdf"
    pdf.write_bytes(Path(sealed.document.file.path).read_bytes())
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    assert "ADENDUM BERITA ACARA KESEPAKATAN" in text.upper()
    assert forum.number in text and "30 September 2024" in text
    # The original stays as it was.
    forum.refresh_from_db()
    assert forum.final_version.pk == final.pk and draft.forum_id == addendum.pk


def test_send_tells_each_signatory_through_the_outbox(drafted_forum, hall_admin, bupati, kadis):
    from mpp_portal.notifications.models import OutboxMessage

    services.signoff_send(drafted_forum, by=hall_admin)
    recipients = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert recipients == {bupati.email, kadis.email}
    assert all("/forum/persetujuan/" in m.body for m in OutboxMessage.objects.all())


def test_a_return_tells_the_hall_admins(signing_forum, kadis, hall_admin):
    from mpp_portal.notifications.models import OutboxMessage

    OutboxMessage.objects.all().delete()
    services.signoff_return(signing_forum, user=kadis, comment="Nama instansi keliru.")
    [message] = OutboxMessage.objects.all()
    assert message.recipient == hall_admin.email
    assert "Nama instansi keliru." in message.body and signing_forum.number in message.body
