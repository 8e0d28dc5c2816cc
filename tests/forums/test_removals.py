"""Removing a participating agency, a signatory or an agreement item: audited, refused
to strangers and once the forum is past editing."""

import pytest
from django.urls import reverse

from forums import services
from forums.models import ForumAgency, Signatory
from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from tests.factories import HallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post(client, forum, action, row):
    url = reverse("forums:manage_detail", args=[forum.pk])
    return client.post(url, {"action": action, "row": row.pk})


def test_hall_admin_removes_an_agency_and_a_signatory_with_an_audit_entry(
    client, held_forum, hall_admin
):
    client.force_login(hall_admin)
    agency_row = held_forum.agencies.get()
    signatory = held_forum.signatories.get(name="Hendra Wijaya")

    assert _post(client, held_forum, "remove_agency", agency_row).status_code == 302
    assert _post(client, held_forum, "remove_signatory", signatory).status_code == 302

    assert not ForumAgency.objects.filter(pk=agency_row.pk).exists()
    assert not Signatory.objects.filter(pk=signatory.pk).exists()
    removed = {e.action: e for e in AuditEntry.objects.for_object(held_forum)}
    assert removed["forum.agency_remove"].actor == hall_admin
    assert removed["forum.agency_remove"].note == agency_row.agency.name
    assert removed["forum.signatory_remove"].note == (
        "Hendra Wijaya (Kepala Dinas Kependudukan dan Pencatatan Sipil)"
    )


def test_a_row_of_another_forum_or_a_bad_id_is_not_found(client, held_forum, hall_admin, hall):
    other = services.forum_plan(
        hall=hall, by=hall_admin, theme="Forum lain", venue="Aula", starts_at=held_forum.starts_at
    )
    client.force_login(hall_admin)
    row = held_forum.signatories.first()
    url = reverse("forums:manage_detail", args=[other.pk])
    assert client.post(url, {"action": "remove_signatory", "row": row.pk}).status_code == 404
    assert client.post(url, {"action": "remove_agency", "row": "abc"}).status_code == 404
    assert Signatory.objects.filter(pk=row.pk).exists()


def test_strangers_cannot_remove(client, held_forum, agency_admin_a):
    row = held_forum.signatories.first()
    client.force_login(agency_admin_a)
    assert _post(client, held_forum, "remove_signatory", row).status_code == 403
    other_hall = HallFactory(name="MPP Lain", slug="mpp-lain", code="LAIN")
    client.force_login(
        UserFactory(username="admin.lain", role=User.Role.HALL_ADMIN, hall=other_hall)
    )
    assert _post(client, held_forum, "remove_signatory", row).status_code == 404
    assert Signatory.objects.filter(pk=row.pk).exists()
    assert not AuditEntry.objects.filter(action="forum.signatory_remove").exists()


def test_nothing_is_removed_once_signing_started(client, signing_forum, hall_admin):
    client.force_login(hall_admin)
    row = signing_forum.signatories.first()
    response = _post(client, signing_forum, "remove_signatory", row)
    # Refused with a message on the forum's page.
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "sedang dalam persetujuan atau sudah ditandatangani" in page
    assert Signatory.objects.filter(pk=row.pk).exists()
    assert not AuditEntry.objects.filter(action="forum.signatory_remove").exists()


def test_the_remove_forms_ask_first(client, held_forum, hall_admin):
    client.force_login(hall_admin)
    page = client.get(reverse("forums:manage_detail", args=[held_forum.pk])).content.decode()
    assert 'data-confirm="Hapus Dinas Kependudukan dan Pencatatan Sipil dari forum ini?"' in page
    assert 'data-confirm="Hapus Kopli Ansori dari daftar penandatangan?"' in page
    items = client.get(reverse("forums:manage_items", args=[held_forum.pk])).content.decode()
    assert 'data-confirm="Hapus kesepakatan nomor 1?"' in items


def test_item_delete_with_a_bad_id_is_not_found(client, held_forum, hall_admin):
    client.force_login(hall_admin)
    url = reverse("forums:manage_items", args=[held_forum.pk])
    assert client.post(url, {"action": "delete", "item": "1 OR 1=1"}).status_code == 404
    assert held_forum.items.count() == 2
