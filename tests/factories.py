import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from mpp_portal.accounts.models import User
from mpp_portal.organizations.models import Agency, Hall
from services.models import PRIORITY_LEVELS


class HallFactory(DjangoModelFactory):
    class Meta:
        model = Hall
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"MPP Uji {n}")
    slug = factory.Sequence(lambda n: f"mpp-uji-{n}")
    address = "Jl. Raya Muara Aman No. 1, Lebong Utara"
    code = "LBG"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    hall = factory.SubFactory(HallFactory)
    name = factory.Sequence(lambda n: f"Dinas Uji {n}")
    short_name = factory.Sequence(lambda n: f"Dinas {n}")
    slug = factory.Sequence(lambda n: f"dinas-{n}")
    kind = Agency.Kind.REGIONAL


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="id_ID")
    last_name = factory.Faker("last_name", locale="id_ID")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    role = User.Role.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", "rahasia-uji-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = "services.Service"

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Layanan Uji {n}")
    slug = factory.Sequence(lambda n: f"layanan-uji-{n}")
    code = factory.Sequence(lambda n: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26] * (1 + n // 26 % 3))
    accepted_priorities = factory.LazyFunction(lambda: list(PRIORITY_LEVELS))
    requirements = factory.LazyFunction(lambda: ["KTP-el asli", "Kartu Keluarga"])


class CounterFactory(DjangoModelFactory):
    class Meta:
        model = "services.Counter"
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    hall = factory.LazyAttribute(lambda c: c.agency.hall)
    number = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def services(obj, create, extracted, **kwargs):
        if create and extracted:
            for service in extracted:
                obj.services.add(service)


class BookingFactory(DjangoModelFactory):
    """A booking row as stored, by default yesterday at 09:00 (for background
    jobs); a booking made the citizen's way is services.booking.booking_create."""

    class Meta:
        model = "services.Booking"

    service = factory.SubFactory(ServiceFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    slot_start = datetime.time(9, 0)
    # A half-hour slot.
    slot_end = factory.LazyAttribute(
        lambda b: (
            datetime.datetime.combine(b.date, b.slot_start) + datetime.timedelta(minutes=30)
        ).time()
    )
    name = "Siti Aminah"
    nik = factory.Sequence(lambda n: f"170701150190{n % 9999 + 1:04d}")
    phone = "081234567890"
    manage_token_hash = "x"


def issue_document(hall, *, number="001/BA/MPP/VI/2024", issued_by=None, **extra):
    """A generic letter issued through the documents service (a real PDF in media)."""
    from mpp_portal.documents import services
    from mpp_portal.documents.models import IssuedDocument

    return services.document_issue(
        kind=IssuedDocument.Kind.GENERIC,
        number=number,
        title="Surat Keterangan Uji",
        template_name="documents/pdf_generic.html",
        context={"paragraphs": ["Isi surat uji coba."], "signatory_name": "Drs. Pejabat Uji"},
        hall=hall,
        issued_by=issued_by,
        **extra,
    )
