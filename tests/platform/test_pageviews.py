"""Server-side page views of the public catalogue (mpp_portal.pageviews)."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory

from mpp_portal.accounts.models import User
from mpp_portal.pageviews import count_view
from mpp_portal.pageviews.models import PageViewDay
from mpp_portal.workdays import JAKARTA
from tests.factories import ServiceFactory, UserFactory

BROWSER = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
)
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1",
    "WhatsApp/2.23.20.0",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36",
    "",
]


@pytest.fixture
def service(agency_a):
    return ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el")


def views(**filters):
    return {
        (row.date, row.hall_id, row.kind, row.object_id): row.count
        for row in PageViewDay.objects.filter(**filters)
    }


@pytest.mark.django_db
def test_each_get_of_the_list_and_the_detail_counts_once(client, hall, service):
    today = datetime.date(2026, 12, 1)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)):
        for _ in range(2):
            assert client.get("/layanan/", HTTP_USER_AGENT=BROWSER).status_code == 200
        url = service.get_absolute_url()
        assert client.get(url, HTTP_USER_AGENT=BROWSER).status_code == 200
    assert views() == {
        (today, hall.pk, "catalogue", None): 2,
        (today, hall.pk, "service", service.pk): 1,
    }


@pytest.mark.django_db
def test_nothing_about_the_reader_is_kept(client, hall, service):
    response = client.get("/layanan/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.1.2.3")
    # No cookie of ours (the page may still set Django's own CSRF cookie).
    assert not [name for name in response.cookies if "view" in name.lower()]
    assert "sessionid" not in response.cookies
    fields = {f.name for f in PageViewDay._meta.get_fields()}
    assert fields == {"id", "date", "hall", "kind", "object_id", "count"}
    row = PageViewDay.objects.get()
    assert "10.1.2.3" not in repr(row.__dict__)


@pytest.mark.django_db
@pytest.mark.parametrize("agent", BOTS)
def test_bots_are_not_counted(client, hall, service, agent):
    assert client.get("/layanan/", HTTP_USER_AGENT=agent).status_code == 200
    assert client.get(service.get_absolute_url(), HTTP_USER_AGENT=agent).status_code == 200
    assert views() == {}


@pytest.mark.django_db
def test_head_is_not_counted(client, hall, service):
    client.head("/layanan/", HTTP_USER_AGENT=BROWSER)
    client.head(service.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert views() == {}


@pytest.mark.django_db
def test_staff_are_not_counted_citizens_are(client, hall, service, staff_a, hall_admin, citizen):
    superuser = UserFactory(username="root.uji", role=User.Role.CITIZEN, is_superuser=True)
    for user in (staff_a, hall_admin, superuser):
        client.force_login(user)
        client.get("/layanan/", HTTP_USER_AGENT=BROWSER)
        client.get(service.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert views() == {}
    client.force_login(citizen)
    client.get(service.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert sum(views().values()) == 1


@pytest.mark.django_db
def test_a_view_at_2330_wib_counts_on_that_wib_day(client, hall, service):
    # 16:30 UTC on 31 March is 23:30 WIB, still 31 March in the hall.
    with time_machine.travel(datetime.datetime(2026, 3, 31, 16, 30, tzinfo=datetime.UTC)):
        client.get(service.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert views() == {(datetime.date(2026, 3, 31), hall.pk, "service", service.pk): 1}


@pytest.mark.django_db
def test_a_missing_service_is_not_counted(client, hall, service):
    assert client.get("/layanan/999999-tidak-ada/", HTTP_USER_AGENT=BROWSER).status_code == 404
    assert views() == {}


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_are_never_lost(hall, service):
    """Threads with their own connections hit the same row at once: every view adds up."""
    threads, per_thread = 8, 25
    barrier = threading.Barrier(threads)
    factory = RequestFactory()

    def run(_n):
        try:
            barrier.wait(timeout=10)
            for _ in range(per_thread):
                request = factory.get("/layanan/", HTTP_USER_AGENT=BROWSER)
                request.user = AnonymousUser()
                count_view(request, "service", hall=hall, obj=service)
                count_view(request, "catalogue", hall=hall)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, range(threads)))
    counts = {kind: n for (_d, _h, kind, _o), n in views().items()}
    assert counts == {"service": threads * per_thread, "catalogue": threads * per_thread}
    assert PageViewDay.objects.count() == 2


@pytest.mark.django_db
def test_the_list_of_several_halls_counts_for_the_hall_chosen_or_none(client, hall, service):
    from tests.factories import HallFactory

    other = HallFactory(slug="mpp-lain", name="MPP Lain")
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)):
        client.get("/layanan/", HTTP_USER_AGENT=BROWSER)
        client.get("/layanan/", HTTP_USER_AGENT=BROWSER)
        client.get(f"/layanan/?gedung={other.slug}", HTTP_USER_AGENT=BROWSER)
    day = datetime.date(2026, 12, 1)
    # Both views without a hall land in one row (the key holds NULLs as equal).
    assert views() == {
        (day, None, "catalogue", None): 2,
        (day, other.pk, "catalogue", None): 1,
    }
