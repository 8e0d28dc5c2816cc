"""The forum pages: public, hall admin, signatory, agency; who may see what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forums import services
from forums.models import Forum, Input
from mpp_portal.accounts.models import User
from tests.factories import HallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _sign(forum):
    for s in forum.signatories.select_related("user"):
        services.signoff_approve(forum, user=s.user, sha256=forum.frozen_sha256)
    services.berita_acara_issue(forum.pk, final=True)
    forum.refresh_from_db()
    return forum


def test_public_list_and_page(client, signing_forum, django_assert_max_num_queries):
    forum = _sign(signing_forum)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("forums:public_list"))
    assert forum.theme in response.content.decode()
    page = client.get(forum.get_absolute_url()).content.decode()
    for item in forum.items.all():
        assert item.text in page
    assert "Unduh berita acara (PDF)" in page
    assert forum.final_version.document.verification_code in page


def test_unpublished_forum_is_hidden(client, planned_forum):
    planned_forum.is_published = False
    planned_forum.save()
    assert client.get(planned_forum.get_absolute_url()).status_code == 404
    assert planned_forum.theme not in client.get(reverse("forums:public_list")).content.decode()


def test_public_input_never_shows_personal_data(client, planned_forum, agency_a):
    url = planned_forum.get_absolute_url()
    response = client.post(
        url,
        {
            "text": "Mohon loket KTP buka sampai sore.",
            "agency": agency_a.pk,
            "name": "Budi Santoso",
            "contact": "081234567890",
        },
    )
    assert response.status_code == 302
    entry = Input.objects.get()
    assert entry.name == "Budi Santoso" and entry.agency == agency_a
    page = client.get(url).content.decode()
    assert "Budi Santoso" not in page and "081234567890" not in page
    assert "Mohon loket KTP" not in page
    assert "1 masukan diterima" in page


def test_public_input_bad_and_throttled(client, planned_forum, settings):
    url = planned_forum.get_absolute_url()
    assert client.post(url, {"text": "pendek"}).status_code == 400
    assert client.post(url, {"text": "x" * 2001}).status_code == 400
    for _ in range(services.INPUTS_PER_HOUR):
        assert client.post(url, {"text": "Masukan yang cukup panjang."}).status_code == 302
    assert client.post(url, {"text": "Masukan yang cukup panjang."}).status_code == 429
    assert Input.objects.count() == services.INPUTS_PER_HOUR


def test_manage_pages_need_the_hall_admin(client, planned_forum, agency_admin_a, hall_admin):
    urls = [
        reverse("forums:manage_list"),
        reverse("forums:manage_new"),
        reverse("forums:manage_detail", args=[planned_forum.pk]),
        reverse("forums:manage_inputs", args=[planned_forum.pk]),
        reverse("forums:manage_attendance", args=[planned_forum.pk]),
        reverse("forums:manage_items", args=[planned_forum.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(agency_admin_a)
    for url in urls:
        assert client.get(url).status_code == 403
    other_hall = HallFactory(name="MPP Lain", slug="mpp-lain", code="LAIN")
    stranger = UserFactory(username="admin.lain", role=User.Role.HALL_ADMIN, hall=other_hall)
    client.force_login(stranger)
    assert client.get(urls[2]).status_code == 404
    client.force_login(hall_admin)
    for url in urls:
        assert client.get(url).status_code == 200


def test_plan_form(client, hall_admin):
    client.force_login(hall_admin)
    url = reverse("forums:manage_new")
    assert client.post(url, {"theme": "", "starts_at": "kemarin"}).status_code == 400
    response = client.post(
        url,
        {
            "theme": "Forum uji",
            "starts_at": "2030-01-10T09:00",
            "venue": "Aula MPP",
            "is_published": "on",
            "inputs_open": "on",
        },
    )
    forum = Forum.objects.get(theme="Forum uji")
    assert response.status_code == 302 and forum.created_by == hall_admin


def test_attendance_pages(client, held_forum, hall_admin):
    client.force_login(hall_admin)
    url = reverse("forums:manage_attendance", args=[held_forum.pk])
    before = held_forum.attendance.count()
    assert client.post(url, {"action": "add", "name": "", "group": "tokoh"}).status_code == 400
    assert (
        client.post(url, {"action": "add", "name": "Pak RT", "group": "tokoh"}).status_code == 302
    )
    bad = SimpleUploadedFile("h.csv", b"nama,unsur\nAni,pengguna\nBudi,xx\n")
    response = client.post(url, {"action": "csv", "file": bad})
    assert response.status_code == 400
    assert "Baris 3" in response.content.decode()
    assert held_forum.attendance.count() == before + 1


def test_generate_and_poll(client, held_forum, hall_admin, celery_eager):
    client.force_login(hall_admin)
    url = reverse("forums:manage_detail", args=[held_forum.pk])
    response = client.post(url, {"action": "generate"})
    assert response.status_code == 302 and "?job=" in response["Location"]
    job_id = response["Location"].split("job=")[1].split("#")[0]
    poll = client.get(reverse("forums:manage_job", args=[held_forum.pk]) + f"?job={job_id}")
    assert poll.status_code == 200


def test_signatory_sees_only_their_own_signoff(client, signing_forum, bupati, hall_admin, hall):
    outsider = UserFactory(username="ttd.lain", role=User.Role.SIGNATORY, hall=hall)
    client.force_login(outsider)
    assert signing_forum.theme not in client.get(reverse("forums:signoff_list")).content.decode()
    url = reverse("forums:signoff_detail", args=[signing_forum.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"action": "approve", "sha256": signing_forum.frozen_sha256}).status_code
        == 404
    )
    client.force_login(bupati)
    page = client.get(reverse("forums:signoff_list")).content.decode()
    assert "Menunggu persetujuan Anda" in page and signing_forum.theme in page
    response = client.post(url, {"action": "approve", "sha256": "f" * 64})
    assert response.status_code == 302
    assert not signing_forum.signatories.get(user=bupati).approved_at
    client.post(
        url,
        {"action": "approve", "sha256": signing_forum.frozen_sha256},
        REMOTE_ADDR="198.51.100.4",
    )
    row = signing_forum.signatories.get(user=bupati)
    assert row.approved_at and str(row.approved_ip) == "198.51.100.4"


def test_signatory_return_page(client, signing_forum, kadis):
    client.force_login(kadis)
    url = reverse("forums:signoff_detail", args=[signing_forum.pk])
    assert client.post(url, {"action": "return", "comment": ""}).status_code == 400
    assert client.post(url, {"action": "return", "comment": "Perbaiki butir 2"}).status_code == 302
    signing_forum.refresh_from_db()
    assert signing_forum.status == Forum.Status.MINUTES_DRAFTED


def test_agency_updates_only_their_items(client, signing_forum, agency_admin_a, agency_b):
    forum = _sign(signing_forum)
    mine = forum.items.get(agency=agency_admin_a.agency)
    theirs = forum.items.get(agency=agency_b)
    client.force_login(agency_admin_a)
    page = client.get(reverse("forums:agency_items")).content.decode()
    assert mine.text in page and theirs.text not in page
    assert client.get(reverse("forums:agency_item", args=[theirs.pk])).status_code == 404
    assert (
        client.post(
            reverse("forums:agency_item", args=[theirs.pk]), {"note": "x", "target": "done"}
        ).status_code
        == 404
    )
    url = reverse("forums:agency_item", args=[mine.pk])
    assert client.post(url, {"note": "", "target": "dropped"}).status_code == 400
    evidence = SimpleUploadedFile("bukti.pdf", b"%PDF-1.4\n%%EOF\n")
    assert (
        client.post(
            url, {"note": "Sudah dilayani", "target": "done", "attachment": evidence}
        ).status_code
        == 302
    )
    mine.refresh_from_db()
    assert mine.status == "done"
    progress = mine.progress.get()
    assert client.get(reverse("forums:progress_attachment", args=[progress.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("forums:progress_attachment", args=[progress.pk])).status_code == 302


def test_counter_staff_have_no_follow_up_page(client, staff_a):
    client.force_login(staff_a)
    assert client.get(reverse("forums:agency_items")).status_code == 403


def test_slug_mismatch_redirects(client, planned_forum):
    url = reverse("forums:public_detail", args=[planned_forum.pk, "lain"])
    assert client.get(url)["Location"] == planned_forum.get_absolute_url()


def test_items_page_adds_an_item(client, held_forum, hall_admin, agency_a):
    client.force_login(hall_admin)
    url = reverse("forums:manage_items", args=[held_forum.pk])
    assert (
        client.post(
            url, {"action": "add", "text": "", "agency": agency_a.pk, "target_date": "2024-10-01"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            url,
            {
                "action": "add",
                "text": "Butir baru",
                "agency": agency_a.pk,
                "target_date": "2024-10-01",
            },
        ).status_code
        == 302
    )
    assert held_forum.items.get(text="Butir baru").number == 3


def test_addendum_from_the_signed_forum_page(client, signing_forum, hall_admin):
    forum = _sign(signing_forum)
    client.force_login(hall_admin)
    url = reverse("forums:manage_detail", args=[forum.pk])
    assert "Buat adendum" in client.get(url).content.decode()
    assert client.post(url, {"action": "addendum", "correction": ""}).status_code == 400
    response = client.post(url, {"action": "addendum", "correction": "Perbaikan nama instansi."})
    addendum = Forum.objects.get(addendum_of=forum)
    assert response["Location"] == reverse("forums:manage_detail", args=[addendum.pk])
    assert client.post(url, {"action": "plan", "theme": "Diubah"}).status_code == 302
    forum.refresh_from_db()
    assert forum.theme != "Diubah"
    public = client.get(forum.get_absolute_url()).content.decode()
    assert addendum.theme in public


def test_progress_polls_while_the_job_waits(
    client, held_forum, hall_admin, django_capture_on_commit_callbacks
):
    client.force_login(hall_admin)
    job = services.berita_acara_request(held_forum, by=hall_admin)  # no worker: stays pending
    url = reverse("forums:manage_job", args=[held_forum.pk]) + f"?job={job.pk}"
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in html and "menunggu giliran" in html
    services.berita_acara_issue(held_forum.pk, user_id=hall_admin.pk)
    from mpp_portal.jobs.services import job_claim, job_finish

    job_finish(job=job_claim(job_id=job.pk))
    html = client.get(url).content.decode()
    assert "hx-trigger" not in html and "versi 1 siap" in html
    other = services.forum_plan(
        hall=held_forum.hall, by=None, theme="Lain", venue="x", starts_at=held_forum.starts_at
    )
    wrong = reverse("forums:manage_job", args=[other.pk]) + f"?job={job.pk}"
    assert client.get(wrong).status_code == 404


def test_follow_up_list_query_count(
    client, signing_forum, hall_admin, django_assert_max_num_queries
):
    _sign(signing_forum)
    client.force_login(hall_admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("forums:agency_items"))
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("forums:manage_list")).status_code == 200


def test_link_a_complaint_and_a_survey_suggestion(
    client, planned_forum, hall_admin, agency_a, kiosk_user
):
    import datetime as dt

    import time_machine

    from complaints import services as workflow
    from mpp_portal.workdays import JAKARTA
    from services import queue
    from services.models import SurveyResponse
    from tests.factories import ServiceFactory

    service = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", code="A")
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA), tick=True):
        ticket = queue.ticket_issue(service=service, by=kiosk_user)
        response = SurveyResponse.objects.create(
            ticket=ticket,
            service=service,
            agency=agency_a,
            hall=agency_a.hall,
            date=dt.date(2026, 12, 1),
            suggestion="Tambah kursi di ruang tunggu lantai dua.",
            **{f"u{n}": 3 for n in range(1, 10)},
        )
        complaint, _token = workflow.complaint_file(
            hall=planned_forum.hall,
            kind="pengaduan",
            title="Antrean KK lama",
            description="Antrean kartu keluarga lama sekali di loket dua.",
            reporter_name="Zulkarnain Rahasia",
            reporter_email="zr@example.test",
        )
    client.force_login(hall_admin)
    url = reverse("forums:manage_inputs", args=[planned_forum.pk])
    missing = client.post(url, {"action": "survey", "survey-survey": 999999})
    assert missing.status_code == 400
    assert "Survei tidak ditemukan." in missing.content.decode()
    assert (
        client.post(
            url, {"action": "survey", "survey-survey": response.pk, "survey-topic": "Sarana"}
        ).status_code
        == 302
    )
    missing = client.post(url, {"action": "complaint", "complaint-tracking_id": "TIDAK-ADA"})
    assert missing.status_code == 400
    assert "Pengaduan tidak ditemukan." in missing.content.decode()
    assert (
        client.post(
            url,
            {
                "action": "complaint",
                "complaint-tracking_id": complaint.tracking_id,
                "complaint-topic": "Antrean",
            },
        ).status_code
        == 302
    )
    linked = {i.source: i for i in planned_forum.inputs.all()}
    assert linked["survey"].survey_response == response and linked["survey"].topic == "Sarana"
    assert linked["complaint"].complaint == complaint and linked["complaint"].name == ""
    page = client.get(url).content.decode()
    assert "Zulkarnain" not in page and complaint.tracking_id in page
    ids = [str(i.pk) for i in planned_forum.inputs.all()]
    assert (
        client.post(
            url, {"action": "topic", "group-topic": "Pelayanan", "group-inputs": ids}
        ).status_code
        == 302
    )
    assert set(planned_forum.inputs.values_list("topic", flat=True)) == {"Pelayanan"}
