"""Nothing in an evidence pack identifies a citizen.

The demo is loaded (seed_demo: a year of tickets, bookings, complaints,
SIPABES traders, SKM answers, a signed forum), a pack is built for the
year with most activity and for the year of the signed berita acara, every
file of each is opened (PDF text with pypdf, CSV as text) and searched for
every demo reporter's, booker's, ticket holder's and trader's name, phone
(as stored and as typed), e-mail and NIK.
"""

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from complaints.models import Complaint
from forums.models import Attendance, Forum, Signatory
from mpp_portal.accounts.models import User
from mpp_portal.masking import mask_nik, mask_phone
from mpp_portal.organizations.models import Hall
from regency import evidence
from regency.models import EvidencePack
from services.models import Booking, SurveyResponse, Ticket
from services.sipabes.models import Registration

pytestmark = pytest.mark.django_db


class _Sink:
    def write(self, text):
        pass

    def flush(self):
        pass


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--force", stdout=_Sink(), stderr=_Sink())
    return Hall.objects.get()


def _phone_forms(phone):
    """A phone as stored (+62812...), as typed (0812...) and bare (812...)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 8:
        return set()
    forms = {digits}
    if digits.startswith("62"):
        forms |= {"+" + digits, "0" + digits[2:], digits[2:]}
    elif digits.startswith("0"):
        forms |= {"62" + digits[1:], digits[1:]}
    return forms


def personal_data():
    """Every citizen identifier of the demo: (kind, value) pairs."""
    found = set()

    def add(kind, values):
        for value in values:
            value = (value or "").strip()
            if not value:
                continue
            if kind == "phone":
                found.update(("phone", form) for form in _phone_forms(value))
            else:
                found.add((kind, value))

    complaints = Complaint.objects.values_list("reporter_name", "reporter_email", "reporter_phone")
    bookings = Booking.objects.values_list("name", "nik", "phone", "email")
    traders = Registration.objects.values_list("name", "nik", "phone", "email")
    citizens = User.objects.filter(role=User.Role.CITIZEN).values_list(
        "first_name", "last_name", "email", "phone"
    )
    for name, email, phone in complaints:
        add("name", [name])
        add("email", [email])
        add("phone", [phone])
    for name, nik, phone, email in [*bookings, *traders]:
        add("name", [name])
        add("nik", [nik])
        add("phone", [phone])
        add("email", [email])
    for first, last, email, phone in citizens:
        add("name", [f"{first} {last}".strip()])
        add("email", [email])
        add("phone", [phone])
    add("phone", Ticket.objects.exclude(phone="").values_list("phone", flat=True))
    # The demo's bookings borrow some names of its officials (the hall
    # admin Dewi Anggraini books too). An official's name printed as the
    # issuer of a document is not a citizen's: such a name cannot be told
    # apart, so it is left out of the search, and only it.
    officials = {
        f"{first} {last}".strip()
        for first, last in User.objects.exclude(role=User.Role.CITIZEN).values_list(
            "first_name", "last_name"
        )
    }
    # The same for the people a signed berita acara lists as present or
    # signing: the forum's public page publishes that PDF to anybody, and
    # the demo's service users at the forum share names with its bookers.
    # Their names only; a phone, NIK or e-mail is still searched for.
    public_record = set(
        Attendance.objects.filter(forum__status=Forum.Status.SIGNED).values_list("name", flat=True)
    ) | set(
        Signatory.objects.filter(forum__status=Forum.Status.SIGNED).values_list("name", flat=True)
    )
    left_out = officials | public_record
    return {(kind, value) for kind, value in found if not (kind == "name" and value in left_out)}


def file_texts(pack):
    with pack.file.open("rb") as handle:
        zf = zipfile.ZipFile(io.BytesIO(handle.read()))
    texts = {}
    for name in zf.namelist():
        data = zf.read(name)
        if name.endswith(".pdf"):
            pages = PdfReader(io.BytesIO(data)).pages
            texts[name] = "\n".join(page.extract_text() for page in pages)
        else:
            texts[name] = data.decode("utf-8-sig")
    return texts


def _hits(texts, identifiers):
    hits = []
    for name, text in texts.items():
        flat = " ".join(text.split()).casefold()
        # Numbers as people write them: spaces, dashes, dots, brackets and
        # "+" between the digits (0812-3456-7890, +62 812 3456 7890).
        digits = re.sub(r"[\s\-.()+]", "", text)
        for kind, value in identifiers:
            if kind == "name":
                # A whole name, as words: "Ani" must not match "Pertanian".
                pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, value.casefold().split()))
                if re.search(pattern + r"(?!\w)", flat):
                    hits.append((name, kind, value))
            elif kind in ("nik", "phone"):
                bare = re.sub(r"\D", "", value)
                if bare in digits or value in text:
                    hits.append((name, kind, value))
            elif value.casefold() in flat:
                hits.append((name, kind, value))
    return hits


def test_no_file_of_a_demo_pack_identifies_a_citizen(demo):
    admin = User.objects.get(username="admin.mpp")
    identifiers = personal_data()
    kinds = {kind for kind, _value in identifiers}
    # The demo really has citizens of every kind to look for.
    assert kinds == {"name", "nik", "phone", "email"}, kinds
    assert len(identifiers) > 100
    # A citizen who wrote their own contacts into a survey suggestion: the
    # published IKM report masks them (mpp_portal.masking), so the pack does too.
    booking = Booking.objects.exclude(phone="").exclude(nik="").order_by("pk").first()
    response = SurveyResponse.objects.filter(date__year=2026, date__month__gte=7).first()
    response.suggestion = f"Mohon dihubungi di {booking.phone} (NIK {booking.nik}) soal antrean."
    response.save(update_fields=["suggestion"])

    searched = {}
    for period in ("2026", "2024"):
        pack = EvidencePack.objects.create(hall=demo, period=period, requested_by=admin)
        assert evidence.pack_build(pack_id=pack.pk) == "ready"
        pack.refresh_from_db()
        texts = file_texts(pack)
        searched.update({f"{period}/{name}": text for name, text in texts.items()})
        assert _hits(texts, identifiers) == []

    # The packs hold what they should (so the search read real content):
    # the demo's signed berita acara, IKM and complaint figures.
    assert any("/02-berita-acara/" in name for name in searched)
    assert "Laporan diterima" in searched[f"2026/{evidence.COMPLAINTS_NAME}"]
    assert "Jumlah responden" in searched["2026/03-laporan-ikm/ikm-2026-s1.pdf"]
    # The planted suggestion is in the report, masked.
    second = " ".join(searched["2026/03-laporan-ikm/ikm-2026-s2.pdf"].split())
    assert f"Mohon dihubungi di {mask_phone(booking.phone)} (NIK {mask_nik(booking.nik)})" in second


def test_the_search_finds_a_name_that_is_there():
    """The search is not blind: a planted name, NIK and phone are reported."""
    texts = {"a.pdf": "Pelapor: Siti  Aminah\nNIK 1702 0101 0101 0001, HP 0812-3456-7890"}
    identifiers = {
        ("name", "Siti Aminah"),
        ("name", "Ani"),
        ("nik", "1702010101010001"),
        ("phone", "6281234567890"),
        ("phone", "081234567890"),
        ("email", "siti@example.test"),
    }
    found = {(kind, value) for _name, kind, value in _hits(texts, identifiers)}
    assert found == {
        ("name", "Siti Aminah"),
        ("nik", "1702010101010001"),
        ("phone", "081234567890"),
    }
