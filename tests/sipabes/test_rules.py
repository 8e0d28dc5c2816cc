"""SIPABES rules: scale and risk derivation, NIB format and uniqueness, one
NIB per NIK in the database, the KBLI CSV import."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DataError, IntegrityError, transaction

from mpp_portal.identity import nik_check
from services.sipabes.kbli import SEED_CSV, kbli_import, kbli_import_seed
from services.sipabes.models import Kbli, Registration, risk_of
from tests.sipabes.core_fixtures import *  # noqa: F403
from tests.sipabes.core_fixtures import nik
from tests.transition_guard import force_status

pytestmark = pytest.mark.django_db

S = Registration.Scale


@pytest.mark.parametrize(
    ("capital", "scale"),
    [
        (0, S.MIKRO),
        (1_000_000_000, S.MIKRO),
        (1_000_000_001, S.KECIL),
        (5_000_000_000, S.KECIL),
        (5_000_000_001, S.MENENGAH),
        (10_000_000_000, S.MENENGAH),
    ],
)
def test_scale_at_each_boundary(capital, scale):
    assert Registration.scale_for(capital) == scale


def test_scale_refuses_a_large_business_with_the_reason():
    with pytest.raises(ValidationError) as caught:
        Registration.scale_for(10_000_000_001)
    assert "loket DPMPTSP" in caught.value.message_dict["capital"][0]


def test_scale_refuses_negative_capital():
    with pytest.raises(ValidationError):
        Registration.scale_for(-1)


def test_risk_is_the_highest_of_the_kbli():
    R = Kbli.Risk
    assert risk_of([]) == R.RENDAH
    assert risk_of([R.RENDAH, R.RENDAH]) == R.RENDAH
    assert risk_of([R.RENDAH, R.MENENGAH_TINGGI, R.MENENGAH_RENDAH]) == R.MENENGAH_TINGGI
    assert risk_of([R.TINGGI, R.RENDAH]) == R.TINGGI


def test_registration_derives_scale_and_risk(make_registration):
    Kbli.objects.filter(code="56301").update(risk=Kbli.Risk.MENENGAH_TINGGI)
    registration = make_registration(capital=1_000_000_001, kbli_codes=["47813", "56301"])
    assert registration.scale == S.KECIL
    assert registration.risk == Kbli.Risk.MENENGAH_TINGGI
    assert "Sertifikat Standar" in str(registration.permit_note)


def test_the_fixture_niks_are_valid_lebong_niks():
    result = nik_check(nik(1))
    assert result.valid, result.errors
    assert result.nik.startswith("1707")


# --- NIB ------------------------------------------------------------------
def _issued(registration, nib):
    return force_status(
        registration, Registration.Status.NIB_ISSUED, nib=nib, nib_issued_on="2024-06-20"
    )


@pytest.mark.parametrize(
    "bad", ["123456789012", "12345678901234", "12345678901a3", "１２３４５６７８９０１２３"]
)
def test_the_database_refuses_a_nib_that_is_not_13_digits(make_registration, bad):
    registration = make_registration()
    # Too long fails on the column's length, the rest on the check constraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        _issued(registration, bad)


def test_a_nib_is_unique(make_registration):
    first, second = make_registration(), make_registration()
    _issued(first, "9120000000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        _issued(second, "9120000000001")


def test_the_database_keeps_one_nib_per_nik(make_registration, visit, officer):
    """Even a row written past the services cannot give a NIK a second NIB."""
    first = make_registration(nik=nik(7001))
    _issued(first, "9120000000002")
    # A rejected registration of the same NIK may exist (history) ...
    second = Registration.objects.create(
        hall=visit.hall,
        visit=visit,
        market=visit.market,
        officer=officer,
        nik=nik(7001),
        name="X",
        home_address="X",
        business_name="X",
        capital=1,
        workers=1,
        scale="mikro",
        consent_at=first.consent_at,
        status=Registration.Status.REJECTED,
    )
    # ... but it can never hold a NIB too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=second.pk).update(nib="9120000000003")


def test_the_database_keeps_one_live_registration_per_nik(make_registration, visit, officer):
    first = make_registration(nik=nik(7002))
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            hall=visit.hall,
            visit=visit,
            market=visit.market,
            officer=officer,
            nik=nik(7002),
            name="X",
            home_address="X",
            business_name="X",
            capital=1,
            workers=1,
            scale="mikro",
            consent_at=first.consent_at,
        )


# --- KBLI import ------------------------------------------------------------
def test_the_seed_list_covers_market_kbli_and_is_verified(kbli_seed):
    assert kbli_seed.ok, kbli_seed.errors
    codes = set(Kbli.objects.filter(is_verified=True).values_list("code", flat=True))
    assert {"47811", "47813", "47112", "56102", "14120", "95210", "96111", "95299"} <= codes
    assert all(code.startswith("478") for code in codes if code.startswith("478"))
    assert Kbli.objects.filter(code__startswith="478").count() >= 10


def test_the_seed_carries_the_kbli_2020_corrections(kbli_seed):
    """Codes checked against KBLI 2020 (services/sipabes/kbli.py, kbli_import_seed)."""
    titles = dict(Kbli.objects.values_list("code", "title"))
    assert titles["56102"] == "Rumah/Warung Makan"
    assert titles["96111"] == "Aktivitas Pangkas Rambut"
    assert titles["47191"].endswith(
        "Bukan Makanan, Minuman atau Tembakau di Toserba (Department Store)"
    )
    unverified = set(Kbli.objects.filter(is_verified=False).values_list("code", flat=True))
    # Not KBLI 2020 codes, or titles that belong to another subgolongan.
    assert {"96021", "95290", "47821", "47822", "47823", "47892", "47893"} <= unverified
    # A re-import over an older seed stops offering them.
    Kbli.objects.filter(code="96021").update(is_verified=True)
    kbli_import_seed()
    assert not Kbli.objects.get(code="96021").is_verified


def test_import_reports_bad_lines_and_upserts_the_good_ones(db):
    Kbli.objects.create(code="47811", title="Judul lama", section="G", is_verified=False)
    csv = (
        "code,title,section,risk,verified\n"
        "47811,Perdagangan Eceran Kaki Lima Hasil Pertanian,G,rendah,ya\n"  # line 2: update
        "4781,Terlalu pendek,G,rendah,ya\n"  # line 3
        "47899,,G,rendah,ya\n"  # line 4: no title
        "47898,Judul,Z,rendah,ya\n"  # line 5: bad section
        "47897,Judul,G,sedang,ya\n"  # line 6: unknown risk
        "56102,Warung Makan,I,,\n"  # line 7: new, defaults
        "56102,Warung Makan lagi,I,rendah,ya\n"  # line 8: duplicate
        "47896,Judul,G,rendah,mungkin\n"  # line 9: bad flag
    )
    result = kbli_import(csv.encode())
    assert [line for line, _reason in result.errors] == [3, 4, 5, 6, 8, 9]
    assert "5 angka" in result.errors[0][1]
    assert (result.created, result.updated) == (1, 1)
    updated = Kbli.objects.get(code="47811")
    assert updated.title.startswith("Perdagangan Eceran") and updated.is_verified
    assert Kbli.objects.get(code="56102").risk == Kbli.Risk.RENDAH
    assert not Kbli.objects.filter(code__in=["4781", "47899", "47898", "47897", "47896"]).exists()


def test_import_refuses_a_file_without_the_header(db):
    result = kbli_import(b"47811,Judul,G\n")
    assert result.errors and result.errors[0][0] == 1
    assert not Kbli.objects.exists()


def test_import_writes_nothing_when_the_database_fails(db, monkeypatch):
    """One transaction: a failure half-way leaves no row written."""
    original = Kbli.objects.update_or_create
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(Kbli.objects, "update_or_create", failing)
    with pytest.raises(RuntimeError):
        kbli_import(b"code,title,section\n47811,A,G\n47812,B,G\n")
    assert not Kbli.objects.exists()


def test_the_command_imports_and_exits_1_on_bad_lines(db, tmp_path, capsys):
    call_command("import_kbli", str(SEED_CSV))
    assert Kbli.objects.count() == len(SEED_CSV.read_text().strip().splitlines()) - 1
    bad = tmp_path / "kbli.csv"
    bad.write_text("code,title,section\n47811,Baru,G\nxx,Rusak,G\n")
    with pytest.raises(CommandError):
        call_command("import_kbli", str(bad))
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err
    assert Kbli.objects.get(code="47811").title == "Baru"


def test_the_admin_imports_a_csv(client, hall_admin, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(hall_admin)
    page = client.get("/admin/sipabes/kbli/import/")
    assert page.status_code == 200
    upload = SimpleUploadedFile("k.csv", b"code,title,section\n47811,A,G\n4781,B,G\n")
    response = client.post("/admin/sipabes/kbli/import/", {"file": upload})
    assert response.status_code == 200
    assert "Baris 3" in response.content.decode()
    assert Kbli.objects.filter(code="47811").exists()


def test_the_admin_import_is_closed_to_an_officer(client, officer):
    client.force_login(officer)
    response = client.get("/admin/sipabes/kbli/import/")
    assert response.status_code in (302, 403)
