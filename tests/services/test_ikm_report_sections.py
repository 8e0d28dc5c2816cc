"""The IKM PDF as published reports have it: suggestions grouped, a table per
service, a follow-up plan section, the signatory's position and NIP."""

import datetime
import io
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mpp_portal.documents.models import IssuedDocument
from services import ikm_report, skm
from tests.services.test_ikm_report import MONTH
from tests.services.test_survey_pages import HAND_CHECKED, serve

D = datetime.date


def row(text, service="KTP-el", day=1):
    return {"suggestion": text, "service__name": service, "date": D(2026, 12, day)}


def test_same_suggestions_are_counted_once_per_service():
    groups = ikm_report.group_suggestions(
        [
            row("Ruang tunggu perlu kipas angin", day=3),
            row("ruang tunggu  perlu kipas angin!", day=5),
            row("Antrean terlalu lama"),
            row("Petugas ramah", service="PBB"),
            row("  ...  "),  # punctuation only: nothing to read
        ]
    )
    assert [g["service"] for g in groups] == ["KTP-el", "PBB"]
    ktp = groups[0]
    assert ktp["total"] == 3
    assert ktp["items"][0] == {
        "text": "Ruang tunggu perlu kipas angin",
        "count": 2,
        "last": D(2026, 12, 5),
    }
    assert ktp["items"][1]["text"] == "Antrean terlalu lama"


def test_contacts_written_into_a_suggestion_are_masked_in_the_published_groups():
    groups = ikm_report.group_suggestions(
        [
            row(
                "Tolong hubungi saya di 0812-3456-7890 atau siti.aminah@example.test, "
                "NIK 1707014506900001"
            )
        ]
    )
    text = groups[0]["items"][0]["text"]
    assert (
        text == "Tolong hubungi saya di 0812******90 atau s***@example.test, NIK 1707********0001"
    )


def test_no_suggestions_no_groups():
    assert ikm_report.group_suggestions([]) == []


def test_priorities_are_the_lowest_elements():
    elements = [{"element": n, "nrr": nrr} for n, nrr in enumerate([3.5, 2.9, 3.1, 2.9, 4], 1)]
    got = ikm_report.priority_elements(elements, {"respondents": 4}, count=3)
    assert [e["element"] for e in got] == [2, 4, 3]
    assert ikm_report.priority_elements(elements, {"respondents": 0}) == []


@pytest.fixture
def answered(service_a, service_a2, counter_a, staff_a):
    tickets = serve(service_a, counter_a, staff_a, 3)
    texts = ["Ruang tunggu perlu kipas angin", "ruang tunggu perlu kipas angin", "Tambah kursi"]
    for ticket, scores, text in zip(tickets, HAND_CHECKED, texts, strict=True):
        skm.survey_submit(ticket=ticket, scores=scores, sex="P", suggestion=text)
    (other,) = serve(service_a2, counter_a, staff_a, 1)
    skm.survey_submit(ticket=other, scores=[4] * 9, sex="L", suggestion="Cepat")
    return tickets


def _pdf_text(document):
    data = document.file.read()
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    ), data


def test_pdf_has_the_published_reports_sections(
    client, hall_admin, hall, answered, celery_eager, django_capture_on_commit_callbacks, tmp_path
):
    hall_admin.job_title = "Kepala Bidang Pengelolaan MPP"
    hall_admin.nip = "198203152006042011"
    hall_admin.save()
    plan = "U3 Waktu: tambah satu loket pada jam sibuk, Januari 2027, Disdukcapil."
    client.force_login(hall_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("services:ikm_pdf"), {**MONTH, "followup_plan": plan})
    document = IssuedDocument.objects.get(kind="ikm_report")
    text, data = _pdf_text(document)
    (tmp_path / "ikm.pdf").write_bytes(data)
    # Per-service table.
    assert "Nilai IKM per jenis layanan" in text
    assert "Perekaman KTP-el" in text and "Kartu Keluarga" in text
    # Grouped suggestions: the same suggestion once, with its count.
    assert text.count("Ruang tunggu perlu kipas angin") == 1
    assert "(×2)" in text
    # Follow-up plan: the lowest elements and the hall's own plan.
    assert "Rencana tindak lanjut" in text
    assert "prioritas perbaikan" in text
    assert plan in text
    # Signature: position, name, NIP.
    assert "Kepala Bidang Pengelolaan MPP" in text
    assert "NIP. 198203152006042011" in text
    # Look at it (pdftoppm) when run by hand: the file is kept in tmp_path.
    (tmp_path / "ikm.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", str(tmp_path / "ikm.pdf"), str(tmp_path / "ikm")],
        check=False,
    )


def test_pdf_without_a_plan_says_it_is_not_written(
    client, hall_admin, hall, answered, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(hall_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("services:ikm_pdf"), {**MONTH, "followup_plan": "  \x00 "})
    text, _data = _pdf_text(IssuedDocument.objects.get(kind="ikm_report"))
    assert "belum dituliskan" in text


def test_a_too_long_plan_is_cut_to_the_limit(
    client, hall_admin, hall, answered, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(hall_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("services:ikm_pdf"), {**MONTH, "followup_plan": "x" * 10_000}
        )
    assert response.status_code == 302
    assert IssuedDocument.objects.filter(kind="ikm_report").exists()


def test_counter_staff_cannot_ask_for_the_pdf(client, staff_a, answered):
    client.force_login(staff_a)
    response = client.post(reverse("services:ikm_pdf"), {**MONTH, "followup_plan": "x"})
    assert response.status_code == 403


def test_the_page_offers_the_plan_field(client, hall_admin, answered):
    client.force_login(hall_admin)
    html = client.get(reverse("services:ikm"), MONTH).content.decode()
    assert 'name="followup_plan"' in html and 'maxlength="4000"' in html


def test_nip_must_be_18_digits(hall_admin):
    from django.core.exceptions import ValidationError

    hall_admin.nip = "12345"
    with pytest.raises(ValidationError) as error:
        hall_admin.full_clean()
    assert "nip" in error.value.message_dict
