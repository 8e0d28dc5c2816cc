"""Staff complaint pages: the hall admin's inbox, detail and overdue board,
the agency's list and detail, and the Django admin."""

import datetime

import pytest
from django.urls import reverse

from complaints import services as workflow
from complaints.models import Complaint, ComplaintUpdate
from mpp_portal.accounts.models import User
from tests.complaints.conftest import NOW
from tests.factories import AgencyFactory, HallFactory, UserFactory

S = Complaint.Status
NAME, EMAIL, PHONE = "Siti Aminah", "siti@example.test", "081234567890"


def login(client, user):
    client.force_login(user)
    return client


def detail_url(complaint):
    return reverse("complaints:detail", args=[complaint.tracking_id])


@pytest.fixture
def dispatched(file_complaint, hall_admin, agency_a):
    def _make(**kwargs):
        complaint = file_complaint(**kwargs)
        return workflow.complaint_dispatch(
            complaint=complaint, agency=agency_a, by=hall_admin, instruction="Segera cek loket"
        )

    return _make


def overdue(complaint, days=3):
    Complaint.objects.filter(pk=complaint.pk).update(due_at=NOW - datetime.timedelta(days=days))


class TestInbox:
    def test_new_first_then_by_deadline_with_masked_contact(
        self, client, hall_admin, file_complaint, dispatched
    ):
        sent = dispatched(title="Sudah diteruskan ke instansi")
        new = file_complaint(title="Laporan baru masuk")
        anonymous = file_complaint(title="Laporan tanpa nama", is_anonymous=True)
        response = login(client, hall_admin).get(reverse("complaints:inbox"))
        assert response.status_code == 200
        rows = list(response.context["page"].object_list)
        assert rows[-1] == sent and {rows[0], rows[1]} == {new, anonymous}
        html = response.content.decode()
        assert "0812******90" in html and "s***@example.test" in html
        assert PHONE not in html and EMAIL not in html
        assert "Anonim" in html

    def test_filters_and_search(self, client, hall_admin, file_complaint, dispatched, agency_a):
        sent = dispatched(title="Sudah diteruskan ke instansi")
        new = file_complaint(title="Jalan rusak di halaman", kind="aspirasi")
        late = file_complaint(title="Tidak ada yang memeriksa")
        overdue(late)
        closed = file_complaint(title="Laporan lama")
        workflow.complaint_archive(complaint=closed, by=hall_admin, reason="unclear")
        login(client, hall_admin)
        url = reverse("complaints:inbox")

        def ids(**params):
            return {c.pk for c in client.get(url, params).context["page"].object_list}

        assert ids() == {sent.pk, new.pk, late.pk}
        assert ids(status="semua") == {sent.pk, new.pk, late.pk, closed.pk}
        assert ids(status="archived") == {closed.pk}
        assert ids(kind="aspirasi") == {new.pk}
        assert ids(agency=agency_a.pk) == {sent.pk}
        assert ids(overdue="on") == {late.pk}
        assert ids(q="jalan rusak") == {new.pk}
        assert ids(q=late.tracking_id) == {late.pk}
        assert ids(channel="loket") == set()
        # A nonsense filter is ignored rather than an error.
        assert client.get(url, {"status": "hilang"}).status_code == 200

    def test_query_count_does_not_grow(
        self, client, hall_admin, file_complaint, dispatched, django_assert_max_num_queries
    ):
        login(client, hall_admin)
        url = reverse("complaints:inbox")
        for i in range(3):
            file_complaint(title=f"Laporan nomor {i}")
        with django_assert_max_num_queries(12) as few:
            client.get(url)
        for i in range(10):
            dispatched(title=f"Laporan lain {i}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(url)

    def test_who_may_not_see_it(self, client, citizen, agency_admin_a, file_complaint, hall):
        file_complaint()
        url = reverse("complaints:inbox")
        assert client.get(url).status_code == 302  # login
        assert login(client, citizen).get(url).status_code == 403
        response = login(client, agency_admin_a).get(url)
        assert response.status_code == 302 and response.url == reverse("complaints:agency_list")

    def test_another_halls_admin_sees_nothing_of_it(self, client, file_complaint):
        complaint = file_complaint()
        other_hall = HallFactory(name="MPP Lain", slug="lain", code="LAIN")
        stranger = UserFactory(username="admin.lain", role=User.Role.HALL_ADMIN, hall=other_hall)
        login(client, stranger)
        assert complaint not in client.get(reverse("complaints:inbox")).context["page"]
        assert client.get(detail_url(complaint)).status_code == 404


class TestAdminDetail:
    def test_it_shows_everything_to_the_hall_admin(self, client, hall_admin, file_complaint):
        complaint = file_complaint()
        html = login(client, hall_admin).get(detail_url(complaint)).content.decode()
        assert NAME in html and EMAIL in html and PHONE in html
        assert "Jejak audit" in html
        for action in ("dispatch", "request_info", "archive", "note"):
            assert f'value="{action}"' in html

    def test_dispatch(self, client, hall_admin, file_complaint, agency_a):
        complaint = file_complaint()
        login(client, hall_admin)
        response = client.post(
            detail_url(complaint),
            {"action": "dispatch", "dispatch-agency": agency_a.pk, "dispatch-instruction": "Cek"},
        )
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert (complaint.status, complaint.assigned_agency) == (S.DISPATCHED, agency_a)
        assert "diteruskan" in client.get(response.url).content.decode().lower()

    def test_dispatch_rejects_bad_input(self, client, hall_admin, file_complaint, agency_a):
        complaint = file_complaint()
        other = AgencyFactory(hall=HallFactory(name="Lain", slug="lain-2", code="LN"))
        login(client, hall_admin)
        for agency in ("", other.pk):
            response = client.post(
                detail_url(complaint), {"action": "dispatch", "dispatch-agency": agency}
            )
            assert response.status_code == 400
            assert "harus diisi" in response.content.decode() or "Masukkan pilihan" in (
                response.content.decode()
            )
        complaint.refresh_from_db()
        assert complaint.status == S.SUBMITTED

    def test_request_info_and_archive(self, client, hall_admin, file_complaint):
        asked = file_complaint()
        login(client, hall_admin)
        bad = client.post(
            detail_url(asked), {"action": "request_info", "request_info-question": ""}
        )
        assert bad.status_code == 400
        client.post(
            detail_url(asked),
            {"action": "request_info", "request_info-question": "Loket nomor berapa?"},
        )
        asked.refresh_from_db()
        assert asked.status == S.INFO_REQUESTED

        duplicate = file_complaint()
        response = client.post(
            detail_url(duplicate), {"action": "archive", "archive-reason": "duplicate"}
        )
        assert response.status_code == 400
        assert "Sebutkan nomor laporan yang sama" in response.content.decode()
        response = client.post(
            detail_url(duplicate),
            {
                "action": "archive",
                "archive-reason": "duplicate",
                "archive-duplicate_of": "LBG-2026-999999",
            },
        )
        assert "tidak ditemukan" in response.content.decode()
        duplicate.refresh_from_db()
        assert duplicate.status == S.SUBMITTED
        client.post(
            detail_url(duplicate),
            {
                "action": "archive",
                "archive-reason": "duplicate",
                "archive-duplicate_of": asked.tracking_id.lower(),
            },
        )
        duplicate.refresh_from_db()
        assert (duplicate.status, duplicate.duplicate_of) == (S.ARCHIVED, asked)

    def test_an_action_the_status_does_not_allow(self, client, hall_admin, dispatched, agency_b):
        complaint = dispatched()
        login(client, hall_admin)
        response = client.post(
            detail_url(complaint),
            {"action": "dispatch", "dispatch-agency": agency_b.pk},
            follow=True,
        )
        assert "tidak tersedia" in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.assigned_agency != agency_b

    def test_internal_note(self, client, hall_admin, file_complaint):
        complaint = file_complaint()
        login(client, hall_admin)
        client.post(detail_url(complaint), {"action": "note", "note-body": "Cek CCTV"})
        note = ComplaintUpdate.objects.get(kind="note")
        assert (note.body, note.is_public) == ("Cek CCTV", False)

    def test_anonymous_shows_no_identity_even_to_the_admin(
        self, client, hall_admin, file_complaint
    ):
        complaint = file_complaint(is_anonymous=True)
        html = login(client, hall_admin).get(detail_url(complaint)).content.decode()
        assert NAME not in html and EMAIL not in html and PHONE not in html
        assert "Anonim" in html

    def test_citizens_get_404(self, client, citizen, file_complaint):
        complaint = file_complaint(reporter=citizen)
        assert login(client, citizen).get(detail_url(complaint)).status_code == 404


class TestAgency:
    def test_the_agency_sees_the_name_but_not_the_contact(self, client, agency_admin_a, dispatched):
        complaint = dispatched()
        html = login(client, agency_admin_a).get(detail_url(complaint)).content.decode()
        assert NAME in html
        assert (
            EMAIL not in html and PHONE not in html and "0812" not in html and "812345" not in html
        )
        assert "Jejak audit" not in html
        assert 'value="respond"' in html and 'value="hand_back"' in html

    def test_an_anonymous_report_shows_no_identity(self, client, agency_admin_a, dispatched):
        complaint = dispatched(is_anonymous=True)
        html = login(client, agency_admin_a).get(detail_url(complaint)).content.decode()
        for value in (NAME, EMAIL, PHONE):
            assert value not in html
        assert "Anonim" in html

    def test_respond(self, client, agency_admin_a, dispatched):
        complaint = dispatched()
        login(client, agency_admin_a)
        bad = client.post(
            detail_url(complaint),
            {"action": "respond", "respond-body": "", "respond-planned_completion": "2026-11-01"},
        )
        assert bad.status_code == 400
        assert "tidak boleh di masa lalu" in bad.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == S.DISPATCHED
        response = client.post(
            detail_url(complaint),
            {
                "action": "respond",
                "respond-body": "Sudah kami tindak lanjuti.",
                "respond-planned_completion": "2026-12-20",
            },
        )
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == S.RESPONDED
        assert complaint.planned_completion == datetime.date(2026, 12, 20)

    def test_hand_back(self, client, agency_admin_a, dispatched):
        complaint = dispatched()
        login(client, agency_admin_a)
        bad = client.post(detail_url(complaint), {"action": "hand_back", "hand_back-reason": ""})
        assert bad.status_code == 400
        response = client.post(
            detail_url(complaint),
            {"action": "hand_back", "hand_back-reason": "Bukan kewenangan kami"},
        )
        assert response.status_code == 302 and response.url == reverse("complaints:agency_list")
        complaint.refresh_from_db()
        assert (complaint.status, complaint.assigned_agency) == (S.SUBMITTED, None)
        # Handed back: the agency no longer sees it.
        assert client.get(detail_url(complaint)).status_code == 404

    def test_agency_b_never_sees_agency_as_complaints(
        self, client, staff_b, agency_b, dispatched, file_complaint
    ):
        complaint = dispatched()
        waiting = file_complaint()
        admin_b = UserFactory(username="admin.b", role=User.Role.AGENCY_ADMIN, agency=agency_b)
        for user in (staff_b, admin_b):
            login(client, user)
            assert client.get(detail_url(complaint)).status_code == 404
            assert client.get(detail_url(waiting)).status_code == 404
            response = client.post(
                detail_url(complaint), {"action": "respond", "respond-body": "Bukan kami"}
            )
            assert response.status_code == 404
            page = client.get(reverse("complaints:agency_list")).context["page"]
            assert complaint not in page
        complaint.refresh_from_db()
        assert complaint.status == S.DISPATCHED

    def test_counter_staff_read_without_actions(self, client, staff_a, dispatched):
        complaint = dispatched()
        response = login(client, staff_a).get(detail_url(complaint))
        assert response.status_code == 200
        assert 'value="respond"' not in response.content.decode()
        post = client.post(detail_url(complaint), {"action": "respond", "respond-body": "x"})
        assert post.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == S.DISPATCHED


class TestAgencyList:
    def test_sorted_by_deadline_with_remaining(
        self, client, agency_admin_a, dispatched, django_assert_max_num_queries
    ):
        first = dispatched(title="Laporan pertama")
        second = dispatched(title="Laporan kedua")
        overdue(second)
        login(client, agency_admin_a)
        url = reverse("complaints:agency_list")
        with django_assert_max_num_queries(12) as few:
            response = client.get(url)
        assert list(response.context["page"].object_list) == [second, first]
        html = response.content.decode()
        assert "terlambat" in html and "sisa 5 hari kerja" in html
        assert NAME not in html and PHONE not in html
        for i in range(8):
            dispatched(title=f"Laporan lain {i}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(url)

    def test_who_may_not_see_it(self, client, citizen, hall_admin, hall):
        url = reverse("complaints:agency_list")
        assert client.get(url).status_code == 302
        assert login(client, citizen).get(url).status_code == 403
        assert login(client, hall_admin).get(url).url == reverse("complaints:inbox")


class TestOverdueBoard:
    def test_grouped_by_step_oldest_first(
        self, client, hall_admin, file_complaint, dispatched, django_assert_max_num_queries
    ):
        verify_old = file_complaint(title="Verifikasi lama")
        verify_new = file_complaint(title="Verifikasi baru")
        on_time = file_complaint(title="Masih sempat")
        followup = dispatched(title="Tindak lanjut lewat")
        overdue(verify_old, days=6)
        overdue(verify_new, days=2)
        overdue(followup, days=4)
        login(client, hall_admin)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("complaints:overdue"))
        board = response.context["board"]
        assert board["verify"] == [verify_old, verify_new]
        assert board["followup"] == [followup]
        html = response.content.decode()
        assert on_time.tracking_id not in html and "terlambat" in html

    def test_who_may_not_see_it(self, client, agency_admin_a, citizen, hall):
        url = reverse("complaints:overdue")
        assert client.get(url).status_code == 302
        assert login(client, agency_admin_a).get(url).status_code == 403
        assert login(client, citizen).get(url).status_code == 403


class TestDjangoAdmin:
    def test_list_masks_contact(self, client, file_complaint, db):
        file_complaint()
        root = User.objects.create_superuser("root", "root@example.test", "x")
        html = login(client, root).get("/admin/complaints/complaint/").content.decode()
        assert "0812******90" in html and PHONE not in html
        assert "s***@example.test" in html and EMAIL not in html

    def test_configuration_pages_open(self, client, db):
        root = User.objects.create_superuser("root", "root@example.test", "x")
        login(client, root)
        for name in ("category", "complaintpolicy", "reminderlog"):
            assert client.get(f"/admin/complaints/{name}/").status_code == 200
        assert client.get("/admin/webhooks/webhook/").status_code == 200
        assert client.get("/admin/complaints/reminderlog/add/").status_code == 403
