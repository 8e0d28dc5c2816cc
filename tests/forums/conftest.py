"""Fixtures of the forums tests: a held forum with people, two agreements and signatories."""

import datetime

import pytest
from django.utils import timezone

from forums import services
from forums.models import Signatory
from mpp_portal.accounts.models import User
from tests.factories import UserFactory

JAKARTA = datetime.timezone(datetime.timedelta(hours=7))


@pytest.fixture
def bupati(hall):
    return UserFactory(
        username="bupati.uji",
        role=User.Role.SIGNATORY,
        hall=hall,
        first_name="Kopli",
        last_name="Ansori",
    )


@pytest.fixture
def kadis(hall, agency_a):
    return UserFactory(
        username="kadis.uji",
        role=User.Role.SIGNATORY,
        hall=hall,
        first_name="Hendra",
        last_name="Wijaya",
    )


@pytest.fixture
def planned_forum(hall, hall_admin, agency_a, agency_b):
    hall.phone = "(0732) 21000"
    hall.save()
    forum = services.forum_plan(
        hall=hall,
        by=hall_admin,
        theme="Pemusatan layanan di MPP",
        venue="Pasar Tradisional Modern, Muara Aman",
        starts_at=datetime.datetime(2024, 6, 20, 9, 0, tzinfo=JAKARTA),
        is_published=True,
        inputs_open=True,
    )
    services.forum_set_agency(
        forum,
        agency=agency_a,
        signatory_name="Hendra Wijaya",
        signatory_position="Kepala Dinas Kependudukan dan Pencatatan Sipil",
    )
    return forum


@pytest.fixture
def held_forum(planned_forum, hall_admin, agency_a, agency_b, bupati, kadis):
    forum = services.forum_hold(planned_forum, by=hall_admin, chaired_by="Sekretaris Daerah")
    services.attendance_add(forum, name="Siti Aminah", group="pengguna", origin="Lebong Utara")
    services.attendance_add(forum, name="Hendra Wijaya", group="pemerintah", origin="Disdukcapil")
    services.attendance_add(forum, name="Rahmat Hidayat", group="media", origin="Lebong Pos")
    services.item_add(
        forum,
        text="Semua layanan kependudukan dilayani di MPP.",
        agency=agency_a,
        target_date=datetime.date(2024, 9, 30),
        by=hall_admin,
    )
    services.item_add(
        forum,
        text="Papan informasi pajak daerah dipasang di MPP.",
        agency=agency_b,
        target_date=datetime.date(2024, 8, 31),
        by=hall_admin,
    )
    services.signatory_add(
        forum,
        user=bupati,
        name="Kopli Ansori",
        position="Bupati Lebong",
        group=Signatory.Group.HEAD_OF_REGION,
    )
    services.signatory_add(
        forum,
        user=kadis,
        name="Hendra Wijaya",
        position="Kepala Dinas Kependudukan dan Pencatatan Sipil",
        group=Signatory.Group.OPD,
    )
    forum.refresh_from_db()
    return forum


@pytest.fixture
def drafted_forum(held_forum, hall_admin):
    services.berita_acara_issue(held_forum.pk, user_id=hall_admin.pk)
    held_forum.refresh_from_db()
    return held_forum


@pytest.fixture
def signing_forum(drafted_forum, hall_admin):
    forum = services.signoff_send(drafted_forum, by=hall_admin)
    return forum


def now():
    return timezone.now()
