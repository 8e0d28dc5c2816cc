"""The visit planning pages (services/sipabes/visit_views.py): the hall admin and
the DPMPTSP admin plan, edit, open, close and reopen visits and keep the
hall's markets; everybody else gets 403, another hall's admin 404."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from services.sipabes import services
from services.sipabes.models import Market, Visit
from tests.factories import AgencyFactory, UserFactory
from tests.sipabes.core_fixtures import *  # noqa: F403
from tests.transition_guard import force_status

pytestmark = pytest.mark.django_db

VISITS = reverse("sipabes:visits")
MARKETS = reverse("sipabes:markets")


def _today():
    return timezone.localdate()


@pytest.fixture
def admin_client(client, hall_admin):
    client.force_login(hall_admin)
    return client


@pytest.fixture
def dpmptsp_admin(dpmptsp):
    return UserFactory(username="admin.dpmptsp.uji", role=User.Role.AGENCY_ADMIN, agency=dpmptsp)


@pytest.fixture
def other_hall_admin(other_hall):
    return UserFactory(username="admin.lain", role=User.Role.HALL_ADMIN, hall=other_hall)


@pytest.fixture
def planned(market, officer):
    visit = Visit.objects.create(
        hall=market.hall,
        market=market,
        date=_today() + datetime.timedelta(days=3),
        target_traders=20,
    )
    visit.officers.add(officer)
    return visit


def _plan_data(market_obj, officer, **overrides):
    data = {
        "market": market_obj.pk,
        "date": (_today() + datetime.timedelta(days=7)).isoformat(),
        "officers": [officer.pk],
        "target_traders": "40",
        "notes": "Bawa printer tanda terima",
    }
    data.update(overrides)
    return data


def _audit(visit, action):
    return AuditEntry.objects.filter(action=action, object_id=str(visit.pk))


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------
def test_list_shows_open_then_upcoming_then_closed(
    admin_client, market, officer, visit, planned, django_assert_max_num_queries
):
    later = Visit.objects.create(
        hall=market.hall, market=market, date=_today() + datetime.timedelta(days=30)
    )
    old = Visit.objects.create(hall=market.hall, market=market, date=datetime.date(2024, 5, 1))
    force_status(old, Visit.Status.CLOSED)
    response = admin_client.get(VISITS)
    assert response.status_code == 200
    html = response.content.decode()
    order = [html.index(f'id="kunjungan-{v.pk}"') for v in (visit, planned, later, old)]
    assert order == sorted(order)
    assert officer.get_full_name() in html or officer.username in html
    assert "0 terdaftar dari target 30" in html
    assert reverse("sipabes:home") in html  # links back


def test_list_query_count_does_not_grow(
    admin_client, market, officer, make_registration, django_assert_max_num_queries
):
    for day in range(1, 4):
        v = Visit.objects.create(
            hall=market.hall, market=market, date=_today() + datetime.timedelta(days=day)
        )
        v.officers.add(officer)
    first_closed = Visit.objects.create(
        hall=market.hall, market=market, date=datetime.date(2024, 1, 1)
    )
    force_status(first_closed, Visit.Status.CLOSED)
    first_closed.officers.add(officer)
    make_registration()
    with django_assert_max_num_queries(14) as few:
        admin_client.get(VISITS)
    for day in range(4, 30):
        v = Visit.objects.create(
            hall=market.hall, market=market, date=_today() + datetime.timedelta(days=day)
        )
        v.officers.add(officer)
        closed = Visit.objects.create(
            hall=market.hall,
            market=market,
            date=datetime.date(2024, 1, 1) + datetime.timedelta(days=day),
        )
        force_status(closed, Visit.Status.CLOSED)
        closed.officers.add(officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(VISITS)
    assert response.content.decode().count("sipabes-visit-row") == 1 + 29 + 27


def test_registered_count_excludes_rejected(admin_client, make_registration, hall_admin, visit):
    make_registration()
    rejected = make_registration()
    services.registration_reject(registration=rejected, by=hall_admin, reason="Data ganda")
    assert "1 terdaftar dari target 30" in admin_client.get(VISITS).content.decode()


def test_who_may_open_the_pages(client, visit, market, officer, staff_a, citizen, agency_admin_a):
    urls = [
        VISITS,
        MARKETS,
        reverse("sipabes:market_edit", args=[market.pk]),
    ]
    assert client.get(VISITS).status_code == 302  # to the login
    for user in (officer, staff_a, citizen, agency_admin_a):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        response = client.post(reverse("sipabes:visit_move", args=[visit.pk, "tutup"]))
        assert response.status_code == 403
        assert client.post(VISITS, _plan_data(market, officer)).status_code == 403
    visit.refresh_from_db()
    assert visit.status == Visit.Status.OPEN
    assert Visit.objects.count() == 1


def test_dpmptsp_admin_plans_too(client, dpmptsp_admin, market, officer):
    client.force_login(dpmptsp_admin)
    assert client.get(VISITS).status_code == 200
    response = client.post(VISITS, _plan_data(market, officer))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.status == Visit.Status.PLANNED
    assert list(visit.officers.all()) == [officer]
    assert _audit(visit, "sipabes.visit.plan").get().actor == dpmptsp_admin


def test_another_hall_s_admin_gets_404(client, other_hall_admin, visit, planned, market, officer):
    client.force_login(other_hall_admin)
    html = client.get(VISITS).content.decode()
    assert market.name not in html
    assert client.get(reverse("sipabes:visit_edit", args=[planned.pk])).status_code == 404
    for action in ("buka", "tutup", "buka-kembali"):
        response = client.post(reverse("sipabes:visit_move", args=[visit.pk, action]))
        assert response.status_code == 404
    assert client.get(reverse("sipabes:market_edit", args=[market.pk])).status_code == 404
    # Another hall's market or officer is not a choice of this admin's form.
    response = client.post(VISITS, _plan_data(market, officer))
    assert response.status_code == 400
    assert Visit.objects.filter(hall=other_hall_admin.hall).count() == 0


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------
def test_plan_a_visit(admin_client, hall_admin, market, officer):
    response = admin_client.post(VISITS, _plan_data(market, officer))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert response["Location"].endswith(f"#kunjungan-{visit.pk}")
    assert (visit.status, visit.target_traders, visit.notes) == (
        Visit.Status.PLANNED,
        40,
        "Bawa printer tanda terima",
    )
    assert visit.date == _today() + datetime.timedelta(days=7)
    assert _audit(visit, "sipabes.visit.plan").get().actor == hall_admin
    page = admin_client.get(VISITS).content.decode()
    assert "direncanakan" in page


def test_plan_today_is_allowed(admin_client, market, officer):
    response = admin_client.post(VISITS, _plan_data(market, officer, date=_today().isoformat()))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date": "2024-06-20"}, "date", "Tanggal kunjungan tidak boleh sebelum hari ini."),
        ({"date": "20/13/2026"}, "date", "Tulis tanggal yang sah"),
        ({"date": ""}, "date", "Isi tanggal kunjungan."),
        ({"market": ""}, "market", "Pilih pasar yang dikunjungi."),
        ({"market": "999999"}, "market", "Pilih pasar aktif dari daftar."),
        ({"target_traders": "0"}, "target_traders", "Target pelaku usaha paling sedikit 1."),
        ({"target_traders": "dua puluh"}, "target_traders", "angka bulat"),
        ({"target_traders": "99999"}, "target_traders", "paling banyak 5000"),
        ({"target_traders": ""}, "target_traders", "Isi target jumlah pelaku usaha."),
        ({"officers": ["999999"]}, "officers", "Pilih petugas SIPABES dari daftar."),
        ({"officers": ["abc"]}, "officers", "Pilih petugas SIPABES dari daftar."),
        ({"notes": "x" * 2001}, "notes", "Catatan paling panjang 2.000 karakter."),
    ],
)
def test_plan_bad_input(admin_client, market, officer, overrides, field, message):
    response = admin_client.post(VISITS, _plan_data(market, officer, **overrides))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Visit.objects.exists()


def test_plan_refuses_an_inactive_market_and_a_non_officer(
    admin_client, market, officer, staff_a, hall
):
    counter_user_of_hall = UserFactory(
        username="loket.mpp", role=User.Role.COUNTER_STAFF, agency=staff_a.agency
    )
    response = admin_client.post(
        VISITS, _plan_data(market, officer, officers=[officer.pk, counter_user_of_hall.pk])
    )
    assert response.status_code == 400
    assert "Pilih petugas SIPABES dari daftar." in response.context["form"].errors["officers"]
    market.is_active = False
    market.save()
    response = admin_client.post(VISITS, _plan_data(market, officer))
    assert response.status_code == 400
    assert "market" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_plan_form_offers_only_the_hall_s_active_markets_and_officers(
    admin_client, hall, market, officer, other_officer, staff_a
):
    Market.objects.create(
        hall=hall, name="Pasar Tutup", village="Desa X", district_code="17.07.02", is_active=False
    )
    form = admin_client.get(VISITS).context["form"]
    assert list(form.fields["market"].queryset) == [market]
    assert list(form.fields["officers"].queryset) == [officer]


def test_service_refuses_another_hall_s_officer(hall_admin, market, other_officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.visit_plan(market=market, date=_today(), by=hall_admin, officers=[other_officer])


# ---------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------
def test_edit_a_planned_visit(admin_client, hall, planned, market, officer):
    second = UserFactory(username="petugas.dua", role=User.Role.SIPABES_OFFICER, hall=hall)
    url = reverse("sipabes:visit_edit", args=[planned.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["officers"] == [officer.pk]
    response = admin_client.post(
        url,
        _plan_data(market, officer, officers=[second.pk], target_traders="55", notes="Los ikan"),
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert (planned.target_traders, planned.notes) == (55, "Los ikan")
    assert list(planned.officers.all()) == [second]
    entry = _audit(planned, "sipabes.visit.edit").get()
    assert entry.changes["target_traders"] == ["20", "55"]
    assert entry.changes["officers"] == [[officer.pk], [second.pk]]


def test_edit_keeps_an_unchanged_past_date_but_refuses_a_new_past_date(
    admin_client, market, officer
):
    past = Visit.objects.create(
        hall=market.hall, market=market, date=_today() - datetime.timedelta(days=2)
    )
    url = reverse("sipabes:visit_edit", args=[past.pk])
    data = _plan_data(market, officer, date=past.date.isoformat(), target_traders="9")
    assert admin_client.post(url, data).status_code == 302
    data["date"] = (_today() - datetime.timedelta(days=5)).isoformat()
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "Tanggal kunjungan tidak boleh sebelum hari ini." in response.content.decode()


def test_an_open_visit_is_not_edited(admin_client, visit, market, officer):
    url = reverse("sipabes:visit_edit", args=[visit.pk])
    response = admin_client.post(url, _plan_data(market, officer, target_traders="99"))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.target_traders == 30
    with pytest.raises(Exception, match="direncanakan"):
        services.visit_edit(
            visit=visit,
            by=User.objects.get(role=User.Role.HALL_ADMIN),
            officers=[],
            target_traders=99,
        )


# ---------------------------------------------------------------------------
# Open, close, reopen
# ---------------------------------------------------------------------------
def test_open_close_reopen(admin_client, hall_admin, planned, kbli_seed, officer):
    move = lambda action, **data: admin_client.post(  # noqa: E731
        reverse("sipabes:visit_move", args=[planned.pk, action]), data
    )
    assert move("buka").status_code == 302
    planned.refresh_from_db()
    assert planned.status == Visit.Status.OPEN and planned.opened_at
    assert move("tutup").status_code == 302
    planned.refresh_from_db()
    assert planned.status == Visit.Status.CLOSED
    # A closed visit takes no new registration.
    from tests.sipabes.core_fixtures import registration_data

    with pytest.raises(services.VisitNotOpen):
        services.registration_create(officer=officer, visit=planned, **registration_data())
    # Reopening needs a reason.
    response = move("buka-kembali", reason="   ")
    planned.refresh_from_db()
    assert planned.status == Visit.Status.CLOSED
    follow = admin_client.get(response["Location"])
    assert "Tuliskan alasan membuka kembali kunjungan." in follow.content.decode()
    move("buka-kembali", reason="Pedagang los daging menyusul")
    planned.refresh_from_db()
    assert planned.status == Visit.Status.OPEN
    entry = _audit(planned, "sipabes.visit.reopen").get()
    assert entry.note == "Pedagang los daging menyusul"
    assert entry.actor == hall_admin
    for action in ("sipabes.visit.open", "sipabes.visit.close"):
        assert _audit(planned, action).count() == 1


def test_a_forbidden_move_says_so(admin_client, planned):
    response = admin_client.post(
        reverse("sipabes:visit_move", args=[planned.pk, "buka-kembali"]), {"reason": "coba"}
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == Visit.Status.PLANNED
    page = admin_client.get(response["Location"]).content.decode()
    assert "Hanya kunjungan yang sudah ditutup dapat dibuka kembali." in page
    unknown = admin_client.post(reverse("sipabes:visit_move", args=[planned.pk, "hapus"]))
    assert unknown.status_code == 404


def test_dpmptsp_admin_does_not_reopen(client, dpmptsp_admin, visit):
    force_status(visit, Visit.Status.CLOSED)
    client.force_login(dpmptsp_admin)
    page = client.get(VISITS).content.decode()
    assert "Hanya admin MPP yang dapat membukanya kembali." in page
    client.post(
        reverse("sipabes:visit_move", args=[visit.pk, "buka-kembali"]), {"reason": "menyusul"}
    )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CLOSED


# ---------------------------------------------------------------------------
# Markets
# ---------------------------------------------------------------------------
def _market_data(**overrides):
    data = {
        "name": "Pasar Tes Tubei",
        "village": "Desa Tes",
        "district_code": "17.07.04",
        "address": "Jl. Lintas Curup",
        "latitude": "-3.2851",
        "longitude": "102.2433",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_add_and_edit_a_market(admin_client, hall, hall_admin, market):
    response = admin_client.post(MARKETS, _market_data())
    assert response.status_code == 302
    added = Market.objects.get(name="Pasar Tes Tubei")
    assert (added.hall, added.district_name, str(added.latitude)) == (
        hall,
        "Lebong Selatan",
        "-3.285100",
    )
    assert AuditEntry.objects.filter(action="sipabes.market.add", object_id=str(added.pk)).exists()
    url = reverse("sipabes:market_edit", args=[added.pk])
    assert admin_client.get(url).status_code == 200
    data = _market_data(latitude="", longitude="")
    del data["is_active"]
    assert admin_client.post(url, data).status_code == 302
    added.refresh_from_db()
    assert (added.is_active, added.latitude) == (False, None)
    assert AuditEntry.objects.filter(action="sipabes.market.edit", object_id=str(added.pk)).exists()
    # An inactive market is no longer offered for a new visit.
    assert added not in admin_client.get(VISITS).context["form"].fields["market"].queryset


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Isi nama pasar."),
        ({"name": "pasar tradisional modern muara aman"}, "name", "sudah ada"),
        ({"village": ""}, "village", "Isi kelurahan/desa."),
        ({"district_code": "17.08.01"}, "district_code", "Pilih salah satu kecamatan"),
        ({"district_code": ""}, "district_code", "Pilih kecamatan."),
        ({"latitude": "utara"}, "latitude", "Lintang ditulis sebagai angka desimal"),
        ({"latitude": "-95"}, "latitude", "Lintang berada antara -90 dan 90."),
        ({"longitude": "200"}, "longitude", "Bujur berada antara -180 dan 180."),
        ({"longitude": ""}, "longitude", "Isi lintang dan bujur bersama"),
    ],
)
def test_market_bad_input(admin_client, market, overrides, field, message):
    before = Market.objects.count()
    response = admin_client.post(MARKETS, _market_data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert Market.objects.count() == before


def test_market_edit_of_the_same_name_is_not_a_duplicate(admin_client, market):
    url = reverse("sipabes:market_edit", args=[market.pk])
    response = admin_client.post(url, _market_data(name=market.name))
    assert response.status_code == 302


def test_market_list_query_count(admin_client, hall, django_assert_max_num_queries):
    for i in range(25):
        Market.objects.create(
            hall=hall, name=f"Pasar {i}", village="Desa", district_code="17.07.01"
        )
    with django_assert_max_num_queries(10):
        response = admin_client.get(MARKETS)
    assert response.content.decode().count("/sipabes/kelola/pasar/") >= 25


# ---------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------
def test_home_links_to_planning_for_planners_only(client, hall_admin, dpmptsp_admin, officer):
    for user, shown in ((hall_admin, True), (dpmptsp_admin, True), (officer, False)):
        client.force_login(user)
        html = client.get(reverse("sipabes:home")).content.decode()
        assert (VISITS in html) is shown, user
        assert "admin/sipabes/visit/add" not in html


def test_agency_admin_of_another_agency_is_not_a_planner(hall):
    other = AgencyFactory(hall=hall, slug="dukcapil-uji")
    admin = UserFactory(username="admin.lain.uji", role=User.Role.AGENCY_ADMIN, agency=other)
    assert services.planner_hall_id(admin) is None


def test_a_planned_visit_keeps_its_market_made_inactive(admin_client, planned, market, officer):
    market.is_active = False
    market.save()
    url = reverse("sipabes:visit_edit", args=[planned.pk])
    form = admin_client.get(url).context["form"]
    assert market in form.fields["market"].queryset
    response = admin_client.post(url, _plan_data(market, officer, target_traders="12"))
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.target_traders == 12


# --- one planned/open visit per market and day (double submit) ---------------------
def test_a_double_submitted_plan_makes_one_visit(admin_client, market, officer):
    data = _plan_data(market, officer)
    first = admin_client.post(VISITS, data)
    assert first.status_code == 302
    again = admin_client.post(VISITS, data)  # the second click of a double click
    assert again.status_code == 400
    body = again.content.decode()
    assert "sudah memiliki kunjungan yang direncanakan pada" in body
    assert "Tidak ada kunjungan baru yang dibuat" in body
    assert Visit.objects.filter(market=market).count() == 1


def test_the_api_refuses_the_twin_too(token_client, hall_admin, market, officer):
    api = token_client(hall_admin)
    body = {"market": market.pk, "date": (_today() + datetime.timedelta(days=7)).isoformat()}
    assert api.post("/api/v1/sipabes/visits/", body, format="json").status_code == 201
    twin = api.post("/api/v1/sipabes/visits/", body, format="json")
    assert twin.status_code == 400
    assert "sudah memiliki kunjungan" in str(twin.json())
    assert Visit.objects.filter(market=market).count() == 1


def test_the_twin_rule_covers_open_visits_edits_and_reopening(
    hall_admin, market, planned, visit, officer
):
    other = Market.objects.create(
        hall=market.hall, name="Pasar Tes", village="Desa Tes", district_code="17.07.04"
    )
    # An open visit of the day counts (the ``visit`` fixture is open).
    with pytest.raises(ValidationError, match="berlangsung"):
        services.visit_plan(market=market, date=visit.date, by=hall_admin)
    # Another market the same day, or the same market another day, is fine.
    services.visit_plan(market=other, date=planned.date, by=hall_admin)
    later = services.visit_plan(
        market=market, date=planned.date + datetime.timedelta(days=1), by=hall_admin
    )
    # Editing a visit onto a twin's day is refused; the visit keeps its date.
    with pytest.raises(ValidationError, match="direncanakan"):
        services.visit_edit(visit=later, by=hall_admin, officers=[], date=planned.date)
    later.refresh_from_db()
    assert later.date == planned.date + datetime.timedelta(days=1)
    # A closed visit does not block a new one; reopening it next to a live twin is refused.
    services.visit_close(visit=visit, by=hall_admin)
    again = services.visit_plan(market=market, date=visit.date, by=hall_admin)
    with pytest.raises(ValidationError, match="Tidak ada kunjungan baru"):
        services.visit_reopen(visit=visit, by=hall_admin, reason="Menyusul")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CLOSED and again.status == Visit.Status.PLANNED


def test_the_database_refuses_a_twin_that_slips_past_the_check(hall_admin, market, planned):
    """Two requests at once both pass the check: the constraint decides, same message."""
    from unittest import mock

    with mock.patch.object(services, "_check_no_twin"):
        with pytest.raises(ValidationError, match="sudah memiliki kunjungan"):
            services.visit_plan(market=market, date=planned.date, by=hall_admin)
    assert Visit.objects.filter(market=market, date=planned.date).count() == 1
