import factory
from factory.django import DjangoModelFactory

from mpp_portal.accounts.models import User
from mpp_portal.organizations.models import Agency, Hall


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
