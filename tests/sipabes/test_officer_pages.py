"""The officer's pages: visits, the registration form (plain post and the
queue's JSON post), the registration page and its moves, the full NIK for
DPMPTSP staff only (audited), the public status look-up, the service worker."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from services.sipabes.models import Registration, Visit
from tests.factories import UserFactory
from tests.sipabes.core_fixtures import *  # noqa: F403
from tests.sipabes.core_fixtures import nik
from tests.transition_guard import force_status

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "nik": nik(),
        "name": "Rosmawati",
        "phone": "0812-3456-7890",
        "email": "",
        "home_address": "Desa Talang Leak",
        "business_name": "Ikan Segar",
        "kbli": ["47813"],
        "block": "A",
        "stall_number": "3",
        "capital": "25.000.000",
        "workers": "1",
        "consent": "on",
    }
    data.update(overrides)
    return data


def _post_json(client, visit, data, key=None):
    return client.post(
        f"/sipabes/kunjungan/{visit.pk}/kirim/",
        json.dumps(data),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()),
    )


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def test_home_lists_the_hall_s_visits(officer_client, visit, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = officer_client.get("/sipabes/")
    assert response.status_code == 200
    assert visit.market.name in response.content.decode()


def test_pages_are_for_sipabes_staff_only(client, visit, staff_a, citizen):
    assert client.get("/sipabes/").status_code == 302  # to the login
    for user in (staff_a, citizen):
        client.force_login(user)
        assert client.get("/sipabes/").status_code == 403
        assert client.get(f"/sipabes/kunjungan/{visit.pk}/").status_code == 403


def test_an_officer_of_another_hall_sees_nothing(client, other_officer, make_registration, visit):
    registration = make_registration()
    client.force_login(other_officer)
    assert visit.market.name not in client.get("/sipabes/").content.decode()
    assert client.get(f"/sipabes/kunjungan/{visit.pk}/").status_code == 404
    assert client.get(f"/sipabes/pendaftaran/{registration.pk}/").status_code == 404
    response = _post_json(client, visit, _form())
    assert response.status_code == 404
    assert client.post(f"/sipabes/pendaftaran/{registration.pk}/ajukan/").status_code == 404


def test_visit_page_shows_the_form_and_queue(
    officer_client, visit, kbli_seed, make_registration, django_assert_max_num_queries
):
    for n in range(5):
        make_registration(nik=nik(4000 + n))
    with django_assert_max_num_queries(14):
        response = officer_client.get(f"/sipabes/kunjungan/{visit.pk}/")
    body = response.content.decode()
    assert 'id="sipabes-form"' in body and 'id="sipabes-queue"' in body
    assert "47813" in body  # the KBLI picker
    assert "sipabes-offline.js" in body


def test_plain_form_post_registers_and_redirects(officer_client, visit, kbli_seed):
    response = officer_client.post(
        f"/sipabes/kunjungan/{visit.pk}/kirim/", _form(idempotency_key=str(uuid.uuid4()))
    )
    registration = Registration.objects.get()
    assert response.status_code == 302 and response["Location"] == registration.get_absolute_url()
    assert (registration.scale, registration.phone, registration.capital) == (
        "mikro",
        "+6281234567890",
        25_000_000,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nik", "12345", "NIK harus 16 angka."),
        ("nik", "9907015203900001", "Kode provinsi NIK"),
        ("nik", "1707019903900001", "Tanggal lahir dalam NIK"),
        ("nik", "1707015203900000", "Nomor urut NIK"),
        ("capital", "10.000.000.001", "loket DPMPTSP"),
        ("capital", "dua juta", "hanya angka"),
        ("consent", "", "UU 27/2022"),
        ("kbli", ["99999"], "tidak ada di katalog"),
    ],
)
def test_bad_input_gets_a_clear_message_on_the_field(
    officer_client, visit, kbli_seed, field, value, message
):
    response = _post_json(officer_client, visit, _form(**{field: value}))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(message in text for text in errors[field]), errors
    assert not Registration.objects.exists()


def test_the_queue_post_answers_once_per_key(officer_client, visit, kbli_seed):
    key = uuid.uuid4()
    first = _post_json(officer_client, visit, _form(nik=nik(5001)), key)
    again = _post_json(officer_client, visit, _form(nik=nik(5001)), key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["replayed"] is True
    assert Registration.objects.count() == 1
    conflict = _post_json(officer_client, visit, _form(nik=nik(5001), business_name="Lain"))
    assert conflict.status_code == 409
    assert conflict.json()["existing_url"] == first.json()["url"]


def test_a_post_without_a_key_is_refused(officer_client, visit, kbli_seed):
    response = officer_client.post(
        f"/sipabes/kunjungan/{visit.pk}/kirim/",
        json.dumps(_form()),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_a_closed_visit_takes_nothing(officer_client, visit, kbli_seed):
    force_status(visit, Visit.Status.CLOSED)
    response = _post_json(officer_client, visit, _form())
    assert response.status_code == 409
    assert "tidak sedang berlangsung" in response.json()["message"]


def test_visit_buttons(officer_client, client, visit, hall_admin):
    force_status(visit, Visit.Status.PLANNED)
    officer_client.post(f"/sipabes/kunjungan/{visit.pk}/buka/")
    officer_client.post(f"/sipabes/kunjungan/{visit.pk}/tutup/")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CLOSED
    officer_client.post(f"/sipabes/kunjungan/{visit.pk}/buka-kembali/", {"reason": "x"})
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CLOSED  # the officer may not reopen
    client.force_login(hall_admin)
    client.post(f"/sipabes/kunjungan/{visit.pk}/buka-kembali/", {"reason": "Pedagang menyusul"})
    visit.refresh_from_db()
    assert visit.status == Visit.Status.OPEN


def test_the_registration_page_moves_through_the_workflow(officer_client, make_registration):
    registration = make_registration()
    url = f"/sipabes/pendaftaran/{registration.pk}/"
    officer_client.post(url + "ajukan/")
    response = officer_client.post(
        url + "nib/", {"nib": "912030000001", "nib_issued_on": "2024-06-20"}
    )
    registration.refresh_from_db()
    assert registration.status == "submitted"  # 12 digits refused
    assert "13 angka" in officer_client.get(url).content.decode() or response.status_code == 302
    officer_client.post(url + "nib/", {"nib": "9120300000001", "nib_issued_on": "2024-06-20"})
    officer_client.post(url + "serahkan/", {})  # no acknowledgement
    registration.refresh_from_db()
    assert registration.status == "nib_issued"
    officer_client.post(url + "serahkan/", {"acknowledged": "on"})
    registration.refresh_from_db()
    assert (registration.status, registration.nib) == ("handed_over", "9120300000001")


def test_forbidden_move_on_the_page_is_a_message(officer_client, make_registration):
    registration = make_registration()
    response = officer_client.post(
        f"/sipabes/pendaftaran/{registration.pk}/serahkan/", {"acknowledged": "on"}, follow=True
    )
    assert "Tidak dapat mengubah" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "captured"


def test_full_nik_for_dpmptsp_staff_of_the_hall_only_and_audited(
    client, officer, hall_admin, make_registration
):
    registration = make_registration(nik=nik(6001))
    client.force_login(officer)
    body = client.get(f"/sipabes/pendaftaran/{registration.pk}/").content.decode()
    assert nik(6001) in body
    assert (
        AuditEntry.objects.filter(action="sipabes.registration.view_nik", actor=officer).count()
        == 1
    )
    client.force_login(hall_admin)  # not DPMPTSP staff: masked
    body = client.get(f"/sipabes/pendaftaran/{registration.pk}/").content.decode()
    assert nik(6001) not in body and "6001" in body
    assert not AuditEntry.objects.filter(
        action="sipabes.registration.view_nik", actor=hall_admin
    ).exists()


def test_a_dpmptsp_officer_without_hall_role_is_masked_elsewhere(
    client, make_registration, other_hall
):
    """DPMPTSP staff of another hall see nothing at all."""
    registration = make_registration()
    from tests.factories import AgencyFactory

    stranger = UserFactory(
        username="dpm.lain",
        role=User.Role.AGENCY_ADMIN,
        agency=AgencyFactory(hall=other_hall, slug="dpmptsp"),
    )
    client.force_login(stranger)
    assert client.get(f"/sipabes/pendaftaran/{registration.pk}/").status_code == 404


def test_add_kbli_on_the_page(officer_client, make_registration, market):
    registration = make_registration()
    officer_client.post(
        f"/sipabes/pendaftaran/{registration.pk}/tambah/",
        {"kbli": ["56102"], "market": market.pk, "stall_number": "9"},
    )
    assert set(registration.kbli.values_list("code", flat=True)) == {"47813", "56102"}
    assert registration.locations.count() == 1


# --- public look-up --------------------------------------------------------------
def test_lookup_shows_the_status_only(client, make_registration):
    registration = make_registration(nik=nik(7301), name="Nama Rahasia")
    response = client.get(
        "/sipabes/cek/", {"code": registration.receipt_code.lower(), "nik_last4": "7301"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dicatat" in body
    assert "Nama Rahasia" not in body and registration.business_name not in body


def test_lookup_refuses_a_wrong_nik_and_bad_input(client, make_registration):
    registration = make_registration(nik=nik(7302))
    assert (
        client.get(
            "/sipabes/cek/", {"code": registration.receipt_code, "nik_last4": "0000"}
        ).status_code
        == 404
    )
    response = client.get("/sipabes/cek/", {"code": registration.receipt_code, "nik_last4": "ab"})
    assert response.status_code == 200 and "4 angka" in response.content.decode()


def test_lookup_is_throttled(client, make_registration):
    registration = make_registration(nik=nik(7303))
    for _ in range(20):
        client.get("/sipabes/cek/", {"code": "SPB-XXXX", "nik_last4": "1234"})
    response = client.get("/sipabes/cek/", {"code": registration.receipt_code, "nik_last4": "7303"})
    assert response.status_code == 429


def test_the_service_worker_is_served_under_sipabes(client, db):
    response = client.get("/sipabes/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/sipabes/"
    assert b"caches.open" in response.content
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- correcting a returned registration ------------------------------------------
def test_a_returned_registration_is_corrected_on_its_page(
    officer_client, officer, make_registration
):
    from services.sipabes import services

    registration = make_registration()
    services.registration_return(registration=registration, by=officer, reason="Nama usaha salah")
    url = f"/sipabes/pendaftaran/{registration.pk}/perbaiki/"
    page = officer_client.get(url)
    assert page.status_code == 200 and "Nama usaha salah" in page.content.decode()
    data = {
        "name": "Rosmawati",
        "phone": "0812-3456-7890",
        "home_address": "Desa Tes",
        "business_name": "Ikan Segar Ros",
        "kbli": ["47813", "56102"],
        "capital": "2.000.000.000",
        "workers": "3",
    }
    bad = officer_client.post(url, {**data, "capital": "20.000.000.000"})
    assert bad.status_code == 400 and "loket DPMPTSP" in bad.content.decode()
    officer_client.post(url, data)
    registration.refresh_from_db()
    assert (registration.status, registration.business_name, registration.scale) == (
        "captured",
        "Ikan Segar Ros",
        "kecil",
    )
    assert set(registration.kbli.values_list("code", flat=True)) == {"47813", "56102"}
    # Only a returned registration is corrected here.
    response = officer_client.post(url, data)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "captured"


def test_the_correction_page_is_hidden_from_another_hall(client, other_officer, make_registration):
    registration = make_registration()
    client.force_login(other_officer)
    assert client.get(f"/sipabes/pendaftaran/{registration.pk}/perbaiki/").status_code == 404


def test_the_hall_admin_plans_a_visit_in_the_admin(
    client, hall_admin, market, officer, other_officer
):
    client.force_login(hall_admin)
    next_week = timezone.localdate() + datetime.timedelta(days=7)
    page = client.get("/admin/sipabes/visit/add/")
    assert page.status_code == 200
    body = page.content.decode()
    assert officer.get_full_name() in body and other_officer.get_full_name() not in body
    response = client.post(
        "/admin/sipabes/visit/add/",
        {
            "hall": market.hall_id,
            "market": market.pk,
            "date": next_week.isoformat(),
            "target_traders": "20",
            "notes": "",
            "officers": [officer.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get(date=next_week)
    assert visit.status == "planned" and list(visit.officers.all()) == [officer]
