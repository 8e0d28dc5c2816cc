"""The demo agreements: every state the issue asks for, idempotent."""

import datetime
import io

import pytest
from django.utils import timezone

from agreements import demo
from agreements.models import Agreement, CoverageSnapshot, PendingService
from mpp_portal.accounts.models import User
from tests.factories import AgencyFactory, CounterFactory, ServiceFactory, UserFactory

S = Agreement.Status
pytestmark = pytest.mark.django_db

SLUGS = [
    "disdukcapil",
    "dpmptsp",
    "bapenda",
    "samsat",
    "bpjs-kesehatan",
    "bpjs-ketenagakerjaan",
    "kpp-pratama",
    "polres",
    "pos",
    "bpn",
]


def test_demo_seed_is_complete_and_idempotent(hall):
    agencies = {slug: AgencyFactory(hall=hall, slug=slug, short_name=slug[:10]) for slug in SLUGS}
    for slug in ("disdukcapil", "samsat", "bpjs-kesehatan", "bpn"):
        CounterFactory(
            agency=agencies[slug], hall=hall, services=[ServiceFactory(agency=agencies[slug])]
        )
    admin = UserFactory(username="admin.mpp", role=User.Role.HALL_ADMIN, hall=hall)
    out = io.StringIO()
    demo.seed(hall=hall, users={"admin.mpp": admin}, stdout=out)
    counts = (
        Agreement.objects.count(),
        PendingService.objects.count(),
        CoverageSnapshot.objects.count(),
    )
    demo.seed(hall=hall, users={"admin.mpp": admin}, stdout=out)
    assert counts == (
        Agreement.objects.count(),
        PendingService.objects.count(),
        CoverageSnapshot.objects.count(),
    )

    mou = Agreement.objects.get(kind=Agreement.Kind.MOU)
    assert mou.signed_on == datetime.date(2024, 6, 20) and mou.signed_on.weekday() == 3
    pks = Agreement.objects.filter(kind=Agreement.Kind.PKS)
    assert all(a.implements_id == mou.pk for a in pks)
    statuses = {a.parties.exclude(agency=None).get().agency.slug: a for a in pks if not a.renews_id}
    today = timezone.localdate()
    assert statuses["samsat"].status == S.ACTIVE
    assert 0 <= statuses["samsat"].days_left(today) <= 60
    assert statuses["bpjs-kesehatan"].status == S.EXPIRED
    assert statuses["pos"].status == S.TERMINATED and statuses["pos"].termination_reason
    old = statuses["bpjs-ketenagakerjaan"]
    assert old.status == S.RENEWED and old.successor.renews == old
    assert old.successor.addenda.get().status == S.ACTIVE
    assert sum(a.status == S.ACTIVE for a in pks) >= 5
    assert all(a.scan for a in Agreement.objects.all())
    assert CoverageSnapshot.objects.filter(date=today).exists()
    from mpp_portal.notifications.models import OutboxMessage

    reminders = OutboxMessage.objects.filter(dedupe_key__startswith="agreement-expiry:")
    assert reminders.filter(object_id=statuses["samsat"].pk).count() == 2  # admin, contact
    assert reminders.count() == 2
    agencies["samsat"].refresh_from_db()
    assert agencies["samsat"].contact_name and agencies["samsat"].contact_email
