"""Who may do what (accounts.permissions) and who sees which rows (visible_to).

EXPECTED is the documented matrix (DESIGN.md §2, written out here by hand):
a change of CAPABILITIES that is not also made here fails, and so does a
capability nobody wrote down.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from mpp_portal.accounts import permissions
from mpp_portal.accounts.context_processors import nav_items_for
from mpp_portal.accounts.models import User
from mpp_portal.accounts.permissions import CAPABILITIES, Role, can, roles_with
from tests.factories import AgencyFactory, CounterFactory, HallFactory, ServiceFactory, UserFactory

ALL_ROLES = [role.value for role in Role]
STAFF = {"counter_staff", "agency_admin", "sipabes_officer", "hall_admin", "signatory"}

EXPECTED = {
    "queue.issue": {"kiosk", "counter_staff", "agency_admin", "hall_admin"},
    "queue.operate": {"counter_staff", "agency_admin", "hall_admin"},
    "queue.supervise": {"agency_admin", "hall_admin"},
    "booking.manage": {"counter_staff", "agency_admin", "hall_admin"},
    "booking.close_day": {"hall_admin"},
    "catalogue.manage": {"agency_admin", "hall_admin"},
    "stats.view": {"agency_admin", "hall_admin"},
    "ikm.view": {"agency_admin", "hall_admin"},
    "complaint.read": {"counter_staff", "agency_admin", "hall_admin", "api_client"},
    "complaint.staff_pages": {"counter_staff", "agency_admin", "hall_admin"},
    "complaint.file_at_counter": {"counter_staff", "hall_admin"},
    "complaint.verify": {"hall_admin"},
    "complaint.follow_up": {"agency_admin", "api_client"},
    "complaint.file_unthrottled": {
        "kiosk",
        "counter_staff",
        "agency_admin",
        "hall_admin",
        "sipabes_officer",
        "api_client",
    },
    "open311.post": STAFF | {"api_client"},
    "api.trusted_rate": {"kiosk", "counter_staff", "agency_admin", "hall_admin", "sipabes_officer"},
    "api.docs": {"agency_admin", "hall_admin", "api_client"},
    "admin.site": {"hall_admin"},
    "board.announce": {"hall_admin"},
    "sipabes.register": {"sipabes_officer", "hall_admin"},
    "sipabes.plan": {"agency_admin", "hall_admin"},
    "forum.manage": {"hall_admin"},
    "forum.sign": {"signatory"},
    "forum.follow_up": {"agency_admin", "hall_admin", "api_client"},
    "agreements.view": {"agency_admin", "hall_admin"},
    "agreements.read": {"agency_admin", "hall_admin", "api_client"},
    "agreements.manage": {"hall_admin"},
    "dashboard.view": {"agency_admin", "hall_admin", "signatory"},
    "evidence.export": {"hall_admin"},
}


def _unsaved(role, **kwargs):
    # can() reads the role and the flags only: no database needed.
    return User(username=f"u-{role}", role=role, hall_id=1, agency_id=1, **kwargs)


# --------------------------------------------------------------------------
# The capability table
# --------------------------------------------------------------------------
def test_every_capability_is_documented():
    assert set(CAPABILITIES) == set(EXPECTED)
    for roles in CAPABILITIES.values():
        assert roles <= set(Role)


@pytest.mark.parametrize("capability", sorted(EXPECTED))
@pytest.mark.parametrize("role", ALL_ROLES)
def test_capability_matrix(role, capability):
    user = _unsaved(role)
    assert can(user, capability) is (role in EXPECTED[capability])
    assert user.can(capability) is (role in EXPECTED[capability])


@pytest.mark.parametrize("capability", sorted(EXPECTED))
def test_superuser_holds_all_and_the_anonymous_none(capability):
    assert can(_unsaved("citizen", is_superuser=True), capability)
    assert not can(AnonymousUser(), capability)
    assert not can(None, capability)
    assert not can(_unsaved("hall_admin", is_active=False), capability)


def test_unknown_capability_is_an_error():
    with pytest.raises(KeyError):
        can(_unsaved("hall_admin"), "queue.oprate")


def test_the_user_model_reads_the_same_groups():
    """One source of truth: the User's role helpers and its database
    constraint agree with accounts.permissions."""
    assert User.Role is Role
    assert {"counter_staff", "agency_admin", "api_client"} == User.AGENCY_ROLES
    assert set(ALL_ROLES) - {"citizen"} == User.HALL_ROLES
    constraint = next(c for c in User._meta.constraints if c.name == "user_agency_role_has_agency")
    assert set(dict(constraint.condition.children[0].children)["role__in"]) == User.AGENCY_ROLES
    for role in ALL_ROLES:
        user = _unsaved(role)
        assert user.is_staff_member is (role in STAFF)
        assert user.is_hall_admin is (role == "hall_admin")
    assert _unsaved("citizen", is_superuser=True).is_hall_admin


@pytest.mark.parametrize("role", ALL_ROLES)
def test_navigation_follows_the_capabilities(role):
    names = {item["name"] for item in nav_items_for(_unsaved(role))}
    for url_name, capability in [
        ("services:console", "queue.operate"),
        ("services:booking_staff", "booking.manage"),
        ("complaints:new_counter", "complaint.file_at_counter"),
        ("complaints:inbox", "complaint.verify"),
        ("services:manage", "catalogue.manage"),
        ("services:stats", "stats.view"),
        ("services:ikm", "ikm.view"),
        ("admin:index", "admin.site"),
        ("api-docs", "api.docs"),
    ]:
        assert (url_name in names) is (role in EXPECTED[capability]), url_name
    assert ("complaints:agency_list" in names) is (role in {"counter_staff", "agency_admin"})


# --------------------------------------------------------------------------
# Personas: hall A (agencies A1, A2) and hall B (agency B1)
# --------------------------------------------------------------------------
@pytest.fixture
def world(db):
    hall_a = HallFactory(name="MPP A", slug="mpp-a", code="LBA")
    hall_b = HallFactory(name="MPP B", slug="mpp-b", code="LBB")
    agencies = {
        "A1": AgencyFactory(hall=hall_a),
        "A2": AgencyFactory(hall=hall_a),
        "B1": AgencyFactory(hall=hall_b),
    }
    R = Role
    people = {
        "hall_admin_a": UserFactory(role=R.HALL_ADMIN, hall=hall_a),
        "staff_a1": UserFactory(role=R.COUNTER_STAFF, agency=agencies["A1"]),
        "agency_admin_a1": UserFactory(role=R.AGENCY_ADMIN, agency=agencies["A1"]),
        "api_client_a1": UserFactory(role=R.API_CLIENT, agency=agencies["A1"]),
        "staff_a2": UserFactory(role=R.COUNTER_STAFF, agency=agencies["A2"]),
        "agency_admin_a2": UserFactory(role=R.AGENCY_ADMIN, agency=agencies["A2"]),
        "kiosk_a": UserFactory(role=R.KIOSK, hall=hall_a),
        "hall_admin_b": UserFactory(role=R.HALL_ADMIN, hall=hall_b),
        "citizen": UserFactory(role=R.CITIZEN),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "anonymous": AnonymousUser(),
    }
    return {"halls": {"A": hall_a, "B": hall_b}, "agencies": agencies, "people": people}


@pytest.fixture
def rows(world):
    """One row of every scoped model per agency, labelled by the agency."""
    from complaints import services as workflow
    from complaints.models import Complaint
    from mpp_portal.audit import record
    from mpp_portal.documents.models import IssuedDocument
    from services.models import Booking, SurveyResponse, Ticket

    people = world["people"]
    today = datetime.date(2026, 12, 1)
    made = {name: {} for name in ("service", "counter", "ticket", "booking", "survey")}
    made.update(complaint={}, audit={}, document={})
    for label, agency in world["agencies"].items():
        service = ServiceFactory(agency=agency)
        made["service"][label] = service
        made["counter"][label] = CounterFactory(agency=agency)
        ticket = Ticket.objects.create(
            service=service, numbered_service=service, date=today, number=1, code="A-001"
        )
        made["ticket"][label] = ticket
        made["booking"][label] = Booking.objects.create(
            service=service,
            date=today,
            slot_start=datetime.time(9),
            slot_end=datetime.time(9, 30),
            name="Siti Aminah",
            nik="1702010101900001",
            phone="+6281234567890",
            manage_token_hash="x",
            user=people["citizen"] if label == "A1" else None,
        )
        made["survey"][label] = SurveyResponse.objects.create(
            ticket=ticket,
            service=service,
            agency=agency,
            hall=agency.hall,
            date=today,
            **{f"u{n}": 4 for n in range(1, 10)},
        )
        complaint, _token = workflow.complaint_file(
            hall=agency.hall,
            kind="pengaduan",
            title=f"Keluhan {label}",
            description="Antrean terlalu lama dan petugas tidak ada di tempat.",
            reporter=people["citizen"] if label == "B1" else None,
            reporter_name="Siti",
        )
        Complaint.objects.filter(pk=complaint.pk).update(assigned_agency=agency)
        made["complaint"][label] = complaint
    for hall_label, actor in [("A", "staff_a1"), ("A", "staff_a2"), ("B", "hall_admin_b")]:
        made["audit"][actor] = record(
            actor=people[actor], action="uji.aksi", obj=world["halls"][hall_label]
        )
    for hall_label, hall in world["halls"].items():
        made["document"][hall_label] = IssuedDocument.objects.create(
            kind=IssuedDocument.Kind.GENERIC,
            number=f"UJI/{hall_label}/1",
            title="Dokumen uji",
            hall=hall,
            verification_code=f"UJIKODE{hall_label}",
            file="documents/uji.pdf",
            sha256="0" * 64,
            size=1,
            issued_at=datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC),
        )
    return made


def _models():
    from complaints.models import Complaint
    from mpp_portal.audit.models import AuditEntry
    from mpp_portal.documents.models import IssuedDocument
    from services.models import Booking, Counter, Service, SurveyResponse, Ticket

    return {
        "service": Service,
        "counter": Counter,
        "ticket": Ticket,
        "booking": Booking,
        "survey": SurveyResponse,
        "complaint": Complaint,
        "audit": AuditEntry,
        "document": IssuedDocument,
    }


QUEUE = {
    "hall_admin_a": {"A1", "A2"},
    "staff_a1": {"A1"},
    "agency_admin_a1": {"A1"},
    "staff_a2": {"A2"},
    "agency_admin_a2": {"A2"},
    "hall_admin_b": {"B1"},
}
ADMIN_ONLY = {"hall_admin_a": "A", "hall_admin_b": "B"}
VISIBLE = {
    "service": QUEUE,
    "counter": QUEUE,
    "ticket": QUEUE,
    "booking": {**QUEUE, "citizen": {"A1"}},
    "survey": {
        "hall_admin_a": {"A1", "A2"},
        "agency_admin_a1": {"A1"},
        "agency_admin_a2": {"A2"},
        "hall_admin_b": {"B1"},
    },
    "complaint": {**QUEUE, "api_client_a1": {"A1"}, "citizen": {"B1"}},
    # The trail of what the people of the admin's hall did.
    "audit": {"hall_admin_a": {"staff_a1", "staff_a2"}, "hall_admin_b": {"hall_admin_b"}},
    "document": {"hall_admin_a": {"A"}, "hall_admin_b": {"B"}},
}
PERSONAS = [
    "hall_admin_a",
    "staff_a1",
    "agency_admin_a1",
    "api_client_a1",
    "staff_a2",
    "agency_admin_a2",
    "kiosk_a",
    "hall_admin_b",
    "citizen",
    "anonymous",
    "superuser",
]


@pytest.mark.parametrize("model", sorted(VISIBLE))
def test_visible_to(world, rows, model):
    """Each persona sees exactly its rows of ``model`` (one world per model)."""
    label_of = {row.pk: label for label, row in rows[model].items()}
    for persona in PERSONAS:
        user = world["people"][persona]
        visible = set(_models()[model].objects.visible_to(user).values_list("pk", flat=True))
        if persona == "superuser":
            # Everything, the rows the services wrote on the way included.
            assert visible >= set(label_of)
            continue
        assert visible <= set(label_of), persona
        assert {label_of[pk] for pk in visible} == VISIBLE[model].get(persona, set()), persona


# --------------------------------------------------------------------------
# Object checks
# --------------------------------------------------------------------------
def test_object_checks(world):
    people, agencies, halls = world["people"], world["agencies"], world["halls"]
    assert can(people["hall_admin_a"], "queue.operate", agency=agencies["A2"])
    assert not can(people["hall_admin_a"], "queue.operate", agency=agencies["B1"])
    assert can(people["staff_a1"], "queue.operate", agency=agencies["A1"])
    assert not can(people["staff_a1"], "queue.operate", agency=agencies["A2"])
    assert not can(people["staff_a1"], "queue.supervise", agency=agencies["A1"])
    assert can(people["kiosk_a"], "queue.issue", hall=halls["A"])
    assert can(people["kiosk_a"], "queue.issue", hall=halls["A"].pk)
    assert not can(people["kiosk_a"], "queue.issue", hall=halls["B"])
    assert not can(people["hall_admin_b"], "complaint.verify", hall=halls["A"])
    # An object that is None (a complaint not dispatched yet) is nobody's
    # but a superuser's.
    assert not can(people["agency_admin_a1"], "complaint.follow_up", agency=None)
    assert can(people["superuser"], "complaint.follow_up", agency=None)
    assert people["staff_a1"].can_act_for_agency(agencies["A1"])
    assert not people["staff_a1"].can_act_for_agency(None)


# --------------------------------------------------------------------------
# A scoping fix: the IKM PDF's status (it carries the download link)
# --------------------------------------------------------------------------
def test_an_ikm_pdf_is_shown_to_its_requester_and_the_hall_admin_only(client, world):
    """Before: anybody allowed on the IKM page of a hall with the same code
    polled any number and got the download link of another agency's (or the
    whole hall's) report."""
    from mpp_portal.documents.models import IssuedDocument
    from services import ikm_report

    people = world["people"]
    # Hall codes are not unique: hall B's admin asks for hall A's numbers.
    HallFactory._meta.model.objects.filter(pk=world["halls"]["B"].pk).update(code="LBA")
    number = "IKM/LBA/202612/1"
    IssuedDocument.objects.create(
        kind=ikm_report.KIND,
        number=number,
        title="Laporan IKM Dinas A1",
        hall=world["halls"]["A"],
        verification_code="KODERAHASIAIKM",
        file="documents/ikm.pdf",
        sha256="0" * 64,
        size=1,
        issued_at=datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC),
        issued_by=people["agency_admin_a1"],
    )
    url = reverse("services:ikm_pdf_status")
    for persona, sees in [
        ("agency_admin_a1", True),
        ("hall_admin_a", True),
        ("agency_admin_a2", False),
        ("hall_admin_b", False),
    ]:
        client.force_login(people[persona])
        response = client.get(url, {"nomor": number})
        assert response.status_code == 200
        assert ("KODERAHASIAIKM" in response.content.decode()) is sees, persona


def test_roles_with_names_the_table():
    assert roles_with("forum.sign") == {"signatory"}
    assert {"hall_admin"} == permissions.HALL_WIDE_ROLES
