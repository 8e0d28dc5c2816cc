"""The agency webhook: one signed POST per dispatch, against a real HTTP server.

The receiver below is what an agency's system would run: it checks the
X-MPP-Signature header (HMAC-SHA256 of X-MPP-Timestamp, a dot and the raw
body, keyed with the agency's Webhook.secret) before it trusts anything,
and answers with the status the test asks for. Nothing on the sending side is mocked.
"""

import hashlib
import hmac
import json
import threading
import time
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.exceptions import Retry
from django.conf import settings

from complaints import services as workflow
from complaints.models import Complaint
from mpp_portal.webhooks import services as webhooks
from mpp_portal.webhooks.models import Webhook, WebhookDelivery
from mpp_portal.webhooks.tasks import deliver as send_dispatch_webhook

SECRET = "rahasia-webhook-disdukcapil-9f2c"
NAME, EMAIL, PHONE = "Siti Aminah", "siti@example.test", "081234567890"


class AgencyReceiver:
    """An agency's endpoint on 127.0.0.1 that verifies each POST's signature."""

    def __init__(self, secret):
        self.secret = secret
        self.status = 200
        self.statuses = []  # one status per coming request, then ``status``
        self.requests = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed_text = self.headers.get("X-MPP-Timestamp", "").encode() + b"." + raw
                expected = (
                    "sha256="
                    + hmac.new(receiver.secret.encode(), signed_text, hashlib.sha256).hexdigest()
                )
                signed = hmac.compare_digest(self.headers.get("X-MPP-Signature", ""), expected)
                with receiver._lock:
                    receiver.requests.append(
                        {
                            "path": self.path,
                            # The Message itself: header names are case-insensitive.
                            "headers": self.headers,
                            "raw": raw,
                            "signed": signed,
                        }
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.status
                    receiver._arrived.notify_all()
                # A real receiver refuses what it cannot verify.
                if not signed:
                    status = 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/mpp/pengaduan"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count, timeout):
        """Wait (real time) until ``count`` requests arrived; return them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.fixture
def receiver():
    server = AgencyReceiver(SECRET)
    yield server
    server.close()


@pytest.fixture
def webhook(agency_a, receiver):
    return Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)


@pytest.fixture
def dispatch(hall_admin, django_capture_on_commit_callbacks):
    """Dispatch like the page does, running what waits for the commit."""

    def _dispatch(complaint, agency):
        with django_capture_on_commit_callbacks(execute=True):
            return workflow.complaint_dispatch(
                complaint=complaint,
                agency=agency,
                by=hall_admin,
                instruction="Mohon cek loket 3.",
            )

    return _dispatch


def _payload(request):
    return json.loads(request["raw"])


def _assert_no_identity(raw):
    text = raw.decode()
    for secret in (NAME, "Siti", "Aminah", EMAIL, "siti@", PHONE, PHONE[-6:]):
        assert secret not in text


class TestDispatchSendsOneSignedPost:
    def test_anonymous_complaint(
        self, celery_eager, receiver, webhook, file_complaint, dispatch, agency_a
    ):
        complaint = file_complaint(is_anonymous=True, location="Loket 3 lantai 1")
        dispatch(complaint, agency_a)

        [request] = receiver.requests
        assert request["signed"]
        assert request["path"] == "/mpp/pengaduan"
        assert request["headers"]["Content-Type"] == "application/json"
        assert request["headers"]["X-MPP-Event"] == "complaint.dispatched"
        complaint.refresh_from_db()
        assert _payload(request) == {
            "event": "complaint.dispatched",
            "tracking_id": complaint.tracking_id,
            "kind": "pengaduan",
            "title": "Antrean KTP-el terlalu lama",
            "description": complaint.description,
            "location": "Loket 3 lantai 1",
            "event_date": None,
            "due_at": complaint.due_at.isoformat(),
            "instruction": "Mohon cek loket 3.",
            "reporter_name": None,
            "is_anonymous": True,
            "url": f"{settings.SITE_URL}/pengaduan/kelola/{complaint.tracking_id}/",
        }
        _assert_no_identity(request["raw"])

    def test_named_complaint_gives_the_name_never_the_contact(
        self, celery_eager, receiver, webhook, file_complaint, dispatch, agency_a
    ):
        complaint = file_complaint()
        assert complaint.reporter_phone and complaint.reporter_email
        dispatch(complaint, agency_a)

        [request] = receiver.requests
        assert request["signed"]
        payload = _payload(request)
        assert payload["reporter_name"] == NAME
        assert payload["is_anonymous"] is False
        raw = request["raw"].decode()
        assert EMAIL not in raw and PHONE not in raw and PHONE[-6:] not in raw

    def test_signature_covers_the_body(
        self, celery_eager, receiver, webhook, file_complaint, dispatch, agency_a
    ):
        dispatch(file_complaint(is_anonymous=True), agency_a)
        [request] = receiver.requests
        signature = request["headers"]["X-MPP-Signature"]
        timestamp = request["headers"]["X-MPP-Timestamp"]
        assert signature == webhooks.webhook_sign(SECRET, request["raw"], timestamp)
        # Another secret, one changed byte or another time no longer verifies.
        assert signature != webhooks.webhook_sign("rahasia-lain", request["raw"], timestamp)
        assert signature != webhooks.webhook_sign(SECRET, request["raw"] + b" ", timestamp)
        assert signature != webhooks.webhook_sign(SECRET, request["raw"], str(int(timestamp) + 1))

    def test_the_timestamp_is_the_time_of_sending(
        self, celery_eager, receiver, webhook, file_complaint, dispatch, agency_a
    ):
        from tests.complaints.conftest import NOW

        dispatch(file_complaint(is_anonymous=True), agency_a)
        [request] = receiver.requests
        assert request["headers"]["X-MPP-Timestamp"] == str(int(NOW.timestamp()))
        assert len(request["headers"]["X-MPP-Delivery"]) == 32


class TestRetryAfterHandBack:
    def test_the_queued_event_still_goes_to_the_agency_it_was_for(
        self,
        celery_eager,
        receiver,
        webhook,
        file_complaint,
        hall_admin,
        agency_a,
        agency_b,
        agency_admin_a,
        django_capture_on_commit_callbacks,
    ):
        receiver_b = AgencyReceiver("rahasia-b")
        try:
            Webhook.objects.create(agency=agency_b, url=receiver_b.url, secret="rahasia-b")
            complaint = file_complaint(is_anonymous=True)
            with django_capture_on_commit_callbacks(execute=False) as first:
                workflow.complaint_dispatch(
                    complaint=complaint, agency=agency_a, by=hall_admin, instruction="Untuk A."
                )
            # Before A's delivery (or its retry) runs, A hands the complaint
            # back and the admin sends it to B.
            workflow.complaint_hand_back(
                complaint=complaint, by=agency_admin_a, reason="Bukan kami."
            )
            with django_capture_on_commit_callbacks(execute=False):
                workflow.complaint_dispatch(
                    complaint=complaint, agency=agency_b, by=hall_admin, instruction="Untuk B."
                )
            for callback in first:
                callback()
            [request] = receiver.requests
            assert request["signed"]
            payload = _payload(request)
            assert payload["instruction"] == "Untuk A."
            assert payload["tracking_id"] == complaint.tracking_id
            assert receiver_b.requests == []
        finally:
            receiver_b.close()


@pytest.fixture
def eager_retrying():
    """Run tasks in this process and let their retries run too, at once.

    With ``celery_eager`` (propagating) a retry surfaces as the ``Retry``
    exception; without propagation Celery's eager apply() runs each retry
    in turn (ignoring the countdown) and keeps a failure in the result.
    """
    from mpp_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def dispatched(webhook, file_complaint, hall_admin, agency_a):
    """The delivery of a dispatch to agency A; the commit never comes, so nothing was sent yet."""
    complaint = workflow.complaint_dispatch(
        complaint=file_complaint(is_anonymous=True), agency=agency_a, by=hall_admin
    )
    return WebhookDelivery.objects.get(payload__tracking_id=complaint.tracking_id)


class TestFailures:
    def test_a_server_error_makes_the_task_retry(self, celery_eager, receiver, dispatched):
        receiver.status = 500
        with pytest.raises(Retry) as caught:
            send_dispatch_webhook.delay(dispatched.pk)
        # Celery keeps a plain copy of the HTTPError (its socket does not pickle).
        assert isinstance(caught.value.exc, OSError)
        assert "HTTPError 500" in str(caught.value)
        # Exponential backoff from 30 s, with jitter.
        assert 0 <= caught.value.when <= 30
        assert len(receiver.requests) == 1

    def test_retries_until_the_server_takes_it(self, eager_retrying, receiver, dispatched):
        receiver.statuses = [500, 503]
        result = send_dispatch_webhook.delay(dispatched.pk)
        assert result.state == "SUCCESS"
        assert result.get() == 200
        assert len(receiver.requests) == 3
        assert all(r["signed"] for r in receiver.requests)
        # The same event each time: the receiver can tell it is a repeat.
        assert len({r["raw"] for r in receiver.requests}) == 1

    def test_a_server_that_keeps_failing_is_given_up_after_max_retries(
        self, eager_retrying, receiver, dispatched
    ):
        receiver.status = 502
        result = send_dispatch_webhook.delay(dispatched.pk)
        assert result.state == "FAILURE"
        assert isinstance(result.result, OSError)
        assert "raise HTTPError" in result.traceback
        assert len(receiver.requests) == 1 + send_dispatch_webhook.max_retries

    def test_too_many_requests_is_retried(self, eager_retrying, receiver, dispatched):
        receiver.statuses = [429]
        assert send_dispatch_webhook.delay(dispatched.pk).get() == 200
        assert len(receiver.requests) == 2

    def test_webhook_deliver_raises_on_a_server_error(self, receiver, dispatched):
        receiver.status = 500
        with pytest.raises(urllib.error.HTTPError) as caught:
            webhooks.webhook_deliver(delivery_pk=dispatched.pk)
        assert caught.value.code == 500
        # HTTPError is an OSError: the task's autoretry_for catches it.
        assert isinstance(caught.value, send_dispatch_webhook.autoretry_for)
        assert len(receiver.requests) == 1

    # The refusals run with eager_retrying: a retry, if any, would show up
    # as a second request.
    def test_a_refusal_is_not_retried(self, eager_retrying, receiver, dispatched):
        receiver.status = 400
        result = send_dispatch_webhook.delay(dispatched.pk)
        assert result.state == "SUCCESS"
        assert result.get() == 400
        assert len(receiver.requests) == 1

    def test_a_wrong_secret_is_refused_and_not_retried(self, eager_retrying, receiver, dispatched):
        # The agency rotated its secret but the hall still has the old one.
        receiver.secret = "rahasia-baru"
        assert send_dispatch_webhook.delay(dispatched.pk).get() == 401
        [request] = receiver.requests
        assert not request["signed"]

    def test_an_unreachable_endpoint_raises_so_the_task_retries(self, receiver, dispatched):
        receiver.close()  # nothing listens on the port any more
        with pytest.raises(send_dispatch_webhook.autoretry_for):
            webhooks.webhook_deliver(delivery_pk=dispatched.pk)


class TestNothingToSend:
    def test_no_webhook_for_the_agency(
        self, celery_eager, receiver, webhook, file_complaint, dispatch, agency_b
    ):
        # Agency A has a webhook; the complaint goes to agency B, which has none.
        dispatch(file_complaint(is_anonymous=True), agency_b)
        assert receiver.wait_for(1, timeout=0.5) == []

    def test_an_inactive_webhook(
        self, celery_eager, receiver, webhook, file_complaint, dispatch, agency_a
    ):
        webhook.is_active = False
        webhook.save()
        dispatch(file_complaint(is_anonymous=True), agency_a)
        assert receiver.wait_for(1, timeout=0.5) == []

    def test_nothing_is_sent_before_the_dispatch_commits(
        self,
        receiver,
        webhook,
        file_complaint,
        hall_admin,
        agency_a,
        celery_eager,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            workflow.complaint_dispatch(
                complaint=file_complaint(is_anonymous=True), agency=agency_a, by=hall_admin
            )
        # Queued for the commit, not sent: a rolled-back dispatch sends nothing.
        assert len(callbacks) == 1
        assert receiver.requests == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_process_delivers_the_signed_post(
    celery_worker_process, receiver, agency_a, hall, hall_admin
):
    Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)
    complaint, _token = workflow.complaint_file(
        hall=hall,
        kind="pengaduan",
        title="Pungutan liar di loket 3",
        description="Petugas loket 3 meminta uang tambahan untuk mempercepat KTP-el saya.",
        is_anonymous=True,
    )
    # Committed (no surrounding transaction): the task is published on commit.
    workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)

    requests = receiver.wait_for(1, timeout=30)
    if not requests:
        pytest.fail(f"the worker sent no webhook in 30 s.\n{celery_worker_process.log()}")
    [request] = requests
    assert request["signed"]
    payload = _payload(request)
    assert payload["tracking_id"] == complaint.tracking_id
    assert payload["reporter_name"] is None
    assert payload["is_anonymous"] is True
    assert payload["due_at"] == Complaint.objects.get(pk=complaint.pk).due_at.isoformat()
    # Exactly one: nothing else arrives after the first.
    assert len(receiver.wait_for(2, timeout=1)) == 1
