"""Agreement pages: registry, record, moves, scan, coverage, public page."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements import services
from agreements.models import Agreement, PendingService
from mpp_portal.accounts.models import User
from tests.agreements.conftest import pdf_bytes
from tests.factories import AgencyFactory, HallFactory, ServiceFactory, UserFactory
from tests.transition_guard import force_status

S = Agreement.Status
pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------
def test_registry_lists_filters_and_searches(client, admin_mpp, make_agreement, agency_a, agency_b):
    make_agreement(agency_a, title="PKS Dukcapil", status=S.ACTIVE)
    make_agreement(agency_b, title="PKS Bapenda", status=S.TERMINATED)
    _login(client, admin_mpp)
    url = reverse("agreements:list")
    page = client.get(url).content.decode()
    assert "PKS Dukcapil" in page and "PKS Bapenda" in page
    page = client.get(url, {"agency": agency_a.pk}).content.decode()
    assert "PKS Dukcapil" in page and "PKS Bapenda" not in page
    page = client.get(url, {"status": "terminated"}).content.decode()
    assert "PKS Dukcapil" not in page and "PKS Bapenda" in page
    page = client.get(url, {"q": "BAPENDA/PKS"}).content.decode()
    assert "PKS Dukcapil" not in page and "PKS Bapenda" in page


def test_registry_ending_within_and_expiring(client, admin_mpp, make_agreement, agency_a):
    # Titles no generated name can contain (a user once was "Lamar ...").
    soon = datetime.date.today() + datetime.timedelta(days=40)
    make_agreement(agency_a, title="PKS-SEGERA-40", end_date=soon, status=S.ACTIVE)
    make_agreement(
        agency_a,
        title="PKS-LAMA-440",
        end_date=soon + datetime.timedelta(days=400),
        status=S.ACTIVE,
    )
    _login(client, admin_mpp)
    url = reverse("agreements:list")
    page = client.get(url, {"ending_within": 60}).content.decode()
    assert "PKS-SEGERA-40" in page and "PKS-LAMA-440" not in page
    page = client.get(url, {"status": "expiring"}).content.decode()
    assert "PKS-SEGERA-40" in page and "PKS-LAMA-440" not in page and "segera berakhir" in page


def test_registry_rejects_bad_filters(client, admin_mpp, make_agreement, agency_a):
    make_agreement(agency_a, title="PKS Dukcapil")
    _login(client, admin_mpp)
    response = client.get(reverse("agreements:list"), {"ending_within": "abc", "status": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "PKS Dukcapil" in response.content.decode()


def test_registry_csv(client, admin_mpp, make_agreement, agency_a):
    make_agreement(agency_a, title="=PKS berbahaya", status=S.ACTIVE)
    _login(client, admin_mpp)
    response = client.get(reverse("agreements:list_csv"))
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "'=PKS berbahaya" in text and "100.3/1/PKS/2024" in text


def test_registry_is_for_staff_of_the_hall_only(
    client, make_agreement, agency_a, agency_b, citizen, staff_a
):
    make_agreement(agency_b, title="PKS Bapenda")
    assert client.get(reverse("agreements:list")).status_code == 302
    for user in (citizen, staff_a):
        _login(client, user)
        assert client.get(reverse("agreements:list")).status_code == 403
    other_admin = UserFactory(
        username="admin.lain", role=User.Role.HALL_ADMIN, hall=HallFactory(slug="lain")
    )
    _login(client, other_admin)
    assert "PKS Bapenda" not in client.get(reverse("agreements:list")).content.decode()


def test_agency_admin_sees_own_agency_agreements_only(
    client, agency_admin_a, make_agreement, agency_a, agency_b
):
    own = make_agreement(agency_a, title="PKS Dukcapil")
    other = make_agreement(agency_b, title="PKS Bapenda")
    _login(client, agency_admin_a)
    page = client.get(reverse("agreements:list")).content.decode()
    assert "PKS Dukcapil" in page and "PKS Bapenda" not in page
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    # Reading is not managing.
    assert client.get(reverse("agreements:create")).status_code == 403
    response = client.post(reverse("agreements:move", args=[own.pk, "sign"]))
    assert response.status_code == 403


@pytest.mark.parametrize("count", [5, 50])
def test_registry_query_count_is_constant(
    client, admin_mpp, make_agreement, agency_a, agency_b, count, django_assert_max_num_queries
):
    for n in range(count):
        make_agreement(agency_a, agency_b, title=f"PKS {n}", status=S.ACTIVE)
    _login(client, admin_mpp)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("agreements:list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        response = client.get(reverse("agreements:list_csv"))
    assert response.content.decode("utf-8-sig").count("PKS ") >= count


# --------------------------------------------------------------------------
# Record, sign, adendum
# --------------------------------------------------------------------------
def _form_data(agency_a, agency_b, **extra):
    data = {
        "kind": "pks",
        "title": "Perjanjian kerja sama penyelenggaraan layanan",
        "signed_on": "2024-06-20",
        "signed_place": "Muara Aman",
        "start_date": "2024-06-20",
        "end_date": "2029-06-19",
        "staff_count": "2",
        "regency_number": "100.3.7/15/PKS/2024",
        "regency_signatory_name": "Kopli Ansori",
        "regency_signatory_title": "Bupati Lebong",
        "pihak-TOTAL_FORMS": "3",
        "pihak-INITIAL_FORMS": "0",
        "pihak-MIN_NUM_FORMS": "0",
        "pihak-MAX_NUM_FORMS": "10",
        "pihak-0-agency": str(agency_a.pk),
        "pihak-0-number": "470/88/DUKCAPIL/2024",
        "pihak-1-agency": str(agency_b.pk),
        "pihak-1-number": "973/12/BAPENDA/2024",
        "pihak-2-agency": "",
    }
    data.update(extra)
    return data


def test_record_with_two_parties_and_a_scan(client, admin_mpp, agency_a, agency_b, catalogue):
    _login(client, admin_mpp)
    data = _form_data(
        agency_a,
        agency_b,
        services=[catalogue["a1"].pk, catalogue["b1"].pk],
        scan=SimpleUploadedFile("pks.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    response = client.post(reverse("agreements:create"), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    agreement = Agreement.objects.get()
    assert agreement.status == S.DRAFT and agreement.scan
    assert [p.number for p in agreement.parties.all()] == [
        "100.3.7/15/PKS/2024",
        "470/88/DUKCAPIL/2024",
        "973/12/BAPENDA/2024",
    ]
    assert set(agreement.services.all()) == {catalogue["a1"], catalogue["b1"]}
    client.post(reverse("agreements:move", args=[agreement.pk, "sign"]))
    agreement.refresh_from_db()
    assert agreement.status == S.ACTIVE
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Rangkaian perjanjian" in page and "470/88/DUKCAPIL/2024" in page


def test_record_refuses_a_scan_that_is_no_pdf(client, admin_mpp, agency_a, agency_b):
    _login(client, admin_mpp)
    data = _form_data(
        agency_a,
        agency_b,
        scan=SimpleUploadedFile("pks.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
    )
    response = client.post(reverse("agreements:create"), data)
    assert response.status_code == 200
    assert "bukan dokumen PDF" in response.content.decode()
    assert not Agreement.objects.exists()


def test_record_refuses_no_agency(client, admin_mpp, agency_a, agency_b):
    _login(client, admin_mpp)
    data = _form_data(agency_a, agency_b, **{"pihak-0-agency": "", "pihak-1-agency": ""})
    response = client.post(reverse("agreements:create"), data)
    assert response.status_code == 200
    assert "sedikitnya satu instansi" in response.content.decode()


def test_adendum_form_is_prefilled_and_refuses_another_agency(
    client, admin_mpp, make_agreement, agency_a, agency_b
):
    base = make_agreement(agency_a, status=S.ACTIVE)
    _login(client, admin_mpp)
    response = client.get(reverse("agreements:create"), {"amends": base.pk})
    assert response.context["form"].initial["kind"] == "adendum"
    data = _form_data(
        agency_a,
        agency_b,
        kind="adendum",
        amends=str(base.pk),
        amended_fields=["staff_count"],
        **{"pihak-0-agency": str(agency_b.pk), "pihak-1-agency": ""},
    )
    response = client.post(reverse("agreements:create"), data)
    assert response.status_code == 200
    assert "instansi lain" in response.content.decode()


def test_forbidden_move_shows_a_message(client, admin_mpp, make_agreement, agency_a):
    agreement = make_agreement(agency_a, status=S.TERMINATED)
    _login(client, admin_mpp)
    response = client.post(reverse("agreements:move", args=[agreement.pk, "sign"]), follow=True)
    assert "Tidak dapat mengubah" in response.content.decode()
    response = client.post(reverse("agreements:move", args=[agreement.pk, "nope"]))
    assert response.status_code == 404


def test_terminate_and_renew_from_the_page(client, admin_mpp, make_agreement, agency_a):
    old = make_agreement(agency_a, status=S.ACTIVE)
    new = make_agreement(agency_a, status=S.ACTIVE, start_date=datetime.date(2026, 6, 20))
    _login(client, admin_mpp)
    client.post(reverse("agreements:move", args=[old.pk, "renew"]), {"successor": new.pk})
    old.refresh_from_db()
    assert old.status == S.RENEWED and old.successor == new
    page = client.get(new.get_absolute_url()).content.decode()
    assert "memperpanjang" in page
    client.post(reverse("agreements:move", args=[new.pk, "terminate"]), {"reason": ""})
    new.refresh_from_db()
    assert new.status == S.ACTIVE
    client.post(
        reverse("agreements:move", args=[new.pk, "terminate"]), {"reason": "Instansi tutup"}
    )
    new.refresh_from_db()
    assert new.status == S.TERMINATED


# --------------------------------------------------------------------------
# The scan
# --------------------------------------------------------------------------
def test_scan_upload_checks_content_and_size(client, admin_mpp, make_agreement, agency_a, settings):
    agreement = make_agreement(agency_a)
    _login(client, admin_mpp)
    url = reverse("agreements:scan_upload", args=[agreement.pk])
    client.post(url, {"scan": SimpleUploadedFile("x.pdf", b"<html>no</html>")})
    agreement.refresh_from_db()
    assert not agreement.scan
    import agreements.forms
    import agreements.services

    big = pdf_bytes() + b"0" * 2048
    original = agreements.forms.SCAN_MAX_BYTES
    agreements.forms.SCAN_MAX_BYTES = agreements.services.SCAN_MAX_BYTES = 1024
    try:
        response = client.post(url, {"scan": SimpleUploadedFile("x.pdf", big)}, follow=True)
    finally:
        agreements.forms.SCAN_MAX_BYTES = agreements.services.SCAN_MAX_BYTES = original
    assert "lebih besar" in response.content.decode()
    agreement.refresh_from_db()
    assert not agreement.scan
    client.post(url, {"scan": SimpleUploadedFile("naskah siti.pdf", pdf_bytes())})
    agreement.refresh_from_db()
    assert agreement.scan.name.startswith("agreements/") and "siti" not in agreement.scan.name
    assert agreement.scan_size == len(pdf_bytes())


def test_scan_download_staff_only_404_for_others(
    client, admin_mpp, make_agreement, agency_a, agency_b, agency_admin_a, staff_a, citizen
):
    agreement = make_agreement(agency_a)
    services.agreement_scan_attach(
        agreement=agreement,
        upload=SimpleUploadedFile("x.pdf", pdf_bytes()),
        by=admin_mpp,
    )
    url = reverse("agreements:scan", args=[agreement.pk])
    for user in (admin_mpp, agency_admin_a):
        _login(client, user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert "attachment" in response["Content-Disposition"]
    other_admin = UserFactory(username="admin.b", role=User.Role.AGENCY_ADMIN, agency=agency_b)
    for user in (staff_a, citizen, other_admin):
        _login(client, user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    # No public media URL serves it either.
    assert client.get(f"/media/{agreement.scan.name}").status_code == 404


# --------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------
def test_coverage_figures_and_flags(
    client, admin_mpp, make_agreement, agency_a, agency_b, catalogue, hall
):
    PendingService.objects.create(
        hall=hall, agency_name="Kantor Pertanahan", service_name="Pendaftaran tanah"
    )
    make_agreement(agency_a, status=S.ACTIVE, services_=[catalogue["a1"], catalogue["a2"]])
    make_agreement(agency_b, status=S.EXPIRED, services_=[catalogue["b1"]])
    _login(client, admin_mpp)
    response = client.get(reverse("agreements:coverage"))
    figures = response.context["figures"]
    assert figures["services_in_mpp"] == 4
    assert figures["services_covered"] == 2
    assert figures["services_pending"] == 1
    assert figures["share_centralised"] == 80.0
    assert figures["share_covered"] == 50.0
    assert figures["counters_flagged"] == 1
    flagged = {e["service"].name for e in response.context["flagged"]}
    assert flagged == {"PBB", "BPHTB"}
    page = response.content.decode()
    assert "Pendaftaran tanah" in page and "tanpa PKS" in page


def test_coverage_goes_up_when_an_agreement_starts(
    make_agreement, agency_a, catalogue, hall, admin_mpp
):
    from agreements.selectors import coverage_figures

    agreement = make_agreement(
        agency_a, services_=[catalogue["a1"]], start_date=datetime.date.today()
    )
    assert coverage_figures(hall)["services_covered"] == 0
    services.agreement_sign(agreement=agreement, by=admin_mpp)
    assert coverage_figures(hall)["services_covered"] == 1


@pytest.mark.parametrize("count", [5, 50])
def test_coverage_query_count_is_constant(
    client, admin_mpp, make_agreement, hall, count, django_assert_max_num_queries
):
    from tests.factories import CounterFactory

    for n in range(count):
        agency = AgencyFactory(hall=hall)
        service = ServiceFactory(agency=agency)
        CounterFactory(agency=agency, hall=hall, services=[service])
        make_agreement(agency, status=S.ACTIVE if n % 2 else S.EXPIRED, services_=[service])
        PendingService.objects.create(hall=hall, agency_name=agency.name, service_name=f"L{n}")
    services.coverage_snapshot(hall=hall)
    _login(client, admin_mpp)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("agreements:coverage"))
    assert response.context["figures"]["services_in_mpp"] == count


def test_coverage_needs_staff(client, citizen, staff_a):
    assert client.get(reverse("agreements:coverage")).status_code == 302
    for user in (citizen, staff_a):
        _login(client, user)
        assert client.get(reverse("agreements:coverage")).status_code == 403


def test_pending_service_add_and_bad_input(client, admin_mpp, agency_a, hall, agency_admin_a):
    _login(client, admin_mpp)
    url = reverse("agreements:pending_create")
    response = client.post(url, {"service_name": "", "agency_name": ""})
    assert response.status_code == 200 and not PendingService.objects.exists()
    response = client.post(
        url,
        {
            "agency": agency_a.pk,
            "service_name": "Akta perkawinan",
            "reason": "Aplikasi pusat",
            "planned_on": "2026-12-01",
        },
    )
    assert response.status_code == 302
    item = PendingService.objects.get()
    assert item.agency_name == agency_a.name and item.hall == hall
    _login(client, agency_admin_a)
    assert client.get(url).status_code == 403
    assert client.post(reverse("agreements:pending_delete", args=[item.pk])).status_code == 403


# --------------------------------------------------------------------------
# Public page
# --------------------------------------------------------------------------
def test_public_page_lists_agencies_and_agreements_without_personal_data(
    client, make_agreement, agency_a, agency_b, catalogue, hall, admin_mpp
):
    agreement = make_agreement(
        agency_a, status=S.ACTIVE, witnesses="Budi Santoso", regency_duties="Ruang"
    )
    services.agreement_scan_attach(
        agreement=agreement, upload=SimpleUploadedFile("x.pdf", pdf_bytes()), by=admin_mpp
    )
    page = client.get(reverse("agreements:public", args=[hall.slug])).content.decode()
    assert agency_a.name in page and agency_b.name in page
    assert "100.3/1/PKS/2024" in page
    assert "Budi Santoso" not in page and "pindaian" not in page.lower()
    assert "sedang diproses" in page  # agency_b serves without one


def test_public_page_unknown_hall(client):
    assert client.get(reverse("agreements:public", args=["tidak-ada"])).status_code == 404


def test_the_chain_shows_the_line_not_the_siblings(
    client, admin_mpp, make_agreement, agency_a, agency_b
):
    mou = make_agreement(agency_a, agency_b, kind=Agreement.Kind.MOU, title="Nota", status=S.ACTIVE)
    first = make_agreement(agency_a, title="PKS lama", implements=mou, status=S.ACTIVE)
    sibling = make_agreement(agency_b, title="PKS saudara", implements=mou, status=S.ACTIVE)
    second = make_agreement(
        agency_a,
        title="PKS baru",
        implements=mou,
        renews=first,
        signed_on=datetime.date(2025, 6, 16),
    )
    force_status(second, S.ACTIVE)
    adendum = services.agreement_create(
        hall=first.hall,
        by=admin_mpp,
        title="Adendum baru",
        kind=Agreement.Kind.ADDENDUM,
        amends=second,
        amended_fields=["term"],
        signed_on=datetime.date(2026, 2, 10),
        parties=[{"agency": None}, {"agency": agency_a}],
    )
    _login(client, admin_mpp)
    chain = [
        link["agreement"].pk for link in client.get(second.get_absolute_url()).context["chain"]
    ]
    assert chain == [mou.pk, first.pk, second.pk, adendum.pk]
    chain = [link["agreement"].pk for link in client.get(first.get_absolute_url()).context["chain"]]
    assert sibling.pk not in chain and adendum.pk in chain
    chain = [link["agreement"].pk for link in client.get(mou.get_absolute_url()).context["chain"]]
    assert {first.pk, sibling.pk, second.pk} <= set(chain)


def test_edit_a_draft_and_not_a_signed_one(client, admin_mpp, make_agreement, agency_a, agency_b):
    agreement = make_agreement(agency_a, title="Konsep")
    _login(client, admin_mpp)
    url = reverse("agreements:edit", args=[agreement.pk])
    page = client.get(url)
    assert page.context["form"].initial["regency_number"] == "100.3/1/PKS/2024"
    data = _form_data(agency_a, agency_b, title="Konsep diubah")
    assert client.post(url, data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "Konsep diubah" and agreement.parties.count() == 3
    response = client.post(url, _form_data(agency_a, agency_b, title="", end_date="2020-01-01"))
    assert response.status_code == 200 and response.context["form"].errors
    force_status(agreement, S.ACTIVE)
    assert client.get(url).url == reverse("agreements:scope", args=[agreement.pk])


def test_scope_page_refuses_another_agencys_service(
    client, admin_mpp, make_agreement, agency_a, catalogue
):
    agreement = make_agreement(agency_a, status=S.ACTIVE)
    _login(client, admin_mpp)
    url = reverse("agreements:scope", args=[agreement.pk])
    response = client.post(url, {"services": [catalogue["b1"].pk]})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(
        url, {"services": [catalogue["a1"].pk], "counters": [catalogue["ca"].pk]}
    )
    assert response.status_code == 302
    assert list(agreement.services.all()) == [catalogue["a1"]]


def test_admin_lists_agreements_read_only(client, make_agreement, agency_a):
    make_agreement(agency_a, title="PKS admin")
    root = UserFactory(username="root.pks", is_superuser=True, is_staff=True)
    _login(client, root)
    response = client.get("/admin/agreements/agreement/")
    assert response.status_code == 200 and "PKS admin" in response.content.decode()
    assert client.get("/admin/agreements/agreement/add/").status_code == 403


def test_agency_admin_sees_own_lines_of_coverage(
    client, agency_admin_a, make_agreement, agency_a, agency_b, catalogue
):
    make_agreement(agency_a, status=S.ACTIVE, services_=[catalogue["a1"]])
    _login(client, agency_admin_a)
    response = client.get(reverse("agreements:coverage"))
    assert response.status_code == 200
    assert [r["agency"] for r in response.context["agencies"]] == [agency_a]
    assert "Tambah layanan belum di MPP" not in response.content.decode()


def test_scope_of_a_finished_agreement_is_refused(
    client, admin_mpp, make_agreement, agency_a, catalogue
):
    agreement = make_agreement(agency_a, status=S.EXPIRED)
    _login(client, admin_mpp)
    response = client.post(
        reverse("agreements:scope", args=[agreement.pk]), {"services": [catalogue["a1"].pk]}
    )
    assert response.status_code == 200
    assert "sudah selesai" in response.content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_stakeholders_page(
    client, admin_mpp, make_agreement, hall, count, agency_admin_a, django_assert_max_num_queries
):
    for n in range(count):
        agency = AgencyFactory(hall=hall, head_name=f"Kepala {n}", contact_name=f"Narahubung {n}")
        make_agreement(agency, status=S.ACTIVE if n % 2 else S.EXPIRED)
    _login(client, admin_mpp)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("agreements:stakeholders"))
    page = response.content.decode()
    assert "Kepala 1" in page and "Narahubung 1" in page
    rows = response.context["rows"]
    assert sum(1 for r in rows if r["current"]) == count // 2
    _login(client, agency_admin_a)
    assert client.get(reverse("agreements:stakeholders")).status_code == 403
