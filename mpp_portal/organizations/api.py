import django_filters
from django.db.models import Prefetch
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from mpp_portal.organizations.models import Agency, Hall, OfficeHours


class OfficeHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfficeHours
        fields = ["weekday", "opens", "closes", "is_closed"]


class HallSerializer(serializers.ModelSerializer):
    office_hours = OfficeHoursSerializer(many=True, read_only=True)

    class Meta:
        model = Hall
        fields = [
            "id",
            "name",
            "slug",
            "government_name",
            "regency",
            "address",
            "phone",
            "email",
            "website",
            "office_hours",
        ]


class AgencySerializer(serializers.ModelSerializer):
    hall = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Agency
        fields = [
            "id",
            "hall",
            "name",
            "short_name",
            "slug",
            "kind",
            "description",
            "contact_email",
            "contact_phone",
            "website",
        ]


class HallViewSet(viewsets.ReadOnlyModelViewSet):
    """Halls (MPP buildings) and their office hours. Public."""

    serializer_class = HallSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    search_fields = ["name", "regency"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return Hall.objects.filter(is_active=True).prefetch_related(
            Prefetch("office_hours", queryset=OfficeHours.objects.order_by("weekday"))
        )


class AgencyFilter(django_filters.FilterSet):
    hall = django_filters.CharFilter(
        field_name="hall__slug", help_text="Slug of the hall, e.g. perigo-agung."
    )

    class Meta:
        model = Agency
        fields = ["hall", "kind"]


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies serving at the halls. Public; filter with ?hall=<slug>&kind=."""

    serializer_class = AgencySerializer
    permission_classes = [AllowAny]
    filterset_class = AgencyFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["name", "short_name"]

    def get_queryset(self):
        return Agency.objects.active().select_related("hall").filter(hall__is_active=True)
