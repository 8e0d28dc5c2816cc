"""The forums' follow-up scan: sign-off reminders, target dates approaching,
overdue items; each message once, working days of the hall's calendar.

December 2026: Thursday 24 is cuti bersama, Friday 25 Christmas.
"""

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums import follow_up
from forums.models import AgreementItem
from mpp_portal.accounts.models import User
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.transitions import transition
from mpp_portal.workdays.models import CalendarDay
from tests.factories import AgencyFactory, HallFactory, UserFactory
from tests.forums.follow_up_data import F, I, at, make_forum, make_item, make_signatory, move_forum

D = datetime.date


def messages(prefix):
    return OutboxMessage.objects.filter(dedupe_key__startswith=f"forum-{prefix}-")


def scan(when):
    with time_machine.travel(when, tick=False):
        return follow_up.follow_up_scan()


@pytest.fixture
def admins(hall, agency_a, agency_b):
    agency_a.contact_email = "kontak.dukcapil@example.test"
    agency_a.save()
    return {
        "hall": UserFactory(
            username="admin.fkm", role=User.Role.HALL_ADMIN, hall=hall, email="admin@example.test"
        ),
        "a": UserFactory(
            username="admin.fkm.a",
            role=User.Role.AGENCY_ADMIN,
            agency=agency_a,
            email="admin.a@example.test",
        ),
        "b": UserFactory(
            username="admin.fkm.b",
            role=User.Role.AGENCY_ADMIN,
            agency=agency_b,
            email="admin.b@example.test",
        ),
        # Counter staff do not update agreements: they are not told.
        "staff": UserFactory(
            username="petugas.fkm.a",
            role=User.Role.COUNTER_STAFF,
            agency=agency_a,
            email="petugas.a@example.test",
        ),
    }


@pytest.fixture
def forum_in_signing(hall, admins):
    """Went into signing on Thursday 3 December 2026 at 10:00 WIB."""
    forum = make_forum(hall)
    with time_machine.travel(at(2026, 12, 3, 10), tick=False):
        move_forum(forum, F.IN_SIGNING, by=admins["hall"])
    return forum


# --------------------------------------------------------------------------
# Sign-off reminders
# --------------------------------------------------------------------------
def test_signatory_is_reminded_once_two_working_days_after_signing_began(forum_in_signing):
    waiting = make_signatory(forum_in_signing, "bupati.uji", order=1)
    approved = make_signatory(forum_in_signing, "kadis.uji", order=2)
    approved.approved_at = at(2026, 12, 3, 11)
    approved.save()

    assert scan(at(2026, 12, 4, 15))["sign_off"] == 0  # Friday: one working day
    assert scan(at(2026, 12, 5, 12))["sign_off"] == 0  # Saturday
    assert scan(at(2026, 12, 7, 9, 59))["sign_off"] == 0  # Monday, before the hour
    assert scan(at(2026, 12, 7, 10, 5))["sign_off"] == 1  # Fri + Mon: two working days

    waiting.refresh_from_db()
    approved.refresh_from_db()
    assert waiting.reminded_at == at(2026, 12, 7, 10, 5)
    assert approved.reminded_at is None
    sent = messages("signoff").get()
    assert sent.recipient == "bupati.uji@example.test"
    assert sent.channel == "email"
    assert forum_in_signing.theme in sent.body
    assert "menunggu persetujuan" in sent.body
    # The link opens the signatory's own sign-off page.
    assert f"/forum/persetujuan/{forum_in_signing.pk}/" in sent.body

    # Once: later scans leave it alone.
    assert scan(at(2026, 12, 7, 11))["sign_off"] == 0
    assert scan(at(2026, 12, 9, 11))["sign_off"] == 0
    assert messages("signoff").count() == 1


def test_holidays_and_cuti_bersama_do_not_count(hall, admins):
    forum = make_forum(hall, slug="natal")
    with time_machine.travel(at(2026, 12, 23, 14), tick=False):  # Wednesday
        move_forum(forum, F.IN_SIGNING, by=admins["hall"])
    make_signatory(forum, "bupati.natal")
    # 24 cuti bersama, 25 Christmas, 26-27 weekend: Monday 28 is the first
    # working day, Tuesday 29 the second.
    assert scan(at(2026, 12, 28, 15))["sign_off"] == 0
    assert scan(at(2026, 12, 29, 13, 59))["sign_off"] == 0
    assert scan(at(2026, 12, 29, 14))["sign_off"] == 1


def test_a_day_the_hall_closed_does_not_count(hall, admins):
    forum = make_forum(hall, slug="tutup")
    with time_machine.travel(at(2026, 12, 3, 10), tick=False):
        move_forum(forum, F.IN_SIGNING, by=admins["hall"])
    make_signatory(forum, "bupati.tutup")
    CalendarDay.objects.create(date=D(2026, 12, 4), hall=hall, name="Hari jadi Kabupaten")
    assert scan(at(2026, 12, 7, 11))["sign_off"] == 0  # Monday is the first working day
    assert scan(at(2026, 12, 8, 10))["sign_off"] == 1


def test_no_reminder_outside_signing(hall, admins):
    drafted = move_forum(make_forum(hall, slug="draf"), F.MINUTES_DRAFTED, by=admins["hall"])
    make_signatory(drafted, "bupati.draf")
    signed = move_forum(make_forum(hall, slug="sah"), F.SIGNED, by=admins["hall"])
    make_signatory(signed, "bupati.sah")
    assert scan(at(2027, 1, 20, 10))["sign_off"] == 0
    assert not messages("signoff").exists()


def test_a_new_round_of_signing_may_remind_again(forum_in_signing, admins):
    signatory = make_signatory(forum_in_signing, "bupati.ulang")
    assert scan(at(2026, 12, 7, 10, 30))["sign_off"] == 1
    # Returned on Tuesday, corrected and sent for signing again on Wednesday.
    with time_machine.travel(at(2026, 12, 8, 9), tick=False):
        transition(forum_in_signing, F.MINUTES_DRAFTED, by=signatory.user, action="forum.return")
    with time_machine.travel(at(2026, 12, 9, 9), tick=False):
        transition(forum_in_signing, F.IN_SIGNING, by=admins["hall"], action="forum.send")
    assert scan(at(2026, 12, 10, 10))["sign_off"] == 0  # the first reminder was last round
    assert scan(at(2026, 12, 11, 9))["sign_off"] == 1  # Thu + Fri after Wednesday 09:00
    assert messages("signoff").filter(recipient="bupati.ulang@example.test").count() == 2


def test_signatory_without_email_gets_an_sms(forum_in_signing):
    signatory = make_signatory(forum_in_signing, "tokoh.uji", email="")
    signatory.user.phone = "081234567890"
    signatory.user.save()
    scan(at(2026, 12, 7, 11))
    sent = messages("signoff").get()
    assert sent.channel == "sms"
    assert sent.recipient == "+6281234567890"


# --------------------------------------------------------------------------
# Target date approaching: the responsible agency
# --------------------------------------------------------------------------
@pytest.fixture
def signed_forum(hall, admins):
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        return move_forum(make_forum(hall, slug="fkm-sah"), F.SIGNED, by=admins["hall"])


def test_agency_is_told_five_working_days_before_the_target(
    signed_forum, agency_a, agency_b, admins
):
    # Friday 18 December: five working days from Friday 11 (14, 15, 16, 17, 18).
    item_a = make_item(signed_forum, 1, agency_a, D(2026, 12, 18))
    item_b = make_item(signed_forum, 2, agency_b, D(2026, 12, 18), status=I.IN_PROGRESS)
    make_item(signed_forum, 3, agency_a, D(2026, 12, 18), status=I.DONE, done_on=D(2026, 12, 9))
    make_item(signed_forum, 4, agency_a, D(2026, 12, 18), status=I.DROPPED)
    later = make_item(signed_forum, 5, agency_a, D(2027, 1, 29))

    assert scan(at(2026, 12, 10, 23))["due_soon"] == 0  # Thursday: six working days left
    assert scan(at(2026, 12, 11, 0, 5))["due_soon"] == 2

    recipients = set(messages("due-soon").values_list("recipient", flat=True))
    assert recipients == {
        "admin.a@example.test",
        "kontak.dukcapil@example.test",
        "admin.b@example.test",
    }
    to_a = messages("due-soon").get(recipient="admin.a@example.test")
    assert "Butir 1 " in to_a.body and "Butir 2 " not in to_a.body
    assert "18 Desember 2026" in to_a.body
    assert f"/forum/tindak-lanjut/{item_a.pk}/" in to_a.body
    item_a.refresh_from_db()
    item_b.refresh_from_db()
    later.refresh_from_db()
    assert item_a.reminded_at == item_b.reminded_at == at(2026, 12, 11, 0, 5)
    assert later.reminded_at is None

    assert scan(at(2026, 12, 14, 9))["due_soon"] == 0
    assert messages("due-soon").count() == 3


def test_the_window_counts_working_days_across_christmas(signed_forum, agency_a, admins):
    # Monday 4 January 2027 is five working days after Wednesday 23 December
    # (24 cuti bersama, 25 Christmas, 26-27 weekend, then 28, 29, 30, 31 and,
    # after New Year and the weekend, 4 January): twelve calendar days.
    make_item(signed_forum, 1, agency_a, D(2027, 1, 4))
    assert scan(at(2026, 12, 22, 12))["due_soon"] == 0  # six working days left
    assert scan(at(2026, 12, 23, 12))["due_soon"] == 1


def test_an_item_past_its_target_gets_no_due_soon_reminder(signed_forum, agency_a, admins):
    make_item(signed_forum, 1, agency_a, D(2026, 12, 1))
    result = scan(at(2026, 12, 7, 9))
    assert result["due_soon"] == 0
    assert result["overdue"] == 1


# --------------------------------------------------------------------------
# Overdue: the hall admin
# --------------------------------------------------------------------------
def test_overdue_items_are_flagged_to_the_hall_admin_once(signed_forum, agency_a, agency_b, admins):
    friday = make_item(signed_forum, 1, agency_a, D(2026, 12, 4))
    sunday = make_item(signed_forum, 2, agency_b, D(2026, 12, 6), status=I.IN_PROGRESS)
    make_item(signed_forum, 3, agency_a, D(2026, 12, 4), status=I.DONE, done_on=D(2026, 12, 7))
    make_item(signed_forum, 4, agency_a, D(2026, 12, 4), status=I.DROPPED)

    # Saturday: no working day has begun since Friday's target.
    assert scan(at(2026, 12, 5, 10))["overdue"] == 0
    # Monday: Friday's item is late; Sunday's target moved to Monday.
    assert scan(at(2026, 12, 7, 0, 10))["overdue"] == 1
    friday.refresh_from_db()
    assert friday.overdue_flagged_at == at(2026, 12, 7, 0, 10)
    flagged = messages("overdue").get()
    assert flagged.recipient == "admin@example.test"
    assert "Butir 1 " in flagged.body
    assert "melewati" in flagged.subject
    assert f"/forum/kelola/{signed_forum.pk}/tindak-lanjut/" in flagged.body

    assert scan(at(2026, 12, 8, 0, 10))["overdue"] == 1  # Tuesday: Sunday's item
    sunday.refresh_from_db()
    assert sunday.overdue_flagged_at is not None
    assert scan(at(2026, 12, 9, 10))["overdue"] == 0
    assert messages("overdue").count() == 2
    # Nobody but the hall admin hears of overdue items.
    assert set(messages("overdue").values_list("recipient", flat=True)) == {"admin@example.test"}


def test_other_halls_admins_are_not_told(signed_forum, agency_a, admins):
    other = HallFactory(name="MPP Lain", slug="lain", code="LAN")
    UserFactory(username="admin.lain", role=User.Role.HALL_ADMIN, hall=other, email="x@lain.test")
    make_item(signed_forum, 1, agency_a, D(2026, 12, 1))
    scan(at(2026, 12, 7, 9))
    assert not messages("overdue").filter(recipient="x@lain.test").exists()


def test_each_hall_uses_its_own_closed_days(signed_forum, agency_a, admins):
    other = HallFactory(name="MPP Lain", slug="lain2", code="LN2")
    UserFactory(username="admin.lain2", role=User.Role.HALL_ADMIN, hall=other, email="y@lain.test")
    other_agency = AgencyFactory(hall=other)
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        other_forum = move_forum(make_forum(other, slug="fkm-lain"), F.SIGNED)
    make_item(signed_forum, 1, agency_a, D(2026, 12, 4))
    make_item(other_forum, 1, other_agency, D(2026, 12, 4))
    # Monday 7 December is closed in the first hall only.
    CalendarDay.objects.create(date=D(2026, 12, 7), hall=signed_forum.hall, name="Hari jadi")
    assert scan(at(2026, 12, 7, 10))["overdue"] == 1
    assert messages("overdue").get().recipient == "y@lain.test"
    assert scan(at(2026, 12, 8, 10))["overdue"] == 1


# --------------------------------------------------------------------------
# Set-based: the queries do not grow with the items; digests
# --------------------------------------------------------------------------
def _count_queries(when):
    with time_machine.travel(when, tick=False), CaptureQueriesContext(connection) as queries:
        result = follow_up.follow_up_scan()
    return result, len(queries)


def test_queries_do_not_grow_with_items(hall, agency_a, agency_b, admins):
    def forum_with(slug, n, target):
        with time_machine.travel(at(2026, 11, 20, 10), tick=False):
            forum = move_forum(make_forum(hall, slug=slug), F.SIGNED)
        for number in range(1, n + 1):
            make_item(forum, number, agency_a if number % 2 else agency_b, target)
        return forum

    few = forum_with("sedikit", 3, D(2026, 12, 1))
    result, small = _count_queries(at(2026, 12, 7, 10))
    assert result["overdue"] == 3
    forum_with("banyak", 40, D(2026, 12, 2))
    result, large = _count_queries(at(2026, 12, 8, 10))
    assert result["overdue"] == 40
    assert large == small
    # One digest for the hall admin per scan, not one message per item.
    assert messages("overdue").count() == 2
    assert few.items.filter(overdue_flagged_at__isnull=True).count() == 0


def test_empty_scan_is_cheap(db, django_assert_max_num_queries):
    with django_assert_max_num_queries(6), time_machine.travel(at(2026, 12, 7, 10), tick=False):
        assert follow_up.follow_up_scan() == {"sign_off": 0, "due_soon": 0, "overdue": 0}


# --------------------------------------------------------------------------
# Concurrency: scans at the same moment claim each row once
# --------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_send_each_reminder_once(hall, agency_a, agency_b, admins):
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        forum = move_forum(make_forum(hall, slug="bersamaan"), F.SIGNED)
    for number in range(1, 21):
        make_item(forum, number, agency_a, D(2026, 12, 1))
    for number in range(21, 31):
        make_item(forum, number, agency_b, D(2026, 12, 10))
    with time_machine.travel(at(2026, 12, 1, 10), tick=False):
        signing = move_forum(make_forum(hall, slug="ttd-bersamaan"), F.IN_SIGNING)
    for n in range(5):
        make_signatory(signing, f"penanda.{n}", order=n)
    barrier = threading.Barrier(4)

    def run(_):
        try:
            barrier.wait(timeout=5)
            with time_machine.travel(at(2026, 12, 7, 10), tick=False):
                return follow_up.follow_up_scan()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, range(4)))
    assert sum(r["overdue"] for r in results) == 20
    assert sum(r["due_soon"] for r in results) == 10
    assert sum(r["sign_off"] for r in results) == 5
    assert messages("signoff").count() == 5
    # Every overdue item is named in exactly one message to the hall admin.
    bodies = "\n".join(messages("overdue").values_list("body", flat=True))
    for number in range(1, 21):
        assert bodies.count(f"Butir {number} ") == 1
    bodies = "\n".join(
        messages("due-soon").filter(recipient="admin.b@example.test").values_list("body", flat=True)
    )
    for number in range(21, 31):
        assert bodies.count(f"Butir {number} ") == 1
    assert not AgreementItem.objects.filter(
        forum=forum, reminded_at__isnull=True, number__gt=20
    ).exists()


# --------------------------------------------------------------------------
# Through the real Celery worker: the beat task published twice
# --------------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_follow_up_scan_in_the_real_worker_twice(hall, agency_a, admins, celery_worker_process):
    """The beat task, through the broker and a worker, sent twice: each message once.

    The worker runs on the real clock: dates are relative to today. (Two
    scans at the same moment are the threaded test above.)
    """
    from django.db import transaction
    from django.utils import timezone

    from forums.tasks import follow_up_scan

    now = timezone.now()
    today = timezone.localdate(now, follow_up.JAKARTA)
    with time_machine.travel(now - datetime.timedelta(days=40), tick=False):
        forum = move_forum(make_forum(hall, slug="pekerja"), F.SIGNED)
    for number in range(1, 11):
        make_item(forum, number, agency_a, today - datetime.timedelta(days=20))
    for number in range(11, 14):
        make_item(forum, number, agency_a, today + datetime.timedelta(days=2))
    with time_machine.travel(now - datetime.timedelta(days=14), tick=False):
        signing = move_forum(make_forum(hall, slug="pekerja-ttd"), F.IN_SIGNING)
    make_signatory(signing, "bupati.pekerja")

    with transaction.atomic():
        transaction.on_commit(lambda: (follow_up_scan.delay(), follow_up_scan.delay()))
    celery_worker_process.wait_for(
        lambda: (
            not forum.items.filter(overdue_flagged_at__isnull=True, number__lte=10).exists()
            and not forum.items.filter(reminded_at__isnull=True, number__gt=10).exists()
            and messages("signoff").exists()
        ),
        timeout=90,
        message="the reminders claimed by the worker",
    )
    # The second scan leaves the queue too (and finds nothing left to claim).
    from mpp_portal.celery import app

    with app.connection_for_write() as conn:
        # Redis tells the queue's length; the file-system broker of the
        # embedded run (no REDIS_URL) has no client to ask: give it time.
        client = getattr(conn.default_channel, "client", None)
        if client is not None:
            celery_worker_process.wait_for(
                lambda: client.llen(celery_worker_process.queue) == 0,
                timeout=60,
                message="both scans taken from the queue",
            )
        else:
            time.sleep(5)
    time.sleep(2)
    assert not forum.items.filter(overdue_flagged_at__isnull=True, number__lte=10).exists()
    assert not forum.items.filter(reminded_at__isnull=True, number__gt=10).exists()
    assert messages("overdue").count() == 1
    overdue = messages("overdue").get().body
    assert all(overdue.count(f"Butir {n} ") == 1 for n in range(1, 11))
    assert messages("signoff").filter(recipient="bupati.pekerja@example.test").count() == 1
    assert messages("due-soon").filter(recipient="admin.a@example.test").count() == 1


# --------------------------------------------------------------------------
# A moved target is a new commitment: reminded and flagged again
# --------------------------------------------------------------------------
@pytest.fixture
def held_forum(hall, admins):
    """Held, agreements still editable (the scan already follows its items)."""
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        return move_forum(make_forum(hall, slug="fkm-dilaksanakan"), F.HELD, by=admins["hall"])


def test_a_moved_target_date_is_reminded_again(held_forum, agency_a, admins):
    from forums.services import item_update

    item = make_item(held_forum, 1, agency_a, D(2026, 12, 18))
    assert scan(at(2026, 12, 11, 9))["due_soon"] == 1
    item.refresh_from_db()
    assert item.reminded_at == at(2026, 12, 11, 9)

    # The text alone changes: the reminder stands.
    with time_machine.travel(at(2026, 12, 11, 10), tick=False):
        item_update(item, text="Teks diperbaiki.", agency=agency_a, target_date=D(2026, 12, 18))
    item.refresh_from_db()
    assert item.reminded_at == at(2026, 12, 11, 9)
    assert scan(at(2026, 12, 14, 9))["due_soon"] == 0

    # Friday 29 January 2027: a new target, reminded again five working days before.
    with time_machine.travel(at(2026, 12, 14, 10), tick=False):
        item_update(
            item, text=item.text, agency=agency_a, target_date=D(2027, 1, 29), by=admins["hall"]
        )
    item.refresh_from_db()
    assert item.reminded_at is None
    assert scan(at(2027, 1, 21, 9))["due_soon"] == 0  # six working days left
    assert scan(at(2027, 1, 22, 9))["due_soon"] == 1
    item.refresh_from_db()
    assert item.reminded_at == at(2027, 1, 22, 9)
    assert messages("due-soon").filter(recipient="admin.a@example.test").count() == 2


def test_a_moved_target_of_a_late_item_is_flagged_again(held_forum, agency_a, admins):
    from forums.services import item_update

    item = make_item(held_forum, 1, agency_a, D(2026, 12, 4))
    assert scan(at(2026, 12, 7, 9))["overdue"] == 1
    item.refresh_from_db()
    assert item.overdue_flagged_at == at(2026, 12, 7, 9)
    assert item.reminded_at is None  # already past its target when first scanned

    with time_machine.travel(at(2026, 12, 7, 11), tick=False):
        item_update(item, text=item.text, agency=agency_a, target_date=D(2026, 12, 9))
    item.refresh_from_db()
    assert item.overdue_flagged_at is None
    assert scan(at(2026, 12, 9, 15))["overdue"] == 0  # the new target is today
    assert scan(at(2026, 12, 10, 9))["overdue"] == 1  # late again: flagged again
    assert messages("overdue").count() == 2


def test_another_responsible_agency_is_reminded_afresh(held_forum, agency_a, agency_b, admins):
    from forums.services import item_update

    item = make_item(held_forum, 1, agency_a, D(2026, 12, 4))
    item.reminded_at = at(2026, 11, 27, 9)
    item.save(update_fields=["reminded_at"])
    assert scan(at(2026, 12, 7, 9))["overdue"] == 1

    with time_machine.travel(at(2026, 12, 7, 11), tick=False):
        item_update(item, text=item.text, agency=agency_b, target_date=D(2026, 12, 4))
    item.refresh_from_db()
    assert item.reminded_at is None and item.overdue_flagged_at is None
    assert scan(at(2026, 12, 8, 9))["overdue"] == 1


def test_the_django_admin_clears_the_marks_when_the_target_moves(
    held_forum, agency_a, admins, rf
):  # The admin may move a target too (before the berita acara is signed).
    from django.contrib.admin.sites import site

    from forums.models import AgreementItem as Item

    item = make_item(held_forum, 1, agency_a, D(2026, 12, 4))
    item.reminded_at = item.overdue_flagged_at = at(2026, 12, 7, 9)
    item.save()
    model_admin = site._registry[Item]
    form_class = model_admin.get_form(rf.get("/"), item)
    data = {
        "forum": held_forum.pk,
        "number": 1,
        "text": item.text,
        "agency": agency_a.pk,
        "target_date": "2026-12-30",
        "created_at_0": "2026-11-20",
        "created_at_1": "10:00:00",
    }
    form = form_class(data, instance=item)
    assert form.is_valid(), form.errors
    model_admin.save_model(rf.post("/"), form.save(commit=False), form, change=True)
    item.refresh_from_db()
    assert item.target_date == D(2026, 12, 30)
    assert item.reminded_at is None and item.overdue_flagged_at is None
