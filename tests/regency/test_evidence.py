"""The MCP evidence pack: its contents, manifest, failure, pages and permissions.

The privacy search over a pack built from the demo is in
test_evidence_privacy.py; the build through a real worker at the end here.
"""

import csv
import glob
import hashlib
import io
import os
import tempfile
import zipfile

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.jobs.models import Job
from mpp_portal.transitions import transition
from regency import evidence
from regency.models import EvidencePack, Indicator, PackDocument
from regency.periods import Period
from tests.factories import HallFactory, ServiceFactory, UserFactory

YEAR = Period("year", 2026)


@pytest.fixture(autouse=True)
def _media(request, settings, tmp_path):
    """Files in a folder of the test's own, so "no file left" can be counted.

    Not for the real worker: it is another process with the default folder.
    """
    if request.node.get_closest_marker("worker") is None:
        settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def service(agency_a):
    return ServiceFactory(
        agency=agency_a,
        name="Penerbitan KTP-el",
        requirements=["Fotokopi KK", "Surat pengantar RT"],
        procedure="Ambil nomor antrean.\nSerahkan berkas.",
        duration="1 hari kerja",
        product="KTP-el",
    )


def read_zip(pack):
    with pack.file.open("rb") as handle:
        data = handle.read()
    return data, zipfile.ZipFile(io.BytesIO(data))


def pdf_text(data):
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def manifest_rows(zf):
    text = zf.read(evidence.MANIFEST).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def build(hall, user, period=YEAR):
    pack = EvidencePack.objects.create(hall=hall, period=period.slug, requested_by=user)
    evidence.pack_build(pack_id=pack.pk)
    pack.refresh_from_db()
    return pack


# --------------------------------------------------------------------------
# Contents and manifest
# --------------------------------------------------------------------------
class TestContents:
    def test_every_file_is_listed_with_its_hash_and_opens(self, hall, hall_admin, service):
        pack = build(hall, hall_admin)
        assert pack.status == EvidencePack.Status.READY, pack.error
        data, zf = read_zip(pack)
        assert pack.sha256 == hashlib.sha256(data).hexdigest() and pack.size == len(data)

        rows = manifest_rows(zf)
        names = [row["berkas"] for row in rows]
        assert set(zf.namelist()) == {*names, evidence.MANIFEST}
        assert pack.files == len(zf.namelist())
        for row in rows:
            content = zf.read(row["berkas"])
            assert row["sha256"] == hashlib.sha256(content).hexdigest()
            assert int(row["ukuran_bita"]) == len(content)
            if row["berkas"].endswith(".pdf"):
                assert pdf_text(content)  # opens and has text
            else:
                header = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
                assert len(header) >= 2
        assert names[0] == evidence.COVER_NAME
        assert {
            evidence.FIGURES_NAME,
            evidence.AGREEMENTS_NAME,
            evidence.COMPLAINTS_NAME,
            evidence.STANDARDS_NAME,
            "03-laporan-ikm/ikm-2026-s1.pdf",
            "07-ringkasan-sipabes-2026.csv",
        } <= set(names)

    def test_cover_is_issued_numbered_and_lists_the_indicators(self, hall, hall_admin, service):
        pack = build(hall, hall_admin)
        _data, zf = read_zip(pack)
        cover = pack.cover
        assert cover.kind == IssuedDocument.Kind.EVIDENCE_PACK
        assert cover.number == f"MCP/{hall.code}/2026/{pack.pk}"
        assert cover.related == pack and cover.issued_by == hall_admin
        # The ZIP holds the registry's bytes: its hash is the registry's.
        assert hashlib.sha256(zf.read(evidence.COVER_NAME)).hexdigest() == cover.sha256
        text = pdf_text(zf.read(evidence.COVER_NAME))
        assert "PAKET BUKTI MCP KPK TAHUN 2026" in text
        assert cover.verification_code in text
        for indicator in Indicator.objects.filter(hall=hall):
            assert indicator.code in text
        assert "Layanan kabupaten yang belum masuk MPP" in text
        assert "Daftar isi paket" in text and evidence.STANDARDS_NAME in text
        # The pack's PDFs are in the registry (documents), tied to the pack.
        numbers = set(
            IssuedDocument.objects.filter(kind="evidence_pack").values_list("number", flat=True)
        )
        assert numbers == {cover.number, f"{cover.number}/PENGADUAN", f"{cover.number}/STANDAR"}

    def test_indicator_edits_change_the_cover(self, hall, hall_admin, service):
        evidence.indicators_seed(hall)
        Indicator.objects.filter(hall=hall, code="1.2").update(is_active=False)
        Indicator.objects.create(
            hall=hall,
            code="9.1",
            area="Area baru MCP",
            name="Jumlah layanan yang terpusat",
            figure_key="centralised.services_in_mpp",
        )
        Indicator.objects.create(
            hall=hall, code="9.2", name="Kunci yang salah", figure_key="centralised.tidak_ada"
        )
        pack = build(hall, hall_admin)
        text = pdf_text(read_zip(pack)[1].read(evidence.COVER_NAME))
        assert "Area baru MCP" in text and "Jumlah layanan yang terpusat" in text
        assert "Layanan kabupaten yang belum masuk MPP" not in text
        assert "Angka tidak tersedia (centralised.tidak_ada)" in text

    def test_manifest_names_the_indicator_each_document_answers(self, hall, hall_admin, service):
        pack = build(hall, hall_admin)
        rows = {row["berkas"]: row for row in manifest_rows(read_zip(pack)[1])}
        codes = dict(
            Indicator.objects.filter(
                hall=hall, document=PackDocument.SERVICE_STANDARDS
            ).values_list("document", "code")
        )
        assert rows[evidence.STANDARDS_NAME]["indikator"] == codes[PackDocument.SERVICE_STANDARDS]

    def test_standards_pdf_holds_every_component(self, hall, hall_admin, service):
        pack = build(hall, hall_admin)
        text = pdf_text(read_zip(pack)[1].read(evidence.STANDARDS_NAME))
        assert "Penerbitan KTP-el" in text and "Surat pengantar RT" in text
        assert "14. Evaluasi kinerja pelaksana" in text

    def test_csv_cells_are_never_formulas(self, hall, hall_admin, service):
        from agreements.models import Agreement

        Agreement.objects.create(
            hall=hall,
            title='=HYPERLINK("http://x")',
            status=Agreement.Status.ACTIVE,
            start_date=YEAR.start,
        )
        pack = build(hall, hall_admin)
        text = read_zip(pack)[1].read(evidence.AGREEMENTS_NAME).decode("utf-8-sig")
        assert "'=HYPERLINK" in text


def test_signed_berita_acara_of_the_period_only(hall, hall_admin, service):
    from forums.models import BeritaAcara, Forum
    from mpp_portal.documents.services import document_issue
    from regency.periods import MONTH

    def signed(slug, signed_at):
        forum = Forum.objects.create(
            hall=hall,
            slug=slug,
            theme=f"Tema {slug}",
            starts_at=signed_at,
            venue="Aula",
            number=f"BA/{slug}",
            status=Forum.Status.SIGNED,
            signed_at=signed_at,
        )
        document = document_issue(
            kind=IssuedDocument.Kind.BERITA_ACARA,
            number=forum.number,
            title=f"Berita acara {slug}",
            template_name="documents/pdf_generic.html",
            context={"paragraphs": [f"Isi berita acara {slug}"]},
            hall=hall,
        )
        BeritaAcara.objects.create(forum=forum, version=1, document=document, is_final=True)
        return document

    import datetime

    from mpp_portal.workdays import JAKARTA

    # 23:30 WIB on 31 March is March; 00:30 WIB on 1 April is April, although
    # it is still 31 March in UTC (17:30).
    inside = signed("maret", datetime.datetime(2026, 3, 31, 23, 30, tzinfo=JAKARTA))
    signed("april", datetime.datetime(2026, 4, 1, 0, 30, tzinfo=JAKARTA))
    pack = build(hall, hall_admin, Period(MONTH, 2026, 3))
    zf = read_zip(pack)[1]
    names = [n for n in zf.namelist() if n.startswith(evidence.BERITA_ACARA_DIR)]
    assert names == [f"{evidence.BERITA_ACARA_DIR}/20260331-maret.pdf"]
    assert hashlib.sha256(zf.read(names[0])).hexdigest() == inside.sha256


# --------------------------------------------------------------------------
# Failure: a failed pack, no file, nothing issued
# --------------------------------------------------------------------------
def _stored_files(root):
    return [p for p in glob.glob(str(root / "**" / "*"), recursive=True) if os.path.isfile(p)]


def _temp_zips():
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "evidence-*.zip")))


def test_a_failure_while_zipping_leaves_a_failed_pack_and_no_file(
    hall, hall_admin, service, monkeypatch, _media
):
    temp_before = _temp_zips()

    def disk_full(self, *args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    pack = build(hall, hall_admin)
    assert pack.status == EvidencePack.Status.FAILED
    assert "No space left on device" in pack.error
    assert not pack.file and pack.sha256 == "" and pack.cover is None
    # The cover, the reports and the IKM reports issued on the way are gone
    # from the registry and from storage; no temporary ZIP is left.
    assert not IssuedDocument.objects.exists()
    assert _stored_files(_media) == []
    assert _temp_zips() == temp_before
    assert AuditEntry.objects.filter(action="evidence.fail", to_status="failed").count() == 1


def test_a_missing_berita_acara_file_fails_the_pack(hall, hall_admin, service, _media):
    from forums.models import BeritaAcara, Forum
    from mpp_portal.documents.services import document_issue

    forum = Forum.objects.create(
        hall=hall,
        slug="hilang",
        theme="Tema",
        starts_at=YEAR.start_at,
        venue="Aula",
        number="BA/1",
        status=Forum.Status.SIGNED,
        signed_at=YEAR.start_at,
    )
    document = document_issue(
        kind=IssuedDocument.Kind.BERITA_ACARA,
        number="BA/1",
        title="Berita acara",
        template_name="documents/pdf_generic.html",
        context={"paragraphs": ["Isi"]},
        hall=hall,
    )
    BeritaAcara.objects.create(forum=forum, version=1, document=document, is_final=True)
    document.file.storage.delete(document.file.name)
    pack = build(hall, hall_admin)
    assert pack.status == EvidencePack.Status.FAILED and "FileNotFoundError" in pack.error
    assert _stored_files(_media) == []
    assert not IssuedDocument.objects.filter(kind="evidence_pack").exists()


def test_a_finished_pack_is_not_built_again(hall, hall_admin, service):
    pack = build(hall, hall_admin)
    cover = pack.cover
    assert evidence.pack_build(pack_id=pack.pk) == EvidencePack.Status.READY
    assert IssuedDocument.objects.filter(kind="evidence_pack").count() == 3
    pack.refresh_from_db()
    assert pack.cover == cover


# --------------------------------------------------------------------------
# Pages and permissions
# --------------------------------------------------------------------------
@pytest.fixture
def other_admin(db):
    other = HallFactory(name="MPP Lain", slug="mpp-lain", code="LAIN")
    return UserFactory(username="admin.lain", role=User.Role.HALL_ADMIN, hall=other)


class TestPages:
    def test_admin_asks_for_a_pack_once(
        self, client, hall, hall_admin, django_capture_on_commit_callbacks
    ):
        client.force_login(hall_admin)
        with django_capture_on_commit_callbacks(execute=False):
            response = client.post(
                reverse("regency:evidence"), {"jenis": "quarter", "tahun": 2026, "ke": 1}
            )
            again = client.post(
                reverse("regency:evidence"), {"jenis": "quarter", "tahun": 2026, "ke": 1}
            )
        assert response.status_code == 302 and again.status_code == 302
        pack = EvidencePack.objects.get()
        assert (
            pack.period == "2026-q1" and pack.status == "queued" and pack.requested_by == hall_admin
        )
        job = Job.objects.get(task=evidence.PACK_TASK)
        assert job.kwargs == {"pack_id": pack.pk}
        page = client.get(reverse("regency:evidence")).content.decode()
        assert "Triwulan I 2026" in page and 'hx-trigger="every 2s"' in page

    def test_bad_period_is_refused_in_indonesian(self, client, hall_admin):
        client.force_login(hall_admin)
        response = client.post(
            reverse("regency:evidence"), {"jenis": "month", "tahun": 2026, "ke": 13}
        )
        assert response.status_code == 400
        assert "hanya sampai ke-12" in response.content.decode()
        future = client.post(reverse("regency:evidence"), {"jenis": "year", "tahun": 2099})
        assert future.status_code == 400
        assert not EvidencePack.objects.exists()

    @pytest.mark.parametrize("who", ["citizen", "agency_admin_a", "staff_a"])
    def test_others_get_403(self, client, request, who, hall):
        client.force_login(request.getfixturevalue(who))
        assert client.get(reverse("regency:evidence")).status_code == 403
        assert (
            client.post(reverse("regency:evidence"), {"jenis": "year", "tahun": 2026}).status_code
            == 403
        )
        assert client.get(reverse("regency:evidence_indicators")).status_code == 403
        assert not EvidencePack.objects.exists()

    def test_signatory_cannot_export(self, client, hall):
        bupati = UserFactory(username="bupati.e", role=User.Role.SIGNATORY, hall=hall)
        client.force_login(bupati)
        assert client.get(reverse("regency:evidence")).status_code == 403

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse("regency:evidence"))
        assert response.status_code == 302 and "/akun/masuk/" in response["Location"]

    def test_download_only_by_the_halls_admins(
        self, client, hall, hall_admin, service, other_admin
    ):
        pack = build(hall, hall_admin)
        url = reverse("regency:evidence_download", args=[pack.pk])
        client.force_login(hall_admin)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert "private" in response["Cache-Control"]
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == pack.sha256
        status = client.get(reverse("regency:evidence_status", args=[pack.pk])).content.decode()
        assert url in status and "hx-trigger" not in status
        # The cover's number links to its public verification page.
        assert pack.cover.get_absolute_url() in status

        client.force_login(other_admin)
        assert client.get(url).status_code == 404
        assert client.get(reverse("regency:evidence_status", args=[pack.pk])).status_code == 404
        assert (
            str(pack.pk)
            not in client.get(reverse("regency:evidence"))
            .content.decode()
            .split("Paket yang sudah disusun")[1]
        )
        client.logout()
        assert client.get(url).status_code == 302
        # Not under a media URL a visitor could guess: a random name.
        assert "paket" not in pack.file.name and pack.file.name.startswith("evidence/")

    def test_list_query_count(self, client, hall, hall_admin, django_assert_max_num_queries):
        for index in range(1, 6):
            EvidencePack.objects.create(
                hall=hall, period=f"2026-{index:02d}", requested_by=hall_admin
            )
        client.force_login(hall_admin)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("regency:evidence"))
        assert response.content.decode().count('id="paket-') == 5


class TestIndicatorPage:
    def test_seeded_list_is_shown_and_saved(self, client, hall, hall_admin):
        client.force_login(hall_admin)
        page = client.get(reverse("regency:evidence_indicators"))
        assert page.status_code == 200
        formset = page.context["formset"]
        data = {
            "form-TOTAL_FORMS": str(len(formset.forms)),
            "form-INITIAL_FORMS": str(formset.initial_form_count()),
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
        }
        for i, form in enumerate(formset.forms):
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if name == "id":
                    value = form.instance.pk or ""
                if name == "is_active":
                    if value:
                        data[f"form-{i}-{name}"] = "on"
                    continue
                if name == "DELETE":
                    continue
                data[f"form-{i}-{name}"] = "" if value is None else value
        last = len(formset.forms) - 1
        data.update(
            {
                f"form-{last}-order": "500",
                f"form-{last}-code": "8.1",
                f"form-{last}-area": "Pelayanan Publik",
                f"form-{last}-name": "Indikator baru",
                f"form-{last}-figure_key": "ikm.ikm",
                f"form-{last}-document": "",
                f"form-{last}-is_active": "on",
            }
        )
        response = client.post(reverse("regency:evidence_indicators"), data)
        assert response.status_code == 302
        assert Indicator.objects.filter(hall=hall, code="8.1", figure_key="ikm.ikm").exists()

        # Both sources, and a code used twice: Indonesian errors, nothing saved.
        data[f"form-{last}-id"] = Indicator.objects.get(code="8.1").pk
        data["form-INITIAL_FORMS"] = str(len(formset.forms))
        data[f"form-{last}-document"] = PackDocument.SIPABES
        data["form-0-code"] = data["form-1-code"]
        response = client.post(reverse("regency:evidence_indicators"), data)
        assert response.status_code == 400
        text = response.content.decode()
        assert "Pilih satu sumber" in text and "Kode ini sudah dipakai indikator lain." in text


# --------------------------------------------------------------------------
# Through a real worker
# --------------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_pack_is_built_by_the_real_worker(client, hall, hall_admin, celery_worker_process):
    client.force_login(hall_admin)
    response = client.post(reverse("regency:evidence"), {"jenis": "month", "tahun": 2026, "ke": 3})
    assert response.status_code == 302
    pack = celery_worker_process.wait_for(
        lambda: EvidencePack.objects.filter(status__in=["ready", "failed"]).first(),
        timeout=120,
        message="the evidence pack",
    )
    assert pack.status == "ready", pack.error
    assert Job.objects.get(task=evidence.PACK_TASK).status == Job.Status.DONE
    response = client.get(reverse("regency:evidence_download", args=[pack.pk]))
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == pack.sha256
    assert evidence.COVER_NAME in zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_cover_is_signed_pades_when_configured(hall, hall_admin, service, settings, tmp_path):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from tests.platform.test_documents import p12 as make_p12

    path, passphrase, cert = make_p12.__wrapped__(tmp_path)
    settings.DOCUMENT_SIGNING_P12 = str(path)
    settings.DOCUMENT_SIGNING_PASSPHRASE = passphrase
    pack = build(hall, hall_admin)
    assert pack.cover.signed
    data = read_zip(pack)[1].read(evidence.COVER_NAME)
    assert hashlib.sha256(data).hexdigest() == pack.cover.sha256
    reader = PdfFileReader(io.BytesIO(data))
    root = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    status = validate_pdf_signature(
        reader.embedded_signatures[0], ValidationContext(trust_roots=[root])
    )
    assert status.intact and status.valid and status.trusted


def test_two_requests_at_once_make_one_pack(hall, hall_admin):
    """The second insert is refused by the constraint and returns the first pack."""
    first = EvidencePack.objects.create(hall=hall, period="2026-q1", requested_by=hall_admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidencePack.objects.create(hall=hall, period="2026-q1", requested_by=hall_admin)
    again = evidence.pack_request(hall=hall, period=Period("quarter", 2026, 1), by=hall_admin)
    assert again == first
    # A finished pack does not block a new one.
    transition(first, EvidencePack.Status.FAILED, by=None, action="evidence.fail")
    new = evidence.pack_request(hall=hall, period=Period("quarter", 2026, 1), by=hall_admin)
    assert new != first and new.status == "queued"


def test_a_running_period_says_up_to_when(hall, hall_admin, service):
    import time_machine

    with time_machine.travel("2026-02-10 10:00 +0700"):
        pack = build(hall, hall_admin, Period("quarter", 2026, 1))
    text = pdf_text(read_zip(pack)[1].read(evidence.COVER_NAME))
    assert "periode belum berakhir, data sampai dengan 10 Februari 2026" in text


def test_a_pack_stuck_for_hours_is_failed_by_a_new_request(hall, hall_admin):
    import datetime

    from django.utils import timezone

    stuck = EvidencePack.objects.create(
        hall=hall,
        period="2026-q1",
        requested_by=hall_admin,
        requested_at=timezone.now() - evidence.STALE_AFTER - datetime.timedelta(minutes=1),
    )
    new = evidence.pack_request(hall=hall, period=Period("quarter", 2026, 1), by=hall_admin)
    stuck.refresh_from_db()
    assert new != stuck and new.status == "queued"
    assert stuck.status == "failed" and stuck.error == evidence.STALE_ERROR
