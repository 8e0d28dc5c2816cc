"""Public complaint pages: the form, the confirmation, tracking, the public
list and detail, statistics, and attachments served with permission."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from complaints import services as workflow
from complaints import sla
from complaints.models import Attachment, Category, Complaint
from mpp_portal.identity import format_phone, normalize_phone
from mpp_portal.notifications.models import OutboxMessage
from tests.complaints.conftest import NOW, jpeg_with_gps
from tests.factories import HallFactory

S = Complaint.Status
NAME, EMAIL, PHONE = "Siti Aminah", "siti@example.test", "081234567890"


def form_data(**overrides):
    data = {
        "kind": "pengaduan",
        "title": "Antrean KTP-el terlalu lama",
        "description": "Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
        "reporter_name": NAME,
        "reporter_phone": PHONE,
        "reporter_email": EMAIL,
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def png(name="foto.png"):
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")


def pdf(name="surat.pdf"):
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF", "application/pdf"
    )


def open_track(client, complaint):
    url = reverse("complaints:track", args=[complaint.tracking_id])
    response = client.get(f"{url}?token={complaint.access_token}")
    assert response.status_code == 302 and response.url == url
    return client.get(url)


def assert_no_identity(html, *values):
    for value in values:
        # A phone number may show stored (+62...) or formatted (0812-3456-7890).
        for form in {value, normalize_phone(value) or value, format_phone(value)}:
            assert form not in html, form


@pytest.fixture
def dispatched(file_complaint, hall_admin, agency_a):
    def _make(**kwargs):
        complaint = file_complaint(**kwargs)
        token = complaint.access_token
        complaint = workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
        complaint.access_token = token
        return complaint

    return _make


@pytest.fixture
def responded(dispatched, agency_admin_a):
    def _make(**kwargs):
        complaint = dispatched(**kwargs)
        token = complaint.access_token
        complaint = workflow.complaint_respond(
            complaint=complaint,
            by=agency_admin_a,
            body="Petugas tambahan sudah ditempatkan di loket KTP-el.",
            attachments=[pdf("surat-tanggapan.pdf")],
        )
        complaint.access_token = token
        return complaint

    return _make


# ---------------------------------------------------------------------------
class TestHome:
    def test_it_explains_and_links(self, client, hall):
        response = client.get(reverse("complaints:home"))
        html = response.content.decode()
        assert response.status_code == 200
        for name in ("new", "track_lookup", "public_list", "stats"):
            assert reverse(f"complaints:{name}") in html
        assert "Aspirasi" in html and "Permintaan informasi" in html

    def test_a_citizen_sees_their_own_complaints(self, client, citizen, file_complaint):
        mine = file_complaint(reporter=citizen)
        other = file_complaint(title="Laporan orang lain sama sekali")
        client.force_login(citizen)
        html = client.get(reverse("complaints:home")).content.decode()
        assert mine.tracking_id in html and other.tracking_id not in html


class TestForm:
    @pytest.fixture(autouse=True)
    def _url(self, hall):
        self.url = reverse("complaints:new")

    def test_it_shows_the_choices_explained(self, client):
        html = client.get(self.url).content.decode()
        assert "Nama dan kontak Anda tidak disimpan" in html
        assert "tidak ditampilkan di daftar publik" in html
        assert "Saran atau usulan" in html
        assert 'class="hp-field" aria-hidden="true"' in html
        assert "10 MB" in html and "20 sampai 5000 karakter" in html
        assert 'aria-describedby="id_title_helptext"' in html

    def test_it_files_and_shows_the_secret_once(self, client, django_capture_on_commit_callbacks):
        category = Category.objects.create(name="Perilaku petugas", slug="perilaku")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                self.url, form_data(category=category.pk, event_date="2026-11-30")
            )
        assert response.status_code == 302 and response.url == reverse("complaints:filed")
        complaint = Complaint.objects.get()
        assert (complaint.channel, complaint.category, complaint.reporter_phone) == (
            "web",
            category,
            "+6281234567890",  # stored E.164 (mpp_portal.identity)
        )
        page = client.get(response.url).content.decode()
        assert complaint.tracking_id in page
        link = next(m.body for m in OutboxMessage.objects.all()).split("Pantau di: ")[1]
        assert link in page
        assert "s***@example.test" in page  # the contact the message went to, masked
        # Shown once: the confirmation is gone on a second visit.
        again = client.get(reverse("complaints:filed"))
        assert again.status_code == 302 and link not in again.content.decode()
        # The same browser may open its tracking page without the token.
        track = client.get(reverse("complaints:track", args=[complaint.tracking_id]))
        assert track.status_code == 200

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"description": "terlalu pendek"}, "description", "paling sedikit 20 karakter"),
            ({"title": ""}, "title", "harus diisi"),
            ({"title": "x" * 151}, "title", "paling banyak 150 karakter"),
            ({"event_date": "2026-12-02"}, "event_date", "tidak boleh di masa depan"),
            ({"reporter_phone": "", "reporter_email": ""}, "reporter_phone", "Isi nomor HP"),
            ({"reporter_phone": "08abc"}, "reporter_phone", "Nomor HP tidak valid"),
            ({"reporter_email": "bukan-surel"}, "reporter_email", "alamat surel yang benar"),
            ({"kind": "gosip"}, "kind", "Masukkan pilihan yang valid"),
        ],
    )
    def test_it_rejects_bad_input_in_indonesian(self, client, overrides, field, message):
        response = client.post(self.url, form_data(**overrides))
        assert response.status_code == 400
        form = response.context["form"]
        assert message.lower() in " ".join(form.errors[field]).lower()
        assert message.lower() in response.content.decode().lower()
        assert Complaint.objects.count() == 0

    def test_anonymous_needs_no_contact_and_keeps_none(self, client, citizen):
        client.force_login(citizen)
        response = client.post(self.url, form_data(is_anonymous="on"))
        assert response.status_code == 302
        complaint = Complaint.objects.get()
        assert (complaint.reporter, complaint.reporter_name, complaint.reporter_phone) == (
            None,
            "",
            "",
        )
        page = client.get(response.url).content.decode()
        assert "tidak dapat mengirim kabar" in page
        assert_no_identity(page, NAME, EMAIL, PHONE)
        assert OutboxMessage.objects.count() == 0

    def test_a_signed_in_citizen_files_under_their_account(self, client, citizen):
        client.force_login(citizen)
        client.post(self.url, form_data())
        assert Complaint.objects.get().reporter == citizen

    def test_attachments_are_checked_and_cleaned(self, client):
        response = client.post(self.url, {**form_data(), "attachments": [jpeg_with_gps(), pdf()]})
        assert response.status_code == 302
        complaint = Complaint.objects.get()
        photo = complaint.attachments.get(kind=Attachment.Kind.IMAGE)
        with photo.file.open("rb") as handle:
            assert not Image.open(handle).getexif()

    def test_a_fake_image_is_refused(self, client):
        fake = SimpleUploadedFile("foto.jpg", b"bukan gambar sama sekali", "image/jpeg")
        response = client.post(self.url, {**form_data(), "attachments": [fake]})
        assert response.status_code == 400
        assert "bukan gambar" in response.content.decode()
        assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0

    def test_more_than_five_files_are_refused(self, client):
        response = client.post(
            self.url, {**form_data(), "attachments": [png(f"f{i}.png") for i in range(6)]}
        )
        assert response.status_code == 400
        assert "Paling banyak 5 lampiran" in response.content.decode()
        assert Complaint.objects.count() == 0

    def test_a_too_large_file_is_refused(self, client, settings):
        settings.MAX_UPLOAD_BYTES = 50
        response = client.post(self.url, {**form_data(), "attachments": [png()]})
        assert response.status_code == 400
        assert "lebih besar dari" in response.content.decode()
        assert Complaint.objects.count() == 0

    def test_the_honeypot_rejects_quietly(self, client):
        response = client.post(self.url, form_data(website="http://spam.example"))
        assert response.status_code == 400
        assert "Laporan tidak dapat dikirim" in response.content.decode()
        assert Complaint.objects.count() == 0

    def test_it_is_throttled_per_address(self, client, settings):
        settings.COMPLAINT_RATE_PER_HOUR = 2
        for _ in range(2):
            assert client.post(self.url, form_data()).status_code == 302
        response = client.post(self.url, form_data())
        assert response.status_code == 429
        assert "Terlalu banyak laporan" in response.content.decode()
        assert Complaint.objects.count() == 2
        # Another address is not affected.
        other = client.post(self.url, form_data(), REMOTE_ADDR="10.9.9.9")
        assert other.status_code == 302

    def test_several_halls_need_a_choice_and_matching_agency(self, client, hall, agency_a):
        other_hall = HallFactory(name="MPP Kedua", slug="kedua", code="KDA")
        response = client.post(self.url, form_data(reported_agency=agency_a.pk))
        assert response.status_code == 400 and "hall" in response.context["form"].errors
        response = client.post(self.url, form_data(hall=other_hall.pk, reported_agency=agency_a.pk))
        assert "tidak berada di gedung MPP" in response.content.decode()
        response = client.post(self.url, form_data(hall=hall.pk, reported_agency=agency_a.pk))
        assert response.status_code == 302
        assert Complaint.objects.get().reported_agency == agency_a


class TestCounterForm:
    def test_staff_file_for_a_citizen(self, client, staff_a):
        client.force_login(staff_a)
        url = reverse("complaints:new_counter")
        assert client.get(url).status_code == 200
        response = client.post(url, form_data())
        assert response.status_code == 302
        complaint = Complaint.objects.get()
        assert (complaint.channel, complaint.filed_by, complaint.reporter) == (
            "loket",
            staff_a,
            None,
        )
        assert complaint.tracking_id in client.get(response.url).content.decode()

    def test_citizens_and_visitors_may_not(self, client, citizen, hall):
        url = reverse("complaints:new_counter")
        assert client.get(url).status_code == 302  # to the login page
        client.force_login(citizen)
        assert client.get(url).status_code == 403
        assert client.post(url, form_data()).status_code == 403
        assert Complaint.objects.count() == 0


class TestTracking:
    def test_lookup_with_id_and_secret_link(self, client, file_complaint):
        complaint = file_complaint()
        link = workflow.tracking_url(complaint, complaint.access_token)
        response = client.post(
            reverse("complaints:track_lookup"),
            {"tracking_id": complaint.tracking_id.lower(), "token": link},
        )
        assert response.status_code == 302
        assert client.get(response.url).status_code == 200

    def test_lookup_never_tells_which_part_was_wrong(self, client, file_complaint):
        complaint = file_complaint()
        url = reverse("complaints:track_lookup")
        wrong_token = client.post(url, {"tracking_id": complaint.tracking_id, "token": "salah"})
        no_such_id = client.post(url, {"tracking_id": "LBG-2026-999999", "token": "salah"})
        assert wrong_token.status_code == no_such_id.status_code == 400
        message = "Nomor pelacakan atau kode rahasia tidak cocok."
        assert message in wrong_token.content.decode() and message in no_such_id.content.decode()
        empty = client.post(url, {"tracking_id": "", "token": ""})
        assert "harus diisi" in empty.content.decode()

    def test_a_wrong_token_is_404_and_a_missing_one_asks_for_the_code(self, client, file_complaint):
        complaint = file_complaint()
        url = reverse("complaints:track", args=[complaint.tracking_id])
        assert client.get(f"{url}?token=salah").status_code == 404
        lookup = reverse("complaints:track_lookup")
        assert client.get(url)["Location"] == f"{lookup}?nomor={complaint.tracking_id}"
        # The same answer for a number that does not exist: nothing is revealed.
        missing = client.get(reverse("complaints:track", args=["LBG-2026-999999"]))
        assert missing["Location"] == f"{lookup}?nomor=LBG-2026-999999"
        page = client.get(missing["Location"]).content.decode()
        assert 'value="LBG-2026-999999"' in page

    def test_it_shows_status_deadline_and_public_timeline(self, client, dispatched):
        complaint = dispatched()
        html = open_track(client, complaint).content.decode()
        assert "Diteruskan ke instansi" in html
        assert "sisa 5 hari kerja" in html
        assert "Disdukcapil" in html

    def test_internal_notes_never_reach_the_reporter(
        self, client, file_complaint, hall_admin, agency_a
    ):
        complaint = file_complaint()
        workflow.complaint_dispatch(
            complaint=complaint, agency=agency_a, by=hall_admin, instruction="Instruksi internal"
        )
        html = open_track(client, complaint).content.decode()
        assert "Instruksi internal" not in html

    def test_the_reporter_provides_information(self, client, file_complaint, hall_admin):
        complaint = file_complaint()
        workflow.complaint_request_info(
            complaint=complaint, by=hall_admin, question="Jam berapa kejadiannya?"
        )
        page = open_track(client, complaint)
        assert "Jam berapa kejadiannya?" in page.content.decode()
        url = page.request["PATH_INFO"]
        bad = client.post(url, {"action": "info", "info-text": ""})
        assert bad.status_code == 400 and "harus diisi" in bad.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == S.INFO_REQUESTED
        response = client.post(
            url,
            {"action": "info", "info-text": "Sekitar pukul 10 pagi.", "info-attachments": [png()]},
        )
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == S.SUBMITTED and complaint.attachments.count() == 1

    def test_the_reporter_accepts_with_a_rating(self, client, responded):
        complaint = responded()
        page = open_track(client, complaint)
        html = page.content.decode()
        assert "Petugas tambahan" in html
        url = page.request["PATH_INFO"]
        bad = client.post(url, {"action": "accept", "accept-rating": "9"})
        assert bad.status_code == 400 and "Pilih" in bad.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == S.RESPONDED
        client.post(url, {"action": "accept", "accept-rating": "4", "accept-comment": "Cepat"})
        complaint.refresh_from_db()
        assert (complaint.status, complaint.rating, complaint.rating_comment) == (
            S.CLOSED,
            4,
            "Cepat",
        )
        # Closed within the window: the reporter may reopen, once.
        html = client.get(url).content.decode()
        assert 'value="reopen"' in html and 'value="rate"' not in html
        client.post(url, {"action": "reopen", "reopen-body": "Ternyata antrean lama lagi."})
        complaint.refresh_from_db()
        assert complaint.status == S.DISPATCHED and complaint.reopened

    def test_the_reporter_replies(self, client, responded):
        complaint = responded()
        url = open_track(client, complaint).request["PATH_INFO"]
        client.post(url, {"action": "reply", "reply-body": "Belum ada perubahan."})
        complaint.refresh_from_db()
        assert complaint.status == S.DISPATCHED

    def test_an_action_not_allowed_by_the_status_changes_nothing(self, client, file_complaint):
        complaint = file_complaint()
        url = open_track(client, complaint).request["PATH_INFO"]
        response = client.post(url, {"action": "accept", "accept-rating": "5"}, follow=True)
        assert "tidak tersedia" in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == S.SUBMITTED

    def test_rate_after_the_automatic_close(self, client, responded, _frozen_clock):
        complaint = responded()
        _frozen_clock.move_to(NOW + datetime.timedelta(days=30))
        sla.complaint_sla_scan()
        url = open_track(client, complaint).request["PATH_INFO"]
        html = client.get(url).content.decode()
        assert 'value="rate"' in html and 'value="reopen"' not in html
        client.post(url, {"action": "rate", "rate-rating": "2"})
        complaint.refresh_from_db()
        assert (complaint.status, complaint.rating) == (S.CLOSED, 2)

    def test_anonymous_tracking_page_shows_no_identity(self, client, file_complaint):
        complaint = file_complaint(is_anonymous=True)
        html = open_track(client, complaint).content.decode()
        assert_no_identity(html, NAME, EMAIL, PHONE)
        assert "Anonim" in html


class TestPublicList:
    def test_only_verified_non_confidential_without_identity(
        self, client, dispatched, file_complaint, django_assert_max_num_queries
    ):
        shown = [dispatched(title=f"Laporan publik nomor {i}") for i in range(4)]
        secret = dispatched(title="Laporan rahasia sekali", is_confidential=True)
        waiting = file_complaint(title="Belum diverifikasi admin")
        anonymous = dispatched(title="Laporan anonim publik", is_anonymous=True)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("complaints:public_list"))
        html = response.content.decode()
        for complaint in [*shown, anonymous]:
            assert complaint.tracking_id in html
        assert secret.tracking_id not in html and "Laporan rahasia" not in html
        assert waiting.tracking_id not in html
        assert_no_identity(html, NAME, EMAIL, PHONE, "0812")
        assert "sisa 5 hari kerja" in html

    def test_the_query_count_does_not_grow(self, client, dispatched, django_assert_max_num_queries):
        for i in range(12):
            dispatched(title=f"Laporan publik nomor {i}")
        with django_assert_max_num_queries(8):
            assert client.get(reverse("complaints:public_list")).status_code == 200

    def test_filters_and_search(self, client, dispatched, responded, agency_b):
        one = dispatched(title="Jalan rusak di depan gedung", kind="aspirasi")
        two = responded(title="Antrean KTP-el sangat lama")
        url = reverse("complaints:public_list")
        html = client.get(url, {"q": "jalan"}).content.decode()
        assert one.tracking_id in html and two.tracking_id not in html
        html = client.get(url, {"status": "responded"}).content.decode()
        assert two.tracking_id in html and one.tracking_id not in html
        html = client.get(url, {"kind": "aspirasi"}).content.decode()
        assert one.tracking_id in html and two.tracking_id not in html
        html = client.get(url, {"agency": agency_b.pk}).content.decode()
        assert one.tracking_id not in html and two.tracking_id not in html
        # A bad filter value is ignored, not an error.
        assert client.get(url, {"status": "archived"}).status_code == 200

    def test_it_paginates_by_twenty(self, client, dispatched):
        for i in range(21):
            dispatched(title=f"Laporan publik nomor {i}")
        url = reverse("complaints:public_list")
        first = client.get(url).context["page"]
        assert len(first.object_list) == 20 and first.has_next()
        assert len(client.get(url, {"halaman": 2}).context["page"].object_list) == 1


class TestPublicDetail:
    def test_it_shows_the_response_without_identity(self, client, responded):
        complaint = responded()
        response = client.get(reverse("complaints:public_detail", args=[complaint.tracking_id]))
        html = response.content.decode()
        assert "Petugas tambahan sudah ditempatkan" in html
        assert_no_identity(html, NAME, EMAIL, PHONE)

    def test_confidential_and_unverified_are_404(self, client, dispatched, file_complaint):
        secret = dispatched(is_confidential=True)
        waiting = file_complaint()
        for complaint in (secret, waiting):
            url = reverse("complaints:public_detail", args=[complaint.tracking_id])
            assert client.get(url).status_code == 404

    def test_the_reporters_replies_stay_off_the_public_page(self, client, responded):
        complaint = responded()
        workflow.complaint_reply(
            complaint=complaint, by=None, body="Saya Siti dari RT 03, belum beres."
        )
        html = client.get(
            reverse("complaints:public_detail", args=[complaint.tracking_id])
        ).content.decode()
        assert "RT 03" not in html


class TestAttachments:
    def test_served_only_to_who_may_see(
        self, client, responded, hall_admin, agency_admin_a, staff_b, django_user_model
    ):
        complaint = responded(attachments=[png("rumah-siti.png")])
        reporters = complaint.attachments.get(uploaded_by_reporter=True)
        agencys = complaint.attachments.get(uploaded_by_reporter=False)
        url = lambda item: reverse("complaints:attachment", args=[item.pk])  # noqa: E731
        # The public: the agency's response document of a public complaint only.
        assert client.get(url(agencys)).status_code == 200
        assert client.get(url(reporters)).status_code == 404
        # The reporter, after opening the secret link.
        open_track(client, complaint)
        response = client.get(url(reporters))
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert "no-store" in response["Cache-Control"]
        # Staff in scope, and not out of it.
        for user, expected in ((hall_admin, 200), (agency_admin_a, 200), (staff_b, 404)):
            other = client.__class__()
            other.force_login(user)
            assert other.get(url(reporters)).status_code == expected, user

    def test_confidential_attachments_are_never_public(self, client, responded):
        complaint = responded(is_confidential=True)
        item = complaint.attachments.get()
        assert client.get(reverse("complaints:attachment", args=[item.pk])).status_code == 404

    def test_internal_attachments_stay_with_staff(self, client, dispatched, agency_admin_a):
        complaint = dispatched()
        workflow.complaint_add_note(
            complaint=complaint, by=agency_admin_a, body="Foto internal", attachments=[png()]
        )
        item = complaint.attachments.get()
        assert not item.is_public
        open_track(client, complaint)
        assert client.get(reverse("complaints:attachment", args=[item.pk])).status_code == 404


class TestStatistics:
    def test_per_agency_and_status(
        self, client, responded, dispatched, file_complaint, agency_a, agency_admin_a, _frozen_clock
    ):
        first = responded()
        workflow.complaint_accept(complaint=first, by=None, rating=4)
        second = dispatched()
        _frozen_clock.move_to(NOW + datetime.timedelta(days=14))
        workflow.complaint_respond(complaint=second, by=agency_admin_a, body="Terlambat")
        file_complaint()
        stats = client.get(reverse("complaints:stats")).context["stats"]
        row = stats["agencies"][0]
        assert row["agency"] == agency_a
        assert (row["received"], row["on_time"], row["late"]) == (2, 1, 1)
        assert row["rating"] == 4
        # Responded the same day (0) and after 10 working days (two weeks).
        assert row["avg_days"] == pytest.approx(5.0)
        counts = {s["code"]: s["count"] for s in stats["statuses"]}
        assert counts["submitted"] == 1 and counts["closed"] == 1 and counts["responded"] == 1
        html = client.get(reverse("complaints:stats")).content.decode()
        assert "Disdukcapil" in html or agency_a.name in html

    def test_no_hall_no_page(self, client, db):
        assert client.get(reverse("complaints:stats")).status_code == 404
