"""Issued documents: PDF rendering, registry, verification page, PAdES."""

import datetime
import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from mpp_portal.audit.models import AuditEntry
from mpp_portal.documents import services
from mpp_portal.documents.formatting import (
    format_date_id,
    format_datetime_id,
    spell_date_id,
    terbilang,
)
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.documents.pdf import (
    DocumentRenderError,
    LocalOnlyURLFetcher,
    html_to_pdf,
    render_pdf,
)
from mpp_portal.documents.signing import sign_pdf
from tests.factories import HallFactory, UserFactory, issue_document

# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (45, "empat puluh lima"),
        (100, "seratus"),
        (111, "seratus sebelas"),
        (250, "dua ratus lima puluh"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (2024, "dua ribu dua puluh empat"),
        (11000, "sebelas ribu"),
        (100000, "seratus ribu"),
        (1000000, "satu juta"),
        (1250000, "satu juta dua ratus lima puluh ribu"),
        (3000000000, "tiga miliar"),
        (-5, "minus lima"),
    ],
)
def test_terbilang(number, words):
    assert terbilang(number) == words


def test_format_date_id():
    assert format_date_id(datetime.date(2024, 6, 20)) == "Kamis, 20 Juni 2024"
    assert format_date_id(datetime.date(2023, 3, 16), with_day=False) == "16 Maret 2023"
    assert format_date_id(None) == ""


def test_format_date_id_reads_aware_datetimes_in_jakarta():
    # 19 June 18:30 UTC is already 20 June 01:30 WIB.
    moment = datetime.datetime(2024, 6, 19, 18, 30, tzinfo=datetime.UTC)
    assert format_date_id(moment) == "Kamis, 20 Juni 2024"
    assert format_datetime_id(moment) == "Kamis, 20 Juni 2024 pukul 01.30 WIB"


def test_spell_date_id():
    assert spell_date_id(datetime.date(2024, 6, 20)) == (
        "Pada hari ini Kamis tanggal dua puluh bulan Juni tahun dua ribu dua puluh empat"
    )
    assert spell_date_id(datetime.date(2023, 3, 16), prefix="") == (
        "Kamis tanggal enam belas bulan Maret tahun dua ribu dua puluh tiga"
    )


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_SIGNING_P12 = ""
    return settings.MEDIA_ROOT


@pytest.fixture
def kop_hall(hall):
    hall.phone = "(0732) 21000"
    hall.email = "mpp@lebongkab.go.id"
    hall.save()
    return hall


def _pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _squash(text):
    return "".join(text.split())


@pytest.fixture
def document(kop_hall, hall_admin):
    return issue_document(kop_hall, issued_by=hall_admin)


# --------------------------------------------------------------------------
# Rendering and registry
# --------------------------------------------------------------------------


def test_document_issue_prints_kop_title_number_and_verification(document):
    data = document.file.open("rb").read()
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    assert "PEMERINTAH KABUPATEN LEBONG" in text
    assert "MAL PELAYANAN PUBLIK PERIGO AGUNG" in text
    assert "SURAT KETERANGAN UJI" in text
    assert "Nomor: 001/BA/MPP/VI/2024" in text
    assert "Isi surat uji coba." in text
    assert "Drs. Pejabat Uji" in text
    assert "mpp@lebongkab.go.id" in text
    assert "Halaman 1 dari 1" in text
    # The verification line under the QR code (the URL may wrap).
    assert document.verification_code in text
    url = f"http://testserver/verifikasi/{document.verification_code}/"
    assert url in _squash(text)
    # Lines wrap differently with the issue time printed above: compare words.
    assert "Verifikasi keaslian dokumen" in " ".join(text.split())


def test_the_printed_qr_code_opens_the_verification_page(document, tmp_path):
    """Render the page as a phone camera sees it and read the QR code back."""
    import subprocess

    import zxingcpp
    from PIL import Image

    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(document.file.open("rb").read())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    codes = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [c.format.name for c in codes] == ["QRCode"]
    assert codes[0].text == f"http://testserver/verifikasi/{document.verification_code}/"


def test_document_issue_registers_fingerprint_and_audit(document, hall_admin):
    data = Path(document.file.path).read_bytes()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.file.name.startswith("documents/")
    assert document.signed is False
    assert len(document.verification_code) == 14
    assert document.issued_by == hall_admin
    entry = AuditEntry.objects.get(action="document.issue", object_id=str(document.pk))
    assert entry.actor == hall_admin


def test_document_issue_links_related_object(kop_hall, citizen):
    doc = issue_document(kop_hall, related=kop_hall)
    doc.refresh_from_db()
    assert doc.related == kop_hall


def test_document_number_is_unique_per_kind_and_leaves_no_file(document, _media):
    with pytest.raises(services.DocumentNumberTaken):
        issue_document(document.hall, number=document.number)
    files = list(Path(_media).rglob("*.pdf"))
    assert files == [Path(document.file.path)]


def test_failed_registry_write_removes_the_file(kop_hall, _media, monkeypatch):
    def broken_record(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services.audit, "record", broken_record)
    with pytest.raises(RuntimeError):
        issue_document(kop_hall)
    assert not IssuedDocument.objects.exists()
    assert list(Path(_media).rglob("*.pdf")) == []


def test_verification_codes_are_unguessable(kop_hall):
    codes = {issue_document(kop_hall, number=f"N/{i}").verification_code for i in range(3)}
    assert len(codes) == 3


def test_demo_document_is_issued_once(kop_hall):
    first = services.document_issue_demo(kop_hall)
    second = services.document_issue_demo(kop_hall)
    assert first.pk == second.pk
    assert first.title == services.DEMO_TITLE
    assert IssuedDocument.objects.count() == 1


def test_fetcher_refuses_the_internet_and_foreign_files():
    fetcher = LocalOnlyURLFetcher()
    with pytest.raises(PermissionError):
        fetcher.fetch("https://cdn.example.com/font.ttf")
    with pytest.raises(PermissionError):
        fetcher.fetch("file:///etc/passwd")


def test_render_stops_on_a_remote_asset():
    with pytest.raises(DocumentRenderError):
        html_to_pdf('<p>x</p><img src="https://cdn.example.com/logo.png">')


def test_render_pdf_uses_vendored_fonts(kop_hall):
    data = render_pdf(
        "documents/pdf_generic.html",
        {"paragraphs": ["Halo"], "hall": kop_hall, "kop": {"name": "X"}, "issued": {}},
    )
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("MPP-Serif" in name for name in fonts)


# --------------------------------------------------------------------------
# Verification page
# --------------------------------------------------------------------------


def test_verify_page_shows_the_registry_entry(client, document):
    response = client.get(reverse("documents:verify", args=[document.verification_code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert document.number in body
    assert "Dokumen umum" in body
    assert document.sha256 in body
    assert "MPP Perigo Agung" in body
    assert "Tidak ditandatangani" in body
    assert document.get_download_url() in body


def test_verify_page_accepts_the_code_as_typed(client, document):
    response = client.get(f"/verifikasi/{document.verification_code.lower()}/")
    assert response.status_code == 302
    assert response.url == document.get_absolute_url()


def test_lookup_form_redirects_to_the_document(client, document):
    assert client.get(reverse("documents:lookup")).status_code == 200
    spaced = f" {document.verification_code[:7]} {document.verification_code[7:]} "
    response = client.get(reverse("documents:lookup"), {"code": spaced})
    assert response.status_code == 302
    assert response.url == document.get_absolute_url()


def test_lookup_form_rejects_garbage(client, db):
    response = client.get(reverse("documents:lookup"), {"code": "<script>"})
    assert response.status_code == 200
    assert "Kode verifikasi tidak dikenali" in response.content.decode()


def test_unknown_code_is_a_clear_404(client, db):
    response = client.get("/verifikasi/ZZZZZZZZZZZZZZ/")
    assert response.status_code == 404
    assert "Dokumen tidak ditemukan" in response.content.decode()
    assert client.get("/verifikasi/ZZZZZZZZZZZZZZ/unduh/").status_code == 404


def _upload(client, document, content, name="dokumen.pdf"):
    return client.post(
        document.get_absolute_url(),
        {"pdf": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def test_uploading_the_same_pdf_says_it_is_genuine(client, document):
    data = document.file.open("rb").read()
    response = _upload(client, document, data)
    assert response.status_code == 200
    assert "dokumen ini asli" in response.content.decode()


def test_uploading_a_modified_pdf_says_it_does_not_match(client, document):
    data = document.file.open("rb").read()
    tampered = data.replace(b"/Producer", b"/Producex", 1)
    if tampered == data:
        tampered = data + b"\n% diubah\n"
    response = _upload(client, document, tampered)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tidak cocok" in body
    assert "dokumen ini asli" not in body


def test_uploading_a_non_pdf_is_refused(client, document):
    response = _upload(client, document, b"GIF89a not a pdf", name="palsu.pdf")
    assert response.status_code == 400
    assert "bukan dokumen PDF" in response.content.decode()


def test_uploading_a_too_large_file_is_refused(client, document, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    response = _upload(client, document, b"%PDF-1.7\n" + b"0" * 2048)
    assert response.status_code == 400
    assert "terlalu besar" in response.content.decode()


def test_download_gives_the_registered_bytes(client, document):
    response = client.get(document.get_download_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == document.sha256


# --------------------------------------------------------------------------
# Revocation and admin
# --------------------------------------------------------------------------


def test_revoked_document_says_so_and_is_not_downloadable(client, document, hall_admin):
    services.document_revoke(document=document, reason="Salah ketik nomor", by=hall_admin)
    response = client.get(document.get_absolute_url())
    body = response.content.decode()
    assert "DICABUT" in body
    assert "Salah ketik nomor" in body
    assert client.get(document.get_download_url()).status_code == 410
    assert AuditEntry.objects.filter(action="document.revoke").count() == 1


def test_revoke_needs_a_reason_and_happens_once(document, hall_admin):
    with pytest.raises(services.DomainError):
        services.document_revoke(document=document, reason="  ", by=hall_admin)
    services.document_revoke(document=document, reason="Dicabut", by=hall_admin)
    with pytest.raises(services.DocumentAlreadyRevoked):
        services.document_revoke(document=document, reason="Lagi", by=hall_admin)


def test_admin_revoke_action(client, document):
    admin = UserFactory(username="super.doc", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:documents_issueddocument_changelist")
    data = {"action": "revoke", "_selected_action": [document.pk]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200
    assert "Alasan pencabutan" in confirm.content.decode()
    done = client.post(url, {**data, "reason": "Diterbitkan ganda"})
    assert done.status_code == 302
    document.refresh_from_db()
    assert document.is_revoked and document.revoked_reason == "Diterbitkan ganda"


def test_admin_hides_other_halls_documents(client, document):
    other_hall = HallFactory(name="MPP Lain", slug="mpp-lain")
    other_admin = UserFactory(
        username="admin.lain", role="hall_admin", hall=other_hall, is_staff=True
    )
    from django.contrib.auth.models import Permission

    other_admin.user_permissions.add(Permission.objects.get(codename="view_issueddocument"))
    client.force_login(other_admin)
    response = client.get(reverse("admin:documents_issueddocument_changelist"))
    assert response.status_code == 200
    assert document.number not in response.content.decode()
    change = reverse("admin:documents_issueddocument_change", args=[document.pk])
    assert client.get(change).status_code == 302  # "does not exist" redirect


# --------------------------------------------------------------------------
# PAdES signature
# --------------------------------------------------------------------------


@pytest.fixture
def p12(tmp_path):
    """A throwaway self-signed certificate and key in a PKCS#12 file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Kabupaten Lebong"),
            x509.NameAttribute(NameOID.COMMON_NAME, "MPP Perigo Agung (uji)"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    passphrase = "sandi-uji"
    path = tmp_path / "uji.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"mpp-uji",
            key,
            cert,
            None,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    return path, passphrase, cert


def _validate(data, cert):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    signature = reader.embedded_signatures[0]
    assert signature.field_name == "MPPSignature"
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))


def test_sign_pdf_makes_a_valid_pades_signature(p12, kop_hall):
    path, passphrase, cert = p12
    original = render_pdf(
        "documents/pdf_generic.html",
        {"paragraphs": ["Ditandatangani"], "hall": kop_hall, "kop": {}, "issued": {}},
    )
    signed = sign_pdf(original, path, passphrase)
    assert signed.startswith(original)  # an incremental update
    status = _validate(signed, cert)
    assert status.intact
    assert status.valid
    assert status.trusted


def test_sign_pdf_refuses_a_wrong_passphrase(p12):
    from mpp_portal.documents.signing import SigningError

    path, _passphrase, _cert = p12
    with pytest.raises(SigningError):
        sign_pdf(b"%PDF-1.7", path, "salah")


def test_document_issue_signs_when_a_certificate_is_configured(client, settings, p12, kop_hall):
    path, passphrase, cert = p12
    settings.DOCUMENT_SIGNING_P12 = str(path)
    settings.DOCUMENT_SIGNING_PASSPHRASE = passphrase
    doc = issue_document(kop_hall)
    assert doc.signed is True
    data = Path(doc.file.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    status = _validate(data, cert)
    assert status.intact and status.valid
    assert "ditandatangani secara elektronik" in _pdf_text(data)
    response = client.get(doc.get_absolute_url())
    assert "Ditandatangani secara elektronik (PAdES)" in response.content.decode()
    uploaded = _upload(client, doc, data)
    assert "dokumen ini asli" in uploaded.content.decode()
