"""Priority groups per UU 25/2009 Pasal 29 and its elucidation: persons with
disabilities, the elderly, pregnant women, children and disaster victims
(DOMAIN.md "Priority service"), offered at the kiosk, taken by the API,
chosen per service and counted in the statistics."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from mpp_portal.workdays import JAKARTA
from services.forms.catalogue import ServiceForm
from services.models import PRIORITY_LEVELS, Priority, Service, Ticket
from services.queue import ticket_issue
from services.stats import StatsScope, dashboard

NEW_GROUPS = [Priority.CHILD, Priority.DISASTER_VICTIM]


def test_the_groups_are_the_laws():
    assert {p.value: str(p.label) for p in Priority} == {
        "normal": "Umum",
        "lansia": "Lansia",
        "disabilitas": "Penyandang disabilitas",
        "ibu_hamil": "Ibu hamil",
        "anak": "Anak-anak / membawa anak kecil",
        "korban_bencana": "Korban bencana",
    }
    assert Priority.NORMAL not in PRIORITY_LEVELS and len(PRIORITY_LEVELS) == 5


class TestKiosk:
    @pytest.fixture
    def kiosk(self, client, kiosk_user):
        client.force_login(kiosk_user)
        return client

    def test_it_offers_every_group_the_service_takes(self, kiosk, hall, service_a):
        url = reverse("services:kiosk", args=[hall.slug])
        html = kiosk.get(url, {"service": service_a.pk}).content.decode()
        for group in Priority:
            assert f'value="{group.value}"' in html
        assert "Anak-anak / membawa anak kecil" in html
        assert "Korban bencana" in html

    @pytest.mark.parametrize("group", NEW_GROUPS, ids=lambda g: g.value)
    def test_it_issues_a_ticket_for_a_new_group(self, kiosk, hall, service_a, group):
        url = reverse("services:kiosk", args=[hall.slug])
        response = kiosk.post(url, {"service": service_a.pk, "priority": group.value})
        assert response.status_code == 302
        ticket = Ticket.objects.get()
        assert ticket.priority == group and ticket.is_priority
        printed = kiosk.get(reverse("services:ticket_print", args=[ticket.tracking_code]))
        assert f"Prioritas: {group.label}" in printed.content.decode()

    def test_a_service_that_does_not_take_the_group_is_refused(self, kiosk, hall, service_a):
        service_a.accepted_priorities = ["lansia"]
        service_a.save()
        url = reverse("services:kiosk", args=[hall.slug])
        html = kiosk.get(url, {"service": service_a.pk}).content.decode()
        assert 'value="korban_bencana"' not in html and 'value="anak"' not in html
        kiosk.post(url, {"service": service_a.pk, "priority": "korban_bencana"})
        assert not Ticket.objects.exists()


@pytest.mark.parametrize("group", NEW_GROUPS, ids=lambda g: g.value)
def test_the_api_takes_the_new_groups(token_client, kiosk_user, service_a, group):
    response = token_client(kiosk_user).post(
        "/api/v1/tickets/", {"service": service_a.pk, "priority": group.value}
    )
    assert response.status_code == 201
    assert Ticket.objects.get().priority == group


def test_a_service_can_take_the_new_groups():
    field = ServiceForm.base_fields["accepted_priorities"]
    assert [value for value, _label in field.choices] == PRIORITY_LEVELS


def test_the_statistics_count_every_group(client, hall, hall_admin, service_a):
    for group, n in [(Priority.NORMAL, 3), (Priority.CHILD, 2), (Priority.DISASTER_VICTIM, 1)]:
        for _ in range(n):
            ticket_issue(service=service_a, priority=group)
    today = datetime.datetime.now(JAKARTA).date()
    data = dashboard(StatsScope(hall_id=hall.pk, start=today, end=today))
    issued = {row["priority"]: row["issued"] for row in data["per_priority"]}
    assert issued == {
        Priority.NORMAL: 3,
        Priority.ELDERLY: 0,
        Priority.DISABILITY: 0,
        Priority.PREGNANT: 0,
        Priority.CHILD: 2,
        Priority.DISASTER_VICTIM: 1,
    }

    client.force_login(hall_admin)
    page = client.get(reverse("services:stats")).content.decode()
    assert "Per kelompok prioritas" in page
    assert "Korban bencana" in page


@pytest.mark.django_db(transaction=True)
def test_services_that_took_the_old_groups_take_the_new_ones(agency_a):
    before = [("services", "0005_priority_children_and_disaster_victims")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    executor.loader.build_graph()
    OldService = executor.loader.project_state(before).apps.get_model("services", "Service")

    def old_service(code, accepted):
        return OldService.objects.create(
            agency_id=agency_a.pk,
            name=f"Layanan {code}",
            slug=code,
            code=code,
            accepted_priorities=accepted,
        ).pk

    every_old_group = old_service("A", ["lansia", "disabilitas", "ibu_hamil"])
    pregnant_only = old_service("B", ["ibu_hamil"])
    elderly_only = old_service("C", ["lansia"])
    none = old_service("D", [])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    accepted = dict(Service.objects.values_list("pk", "accepted_priorities"))
    assert accepted == {
        every_old_group: ["lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana"],
        pregnant_only: ["ibu_hamil", "anak"],
        elderly_only: ["lansia"],
        none: [],
    }
