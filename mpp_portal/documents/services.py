"""Issue, revoke and look up official documents."""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal import audit
from mpp_portal.documents.formatting import JAKARTA
from mpp_portal.documents.models import IssuedDocument, new_verification_code
from mpp_portal.documents.pdf import qr_data_uri, render_pdf
from mpp_portal.documents.signing import sign_pdf
from mpp_portal.exceptions import DomainError

logger = logging.getLogger(__name__)

DEMO_TITLE = "Surat Keterangan Uji Coba Portal"


class DocumentNumberTaken(DomainError):
    code = "document_number_taken"
    default_message = _("Nomor dokumen ini sudah dipakai untuk jenis dokumen yang sama.")


class DocumentAlreadyRevoked(DomainError):
    code = "document_already_revoked"
    default_message = _("Dokumen ini sudah dicabut.")


def letterhead_name(hall):
    """Return the hall's name as the kop surat writes it, "MPP" spelled out."""
    name = hall.name.strip()
    if name.upper().startswith("MPP "):
        name = "Mal Pelayanan Publik " + name[4:]
    return name


def _unused_code():
    # A collision is astronomically unlikely (about 2**69 codes); the
    # unique index stays the real guard.
    while True:
        code = new_verification_code()
        if not IssuedDocument.objects.filter(verification_code=code).exists():
            return code


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def document_issue(
    *,
    kind,
    number,
    title,
    template_name,
    context,
    hall,
    issued_by=None,
    related=None,
    request=None,
):
    """Render, seal (hash + QR) and optionally sign a PDF; register it.

    The template gets ``context`` plus ``hall``, ``kop`` (letterhead
    lines) and ``issued`` (number, title, kind label, issued_at, the
    verification code, URL and QR image). The SHA-256 is taken from the
    final bytes, after the PAdES signature, so the registry matches the
    file a visitor downloads.

    The PDF is rendered before the transaction opens: rendering takes a
    few hundred milliseconds and needs no lock. Storing the file and the
    row happen together; if the row cannot be written, the file is
    removed again.
    """
    if IssuedDocument.objects.filter(kind=kind, number=number).exists():
        raise DocumentNumberTaken()

    code = _unused_code()
    issued_at = timezone.now()
    verification_url = settings.SITE_URL + reverse("documents:verify", args=[code])
    will_sign = bool(settings.DOCUMENT_SIGNING_P12)
    issued = {
        "kind": kind,
        "kind_label": IssuedDocument.Kind(kind).label if kind in IssuedDocument.Kind else kind,
        "number": number,
        "title": title,
        "issued_at": issued_at.astimezone(JAKARTA),
        "verification_code": code,
        "verification_url": verification_url,
        "qr_data_uri": qr_data_uri(verification_url),
        "signed": will_sign,
        "issued_by": issued_by,
    }
    pdf = render_pdf(
        template_name,
        {**context, "hall": hall, "kop": _kop(hall), "issued": issued},
    )
    if will_sign:
        pdf = sign_pdf(
            pdf,
            settings.DOCUMENT_SIGNING_P12,
            settings.DOCUMENT_SIGNING_PASSPHRASE,
            location=hall.regency,
        )

    document = IssuedDocument(
        kind=kind,
        number=number,
        title=title,
        verification_code=code,
        sha256=_sha256(pdf),
        size=len(pdf),
        issued_at=issued_at,
        issued_by=issued_by,
        hall=hall,
        related=related,
        signed=will_sign,
    )
    with transaction.atomic():
        document.file.save(f"{code}.pdf", ContentFile(pdf), save=False)
        try:
            # A savepoint: a failed insert must not poison a caller's
            # outer transaction before the file is cleaned up.
            with transaction.atomic():
                document.save()
                audit.record(
                    actor=issued_by,
                    action="document.issue",
                    obj=document,
                    to_status="issued",
                    note=f"{document.get_kind_display()} {number}",
                    changes={"sha256": document.sha256, "signed": will_sign},
                    request=request,
                )
        except IntegrityError as exc:
            document.file.storage.delete(document.file.name)
            if IssuedDocument.objects.filter(kind=kind, number=number).exists():
                raise DocumentNumberTaken() from exc
            raise
        except BaseException:
            document.file.storage.delete(document.file.name)
            raise
    logger.info("Issued document %s (%s) code %s", number, kind, code)
    return document


def _kop(hall):
    contact = []
    if hall.phone:
        contact.append(f"Telp. {hall.phone}")
    if hall.email:
        contact.append(f"Surel: {hall.email}")
    if hall.website:
        contact.append(hall.website)
    return {
        "government": hall.government_name.upper(),
        "name": letterhead_name(hall).upper(),
        "address": " ".join(hall.address.split()),
        "contact": " · ".join(contact),
    }


def document_revoke(*, document, reason, by=None, request=None):
    """Mark ``document`` as revoked; its verification page then says so."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Alasan pencabutan wajib diisi."), code="reason_required")
    with transaction.atomic():
        document = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if document.is_revoked:
            raise DocumentAlreadyRevoked()
        document.is_revoked = True
        document.revoked_reason = reason
        document.revoked_at = timezone.now()
        document.save(update_fields=["is_revoked", "revoked_reason", "revoked_at"])
        audit.record(
            actor=by,
            action="document.revoke",
            obj=document,
            from_status="issued",
            to_status="revoked",
            note=reason,
            request=request,
        )
    return document


def document_issue_demo(hall, issued_by=None):
    """Issue the demo letter once, so a newcomer can try the QR page."""
    year = timezone.localdate().year
    number = f"DEMO/001/{hall.code}/{year}"
    existing = IssuedDocument.objects.filter(kind=IssuedDocument.Kind.GENERIC, number=number)
    if document := existing.first():
        return document
    return document_issue(
        kind=IssuedDocument.Kind.GENERIC,
        number=number,
        title=DEMO_TITLE,
        template_name="documents/pdf_generic.html",
        context={
            "paragraphs": [
                f"Yang bertanda tangan di bawah ini, Pengelola {letterhead_name(hall)}, "
                "menerangkan bahwa dokumen ini diterbitkan oleh Portal MPP sebagai uji coba "
                "penerbitan dokumen elektronik.",
                "Keaslian dokumen ini dapat diperiksa dengan memindai kode QR di bagian bawah "
                "halaman atau membuka alamat verifikasi yang tercetak di bawahnya, lalu "
                "mengunggah berkas PDF ini untuk dibandingkan sidik jari SHA-256-nya.",
                "Dokumen ini tidak mempunyai akibat hukum apa pun.",
            ],
            "signatory_title": f"Pengelola {letterhead_name(hall)}",
            "signatory_name": "Administrator Portal",
        },
        hall=hall,
        issued_by=issued_by,
    )


def document_matches(*, document, uploaded_file):
    """Return True when the uploaded file's SHA-256 equals the registry's."""
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    return digest.hexdigest() == document.sha256
