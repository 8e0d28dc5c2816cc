import datetime as dt
import decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from mpp_portal.audit import history_for, record
from mpp_portal.audit.actions import register_actions
from mpp_portal.audit.models import AuditEntry
from tests.factories import AgencyFactory, HallFactory, UserFactory

WIB = ZoneInfo("Asia/Jakarta")

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="super.uji", is_staff=True, is_superuser=True)


def test_record_with_user_and_request(hall, staff_a):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    entry = record(
        actor=staff_a,
        action="status.change",
        obj=hall,
        from_status="draft",
        to_status="active",
        note="Dibuka untuk umum",
        changes={"opened": dt.date(2024, 6, 20), "fee": decimal.Decimal("0.00")},
        request=request,
    )
    entry.refresh_from_db()
    assert entry.actor == staff_a
    assert entry.actor_label == "petugas.a"
    assert entry.ip_address == "203.0.113.7"
    assert entry.content_type == ContentType.objects.get_for_model(hall)
    assert entry.object_id == str(hall.pk)
    assert entry.obj == hall
    assert entry.object_repr == "MPP Perigo Agung"
    assert (entry.from_status, entry.to_status) == ("draft", "active")
    assert entry.changes == {"opened": "2024-06-20", "fee": "0.00"}
    assert entry.action_label == "Mengubah status"


def test_record_without_actor_is_the_system(hall):
    entry = record(actor=None, action="ticket.expire", obj=hall)
    assert entry.actor is None
    assert entry.actor_label == "sistem"
    assert entry.ip_address is None
    assert entry.changes == {}
    # An unregistered code is shown as it is.
    assert entry.action_label == "ticket.expire"


def test_record_anonymous_citizen(hall):
    request = RequestFactory().post("/", REMOTE_ADDR="2001:db8::1")
    request.user = AnonymousUser()
    entry = record(actor=request.user, action="complaint.file", obj=hall, request=request)
    assert entry.actor is None
    assert entry.actor_label == "anonim"
    assert entry.ip_address == "2001:db8::1"


def test_forwarded_for_is_ignored_without_a_trusted_proxy(hall, settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9, 10.0.0.1"
    )
    assert record(actor=None, action="x", obj=hall, request=request).ip_address == "10.0.0.2"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # One proxy appends the address it saw: the last entry; what the client
        # wrote before it (a forged first entry) is ignored.
        (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.1", "198.51.100.9"),
        # Fewer entries than proxies: the first one.
        (2, "198.51.100.9", "198.51.100.9"),
        # Garbage from the proxy chain: the socket address.
        (1, "bukan-ip", "10.0.0.2"),
    ],
)
def test_forwarded_for_behind_trusted_proxies(hall, settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert record(actor=None, action="x", obj=hall, request=request).ip_address == expected


def test_record_refuses_unsaved_object(hall):
    with pytest.raises(ValueError):
        record(actor=None, action="create", obj=AgencyFactory.build(hall=hall))


def test_entries_are_append_only(hall):
    entry = record(actor=None, action="create", obj=hall)
    entry.note = "diubah"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert AuditEntry.objects.get().note == ""


def test_actor_label_survives_user_deletion(hall, citizen):
    entry = record(actor=citizen, action="create", obj=hall)
    citizen.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_label == "warga.uji"


def test_history_is_newest_first_and_only_for_that_object(hall, agency_a, staff_a):
    # The hall and the agency may share a primary key value: the content
    # type keeps their histories apart.
    for hour, action in [(1, "create"), (2, "update"), (3, "status.change")]:
        with time_machine.travel(dt.datetime(2024, 6, 20, hour, tzinfo=WIB), tick=False):
            record(actor=staff_a, action=action, obj=hall)
    record(actor=staff_a, action="create", obj=agency_a)
    assert [e.action for e in history_for(hall)] == ["status.change", "update", "create"]
    assert [e.action for e in history_for(hall, limit=1)] == ["status.change"]
    assert [e.action for e in history_for(agency_a)] == ["create"]


def test_history_query_count(hall, staff_a, staff_b, django_assert_num_queries):
    for actor in (staff_a, staff_b, None, staff_a):
        record(actor=actor, action="update", obj=hall)
    ContentType.objects.get_for_model(hall)  # Django caches content types per process
    with django_assert_num_queries(1):
        names = [e.actor.username if e.actor else e.actor_label for e in history_for(hall)]
    assert names == ["petugas.a", "sistem", "petugas.b", "petugas.a"]


def test_history_template_tag(hall, staff_a):
    register_actions({"hall.open": "Membuka gedung"})
    # 07:05 UTC is 14.05 WIB on Thursday 20 June 2024.
    with time_machine.travel(dt.datetime(2024, 6, 20, 7, 5, tzinfo=dt.UTC), tick=False):
        record(
            actor=staff_a,
            action="hall.open",
            obj=hall,
            from_status="draft",
            to_status="active",
            note="Diresmikan <b>Bupati</b>",
        )
    template = Template("{% load audit %}{% audit_history obj %}")
    with translation.override("id"):
        html = template.render(Context({"obj": hall}))
    assert "Kamis, 20 Juni 2024 14.05" in html
    assert "Membuka gedung" in html
    assert "petugas.a" in html
    assert "draft" in html and "active" in html
    assert "Diresmikan &lt;b&gt;Bupati&lt;/b&gt;" in html  # escaped
    assert "list-group" in html


def test_history_template_tag_without_entries(hall):
    with translation.override("id"):
        html = Template("{% load audit %}{% audit_history obj %}").render(Context({"obj": hall}))
    assert "Belum ada riwayat." in html


# --------------------------------------------------------------------------
# Admin: read-only
# --------------------------------------------------------------------------
def test_admin_changelist_loads_with_filters(client, superuser, hall, staff_a):
    entry = record(actor=staff_a, action="update", obj=hall, note="Jam layanan diubah")
    client.force_login(superuser)
    url = reverse("admin:audit_auditentry_changelist")
    for params in ({}, {"action": "update"}, {"q": "Perigo"}, {"actor__id__exact": staff_a.pk}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert "MPP Perigo Agung" in response.content.decode()
    # Viewable, not editable.
    change_url = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"note": "diubah"}).status_code == 403
    entry.refresh_from_db()
    assert entry.note == "Jam layanan diubah"


def test_admin_refuses_add_and_delete(client, superuser, hall):
    entry = record(actor=None, action="create", obj=hall)
    client.force_login(superuser)
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    delete_url = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert response.status_code in (200, 302)


def test_admin_is_closed_to_counter_staff_and_citizens(client, staff_a, citizen):
    for user in (staff_a, citizen):
        client.force_login(user)
        response = client.get(reverse("admin:audit_auditentry_changelist"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_a_hall_admin_reads_the_trail_of_their_own_hall_only(client, hall, hall_admin, staff_a):
    other_hall = HallFactory(name="MPP Lain", slug="mpp-lain")
    outsider = UserFactory(username="admin.lain", role="hall_admin", hall=other_hall)
    record(actor=staff_a, action="ticket.call", obj=hall, note="milik-sini")
    record(actor=outsider, action="ticket.call", obj=other_hall, note="milik-sana")
    client.force_login(hall_admin)

    response = client.get(reverse("admin:audit_auditentry_changelist"))

    assert response.status_code == 200
    assert [e.note for e in response.context["cl"].result_list] == ["milik-sini"]
    foreign = AuditEntry.objects.get(actor=outsider)
    url = reverse("admin:audit_auditentry_change", args=[foreign.pk])
    assert client.get(url).status_code == 302  # "does not exist" redirect


def test_history_shows_status_labels(citizen):
    record(actor=None, action="update", obj=citizen, from_status="citizen", to_status="kiosk")
    # Models name their status field; User's "role" stands in for one here.
    citizen.AUDIT_STATUS_FIELD = "role"
    with translation.override("id"):
        html = Template("{% load audit %}{% audit_history obj %}").render(Context({"obj": citizen}))
    assert "Warga" in html
    assert "Perangkat kios" in html
