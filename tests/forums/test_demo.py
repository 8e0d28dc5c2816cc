"""forums/demo.py: the FKM of 20 June 2024 signed, one planned, one waiting for bupati."""

import io

import pytest

from forums import demo
from forums.models import AgreementItem, BeritaAcara, Forum
from mpp_portal.accounts.models import User
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(hall, agency_a, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    AgencyFactory(hall=hall, slug="dpmptsp", short_name="DPMPTSP", name="DPMPTSP Lebong")
    AgencyFactory(hall=hall, slug="bapenda", short_name="Bapenda", name="Bapenda Lebong")
    return {
        "admin.mpp": UserFactory(username="admin.mpp", role=User.Role.HALL_ADMIN, hall=hall),
        "bupati": UserFactory(username="bupati", role=User.Role.SIGNATORY, hall=hall),
    }


def test_demo_forums_and_idempotence(hall, demo_world):
    demo.seed(hall=hall, users=demo_world, stdout=io.StringIO())
    fkm = Forum.objects.get(theme=demo.FKM_THEME)
    assert fkm.status == Forum.Status.SIGNED
    assert fkm.starts_at.date().isoformat() == "2024-06-20"
    assert "Pasar Tradisional Modern" in fkm.venue
    assert set(fkm.items.values_list("status", flat=True)) == set(AgreementItem.Status.values)
    assert fkm.versions.filter(is_final=True).count() == 1
    assert fkm.signatories.filter(approved_at__isnull=True).count() == 0
    planned = Forum.objects.get(theme=demo.PLANNED_THEME)
    assert planned.status == Forum.Status.PLANNED and planned.inputs_open and planned.is_published
    assert planned.inputs.count() == 2
    waiting = Forum.objects.get(theme=demo.SIGNING_THEME)
    assert waiting.status == Forum.Status.IN_SIGNING
    pending = list(
        waiting.signatories.filter(approved_at__isnull=True).values_list(
            "user__username", flat=True
        )
    )
    assert pending == ["bupati"]
    counts = (Forum.objects.count(), BeritaAcara.objects.count(), AgreementItem.objects.count())
    demo.seed(hall=hall, users=demo_world, stdout=io.StringIO())
    assert (
        Forum.objects.count(),
        BeritaAcara.objects.count(),
        AgreementItem.objects.count(),
    ) == counts
    assert User.objects.get(username="kadis.dukcapil").check_password("demo12345")
