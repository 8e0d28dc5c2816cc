"""Redis down: the kiosk, the board and a complaint still work (issue 14, item 2).

The cache is pointed at a port where nothing listens (connection refused,
as when Redis is stopped). Every throttle and the board's cache then fail
open; nothing answers 500.
"""

import logging

import pytest
from django.urls import reverse

from mpp_portal.cache import FailOpenRedisCache

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "mpp_portal.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings):
    FailOpenRedisCache._down_until = 0.0
    settings.CACHES = DEAD_REDIS
    yield
    FailOpenRedisCache._down_until = 0.0


def test_the_cache_answers_as_an_empty_cache_and_warns_once(redis_down, caplog):
    from django.core.cache import cache

    with caplog.at_level(logging.WARNING, logger="mpp_portal.cache"):
        assert cache.get("k", "default") == "default"
        assert cache.add("k", 1) is True
        cache.set("k", 2)
        assert cache.get_many(["k"]) == {}
        with pytest.raises(ValueError):
            cache.incr("k")
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1
    assert FailOpenRedisCache.is_down()


def test_the_kiosk_issues_tickets_and_the_board_polls(
    redis_down, token_client, kiosk_user, hall, service_a, counter_a
):
    kiosk = token_client(kiosk_user)
    for _ in range(3):
        response = kiosk.post("/api/v1/tickets/", {"service": service_a.pk, "priority": "normal"})
        assert response.status_code == 201, response.content
    numbers = [kiosk.post("/api/v1/tickets/", {"service": service_a.pk}).json()["number"]]
    assert numbers == [4]  # numbering lives in PostgreSQL, not in the cache

    board = token_client(kiosk_user).get(f"/api/v1/halls/{hall.slug}/board/")
    assert board.status_code == 200
    assert board.json()["waiting"]
    page = token_client(kiosk_user).get(reverse("services:board", args=[hall.slug]))
    assert page.status_code == 200


def test_healthz_says_the_cache_is_down(redis_down, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["cache"] == "down"
    assert response.json()["status"] == "degraded"


def test_a_complaint_is_filed_on_the_web_and_in_the_api(redis_down, client, api_client, hall):
    from complaints.models import Complaint

    form = {
        "kind": "pengaduan",
        "title": "Antrean KTP-el terlalu lama",
        "description": "Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
        "reporter_name": "Budi",
        "reporter_phone": "081234567890",
        "website": "",
    }
    response = client.post(reverse("complaints:new"), form)
    assert response.status_code == 302, response.content[:500]
    api = api_client.post(
        "/api/v1/complaints/",
        {
            "kind": "pengaduan",
            "title": "Loket tutup lebih awal",
            "description": "Loket pajak kendaraan sudah tutup pukul 13.00 padahal jadwal 16.00.",
            "is_anonymous": True,
        },
        format="json",
    )
    assert api.status_code == 201, api.content[:500]
    assert Complaint.objects.count() == 2
