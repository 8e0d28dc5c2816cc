"""The berita acara PDF: text read back, QR, PAdES, concurrent approvals, real worker."""

import hashlib
import subprocess
import threading
from pathlib import Path

import pytest
from django.db import connection

from forums import services
from forums.models import BeritaAcara, Forum
from mpp_portal.jobs.models import Job

DATE_WORDS = "Pada hari ini Kamis tanggal dua puluh bulan Juni tahun dua ribu dua puluh empat"


def _text(path):
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, timeout=60
    )
    return out.stdout.decode()


def _squash(text):
    return " ".join(text.split())


def _sign_all(forum):
    for signatory in forum.signatories.select_related("user"):
        services.signoff_approve(
            forum, user=signatory.user, sha256=forum.frozen_sha256, ip="192.0.2.1"
        )
    forum.refresh_from_db()
    return services.berita_acara_issue(forum.pk, final=True)


@pytest.mark.django_db
def test_final_pdf_text_has_date_items_and_every_signatory(signing_forum, tmp_path):
    final = _sign_all(signing_forum)
    assert final.is_final and final.document.number == signing_forum.number
    data = Path(final.document.file.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == final.sha256 == final.document.sha256
    pdf = tmp_path / "ba.pdf"
    pdf.write_bytes(data)
    text = _squash(_text(pdf))
    assert DATE_WORDS in text
    assert "Pasar Tradisional Modern, Muara Aman" in text
    for item in signing_forum.items.all():
        assert _squash(item.text) in text
        assert item.agency.name in text
    for signatory in signing_forum.signatories.all():
        assert signatory.name in text
        assert signatory.position in text
    assert text.count("Disetujui secara elektronik") == signing_forum.signatories.count()
    assert "DRAF" not in text
    assert "Pengguna layanan : 1 orang" in text
    # A second run of the final task gives the same version: made once.
    assert services.berita_acara_issue(signing_forum.pk, final=True).pk == final.pk
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "p")], check=True)
    Path("/tmp/forums-shots").mkdir(exist_ok=True)
    for png in tmp_path.glob("p*.png"):
        (Path("/tmp/forums-shots") / f"ba-final-{png.name}").write_bytes(png.read_bytes())


@pytest.mark.django_db
def test_draft_is_marked_and_approvals_not_printed(drafted_forum, tmp_path):
    version = drafted_forum.latest_version
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(Path(version.document.file.path).read_bytes())
    text = _squash(_text(pdf))
    assert "DRAF VERSI 1" in text
    assert "Disetujui secara elektronik" not in text


@pytest.mark.django_db
def test_qr_opens_the_verification_page(signing_forum, tmp_path, client):
    import zxingcpp
    from PIL import Image

    final = _sign_all(signing_forum)
    pdf = tmp_path / "ba.pdf"
    pdf.write_bytes(Path(final.document.file.path).read_bytes())
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    codes = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [c.format.name for c in codes] == ["QRCode"]
    url = f"http://testserver/verifikasi/{final.document.verification_code}/"
    assert codes[0].text == url
    page = client.get(url.removeprefix("http://testserver")).content.decode()
    assert signing_forum.number in page
    for signatory in signing_forum.signatories.all():
        assert signatory.name in page


@pytest.mark.django_db
def test_pades_signature_validates(signing_forum, settings, tmp_path):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from tests.platform.test_documents import p12 as make_p12

    path, passphrase, cert = make_p12.__wrapped__(tmp_path)
    settings.DOCUMENT_SIGNING_P12 = str(path)
    settings.DOCUMENT_SIGNING_PASSPHRASE = passphrase
    final = _sign_all(signing_forum)
    assert final.document.signed
    import io

    reader = PdfFileReader(io.BytesIO(Path(final.document.file.path).read_bytes()))
    assert len(reader.embedded_signatures) == 1
    root = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    status = validate_pdf_signature(
        reader.embedded_signatures[0], ValidationContext(trust_roots=[root])
    )
    assert status.intact and status.valid and status.trusted


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_the_same_moment(signing_forum, bupati, kadis):
    """Both approvals are recorded; one of them signs; the final PDF is queued and made once."""
    frozen = signing_forum.frozen_sha256
    barrier = threading.Barrier(2)
    errors = []

    def approve(user):
        try:
            barrier.wait(5)
            services.signoff_approve(
                Forum.objects.get(pk=signing_forum.pk), user=user, sha256=frozen, ip="192.0.2.7"
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (bupati, kadis)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    forum = Forum.objects.get(pk=signing_forum.pk)
    assert forum.status == Forum.Status.SIGNED
    assert forum.signatories.filter(approved_sha256=frozen).count() == 2
    assert Job.objects.filter(task=services.RENDER_TASK, kwargs__final=True).count() == 1
    # Two runs of the final render at once (a redelivered job): one final version.
    results = []

    def render():
        try:
            results.append(services.berita_acara_issue(forum.pk, final=True).pk)
        except Exception as exc:  # noqa: BLE001
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=render) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert BeritaAcara.objects.filter(forum=forum, is_final=True).count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_render_through_the_real_worker(held_forum, hall_admin, celery_worker_process):
    job = services.berita_acara_request(held_forum, by=hall_admin)
    celery_worker_process.wait_for(
        lambda: BeritaAcara.objects.filter(forum=held_forum).exists(),
        message="the worker to render the berita acara",
        timeout=90,
    )
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    held_forum.refresh_from_db()
    assert held_forum.status == Forum.Status.MINUTES_DRAFTED


@pytest.mark.django_db
def test_signed_sends_the_webhook_to_each_agency(
    signing_forum, agency_a, agency_b, django_capture_on_commit_callbacks
):
    from mpp_portal.webhooks.models import Event, Webhook, WebhookDelivery

    Webhook.objects.create(
        agency=agency_a,
        url="https://dukcapil.example.test/hook",
        secret="rahasia",
        events=[Event.BERITA_ACARA_SIGNED],
    )
    with django_capture_on_commit_callbacks(execute=True):
        final = _sign_all(signing_forum)
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "berita_acara.signed" and delivery.agency == agency_a
    assert delivery.payload["document"]["sha256"] == final.sha256
    assert [i["number"] for i in delivery.payload["items"]] == [1]


@pytest.mark.django_db
def test_a_draft_verification_page_says_it_is_a_draft(signing_forum, client):
    draft = signing_forum.latest_version.document
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "draf berita acara, bukan versi final" in page
    final = _sign_all(signing_forum)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert final.document.get_absolute_url() in page
    page = client.get(final.document.get_absolute_url()).content.decode()
    assert "bukan versi final" not in page
