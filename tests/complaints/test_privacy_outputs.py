"""Privacy regression tests: an anonymous reporter's identity reaches no output.

The reporter types a distinctive name, phone and e-mail into the public
form and ticks "Anonim". The complaint then goes through the whole LAPOR
workflow with real data: SLA reminders and escalation before and after
dispatch, dispatch through the admin's page (notification + signed webhook
to the agency), the agency's response, the reporter's reply on the tracking
page, a second response, accept and rating through the API with the secret
token. Every output on the way is collected and searched for the identity
in every common spelling (DOMAIN.md "Complaints": anonymous means
anonymous). A confidential complaint is checked against the public outputs.
"""

import datetime
import html
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from complaints import services as workflow
from complaints.models import Complaint
from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from mpp_portal.masking import mask_email, mask_phone
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.webhooks.models import Webhook
from mpp_portal.workdays import JAKARTA
from tests.complaints.test_webhook import AgencyReceiver
from tests.factories import UserFactory

S = Complaint.Status
API = "/api/v1/complaints/"

NAME = "Rahasia Sekali"
EMAIL = "rahasia@example.test"
PHONE = "081299990000"
# What the reporter types in the phone field; the form strips the dashes.
PHONE_TYPED = "0812-9999-0000"
USERNAME = "pelapor.rahasia77"  # the account of a signed-in reporter
REPORTER_IP = "10.77.66.55"
WEBHOOK_SECRET = "rahasia-webhook-privasi-5d1e"

# The identity in every spelling that would give the reporter away.
IDENTITY = (
    NAME,
    "Rahasia  Sekali",
    "Sekali, Rahasia",
    EMAIL,
    "rahasia@",
    mask_email(EMAIL),
    PHONE,
    PHONE_TYPED,
    "0812 9999 0000",
    "0812.9999.0000",
    "(0812) 9999-0000",
    "+6281299990000",
    "+62 812-9999-0000",
    "+62 812 9999 0000",
    "6281299990000",
    "81299990000",
    "99990000",
    "9999-0000",
    "9999 0000",
    mask_phone(PHONE),
    USERNAME,
)


def at(day, hour=10, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=JAKARTA)


def leaks(text, needles=IDENTITY):
    """Return the needles found in ``text`` (HTML entities decoded, any case)."""
    haystack = html.unescape(text).casefold()
    return [needle for needle in needles if needle.casefold() in haystack]


def assert_clean(outputs, needles=IDENTITY):
    """Assert no text of ``outputs`` ({label: text}) holds any of ``needles``."""
    found = {label: hits for label, text in outputs.items() if (hits := leaks(text, needles))}
    assert found == {}


@dataclass
class Journey:
    complaint: Complaint
    token: str
    reporter: User | None
    webhook_requests: list = field(default_factory=list)
    pages: dict = field(default_factory=dict)  # label -> staff HTML or CSV
    public: dict = field(default_factory=dict)  # label -> public HTML, API or Open311 text
    agency_api: dict = field(default_factory=dict)  # label -> JSON text


@pytest.fixture
def people(hall, agency_a, staff_a, agency_admin_a, hall_admin):
    """Give everyone who is told something an address, and agency A a client."""
    agency_a.contact_email = "pengaduan@disdukcapil.example.test"
    agency_a.save(update_fields=["contact_email"])
    api_client_a = UserFactory(username="sistem.a", role=User.Role.API_CLIENT, agency=agency_a)
    return {
        "staff_a": staff_a,
        "agency_admin_a": agency_admin_a,
        "hall_admin": hall_admin,
        "api_client_a": api_client_a,
    }


@pytest.fixture
def receiver(agency_a):
    server = AgencyReceiver(WEBHOOK_SECRET)
    Webhook.objects.create(agency=agency_a, url=server.url, secret=WEBHOOK_SECRET)
    yield server
    server.close()


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def _snapshot(journey, stage, people, token_client):
    """Render every page and API answer that shows the complaint at ``stage``."""
    complaint = Complaint.objects.get(pk=journey.complaint.pk)
    tid = complaint.tracking_id
    detail = reverse("complaints:detail", args=[tid])
    for name in ("staff_a", "agency_admin_a", "hall_admin"):
        response = _logged_in(people[name]).get(detail)
        assert response.status_code == 200, name
        journey.pages[f"{stage} detail as {name}"] = response.content.decode()
    # Closed complaints are listed under "all"; each list is filtered so
    # that the complaint is on it.
    query = "?semua=1" if complaint.status == S.CLOSED else ""
    for name in ("staff_a", "agency_admin_a"):
        response = _logged_in(people[name]).get(reverse("complaints:agency_list") + query)
        assert response.status_code == 200, name
        journey.pages[f"{stage} agency list as {name}"] = response.content.decode()
    admin = _logged_in(people["hall_admin"])
    lists = ["inbox", "inbox_csv"] + (["overdue"] if stage == "overdue" else [])
    for name in lists:
        response = admin.get(reverse(f"complaints:{name}"), {"status": complaint.status})
        assert response.status_code == 200, name
        journey.pages[f"{stage} {name} as hall_admin"] = response.content.decode()

    for name in ("agency_admin_a", "api_client_a"):
        client = token_client(people[name])
        for label, url in (("detail", f"{API}{tid}/"), ("list", API)):
            response = client.get(url)
            assert response.status_code == 200, (name, label)
            journey.agency_api[f"{stage} API {label} as {name}"] = response.content.decode()

    anybody = Client()
    public_pages = {
        "public list": reverse("complaints:public_list"),
        "public list search": reverse("complaints:public_list") + "?q=KTP",
        "public detail": reverse("complaints:public_detail", args=[tid]),
        "statistics": reverse("complaints:stats"),
        "open311 requests.json": "/open311/v2/requests.json",
        "open311 requests.xml": "/open311/v2/requests.xml",
        "open311 request json": f"/open311/v2/requests/{tid}.json",
        "open311 request xml": f"/open311/v2/requests/{tid}.xml",
    }
    for label, url in public_pages.items():
        response = anybody.get(url)
        assert response.status_code == 200, label
        journey.public[f"{stage} {label}"] = response.content.decode()
    # The token holder's (reporter's) API view, and the API to strangers.
    reporter_api = APIClient().get(f"{API}{tid}/", {"token": journey.token})
    assert reporter_api.status_code == 200
    journey.public[f"{stage} API detail with token"] = reporter_api.content.decode()
    for label, url in (("API detail", f"{API}{tid}/"), ("API list", API)):
        response = APIClient().get(url)
        assert response.status_code in (401, 403, 404), label
        journey.public[f"{stage} {label} without token"] = response.content.decode()


def _scan(clock, moment, on_commit):
    """Move the clock and run the SLA scan task as the beat would (eagerly),
    delivering the digests it queues."""
    from complaints.tasks import sla_scan

    clock.move_to(moment)
    with on_commit(execute=True):
        return sla_scan.delay().get()


@pytest.fixture(params=["visitor", "signed-in citizen"])
def journey(
    request,
    people,
    receiver,
    agency_a,
    celery_eager,
    token_client,
    django_capture_on_commit_callbacks,
    _frozen_clock,
):
    """Run one anonymous complaint through the whole workflow; keep the outputs."""
    mail.outbox = []
    reporter = None
    browser = Client(REMOTE_ADDR=REPORTER_IP)
    if request.param == "signed-in citizen":
        reporter = UserFactory(
            username=USERNAME,
            first_name="Rahasia",
            last_name="Sekali",
            email=EMAIL,
            phone=PHONE,
            role=User.Role.CITIZEN,
        )
        browser.force_login(reporter)

    # Tuesday 1 December, 09:00: filed on the public form, name and contact typed.
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("complaints:new"),
            {
                "kind": "pengaduan",
                "title": "Pungutan liar di loket KTP-el",
                "description": "Petugas loket meminta uang tambahan agar KTP-el cepat jadi.",
                "location": "Loket 3 lantai 1",
                "reporter_name": NAME,
                "reporter_phone": PHONE_TYPED,
                "reporter_email": EMAIL,
                "is_anonymous": "on",
                "website": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The link is shown once on the confirmation page (kept in no session).
    link = browser.get(reverse("complaints:filed")).context["filed"]["link"]
    token = parse_qs(urlparse(link).query)["token"][0]
    complaint = Complaint.objects.get()
    assert complaint.is_anonymous
    result = Journey(complaint=complaint, token=token, reporter=reporter)

    # Verification deadline (Friday 4 Dec): the day before, the day, then late.
    assert _scan(_frozen_clock, at(3), django_capture_on_commit_callbacks)["due_soon"] == 1
    assert _scan(_frozen_clock, at(4), django_capture_on_commit_callbacks)["due_now"] == 1
    assert _scan(_frozen_clock, at(7), django_capture_on_commit_callbacks)["escalation"] == 1

    # Monday 7 Dec: the hall admin dispatches on the detail page.
    _frozen_clock.move_to(at(7, 11))
    detail = reverse("complaints:detail", args=[complaint.tracking_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = _logged_in(people["hall_admin"]).post(
            detail,
            {
                "action": "dispatch",
                "dispatch-agency": agency_a.pk,
                "dispatch-instruction": "Mohon dicek petugas loket 3.",
            },
        )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == S.DISPATCHED
    assert complaint.due_at == at(14, 16)
    result.webhook_requests = receiver.wait_for(1, timeout=5)
    _snapshot(result, "dispatched", people, token_client)

    # Follow-up deadline (Monday 14 Dec): the day before, the day, then late.
    assert _scan(_frozen_clock, at(11), django_capture_on_commit_callbacks)["due_soon"] == 1
    assert _scan(_frozen_clock, at(14), django_capture_on_commit_callbacks)["due_now"] == 1
    assert _scan(_frozen_clock, at(15), django_capture_on_commit_callbacks)["escalation"] == 1
    complaint.refresh_from_db()
    _snapshot(result, "overdue", people, token_client)

    # Tuesday 15 Dec: the agency admin responds on the page.
    _frozen_clock.move_to(at(15, 11))
    with django_capture_on_commit_callbacks(execute=True):
        response = _logged_in(people["agency_admin_a"]).post(
            detail,
            {"action": "respond", "respond-body": "Petugas loket 3 sudah diperiksa dan ditegur."},
        )
    assert response.status_code == 302
    _snapshot(result, "responded", people, token_client)

    # The reporter comes back with the secret link and replies on the
    # tracking page.
    _frozen_clock.move_to(at(15, 13))
    track = reverse("complaints:track", args=[complaint.tracking_id])
    assert browser.get(link).status_code == 302
    page = browser.get(track)
    assert page.status_code == 200
    result.public["responded tracking page"] = page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            track, {"action": "reply", "reply-body": "Masih diminta uang pada hari Senin."}
        )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == S.DISPATCHED

    # Wednesday 16 Dec: the agency responds through the API; the reporter
    # accepts and rates with the secret token.
    _frozen_clock.move_to(at(16, 10))
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(people["agency_admin_a"]).post(
            f"{API}{complaint.tracking_id}/respond/",
            {"body": "Petugas dipindahkan dari loket."},
            format="json",
        )
        assert response.status_code == 200, response.content
        reporter_api = APIClient(REMOTE_ADDR=REPORTER_IP)
        for action, data in (("accept", {}), ("rate", {"rating": 4, "comment": "Cukup cepat."})):
            response = reporter_api.post(
                f"{API}{complaint.tracking_id}/{action}/?token={token}", data, format="json"
            )
            assert response.status_code == 200, (action, response.content)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.rating) == (S.CLOSED, 4)
    _snapshot(result, "closed", people, token_client)
    return result


# ---------------------------------------------------------------------------
# The anonymous complaint
# ---------------------------------------------------------------------------
class TestAnonymousComplaint:
    def test_the_form_discards_name_and_contact(self, journey):
        complaint = Complaint.objects.get(pk=journey.complaint.pk)
        assert (
            complaint.reporter_id,
            complaint.reporter_name,
            complaint.reporter_email,
            complaint.reporter_phone,
        ) == (None, "", "", "")
        row = Complaint.objects.filter(pk=complaint.pk).values().get()
        assert_clean({"complaint row": json.dumps(row, default=str)})

    def test_the_agency_is_told_without_the_identity(self, journey, agency_admin_a):
        complaint = journey.complaint
        told = OutboxMessage.objects.filter(object_id=complaint.pk).exclude(
            dedupe_key__startswith="sla-"
        )
        recipients = set(told.values_list("recipient", flat=True))
        # The agency's admin and contact address are told of the dispatch and
        # of the reporter's reply; the anonymous reporter is never messaged.
        assert recipients == {agency_admin_a.email, "pengaduan@disdukcapil.example.test"}
        assert told.count() == 4  # dispatch + the reporter's reply, to both
        outputs = {
            f"outbox {m.pk} to {m.recipient}": f"{m.recipient}\n{m.subject}\n{m.body}" for m in told
        }
        queued = {(m.recipient, m.subject, m.body) for m in told}
        delivered = [m for m in mail.outbox if (*m.to, m.subject, m.body) in queued]
        assert len(delivered) == 4
        for number, message in enumerate(delivered):
            outputs[f"mail {number}"] = "\n".join(
                [message.subject, message.body, *message.to, *message.cc, *message.bcc]
                + [content for content, _type in getattr(message, "alternatives", [])]
            )
        assert all(complaint.tracking_id in text for text in outputs.values())
        assert_clean(outputs)

    def test_the_webhook_payload_holds_no_identity(self, journey):
        [request] = journey.webhook_requests
        assert request["signed"]
        payload = json.loads(request["raw"])
        assert (payload["tracking_id"], payload["reporter_name"], payload["is_anonymous"]) == (
            journey.complaint.tracking_id,
            None,
            True,
        )
        headers = "\n".join(f"{k}: {v}" for k, v in request["headers"].items())
        assert_clean({"webhook body": request["raw"].decode(), "webhook headers": headers})

    def test_sla_reminders_and_escalations_hold_no_identity(
        self, journey, hall_admin, agency_admin_a
    ):
        digests = OutboxMessage.objects.filter(dedupe_key__startswith="sla-")
        kinds = {key.split("-")[1] for key in digests.values_list("dedupe_key", flat=True)}
        assert kinds == {"due_soon", "due_now", "escalation"}
        assert set(digests.values_list("recipient", flat=True)) == {
            hall_admin.email,
            agency_admin_a.email,
            "pengaduan@disdukcapil.example.test",
        }
        # Three before dispatch to the hall admin; due-soon and due-now to
        # both agency addresses; the escalation to all three.
        assert digests.count() == 3 + 2 * 2 + 3
        outputs = {
            f"digest {m.dedupe_key}": f"{m.recipient}\n{m.subject}\n{m.body}" for m in digests
        }
        assert all(journey.complaint.tracking_id in text for text in outputs.values())
        sent = [m for m in mail.outbox if m.subject in {d.subject for d in digests}]
        assert len(sent) == digests.count()
        outputs |= {f"digest mail {n}": f"{m.subject}\n{m.body}" for n, m in enumerate(sent)}
        assert_clean(outputs)

    def test_no_audit_entry_names_the_reporter(self, journey, hall_admin, agency_admin_a):
        complaint = journey.complaint
        entries = list(AuditEntry.objects.for_object(complaint).order_by("created_at", "pk"))
        assert [e.action for e in entries] == [
            "complaint.file",
            "complaint.dispatch",
            "complaint.respond",
            "complaint.reply",
            "complaint.respond",
            "complaint.accept",
            "complaint.rate",
        ]
        outputs = {
            f"{e.action} #{e.pk}": json.dumps(
                {
                    "note": e.note,
                    "object_repr": e.object_repr,
                    "actor_label": e.actor_label,
                    "changes": e.changes,
                    "ip_address": e.ip_address,
                },
                default=str,
            )
            for e in entries
        }
        assert_clean(outputs, (*IDENTITY, REPORTER_IP))
        staff = {hall_admin.pk, agency_admin_a.pk}
        for entry in entries:
            assert entry.actor_id is None or entry.actor_id in staff, entry.action
            if entry.actor_id is None:
                assert entry.ip_address is None, entry.action
        # Nothing else in the trail mentions the reporter either (their own
        # account's sign-in aside, which is not about the complaint).
        others = AuditEntry.objects.exclude(pk__in=[e.pk for e in entries])
        if journey.reporter is not None:
            others = others.exclude(actor=journey.reporter)
        everything = {
            f"{e.action} #{e.pk}": json.dumps(
                [e.note, e.object_repr, e.actor_label, e.changes], default=str
            )
            for e in others
        }
        assert_clean(everything)

    def test_staff_pages_show_no_identity(self, journey):
        tid = journey.complaint.tracking_id
        # Four stages: dispatched, overdue (with the overdue board), responded
        # and closed.
        assert len(journey.pages) == 4 * (3 + 2 + 2) + 1
        assert all(tid in text for text in journey.pages.values())
        assert_clean(journey.pages)

    def test_the_agency_api_shows_no_identity(self, journey):
        tid = journey.complaint.tracking_id
        assert len(journey.agency_api) == 4 * 4
        for label, text in journey.agency_api.items():
            body = json.loads(text)
            rows = [body] if "tracking_id" in body else body["results"]
            [row] = [r for r in rows if r["tracking_id"] == tid]
            assert (row["is_anonymous"], row["reporter"]) == (True, None), label
        assert_clean(journey.agency_api)

    def test_public_pages_api_and_open311_show_no_identity(self, journey):
        tid = journey.complaint.tracking_id
        # Every public page shows the complaint, the statistics and the
        # refusals without a token aside.
        lacking = {label for label, text in journey.public.items() if tid not in text}
        assert lacking == {
            f"{stage} {page}"
            for stage in ("dispatched", "overdue", "responded", "closed")
            for page in ("statistics", "API detail without token", "API list without token")
        }
        assert_clean(journey.public)

    def test_nothing_in_the_database_holds_the_identity(self, journey):
        """Apart from a signed-in reporter's own account, no table does."""
        found = {}
        for model in apps.get_models():
            rows = model._default_manager.all()
            if journey.reporter is not None:
                # The reporter's own account and its sign-in log.
                if model is User:
                    rows = rows.exclude(pk=journey.reporter.pk)
                if model._meta.label == "axes.AccessLog":
                    rows = rows.exclude(username=USERNAME)
            for row in rows.values():
                if hits := leaks(json.dumps(row, default=str), (*IDENTITY, REPORTER_IP)):
                    found.setdefault(model._meta.label, []).append(hits)
        assert found == {}


# ---------------------------------------------------------------------------
# A confidential (rahasia) complaint
# ---------------------------------------------------------------------------
def test_a_confidential_complaint_stays_off_every_public_output(
    file_complaint, hall_admin, agency_a, agency_admin_a
):
    secret_title = "Oknum Zebraloket memeras pemohon"
    secret_text = "Uraian rahasia: oknum Zebraloket meminta Rp500.000 di parkiran belakang."
    confidential = file_complaint(title=secret_title, description=secret_text, is_confidential=True)
    public = file_complaint(title="Antrean loket KTP-el lambat")
    for complaint in (confidential, public):
        workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
        workflow.complaint_respond(
            complaint=complaint, by=agency_admin_a, body="Sudah ditindaklanjuti."
        )
    tid = confidential.tracking_id
    anybody = Client()
    outputs, missing = {}, {}
    for label, url, expected in (
        ("public list", reverse("complaints:public_list"), 200),
        ("public list search", reverse("complaints:public_list") + "?q=Zebraloket", 200),
        ("public detail", reverse("complaints:public_detail", args=[tid]), 404),
        ("open311 requests.json", "/open311/v2/requests.json", 200),
        ("open311 requests.xml", "/open311/v2/requests.xml", 200),
        ("open311 request json", f"/open311/v2/requests/{tid}.json", 404),
        ("open311 request xml", f"/open311/v2/requests/{tid}.xml", 404),
    ):
        response = anybody.get(url)
        assert response.status_code == expected, label
        outputs[label] = response.content.decode()
        if label in ("public list", "open311 requests.json", "open311 requests.xml"):
            # The lists work: the other, public complaint is on them.
            missing[label] = public.tracking_id not in outputs[label]
    for label, url in (("API detail", f"{API}{tid}/"), ("API list", API)):
        response = APIClient().get(url)
        assert response.status_code in (401, 403, 404), label
        outputs[label] = response.content.decode()
    assert not any(missing.values()), missing
    # The search box echoes the visitor's own query, and a 404 page its
    # address; neither names what the complaint says.
    assert_clean(outputs, (secret_title, secret_text, "memeras", "Rp500.000"))
    listed = ("public list", "public list search", "open311 requests.json", "open311 requests.xml")
    assert_clean({label: outputs[label] for label in listed}, (tid,))
