"""Forums, agreement items and signatories for the follow-up and report tests."""

import datetime

from forums.models import AgreementItem, Forum, Signatory
from mpp_portal.accounts.models import User
from mpp_portal.transitions import transition
from mpp_portal.workdays import JAKARTA
from tests.factories import UserFactory
from tests.transition_guard import force_status

F = Forum.Status
I = AgreementItem.Status  # noqa: E741 - the item's status, as F is the forum's

PATH = [F.PLANNED, F.HELD, F.MINUTES_DRAFTED, F.IN_SIGNING, F.SIGNED]


def at(year, month, day, hour=9, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def make_forum(hall, *, slug="fkm-uji", theme="Sentralisasi layanan di MPP", starts_at=None):
    return Forum.objects.create(
        hall=hall,
        slug=slug,
        theme=theme,
        starts_at=starts_at or at(2026, 11, 19, 9),
        venue="Pasar Tradisional Modern, Muara Aman",
        is_published=True,
    )


def move_forum(forum, target, *, by=None):
    """Walk ``forum`` along the life to ``target`` through the transition helper
    (so the audit trail records when it went into signing)."""
    for status in PATH[PATH.index(forum.status) + 1 : PATH.index(target) + 1]:
        transition(forum, status, by=by, action=f"forum.{status}")
    return forum


def make_item(forum, number, agency, target, status=I.OPEN, done_on=None, text=None, **fields):
    item = AgreementItem.objects.create(
        forum=forum,
        number=number,
        text=text or f"Kesepakatan nomor {number}: layanan dipercepat dan diumumkan.",
        agency=agency,
        target_date=target,
        **fields,
    )
    if status != I.OPEN or done_on:
        force_status(item, status, done_on=done_on)
    return item


def make_signatory(forum, username, *, order=1, email=None, group=Signatory.Group.OPD, hall=None):
    user = UserFactory(
        username=username,
        role=User.Role.SIGNATORY,
        hall=hall or forum.hall,
        email=email if email is not None else f"{username}@example.test",
    )
    return Signatory.objects.create(
        forum=forum,
        user=user,
        name=user.get_full_name() or username,
        position="Kepala Dinas",
        group=group,
        order=order,
    )
