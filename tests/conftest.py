"""Personas shared by every test: a citizen, staff of agency A and of
agency B in the same hall, and the hall admin (like healthchecks' alice,
bob and charlie)."""

import pytest

from mpp_portal.accounts.models import User
from tests.factories import AgencyFactory, HallFactory, UserFactory

pytest_plugins = ["tests.worker"]

PASSWORD = "rahasia-uji-123"


def pytest_configure(config):
    from django.conf import settings

    # PBKDF2 is slow on purpose; tests hash many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the transition guard on every stateful table.

    Installed every session (idempotent), so a database kept by --reuse-db
    and each xdist worker's own database carry the current trigger.
    """
    from tests.transition_guard import install

    with django_db_blocker.unblock():
        install()


@pytest.fixture
def hall(db):
    return HallFactory(name="MPP Perigo Agung", slug="perigo-agung")


@pytest.fixture
def agency_a(hall):
    return AgencyFactory(
        hall=hall,
        name="Dinas Kependudukan dan Pencatatan Sipil",
        short_name="Disdukcapil",
        slug="disdukcapil",
    )


@pytest.fixture
def agency_b(hall):
    return AgencyFactory(
        hall=hall, name="Badan Pendapatan Daerah", short_name="Bapenda", slug="bapenda"
    )


@pytest.fixture
def citizen(db):
    return UserFactory(username="warga.uji", role=User.Role.CITIZEN)


@pytest.fixture
def staff_a(agency_a):
    return UserFactory(username="petugas.a", role=User.Role.COUNTER_STAFF, agency=agency_a)


@pytest.fixture
def staff_b(agency_b):
    return UserFactory(username="petugas.b", role=User.Role.COUNTER_STAFF, agency=agency_b)


@pytest.fixture
def agency_admin_a(agency_a):
    return UserFactory(username="admin.a", role=User.Role.AGENCY_ADMIN, agency=agency_a)


@pytest.fixture
def hall_admin(hall):
    return UserFactory(username="admin.mpp.uji", role=User.Role.HALL_ADMIN, hall=hall)


@pytest.fixture
def kiosk_user(hall):
    return UserFactory(username="kiosk.uji", role=User.Role.KIOSK, hall=hall)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def token_client(db):
    """Return a function giving a new API client signed in with a user's token."""
    from rest_framework.test import APIClient

    from mpp_portal.accounts.services import token_issue

    def _login(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)}")
        return client

    return _login


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread; start each test in id."""
    from django.utils import translation

    translation.activate("id")
    yield
    translation.activate("id")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and axes state must not leak between tests.

    With Redis the cache shares its database with the Celery broker, so
    only this run's keys (its own KEY_PREFIX, see tests/testenv.py) are
    deleted: a FLUSHDB would drop queued tasks and other runs' keys.
    """
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]  # the backend itself, not the module's proxy
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    yield
