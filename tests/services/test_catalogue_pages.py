"""Public catalogue, standar pelayanan pages and the service editor."""

import pytest
from django.urls import reverse

from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from services.models import Service
from tests.factories import ServiceFactory, UserFactory


@pytest.fixture
def catalogue_services(service_a, service_a2, service_b, counter_a):
    Service.objects.filter(pk=service_a.pk).update(
        description="Perekaman data kependudukan untuk KTP elektronik.",
        duration="15 menit",
        fee=0,
        procedure="Ambil antrean.\nSerahkan berkas.\nFoto dan sidik jari.",
        product="KTP-el",
        legal_basis=["UU No. 24 Tahun 2013", "Perpres No. 96 Tahun 2018"],
        staff_count=3,
    )
    Service.objects.filter(pk=service_b.pk).update(
        description="Pembayaran pajak kendaraan bermotor tahunan.", fee=35000
    )
    ServiceFactory(agency=service_a.agency, name="Layanan Lama", slug="lama", is_active=False)
    service_a.refresh_from_db()
    return service_a


@pytest.fixture
def agency_admin_b(agency_b):
    return UserFactory(username="admin.b", role=User.Role.AGENCY_ADMIN, agency=agency_b)


# ---------------------------------------------------------------------------
# Public catalogue
# ---------------------------------------------------------------------------
def test_catalogue_lists_active_services(client, catalogue_services, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("services:catalogue"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Perekaman KTP-el" in body
    assert "Pajak Kendaraan" in body
    assert "Layanan Lama" not in body
    assert "Gratis" in body
    assert "Rp35.000" in body
    assert "15 menit" in body


def test_catalogue_query_count_does_not_grow(
    client, catalogue_services, agency_a, django_assert_max_num_queries
):
    for n in range(15):
        ServiceFactory(
            agency=agency_a,
            name=f"Layanan tambahan {n}",
            slug=f"tambahan-{n}",
            code="Q" * (1 + n % 3) if n < 3 else f"{'QRSTUVWXYZ'[n % 10]}X",
        )
    with django_assert_max_num_queries(6):
        response = client.get(reverse("services:catalogue"))
    assert len(response.context["services"]) == 18


@pytest.mark.parametrize(
    ("query", "found", "absent"),
    [
        ("ktp", "Perekaman KTP-el", "Pajak Kendaraan"),
        # Both words must match: the other services are left out.
        ("pajak kendaraan", "Pajak Kendaraan", "Perekaman KTP-el"),
        # Indonesian stemming: "perekaman" -> "rekam".
        ("rekam", "Perekaman KTP-el", "Pajak Kendaraan"),
        ("Bapenda", "Pajak Kendaraan", "Perekaman KTP-el"),
    ],
)
def test_catalogue_search(client, catalogue_services, query, found, absent):
    response = client.get(reverse("services:catalogue"), {"q": query})
    names = [s.name for s in response.context["services"]]
    assert found in names
    assert absent not in names


def test_catalogue_search_without_hits_says_so(client, catalogue_services):
    response = client.get(reverse("services:catalogue"), {"q": "zzzqqq"})
    assert response.context["services"] == []
    assert "Tidak ada layanan yang cocok" in response.content.decode()


def test_catalogue_filters_by_agency(client, catalogue_services, agency_b):
    response = client.get(reverse("services:catalogue"), {"instansi": agency_b.pk})
    assert [s.name for s in response.context["services"]] == ["Pajak Kendaraan"]
    # Rubbish in the filter shows everything rather than failing.
    response = client.get(reverse("services:catalogue"), {"instansi": "abc"})
    assert len(response.context["services"]) == 3


# ---------------------------------------------------------------------------
# Service page and print version
# ---------------------------------------------------------------------------
def test_detail_page(client, catalogue_services, django_assert_max_num_queries):
    service = catalogue_services
    with django_assert_max_num_queries(5):
        response = client.get(service.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="checkbox"' in body
    assert "KTP-el asli" in body and "Kartu Keluarga" in body
    assert "Gratis" in body
    assert "15 menit" in body
    assert "Serahkan berkas" in body
    assert "UU No. 24 Tahun 2013" in body
    assert "Dinas Kependudukan dan Pencatatan Sipil" in body
    assert "Loket 1" in body
    assert "08.00–16.00 WIB" in body
    labels = [row["label"] for row in response.context["other_components"]]
    assert len(labels) == 9
    assert labels[-1] == "evaluasi kinerja pelaksana"


def test_detail_wrong_slug_redirects(client, catalogue_services):
    service = catalogue_services
    response = client.get(reverse("services:detail", args=[service.pk, "salah"]))
    assert response.status_code == 301
    assert response["Location"] == service.get_absolute_url()
    response = client.get(reverse("services:detail_print", args=[service.pk, "salah"]))
    assert response.status_code == 301
    assert response["Location"] == reverse("services:detail_print", args=[service.pk, service.slug])


def test_inactive_or_missing_service_is_404(client, catalogue_services):
    hidden = Service.objects.get(slug="lama")
    assert client.get(reverse("services:detail", args=[hidden.pk, hidden.slug])).status_code == 404
    assert client.get(reverse("services:detail", args=[99999, "x"])).status_code == 404


def test_print_version(client, catalogue_services):
    service = catalogue_services
    response = client.get(reverse("services:detail_print", args=[service.pk, service.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "size: A4" in body
    assert "@media print" in body
    assert "portal-header" not in body  # no navigation
    assert "KTP-el asli" in body


# ---------------------------------------------------------------------------
# Management
# ---------------------------------------------------------------------------
def _form_data(**overrides):
    data = {
        "name": "Akta Kelahiran",
        "slug": "",
        "code": "ak",
        "description": "Penerbitan akta kelahiran.",
        "is_active": "on",
        "average_service_minutes": "12",
        "daily_ticket_cap": "",
        "accepted_priorities": ["lansia", "ibu_hamil"],
        "requirements": "Surat keterangan lahir\n\n  KTP-el orang tua  \nKartu Keluarga\n",
        "procedure": "Ambil antrean, serahkan berkas.",
        "duration": "1 hari kerja",
        "fee": "0",
        "fee_note": "",
        "product": "Akta kelahiran",
        "complaint_handling": "Kotak saran, SP4N-LAPOR!",
        "legal_basis": "UU No. 24 Tahun 2013\nPerpres No. 96 Tahun 2018",
        "facilities": "",
        "staff_competence": "",
        "internal_supervision": "",
        "staff_count": "2",
        "service_guarantee": "",
        "safety_guarantee": "",
        "performance_evaluation": "",
    }
    data.update(overrides)
    return data


def test_agency_admin_lists_own_services(
    client, catalogue_services, agency_admin_a, django_assert_max_num_queries
):
    client.force_login(agency_admin_a)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("services:manage"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Perekaman KTP-el" in body
    assert "Layanan Lama" in body  # inactive ones too
    assert "Pajak Kendaraan" not in body


def test_agency_admin_creates_service(client, agency_a, agency_b, agency_admin_a):
    client.force_login(agency_admin_a)
    form = client.get(reverse("services:manage_create")).context["form"]
    assert "agency" not in form.fields
    # A posted agency is ignored: the service is always their own agency's.
    response = client.post(reverse("services:manage_create"), _form_data(agency=agency_b.pk))
    assert response.status_code == 302
    service = Service.objects.get(name="Akta Kelahiran")
    assert service.agency == agency_a
    assert service.code == "AK"
    assert service.slug == "akta-kelahiran"
    assert service.requirements == ["Surat keterangan lahir", "KTP-el orang tua", "Kartu Keluarga"]
    assert service.legal_basis == ["UU No. 24 Tahun 2013", "Perpres No. 96 Tahun 2018"]
    assert service.accepted_priorities == ["lansia", "ibu_hamil"]
    entry = AuditEntry.objects.get(action="service.create")
    assert entry.object_id == str(service.pk)
    assert entry.actor == agency_admin_a
    assert entry.changes["code"] == "AK"


def test_edit_writes_changed_fields_to_audit(client, catalogue_services, agency_admin_a):
    service = catalogue_services
    client.force_login(agency_admin_a)
    form = client.get(reverse("services:manage_edit", args=[service.pk])).context["form"]
    assert form["requirements"].value() == "KTP-el asli\nKartu Keluarga"
    data = {k: v for k, v in form.initial.items() if v is not None and k != "accepted_priorities"}
    data.update(
        requirements="KTP-el asli\nKartu Keluarga\nPas foto",
        fee="5000",
        accepted_priorities=["lansia"],
        legal_basis="\n".join(service.legal_basis),
        is_active="on",
    )
    data.pop("average_minutes_fixed", None)
    response = client.post(reverse("services:manage_edit", args=[service.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    service.refresh_from_db()
    assert service.requirements[-1] == "Pas foto"
    assert service.fee == 5000
    entry = AuditEntry.objects.get(action="service.update")
    assert entry.changes["fee"] == [0, 5000]
    assert entry.changes["requirements"][1][-1] == "Pas foto"
    assert "name" not in entry.changes


def test_invalid_input_shows_indonesian_errors(client, agency_a, service_a, agency_admin_a):
    client.force_login(agency_admin_a)
    response = client.post(
        reverse("services:manage_create"), _form_data(name="", code="A1", slug="ktp-el")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Nama layanan wajib diisi."]
    assert "Gunakan 1-3 huruf kapital" in errors["code"][0]
    assert "Slug ini sudah dipakai" in errors["slug"][0]
    # The hall-wide ticket code clash comes from Service.clean().
    response = client.post(reverse("services:manage_create"), _form_data(code="a"))
    assert "sudah dipakai layanan lain" in response.context["form"].errors["code"][0]
    assert not Service.objects.filter(name="Akta Kelahiran").exists()
    assert not AuditEntry.objects.filter(action="service.create").exists()


def test_hall_admin_picks_an_agency_of_the_hall(client, agency_a, agency_b, hall_admin):
    from tests.factories import AgencyFactory

    other_hall_agency = AgencyFactory()
    client.force_login(hall_admin)
    form = client.get(reverse("services:manage_create")).context["form"]
    assert set(form.fields["agency"].queryset) == {agency_a, agency_b}
    response = client.post(reverse("services:manage_create"), _form_data())
    assert response.context["form"].errors["agency"] == ["Pilih instansi."]
    response = client.post(
        reverse("services:manage_create"), _form_data(agency=other_hall_agency.pk)
    )
    assert "agency" in response.context["form"].errors
    response = client.post(reverse("services:manage_create"), _form_data(agency=agency_b.pk))
    assert response.status_code == 302
    assert Service.objects.get(name="Akta Kelahiran").agency == agency_b


def test_hall_admin_edits_any_service_of_the_hall(
    client, catalogue_services, service_b, hall_admin
):
    client.force_login(hall_admin)
    response = client.get(reverse("services:manage_edit", args=[service_b.pk]))
    assert response.status_code == 200
    response = client.get(reverse("services:manage"))
    assert "Pajak Kendaraan" in response.content.decode()


def test_other_agency_admin_gets_404(client, catalogue_services, agency_admin_b):
    client.force_login(agency_admin_b)
    url = reverse("services:manage_edit", args=[catalogue_services.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _form_data()).status_code == 404
    catalogue_services.refresh_from_db()
    assert catalogue_services.name == "Perekaman KTP-el"


@pytest.mark.parametrize("persona", ["staff_a", "citizen", "kiosk_user"])
def test_staff_and_citizens_get_403(client, request, catalogue_services, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("services:manage")).status_code == 403
    assert client.get(reverse("services:manage_create")).status_code == 403
    assert client.post(reverse("services:manage_create"), _form_data()).status_code == 403
    edit = reverse("services:manage_edit", args=[catalogue_services.pk])
    assert client.get(edit).status_code == 403


def test_anonymous_must_log_in(client, db):
    response = client.get(reverse("services:manage"))
    assert response.status_code == 302
    assert "/akun/" in response["Location"]


def test_catalogue_with_several_halls(client, catalogue_services):
    from tests.factories import AgencyFactory, HallFactory

    other = HallFactory(name="MPP Kedua", slug="mpp-kedua")
    ServiceFactory(agency=AgencyFactory(hall=other), name="Izin Usaha Kedua", code="IZ")
    response = client.get(reverse("services:catalogue"))
    assert {h.slug for h in response.context["halls"]} == {"perigo-agung", "mpp-kedua"}
    assert len(response.context["services"]) == 4
    response = client.get(reverse("services:catalogue"), {"gedung": "mpp-kedua"})
    assert [s.name for s in response.context["services"]] == ["Izin Usaha Kedua"]
    assert 'name="gedung"' in response.content.decode()


# ---------------------------------------------------------------------------
# Django admin (counters and their services are run from here)
# ---------------------------------------------------------------------------
@pytest.fixture
def root(hall):
    return UserFactory(username="root.uji", is_superuser=True, is_staff=True, hall=hall)


@pytest.mark.parametrize("model", ["service", "counter", "ticket", "ticketcall", "tickettransfer"])
def test_admin_changelists(client, root, catalogue_services, counter_a, model):
    from services.queue import ticket_issue

    ticket_issue(service=catalogue_services)
    client.force_login(root)
    response = client.get(reverse(f"admin:services_{model}_changelist"))
    assert response.status_code == 200


def test_admin_counter_has_weight_inline_and_tickets_are_read_only(
    client, root, catalogue_services, counter_a
):
    from services.queue import ticket_issue

    ticket = ticket_issue(service=catalogue_services)
    client.force_login(root)
    response = client.get(reverse("admin:services_counter_change", args=[counter_a.pk]))
    assert response.status_code == 200
    assert "counterservice_set-0-weight" in response.content.decode()
    assert client.get(reverse("admin:services_ticket_add")).status_code == 403
    response = client.get(reverse("admin:services_ticket_change", args=[ticket.pk]))
    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()
