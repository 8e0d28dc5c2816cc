"""The IKM report page, its PDF (eager and through a real worker) and aspirasi from suggestions."""

import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from complaints.models import Complaint
from mpp_portal.accounts.models import User
from mpp_portal.documents.models import IssuedDocument
from services import ikm_report, skm
from tests.factories import UserFactory
from tests.services.test_survey_pages import HAND_CHECKED, serve

PAGE = "/skm/"
MONTH = {"period": "custom", "start": "2026-12-01", "end": "2026-12-31"}


@pytest.fixture
def agency_admin_b(agency_b):
    return UserFactory(username="admin.b", role=User.Role.AGENCY_ADMIN, agency=agency_b)


@pytest.fixture
def answered(service_a, counter_a, staff_a, service_b, counter_b, staff_b):
    """Agency A: four served, the three hand-checked answers (83,33 B); agency B: one 4-4-4."""
    tickets = serve(service_a, counter_a, staff_a, 4)
    suggestions = ["Ruang tunggu Disdukcapil perlu kipas angin", "", ""]
    for ticket, scores, text in zip(tickets, HAND_CHECKED, suggestions, strict=False):
        skm.survey_submit(ticket=ticket, scores=scores, sex="P", age_band="30-39", suggestion=text)
    (ticket_b,) = serve(service_b, counter_b, staff_b, 1)
    skm.survey_submit(
        ticket=ticket_b, scores=[4] * 9, sex="L", suggestion="Petugas Bapenda ramah sekali"
    )
    return tickets


def test_koma_formats_indonesian_numbers():
    assert ikm_report.koma(83.333) == "83,33"
    assert ikm_report.koma(3.66666, 4) == "3,6667"
    assert ikm_report.koma(1234.5) == "1.234,50"


def test_period_codes():
    import datetime as dt

    assert ikm_report.period_code(dt.date(2026, 12, 1), dt.date(2026, 12, 31)) == "202612"
    assert (
        ikm_report.period_code(dt.date(2026, 12, 1), dt.date(2026, 12, 15)) == "20261201-20261215"
    )


class TestPage:
    def test_hall_admin_sees_the_hand_checked_index(
        self, client, hall_admin, answered, agency_a, django_assert_max_num_queries
    ):
        client.force_login(hall_admin)
        with django_assert_max_num_queries(14):
            response = client.get(PAGE, {**MONTH, "agency": agency_a.pk})
        assert response.status_code == 200
        page = response.content.decode()
        assert '<dd class="display-6 fw-bold mb-0" id="nilai-ikm">83,33</dd>' in page
        assert "B <span" in page and "(Baik)" in page
        assert 'id="jumlah-responden">3<' in page
        assert "3,6667" in page and "4,0000" in page and "2,6667" in page
        assert "Persyaratan" in page and "Sarana dan Prasarana" in page
        assert "belum tercapai" in page  # 3 of the minimum 4 (population 4)
        assert "Ruang tunggu Disdukcapil perlu kipas angin" in page
        assert "Petugas Bapenda" not in page  # another agency's suggestion
        assert "Jadikan aspirasi" in page
        charts = json.loads(
            page.split('id="data-grafik-ikm" type="application/json">')[1].split("</script>")[0]
        )
        assert charts["elements"]["nrr"][0] == 3.6667
        assert charts["trend"] == {"labels": ["12/2026"], "ikm": [83.33], "respondents": [3]}
        # The comparison is between the hall's agencies, best first.
        assert charts["agencies"] == {"labels": ["Bapenda", "Disdukcapil"], "ikm": [100.0, 83.33]}

    def test_hall_wide_profile_counts(self, client, hall_admin, answered):
        client.force_login(hall_admin)
        response = client.get(PAGE, MONTH)
        profile = {g["field"]: g for g in response.context["report"]["profile"]}
        sexes = {row["label"]: row["count"] for row in profile["sex"]["rows"]}
        assert sexes == {"Laki-laki": 1, "Perempuan": 3, "Tidak diisi": 0}
        education = {row["label"]: row["count"] for row in profile["education"]["rows"]}
        assert education["Tidak diisi"] == 4
        assert response.context["report"]["summary"]["respondents"] == 4

    def test_default_period_is_this_month(self, client, hall_admin, answered):
        client.force_login(hall_admin)
        report = client.get(PAGE).context["report"]
        assert (str(report["date_from"]), str(report["date_to"])) == ("2026-12-01", "2026-12-01")
        assert report["summary"]["respondents"] == 4

    def test_agency_admin_sees_only_their_agency(
        self, client, agency_admin_b, answered, agency_a, service_a
    ):
        client.force_login(agency_admin_b)
        page = client.get(PAGE, {**MONTH, "agency": agency_a.pk}).content.decode()
        assert "Petugas Bapenda ramah sekali" in page
        assert "Ruang tunggu Disdukcapil" not in page
        assert 'id="nilai-ikm">100,00<' in page
        assert "Jadikan aspirasi" not in page  # only hall admins file aspirasi
        # Another agency's service is not a choice: no report at all.
        response = client.get(PAGE, {**MONTH, "service": service_a.pk})
        assert response.context["report"] is None
        assert "Ruang tunggu Disdukcapil" not in response.content.decode()

    def test_bad_range_shows_an_error(self, client, hall_admin, answered):
        client.force_login(hall_admin)
        response = client.get(
            PAGE, {"period": "custom", "start": "2026-12-31", "end": "2026-12-01"}
        )
        assert "Tanggal awal harus sebelum" in response.content.decode()
        assert response.context["report"] is None

    def test_counter_staff_citizen_and_anonymous_are_refused(
        self, client, staff_a, citizen, answered
    ):
        assert client.get(PAGE).status_code == 302
        for user in (staff_a, citizen):
            client.force_login(user)
            assert client.get(PAGE).status_code == 403
            assert client.post(reverse("services:ikm_pdf"), MONTH).status_code == 403


class TestPdf:
    def test_eager_task_issues_the_report(
        self,
        client,
        hall_admin,
        hall,
        answered,
        agency_a,
        celery_eager,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(hall_admin)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("services:ikm_pdf"), {**MONTH, "agency": agency_a.pk})
        number = f"IKM/{hall.code}/202612/1"
        assert response.status_code == 302 and "laporan=" in response["Location"]
        document = IssuedDocument.objects.get(kind="ikm_report", number=number)
        assert document.issued_by == hall_admin
        text = "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(document.file.read())).pages
        )
        flat = " ".join(text.split())
        assert "83,33" in flat and "B (Baik)" in flat
        assert "3,6667" in flat and "Persyaratan" in flat
        assert "Jumlah responden 3 orang" in flat
        assert "Ruang tunggu Disdukcapil perlu kipas angin" in flat
        assert "Perempuan 3" in flat
        assert "belum tercapai" in flat
        # The page shows the download link once the registry has the number.
        page = client.get(response["Location"]).content.decode()
        assert f"/verifikasi/{document.verification_code}/unduh/" in page
        # A second report of the same period gets the next number.
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("services:ikm_pdf"), MONTH)
        assert IssuedDocument.objects.filter(number=f"IKM/{hall.code}/202612/2").exists()

    def test_status_poll_before_the_document_exists(self, client, hall_admin, hall, answered):
        client.force_login(hall_admin)
        url = reverse("services:ikm_pdf_status")
        page = client.get(url, {"nomor": f"IKM/{hall.code}/202612/9"}).content.decode()
        assert "sedang dibuat" in page and "hx-trigger" in page
        # Another hall's number is not polled.
        assert client.get(url, {"nomor": "IKM/LAIN/202612/1"}).status_code == 404

    def test_failed_job_says_so(self, client, hall_admin, hall, answered):
        from django.core.cache import cache

        number = f"IKM/{hall.code}/202612/5"
        cache.set(ikm_report.job_key(number), "failed")
        client.force_login(hall_admin)
        page = client.get(reverse("services:ikm_pdf_status"), {"nomor": number}).content.decode()
        assert "gagal dibuat" in page and "hx-trigger" not in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_pdf_through_the_real_worker(client, hall_admin, hall, answered, celery_worker_process):
    client.force_login(hall_admin)
    response = client.post(reverse("services:ikm_pdf"), MONTH)
    assert response.status_code == 302
    number = f"IKM/{hall.code}/202612/1"
    document = celery_worker_process.wait_for(
        lambda: IssuedDocument.objects.filter(kind="ikm_report", number=number).first(),
        timeout=60,
        message=f"the IKM report {number}",
    )
    text = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(document.file.read())).pages
        ).split()
    )
    # Hall-wide: Disdukcapil's three answers and Bapenda's one.
    assert "Jumlah responden 4 orang" in text


class TestAspirasi:
    def test_hall_admin_turns_a_suggestion_into_an_anonymous_aspirasi(
        self, client, hall_admin, answered
    ):
        response_row = answered[0].survey
        client.force_login(hall_admin)
        url = reverse("complaints:from_survey", args=[response_row.pk])
        response = client.post(url)
        complaint = Complaint.objects.get(source_survey=response_row)
        assert response.status_code == 302 and complaint.tracking_id in response["Location"]
        assert complaint.kind == Complaint.Kind.ASPIRATION
        assert complaint.is_anonymous and complaint.reporter is None
        assert "Ruang tunggu Disdukcapil perlu kipas angin" in complaint.description
        # Twice is still one aspirasi.
        client.post(url)
        assert Complaint.objects.filter(source_survey=response_row).count() == 1

    def test_others_cannot(self, client, agency_admin_a, staff_a, answered):
        url = reverse("complaints:from_survey", args=[answered[0].survey.pk])
        for user in (agency_admin_a, staff_a):
            client.force_login(user)
            assert client.post(url).status_code == 403
        assert not Complaint.objects.exists()

    def test_answer_without_suggestion_is_refused(self, client, hall_admin, answered):
        client.force_login(hall_admin)
        url = reverse("complaints:from_survey", args=[answered[1].survey.pk])
        assert client.post(url).status_code == 403
