"""An anonymous complaint cannot be traced to the account of whoever filed it:
not through a session row, an audit entry or an outbox message; expired
sessions are deleted by beat (issue 14, item 6)."""

import datetime
import importlib
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from mpp_portal.accounts import tasks as account_tasks
from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from mpp_portal.celery import app
from mpp_portal.notifications.models import OutboxMessage

NAME, EMAIL, PHONE = "Rahmat Hidayat", "rahmat.hidayat@example.test", "081377788899"
PASSWORD = "rahasia-uji-123"


@pytest.fixture
def citizen_account(db):
    return User.objects.create_user(
        "rahmat.warga",
        EMAIL,
        PASSWORD,
        first_name="Rahmat",
        last_name="Hidayat",
        phone=PHONE,
        role=User.Role.CITIZEN,
    )


def _file_anonymously(browser, captured):
    with captured(execute=True):
        response = browser.post(
            reverse("complaints:new"),
            {
                "kind": "pengaduan",
                "title": "Pungutan liar di loket KTP-el",
                "description": "Petugas loket meminta uang tambahan agar KTP-el cepat jadi.",
                "location": "Loket 3 lantai 1",
                "reporter_name": NAME,
                "reporter_email": EMAIL,
                "reporter_phone": PHONE,
                "is_anonymous": "on",
                "website": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = browser.get(reverse("complaints:filed"))
    assert page.status_code == 200
    link = page.context["filed"]["link"]
    token = re.search(r"\?token=([\w-]+)", link).group(1)
    return Complaint.objects.get(), token


def _stored_sessions():
    """Every session row, decoded, with its raw text."""
    return [(row.session_key, row.session_data, row.get_decoded()) for row in Session.objects.all()]


def _assert_no_session_names(complaint, token):
    secrets = {complaint.tracking_id, complaint.access_token_hash, token}
    for key, raw, data in _stored_sessions():
        text = f"{raw} {data!r}"
        for secret in secrets:
            assert secret not in text, f"session {key} holds {secret!r}: {data!r}"
        assert "complaint_access" not in data and "complaint_filed" not in data


@pytest.mark.django_db
def test_anonymous_filing_while_signed_in_leaves_no_trace_of_the_account(
    client, citizen_account, hall, django_capture_on_commit_callbacks
):
    client.force_login(citizen_account)
    audit_before = set(AuditEntry.objects.values_list("pk", flat=True))

    complaint, token = _file_anonymously(client, django_capture_on_commit_callbacks)
    # The secret link opens the report in this browser, and it shows.
    opened = client.get(reverse("complaints:track", args=[complaint.tracking_id]), {"token": token})
    assert opened.status_code == 302
    page = client.get(reverse("complaints:track", args=[complaint.tracking_id]))
    assert page.status_code == 200 and complaint.title in page.content.decode()

    # The complaint itself.
    assert complaint.is_anonymous
    assert complaint.reporter_id is None and complaint.filed_by_id is None
    assert (complaint.reporter_name, complaint.reporter_email, complaint.reporter_phone) == (
        "",
        "",
        "",
    )
    # Every session row: the signed-in person's session holds nothing of it.
    assert Session.objects.exists()
    _assert_no_session_names(complaint, token)
    # Every audit entry written since: no actor, no address.
    new_entries = AuditEntry.objects.exclude(pk__in=audit_before)
    assert new_entries.exists()
    for entry in new_entries:
        assert entry.actor_id is None, entry
        assert entry.ip_address is None, entry
        assert citizen_account.username not in f"{entry.actor_label} {entry.note}"
    assert not AuditEntry.objects.filter(actor=citizen_account).exists()
    # Every outbox row: no message to the person, none about the report.
    for message in OutboxMessage.objects.all():
        assert message.recipient not in {EMAIL, "+6281377788899"}
        assert complaint.tracking_id not in f"{message.subject} {message.body}"
    assert not OutboxMessage.objects.filter(object_id=complaint.pk).exists()


@pytest.mark.django_db
def test_signing_in_after_an_anonymous_filing_carries_nothing_into_the_account(
    client, citizen_account, hall, django_capture_on_commit_callbacks
):
    complaint, token = _file_anonymously(client, django_capture_on_commit_callbacks)
    # Login keeps a visitor's session data: nothing of the report may be in it.
    response = client.post(
        reverse("accounts:login"), {"username": citizen_account.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert any(data.get("_auth_user_id") for _key, _raw, data in _stored_sessions())
    _assert_no_session_names(complaint, token)
    # The browser still holds its access (a cookie of its own).
    page = client.get(reverse("complaints:track", args=[complaint.tracking_id]))
    assert page.status_code == 200


@pytest.mark.django_db
def test_another_browser_without_the_grant_is_asked_for_the_secret(
    client, hall, django_capture_on_commit_callbacks
):
    complaint, _token = _file_anonymously(client, django_capture_on_commit_callbacks)
    other = type(client)()
    response = other.get(reverse("complaints:track", args=[complaint.tracking_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("complaints:track_lookup"))
    # A forged grant cookie (not signed with the server's key) is no grant.
    other.cookies["mpp_pengaduan"] = (
        f'{{"{complaint.tracking_id}": "{complaint.access_token_hash}"}}'
    )
    response = other.get(reverse("complaints:track", args=[complaint.tracking_id]))
    assert response.status_code == 302


@pytest.mark.django_db
def test_confirmation_is_shown_once(client, hall, django_capture_on_commit_callbacks):
    _file_anonymously(client, django_capture_on_commit_callbacks)
    again = client.get(reverse("complaints:filed"))
    assert again.status_code == 302
    assert again["Location"] == reverse("complaints:home")


@pytest.mark.django_db
def test_migration_takes_old_grants_out_of_stored_sessions(citizen_account):
    migration = importlib.import_module(
        "complaints.migrations.0008_reporter_grants_out_of_sessions"
    )
    store = SessionStore()
    store["_auth_user_id"] = str(citizen_account.pk)
    store["complaint_access"] = {"LBG-2026-000001": "a" * 64}
    store["complaint_filed"] = {"tracking_id": "LBG-2026-000001", "link": "?token=x"}
    store["django_language"] = "id"
    store.create()
    untouched = SessionStore()
    untouched["django_language"] = "en"
    untouched.create()
    before = Session.objects.get(pk=untouched.session_key).session_data

    migration.forward(apps, None)

    data = Session.objects.get(pk=store.session_key).get_decoded()
    assert data == {"_auth_user_id": str(citizen_account.pk), "django_language": "id"}
    assert Session.objects.get(pk=untouched.session_key).session_data == before


# --------------------------------------------------------------------------
# Session cleanup
# --------------------------------------------------------------------------
def test_beat_clears_expired_sessions_every_night():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == account_tasks.clear_sessions.name
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    # Once a day (crontab: one hour, one minute).
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1
    assert account_tasks.clear_sessions.name in app.tasks


@pytest.mark.django_db
def test_clear_sessions_task_deletes_expired_rows_only():
    now = timezone.now()
    expired = SessionStore()
    expired["complaint_access"] = {"LBG-2026-000001": "a" * 64}
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=now - datetime.timedelta(minutes=1)
    )
    live = SessionStore()
    live["django_language"] = "id"
    live.create()

    account_tasks.clear_sessions()
    account_tasks.clear_sessions()  # safe to run twice

    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]
