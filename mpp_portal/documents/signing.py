"""PAdES signature of a finished PDF with pyHanko (PKCS#12 certificate).

A QR code only points at the verification page; this is the signature a
PDF reader checks by itself (DOMAIN.md, "Electronic signatures"). A
*certified* signature in the sense of PP 71/2019 needs a certificate from
an Indonesian PSrE; any PKCS#12 works technically.
"""

from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

FIELD_NAME = "MPPSignature"
REASON = "Dokumen resmi MPP"


class SigningError(Exception):
    """The certificate could not be loaded or the PDF could not be signed."""


def load_signer(p12_path, passphrase):
    passphrase = passphrase.encode() if isinstance(passphrase, str) else passphrase
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            pfx_file=str(p12_path), passphrase=passphrase or None
        )
    except Exception as exc:  # pyHanko raises several kinds (OSError, ValueError...)
        raise SigningError(f"Cannot load the PKCS#12 file {p12_path}: {exc}") from exc
    # Older pyHanko versions log and return None instead of raising.
    if signer is None:
        raise SigningError(f"Cannot load the PKCS#12 file {p12_path} (wrong passphrase?).")
    return signer


def sign_pdf(pdf_bytes, p12_path, passphrase, *, location="", signer=None):
    """Return ``pdf_bytes`` with an invisible PAdES-B-B signature appended.

    The signature is an incremental update, so the signed file still
    starts with the original bytes.
    """
    signer = signer or load_signer(p12_path, passphrase)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=REASON,
        location=location or None,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    output = BytesIO()
    signers.PdfSigner(metadata, signer=signer).sign_pdf(writer, output=output)
    return output.getvalue()
