"""Signing in and out, the django-axes lockout, and navigation by role."""

import pytest
from django.contrib.auth import SESSION_KEY

from mpp_portal.accounts.context_processors import nav_items_for, nav_menu_for
from tests.conftest import PASSWORD

LOGIN_URL = "/akun/masuk/"
LOGOUT_URL = "/akun/keluar/"


def _login(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def test_login_page_has_labelled_fields(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username"' in html and "Nama pengguna" in html
    assert '<label for="id_password"' in html and "Kata sandi" in html
    assert 'autocomplete="current-password"' in html


def test_login_happy_path_lands_on_the_roles_work_page(client, hall_admin):
    response = _login(client, "admin.mpp.uji", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/pengaduan/kelola/"  # the hall admin's inbox
    assert client.session[SESSION_KEY] == str(hall_admin.pk)


def test_login_follows_a_safe_next_only(client, hall_admin):
    response = client.post(
        LOGIN_URL + "?next=/api/v1/docs/", {"username": "admin.mpp.uji", "password": PASSWORD}
    )
    assert response["Location"] == "/api/v1/docs/"

    client.post(LOGOUT_URL)
    response = client.post(
        LOGIN_URL + "?next=https://contoh-jahat.test/",
        {"username": "admin.mpp.uji", "password": PASSWORD},
    )
    assert response["Location"] == "/pengaduan/kelola/"


def test_wrong_password_shows_indonesian_error(client, hall_admin):
    response = _login(client, "admin.mpp.uji", "salah-sekali")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nama pengguna atau kata sandi salah" in html
    assert 'role="alert"' in html
    assert SESSION_KEY not in client.session


def test_inactive_account_cannot_sign_in(client, hall_admin):
    hall_admin.is_active = False
    hall_admin.save()

    response = _login(client, "admin.mpp.uji", PASSWORD)

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_lockout_after_five_failures_even_with_right_password(client, hall_admin):
    for _ in range(4):
        assert _login(client, "admin.mpp.uji", "salah").status_code == 200
    fifth = _login(client, "admin.mpp.uji", "salah")
    assert fifth.status_code == 429

    response = _login(client, "admin.mpp.uji", PASSWORD)

    assert response.status_code == 429
    html = response.content.decode()
    assert "Akun dikunci sementara" in html
    assert "30 menit" in html
    assert SESSION_KEY not in client.session


def test_a_forged_forwarded_for_does_not_dodge_the_lockout(client, hall_admin):
    for n in range(5):
        client.post(
            LOGIN_URL,
            {"username": "admin.mpp.uji", "password": "salah"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = client.post(
        LOGIN_URL,
        {"username": "admin.mpp.uji", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.77",
    )
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_lockout_is_per_username(client, hall_admin, citizen):
    for _ in range(5):
        _login(client, "admin.mpp.uji", "salah")

    response = _login(client, "warga.uji", PASSWORD)

    assert response.status_code == 302


def test_logout_needs_post(client, hall_admin):
    client.force_login(hall_admin)

    assert client.get(LOGOUT_URL).status_code == 405
    assert SESSION_KEY in client.session

    response = client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert SESSION_KEY not in client.session


def test_header_shows_user_menu_or_login_link(client, hall, hall_admin):
    html = client.get(hall.get_absolute_url()).content.decode()
    assert 'href="/akun/masuk/"' in html
    assert "Keluar" not in html

    client.force_login(hall_admin)
    html = client.get(hall.get_absolute_url()).content.decode()
    assert "Admin MPP" in html
    assert 'action="/akun/keluar/"' in html
    assert hall_admin.get_full_name() in html


# --- navigation by role ---------------------------------------------------------------------


def test_hall_admin_sees_administration_in_nav(client, hall, hall_admin):
    client.force_login(hall_admin)
    response = client.get(hall.get_absolute_url())

    labels = [str(item["label"]) for item in response.context["nav_items"]]
    assert "Administrasi" in labels
    assert "Dokumentasi API" in labels
    assert 'href="/admin/"' in response.content.decode()


def test_citizen_does_not_see_administration(client, hall, citizen):
    client.force_login(citizen)
    response = client.get(hall.get_absolute_url())

    labels = [str(item["label"]) for item in response.context["nav_items"]]
    assert "Beranda" in labels
    assert "Administrasi" not in labels
    assert "Dokumentasi API" not in labels
    assert 'href="/admin/"' not in response.content.decode()


def test_anonymous_visitor_nav(client, hall):
    response = client.get(hall.get_absolute_url())
    labels = [str(item["label"]) for item in response.context["nav_items"]]
    assert "Beranda" in labels
    assert "Administrasi" not in labels


@pytest.mark.parametrize(
    ("persona", "sees_admin", "sees_api_docs"),
    [
        ("agency_admin_a", False, True),
        ("staff_a", False, False),
        ("kiosk_user", False, False),
        ("hall_admin", True, True),
    ],
)
def test_nav_items_by_role(request, persona, sees_admin, sees_api_docs):
    user = request.getfixturevalue(persona)
    names = {item["name"] for item in nav_items_for(user)}
    assert ("admin:index" in names) is sees_admin
    assert ("api-docs" in names) is sees_api_docs
    assert "home" in names


def test_superuser_gets_the_hall_admin_nav(db):
    from tests.factories import UserFactory

    root = UserFactory(username="root.uji", is_superuser=True, is_staff=True)
    names = {item["name"] for item in nav_items_for(root)}
    assert "admin:index" in names


def test_hall_admin_items_are_grouped_in_the_manage_menu(hall_admin, staff_a):
    menu = nav_menu_for(nav_items_for(hall_admin))
    groups = [entry for entry in menu if "children" in entry]
    assert [str(g["label"]) for g in groups] == ["Informasi publik", "Kelola"]
    assert "admin:index" in {item["name"] for item in groups[1]["children"]}
    assert menu[0]["name"] == "home"

    # Counter staff get their agency's work, never the administration.
    staff_names = {item["name"] for item in nav_items_for(staff_a)}
    assert "complaints:agency_list" in staff_names
    assert "admin:index" not in staff_names and "complaints:inbox" not in staff_names


def test_a_menu_of_one_item_is_shown_as_a_plain_link():
    items = [
        {"url": "/", "label": "Beranda", "name": "home", "menu": None},
        {"url": "/api/v1/docs/", "label": "Dokumentasi API", "name": "api-docs", "menu": "manage"},
    ]
    assert nav_menu_for(items) == items


def test_nav_skips_pages_that_do_not_exist(hall_admin, monkeypatch):
    from mpp_portal.accounts import context_processors

    monkeypatch.setattr(
        context_processors,
        "NAV_ITEMS",
        [*context_processors.NAV_ITEMS, ("belum:ada", "Belum ada", None, None)],
    )
    assert "belum:ada" not in {item["name"] for item in nav_items_for(hall_admin)}


def test_everybody_finds_what_the_hall_publishes(db):
    from django.contrib.auth.models import AnonymousUser

    menu = nav_menu_for(nav_items_for(AnonymousUser()))
    groups = [entry for entry in menu if "children" in entry]
    assert [str(g["label"]) for g in groups] == ["Informasi publik"]
    assert [item["name"] for item in groups[0]["children"]] == [
        "forums:public_list",
        "sipabes:dashboard",
        "sipabes:lookup",
        "regency:public_index",
    ]


@pytest.mark.parametrize(
    ("persona", "sees", "misses"),
    [
        ("agency_admin_a", {"forums:agency_items", "agreements:list"}, {"forums:manage_list"}),
        ("hall_admin", {"forums:manage_list", "sipabes:visits", "agreements:coverage"}, set()),
        ("staff_a", set(), {"forums:agency_items", "sipabes:visits", "agreements:list"}),
    ],
)
def test_new_apps_in_the_menu_by_role(request, persona, sees, misses):
    names = {item["name"] for item in nav_items_for(request.getfixturevalue(persona))}
    assert sees <= names
    assert not (misses & names)
