"""The staff console: counter list, the console panel and its htmx actions."""

import pytest
from django.urls import reverse

from services import queue
from services.models import Counter, Priority, Ticket, TicketTransfer
from tests.factories import ServiceFactory

HX = {"HTTP_HX_REQUEST": "true"}


def _issue(service, priority=Priority.NORMAL):
    return queue.ticket_issue(service=service, priority=priority)


def _ticket_url(counter, ticket, action):
    return reverse("services:console_ticket", args=[counter.pk, ticket.pk, action])


@pytest.fixture
def opened(client, staff_a, counter_a):
    """Staff A signed in with counter A open."""
    client.force_login(staff_a)
    queue.counter_open(counter=counter_a, by=staff_a)
    return counter_a


@pytest.fixture
def called(opened, staff_a, service_a):
    """A ticket called to the open counter A."""
    _issue(service_a)
    return queue.ticket_call_next(counter=opened, by=staff_a)


class TestCounterList:
    def test_it_lists_own_agency_counters(self, client, staff_a, counter_a, counter_a2, counter_b):
        client.force_login(staff_a)
        response = client.get(reverse("services:console"))
        assert response.status_code == 200
        assert list(response.context["counters"]) == [counter_a, counter_a2]
        assert "Loket 3" not in response.content.decode()

    def test_hall_admin_sees_every_counter(self, client, hall_admin, counter_a, counter_b):
        client.force_login(hall_admin)
        response = client.get(reverse("services:console"))
        assert {c.pk for c in response.context["counters"]} == {counter_a.pk, counter_b.pk}

    def test_shows_who_has_an_open_counter(self, client, staff_a, staff_a2, counter_a):
        queue.counter_open(counter=counter_a, by=staff_a2)
        client.force_login(staff_a)
        body = client.get(reverse("services:console")).content.decode()
        assert f"Dibuka oleh {staff_a2.get_full_name()}" in body
        assert "Lihat (hanya baca)" in body

    def test_citizen_is_forbidden(self, client, citizen, counter_a):
        client.force_login(citizen)
        assert client.get(reverse("services:console")).status_code == 403
        assert (
            client.get(reverse("services:console_counter", args=[counter_a.pk])).status_code == 403
        )

    def test_kiosk_is_forbidden(self, client, kiosk_user):
        client.force_login(kiosk_user)
        assert client.get(reverse("services:console")).status_code == 403

    def test_anonymous_goes_to_login(self, client, counter_a):
        for url in (
            reverse("services:console"),
            reverse("services:console_counter", args=[counter_a.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 302
            assert reverse("accounts:login") in response.url

    def test_anonymous_htmx_poll_gets_a_client_redirect(self, client, counter_a):
        response = client.get(
            reverse("services:console_queue", args=[counter_a.pk]),
            HTTP_HX_CURRENT_URL="http://testserver/antrean/loket/1/",
            **HX,
        )
        assert response.status_code == 200
        assert response["HX-Redirect"].startswith(reverse("accounts:login"))
        assert "next=/antrean/loket/1/" in response["HX-Redirect"]

    def test_list_query_count(
        self, client, hall_admin, counter_a, counter_a2, counter_b, django_assert_max_num_queries
    ):
        client.force_login(hall_admin)
        with django_assert_max_num_queries(6):
            assert client.get(reverse("services:console")).status_code == 200


class TestOpenClose:
    def test_open_via_post_redirects_to_the_console(self, client, staff_a, counter_a):
        client.force_login(staff_a)
        response = client.post(reverse("services:console_open", args=[counter_a.pk]))
        assert response.status_code == 302
        assert response.url == reverse("services:console_counter", args=[counter_a.pk])
        counter_a.refresh_from_db()
        assert counter_a.is_open and counter_a.operator == staff_a

    def test_open_a_counter_someone_else_runs_shows_who(self, client, staff_a, staff_a2, counter_a):
        queue.counter_open(counter=counter_a, by=staff_a2)
        client.force_login(staff_a)
        response = client.post(reverse("services:console_open", args=[counter_a.pk]), follow=True)
        assert "sedang dibuka oleh" in response.content.decode()
        counter_a.refresh_from_db()
        assert counter_a.operator == staff_a2

    def test_other_staff_sees_the_console_read_only(
        self, client, staff_a, staff_a2, counter_a, service_a
    ):
        queue.counter_open(counter=counter_a, by=staff_a2)
        _issue(service_a)
        queue.ticket_call_next(counter=counter_a, by=staff_a2)
        client.force_login(staff_a)
        response = client.get(reverse("services:console_counter", args=[counter_a.pk]))
        body = response.content.decode()
        assert "Anda hanya dapat melihat" in body
        assert "A-001" in body
        assert "Panggil berikutnya" not in body
        ticket = Ticket.objects.get()
        response = client.post(_ticket_url(counter_a, ticket, "mulai"), **HX)
        assert "dibuka oleh petugas lain" in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.CALLED

    def test_hall_admin_opens_another_agencys_counter(self, client, hall_admin, counter_b):
        client.force_login(hall_admin)
        client.post(reverse("services:console_open", args=[counter_b.pk]))
        counter_b.refresh_from_db()
        assert counter_b.is_open and counter_b.operator == hall_admin
        assert (
            client.get(reverse("services:console_counter", args=[counter_b.pk])).status_code == 200
        )

    def test_agency_admin_closes_a_counter_left_open(
        self, client, agency_admin_a, staff_a2, counter_a
    ):
        queue.counter_open(counter=counter_a, by=staff_a2)
        client.force_login(agency_admin_a)
        body = client.get(reverse("services:console_counter", args=[counter_a.pk])).content
        assert "Tutup loket" in body.decode()
        client.post(reverse("services:console_close", args=[counter_a.pk]), **HX)
        counter_a.refresh_from_db()
        assert not counter_a.is_open

    def test_close_counter(self, client, opened):
        response = client.post(reverse("services:console_close", args=[opened.pk]), **HX)
        assert response.status_code == 200
        assert "Loket ini sedang tutup" in response.content.decode()
        opened.refresh_from_db()
        assert not opened.is_open and opened.operator is None

    def test_close_refused_while_serving(self, client, staff_a, called):
        queue.ticket_start(ticket=called, by=staff_a)
        response = client.post(reverse("services:console_close", args=[called.counter_id]), **HX)
        assert "tiket A-001 sedang dilayani" in response.content.decode()
        assert Counter.objects.get(pk=called.counter_id).is_open

    def test_close_refused_while_a_ticket_is_called(self, client, called):
        response = client.post(reverse("services:console_close", args=[called.counter_id]), **HX)
        body = response.content.decode()
        assert "alert-danger" in body
        assert "Loket belum dapat ditutup: tiket A-001 masih dipanggil ke loket ini." in body
        assert Counter.objects.get(pk=called.counter_id).is_open


class TestActions:
    def test_call_next_via_htmx_returns_the_panel(self, client, opened, service_a):
        _issue(service_a)
        response = client.post(reverse("services:console_call_next", args=[opened.pk]), **HX)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'id="console-panel"' in body
        assert "<html" not in body
        assert "A-001" in body
        assert "Nomor A-001 dipanggil" in body
        ticket = Ticket.objects.get()
        assert ticket.status == Ticket.Status.CALLED and ticket.counter == opened

    def test_call_next_without_js_redirects(self, client, opened, service_a):
        _issue(service_a)
        response = client.post(reverse("services:console_call_next", args=[opened.pk]))
        assert response.status_code == 302
        page = client.get(response.url).content.decode()
        assert "Nomor A-001 dipanggil" in page
        assert Ticket.objects.get().status == Ticket.Status.CALLED

    def test_call_next_with_nobody_waiting(self, client, opened):
        response = client.post(reverse("services:console_call_next", args=[opened.pk]), **HX)
        assert "Tidak ada tiket yang menunggu" in response.content.decode()

    def test_call_next_refused_while_a_ticket_is_open(self, client, called, service_a):
        _issue(service_a)
        response = client.post(
            reverse("services:console_call_next", args=[called.counter_id]), **HX
        )
        assert "Selesaikan dulu tiket A-001" in response.content.decode()
        assert Ticket.objects.filter(status=Ticket.Status.WAITING).count() == 1

    def test_recall_counts_calls_then_marks_no_show(self, client, opened, called):
        url = _ticket_url(opened, called, "panggil-ulang")
        body = client.post(url, **HX).content.decode()
        assert "panggilan ke-2 dari 3" in body
        client.post(url, **HX)
        called.refresh_from_db()
        assert called.call_count == 3 and called.status == Ticket.Status.CALLED
        page = client.get(reverse("services:console_counter", args=[opened.pk])).content.decode()
        assert "Sudah 3 kali dipanggil: menekan lagi menandai tiket tidak hadir." in page
        body = client.post(url, **HX).content.decode()
        called.refresh_from_db()
        assert called.status == Ticket.Status.SKIPPED
        assert "ditandai tidak hadir" in body

    def test_start_and_finish(self, client, opened, called):
        client.post(_ticket_url(opened, called, "mulai"), **HX)
        called.refresh_from_db()
        assert called.status == Ticket.Status.SERVING
        body = client.post(_ticket_url(opened, called, "selesai"), **HX).content.decode()
        called.refresh_from_db()
        assert called.status == Ticket.Status.DONE
        assert "A-001 selesai dilayani" in body

    def test_skip(self, client, opened, called):
        client.post(_ticket_url(opened, called, "tidak-hadir"), **HX)
        called.refresh_from_db()
        assert called.status == Ticket.Status.SKIPPED

    def test_requeue_a_late_arrival(self, client, opened, called, staff_a):
        queue.ticket_skip(ticket=called, by=staff_a)
        body = client.get(reverse("services:console_counter", args=[opened.pk])).content.decode()
        assert "Kembalikan ke antrean" in body
        client.post(_ticket_url(opened, called, "kembalikan"), **HX)
        called.refresh_from_db()
        assert called.status == Ticket.Status.WAITING and called.requeued

    def test_requeue_refuses_the_called_ticket(self, client, opened, called):
        body = client.post(_ticket_url(opened, called, "kembalikan"), **HX).content.decode()
        assert "Hanya tiket yang tidak hadir yang dapat dikembalikan" in body
        called.refresh_from_db()
        assert called.status == Ticket.Status.CALLED and not called.requeued

    def test_another_counter_cannot_pull_back_a_called_ticket(
        self, client, called, counter_a2, staff_a2
    ):
        client.force_login(staff_a2)
        queue.counter_open(counter=counter_a2, by=staff_a2)
        body = client.post(_ticket_url(counter_a2, called, "kembalikan"), **HX).content.decode()
        assert "Tiket ini sedang ditangani di loket lain" in body
        called.refresh_from_db()
        assert called.status == Ticket.Status.CALLED and called.counter_id != counter_a2.pk

    def test_another_counter_returns_a_late_no_show(
        self, client, called, staff_a, counter_a2, staff_a2
    ):
        queue.ticket_skip(ticket=called, by=staff_a)
        client.force_login(staff_a2)
        queue.counter_open(counter=counter_a2, by=staff_a2)
        body = client.post(_ticket_url(counter_a2, called, "kembalikan"), **HX).content.decode()
        assert "A-001 dikembalikan ke antrean" in body
        called.refresh_from_db()
        assert called.status == Ticket.Status.WAITING and called.requeued

    def test_transfer_keeps_the_arrival_time(self, client, opened, called, service_b):
        queued_at = called.queued_at
        body = client.get(reverse("services:console_counter", args=[opened.pk])).content.decode()
        assert "Pajak Kendaraan" in body  # another agency's service in the select
        response = client.post(
            _ticket_url(opened, called, "alihkan"), {"service": service_b.pk}, **HX
        )
        assert "dialihkan ke Pajak Kendaraan" in response.content.decode()
        called.refresh_from_db()
        assert called.service == service_b and called.status == Ticket.Status.WAITING
        assert called.queued_at == queued_at
        assert TicketTransfer.objects.filter(ticket=called, to_service=service_b).exists()

    def test_transfer_refuses_a_priority_the_target_does_not_accept(
        self, client, opened, staff_a, service_a, service_b
    ):
        service_b.accepted_priorities = []
        service_b.save()
        _issue(service_a, Priority.DISABILITY)
        ticket = queue.ticket_call_next(counter=opened, by=staff_a)
        page = client.get(reverse("services:console_counter", args=[opened.pk])).content.decode()
        assert "Pajak Kendaraan" not in page  # not offered as a target
        body = client.post(
            _ticket_url(opened, ticket, "alihkan"), {"service": service_b.pk}, **HX
        ).content.decode()
        assert "alert-danger" in body
        assert "Pajak Kendaraan tidak menerima antrean prioritas Penyandang disabilitas" in body
        ticket.refresh_from_db()
        assert (ticket.service, ticket.status) == (service_a, Ticket.Status.CALLED)

    def test_transfer_to_nowhere_is_refused(self, client, opened, called):
        body = client.post(
            _ticket_url(opened, called, "alihkan"), {"service": "999999"}, **HX
        ).content.decode()
        assert "Pilih layanan tujuan" in body
        called.refresh_from_db()
        assert called.status == Ticket.Status.CALLED

    def test_note(self, client, opened, called):
        client.post(_ticket_url(opened, called, "catatan"), {"note": "  Berkas KK kurang  "}, **HX)
        called.refresh_from_db()
        assert called.note == "Berkas KK kurang"

    def test_finishing_a_waiting_ticket_shows_the_error(self, client, opened, service_a):
        ticket = _issue(service_a)
        response = client.post(_ticket_url(opened, ticket, "selesai"), **HX)
        assert response.status_code == 200
        body = response.content.decode()
        assert "alert-danger" in body
        assert "Tidak dapat mengubah tiket antrean dari status" in body
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.WAITING

    def test_unknown_action_is_404(self, client, opened, called):
        assert client.post(_ticket_url(opened, called, "hapus"), **HX).status_code == 404


def _listed_next(body):
    """Return the code of the waiting-list row marked as called next."""
    import re

    marked = re.findall(r'data-next-call>\s*<th scope="row"[^>]*>([A-Z]+-\d+)', body)
    assert len(marked) == 1, marked
    rows = re.findall(r'<th scope="row" class="font-monospace">([A-Z]+-\d+)', body)
    assert rows[0] == marked[0]  # and it is the first row
    return marked[0]


class TestWaitingListOrder:
    """The first ticket listed is the one "call next" calls."""

    def _queue_page(self, client, counter):
        return client.get(reverse("services:console_queue", args=[counter.pk])).content.decode()

    def test_service_weight(self, client, staff_a, counter_a, service_a, service_a2):
        import datetime

        import time_machine

        from mpp_portal.workdays import JAKARTA

        counter_a.counterservice_set.filter(service=service_a2).update(weight=5)
        client.force_login(staff_a)
        queue.counter_open(counter=counter_a, by=staff_a)
        _issue(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 2, tzinfo=JAKARTA)):
            _issue(service_a2)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 10, tzinfo=JAKARTA)):
            listed = _listed_next(self._queue_page(client, counter_a))
            called = queue.ticket_call_next(counter=counter_a, by=staff_a)
        assert (listed, called.code) == ("K-001", "K-001")

    def test_a_normal_ticket_after_a_run_of_priority_calls(
        self, client, opened, staff_a, service_a
    ):
        _issue(service_a)
        for _ in range(4):
            _issue(service_a, Priority.ELDERLY)
        for _ in range(3):  # three priority calls in a row
            called = queue.ticket_call_next(counter=opened, by=staff_a)
            assert called.is_priority
            queue.ticket_skip(ticket=called, by=staff_a)
        body = self._queue_page(client, opened)
        listed = _listed_next(body)
        called = queue.ticket_call_next(counter=opened, by=staff_a)
        assert (listed, called.code) == ("A-001", "A-001")
        assert not called.is_priority


class TestOtherAgency:
    def test_staff_b_cannot_see_or_act_on_counter_a(
        self, client, staff_b, opened, called, service_a
    ):
        client.force_login(staff_b)
        assert client.get(reverse("services:console_counter", args=[opened.pk])).status_code in (
            403,
            404,
        )
        assert client.get(reverse("services:console_queue", args=[opened.pk])).status_code in (
            403,
            404,
        )
        for url in (
            reverse("services:console_open", args=[opened.pk]),
            reverse("services:console_close", args=[opened.pk]),
            reverse("services:console_call_next", args=[opened.pk]),
            _ticket_url(opened, called, "selesai"),
            _ticket_url(opened, called, "tidak-hadir"),
        ):
            assert client.post(url, **HX).status_code in (403, 404), url
        called.refresh_from_db()
        opened.refresh_from_db()
        assert called.status == Ticket.Status.CALLED
        assert opened.is_open

    def test_staff_b_cannot_reach_a_ticket_through_own_counter(
        self, client, staff_b, counter_b, called
    ):
        client.force_login(staff_b)
        queue.counter_open(counter=counter_b, by=staff_b)
        response = client.post(_ticket_url(counter_b, called, "selesai"), **HX)
        assert response.status_code == 404
        called.refresh_from_db()
        assert called.status == Ticket.Status.CALLED


class TestQueryCounts:
    def _fill(self, agency_a, service_a, service_a2, n):
        for _ in range(n):
            _issue(service_a)
            _issue(service_a2, Priority.ELDERLY)
        for i in range(3):
            ServiceFactory(
                agency=agency_a, name=f"Layanan lain {i}", slug=f"lain-{i}", code="Z" * (i + 1)
            )

    def test_console_page_queries_do_not_grow(
        self,
        client,
        opened,
        called,
        staff_a,
        agency_a,
        service_a,
        service_a2,
        django_assert_max_num_queries,
    ):
        self._fill(agency_a, service_a, service_a2, 3)
        url = reverse("services:console_counter", args=[opened.pk])
        # 12: one more than before for the day's breaks (istirahat minutes).
        with django_assert_max_num_queries(12):
            small = client.get(url)
        assert small.status_code == 200
        self._fill_more(service_a, service_a2, 15)
        queue.ticket_skip(ticket=called, by=staff_a)
        with django_assert_max_num_queries(11):
            big = client.get(url)
        body = big.content.decode()
        assert body.count('<th scope="row" class="font-monospace">') == 36

    def _fill_more(self, service_a, service_a2, n):
        for _ in range(n):
            _issue(service_a)
            _issue(service_a2)

    def test_waiting_list_partial(
        self, client, opened, service_a, service_a2, django_assert_max_num_queries
    ):
        self._fill_more(service_a, service_a2, 10)
        _issue(service_a2, Priority.PREGNANT)
        url = reverse("services:console_queue", args=[opened.pk])
        with django_assert_max_num_queries(7):
            response = client.get(url, **HX)
        body = response.content.decode()
        assert 'hx-trigger="every 5s"' in body
        assert "<html" not in body
        # Priority first, then arrival order.
        assert body.index("K-011") < body.index("A-001") < body.index("K-001")
        assert '<dd class="h4 mb-0">21</dd>' in body  # waiting today
