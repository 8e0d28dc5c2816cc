"""The receipt "Tanda Terima Pendaftaran NIB": made by the Celery task through
the documents module, read back (pdftotext), its QR decoded, once only."""

import datetime
import subprocess

import pytest

from mpp_portal.documents.models import IssuedDocument
from mpp_portal.jobs.models import Job
from services.sipabes import services
from services.sipabes.models import Registration
from tests.sipabes.core_fixtures import *  # noqa: F403
from tests.sipabes.core_fixtures import nik
from tests.transition_guard import force_status


def _issued(registration):
    return force_status(
        registration,
        Registration.Status.NIB_ISSUED,
        nib="9120300000077",
        nib_issued_on=datetime.date(2024, 6, 20),
    )


def _text(document, tmp_path):
    pdf = tmp_path / "tanda-terima.pdf"
    pdf.write_bytes(document.file.open("rb").read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pdf, " ".join(text.split())


@pytest.mark.django_db
def test_the_receipt_says_what_the_trader_needs(make_registration, officer, tmp_path):
    registration = _issued(make_registration(nik=nik(2201), name="Rosmawati"))
    document = services.registration_issue_receipt(
        registration_id=registration.pk, user_id=officer.pk
    )
    assert document.kind == IssuedDocument.Kind.NIB_RECEIPT
    assert document.title == "Tanda Terima Pendaftaran NIB"  # no personal data in the registry
    _pdf, text = _text(document, tmp_path)
    for expected in (
        "TANDA TERIMA PENDAFTARAN NIB",
        "Rosmawati",
        "1707********2201",
        "Ikan Segar Rosmawati",
        "47813",
        "Perikanan",
        "Pasar Tradisional Modern Muara Aman",
        "Mikro / Rendah",
        "9120300000077",
        "20 Juni 2024",
        "pernyataan pemenuhan SNI",
        "Langkah berikutnya",
        registration.receipt_code,
        document.verification_code,
    ):
        assert expected in text, expected
    assert nik(2201) not in text.replace(" ", "")
    registration.refresh_from_db()
    assert registration.receipt == document
    # A second run (a redelivered job) keeps the one receipt.
    again = services.registration_issue_receipt(registration_id=registration.pk)
    assert again == document and IssuedDocument.objects.count() == 1


@pytest.mark.django_db
def test_the_receipt_qr_opens_the_verification_page(make_registration, tmp_path):
    import zxingcpp
    from PIL import Image

    registration = _issued(make_registration())
    document = services.registration_issue_receipt(registration_id=registration.pk)
    pdf, _text_ = _text(document, tmp_path)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    codes = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [c.text for c in codes] == [
        f"http://testserver/verifikasi/{document.verification_code}/"
    ]


@pytest.mark.django_db
def test_a_receipt_is_refused_before_the_nib(make_registration, officer):
    registration = make_registration()
    with pytest.raises(services.DomainError):
        services.registration_request_receipt(registration=registration, by=officer)
    assert not Job.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_receipt_is_made_by_the_real_worker(
    make_registration, officer, client, celery_worker_process
):
    registration = _issued(make_registration())
    client.force_login(officer)
    response = client.post(
        f"/sipabes/pendaftaran/{registration.pk}/tanda-terima/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "sedang dibuat" in response.content.decode()
    # Asking twice queues nothing more.
    client.post(f"/sipabes/pendaftaran/{registration.pk}/tanda-terima/")
    assert Job.objects.filter(task="sipabes.receipt_pdf").count() == 1
    celery_worker_process.wait_for(
        lambda: Registration.objects.filter(pk=registration.pk, receipt__isnull=False).exists(),
        timeout=60,
        message="the worker to render the receipt",
    )
    status = client.get(f"/sipabes/pendaftaran/{registration.pk}/tanda-terima/status/")
    body = status.content.decode()
    assert "Unduh PDF" in body and "hx-get" not in body
    assert Job.objects.get(task="sipabes.receipt_pdf").status == Job.Status.DONE
