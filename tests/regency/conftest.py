"""Shared fixtures of the regency tests: the bupati, rows written as the apps
would have left them (tickets, answers, forums, items), a hand-checked world."""

import datetime
import itertools

import pytest

from mpp_portal.accounts.models import User
from mpp_portal.workdays import JAKARTA
from services.models import SurveyResponse, Ticket
from tests.factories import UserFactory

_serial = itertools.count(1)


@pytest.fixture
def bupati(hall):
    """The regent: a signatory of the hall (the demo's "bupati")."""
    return UserFactory(username="bupati.uji", role=User.Role.SIGNATORY, hall=hall)


def wib(year, month, day, hour=9, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def ticket(service, day, *, status=Ticket.Status.DONE):
    """Insert one finished ticket of ``service`` on ``day`` (a WIB date)."""
    n = next(_serial)
    issued = wib(day.year, day.month, day.day, 9)
    done = status == Ticket.Status.DONE
    return Ticket.objects.create(
        service=service,
        numbered_service=service,
        date=day,
        number=n,
        code=f"T-{n:03d}",
        status=status,
        issued_at=issued,
        queued_at=issued,
        called_at=issued + datetime.timedelta(minutes=10) if done else None,
        started_at=issued + datetime.timedelta(minutes=11) if done else None,
        finished_at=issued + datetime.timedelta(minutes=20) if done else None,
    )


def answer(service, day, score):
    """One SKM questionnaire of a served ticket with every element at ``score``."""
    served = ticket(service, day)
    return SurveyResponse.objects.create(
        ticket=served,
        service=service,
        agency=service.agency,
        hall=service.agency.hall,
        date=day,
        **{f"u{n}": score for n in range(1, 10)},
    )
