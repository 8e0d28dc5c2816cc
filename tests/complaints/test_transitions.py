"""Every (from, to) pair of Complaint.TRANSITIONS through the one transition
function; and the demo data covering every state."""

import io
import itertools

import pytest
from django.utils import timezone

from complaints import services as workflow
from complaints.models import Complaint
from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import TransitionNotAllowed
from tests.factories import AgencyFactory, UserFactory
from tests.transition_guard import force_status

S = Complaint.Status
PAIRS = list(itertools.product(S.values, repeat=2))


def test_the_table_covers_every_status():
    assert set(Complaint.TRANSITIONS) == set(S.values)
    assert Complaint.TRANSITIONS[S.INFO_REQUESTED] == {S.SUBMITTED, S.ARCHIVED}


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair(file_complaint, hall_admin, source, target):
    complaint = file_complaint()
    force_status(complaint, source)
    allowed = target in Complaint.TRANSITIONS[source]
    if allowed:
        workflow._transition(complaint, target, by=hall_admin, action="complaint.test_move")
        complaint.refresh_from_db()
        assert complaint.status == target
        entry = AuditEntry.objects.get(action="complaint.test_move")
        assert (entry.from_status, entry.to_status) == (source, target)
        assert complaint.updates.last().from_status == source
    else:
        with pytest.raises(TransitionNotAllowed):
            workflow._transition(complaint, target, by=hall_admin, action="complaint.test_move")
        complaint.refresh_from_db()
        assert complaint.status == source
        assert not AuditEntry.objects.filter(action="complaint.test_move").exists()


def test_the_demo_has_every_state_and_some_overdue(hall):
    from complaints import demo

    AgencyFactory(hall=hall, slug="disdukcapil", name="Disdukcapil")
    users = {
        "admin.mpp": UserFactory(username="admin.mpp", role=User.Role.HALL_ADMIN, hall=hall),
        "admin.dukcapil": None,
        "warga": UserFactory(username="warga", role=User.Role.CITIZEN),
    }
    users["admin.dukcapil"] = UserFactory(
        username="admin.dukcapil",
        role=User.Role.AGENCY_ADMIN,
        agency=hall.agencies.get(slug="disdukcapil"),
    )
    demo.seed(hall=hall, users=users, stdout=io.StringIO())
    statuses = set(Complaint.objects.filter(hall=hall).values_list("status", flat=True))
    assert statuses == set(S.values)
    overdue = Complaint.objects.filter(
        hall=hall, status__in=[S.SUBMITTED, S.DISPATCHED], due_at__lt=timezone.now()
    )
    assert overdue.exists()
    # Idempotent: a second run adds nothing.
    count = Complaint.objects.count()
    demo.seed(hall=hall, users=users, stdout=io.StringIO())
    assert Complaint.objects.count() == count
