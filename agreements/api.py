"""REST API of PKS agreements: /api/v1/agreements/ and its coverage.

Reading needs ``agreements.read`` (a hall admin: the hall; an agency admin
or an agency's API token: the agreements their agency is a party to);
writing and moving need ``agreements.manage`` (the hall admin). Another
hall's or agency's agreement answers 404, a forbidden move 409.
"""

import django_filters
from django import forms
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import selectors, services
from agreements.models import Agreement
from mpp_portal import api_filters
from mpp_portal.accounts.permissions import can
from mpp_portal.api_errors import JSONParser
from mpp_portal.api_schema import errors
from mpp_portal.organizations.models import Agency
from services.models import Counter, Service

S = Agreement.Status


# ---------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------
class CanReadAgreements(permissions.BasePermission):
    """Reads need agreements.read; writes and moves agreements.manage."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return can(request.user, "agreements.read")
        return can(request.user, "agreements.manage")


# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------
class PartySerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        allow_null=True,
        help_text="The agency; null for the regency (pemerintah daerah).",
    )
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Defaults to the agency's or the regency's name.",
    )
    number = serializers.CharField(max_length=120, required=False, allow_blank=True)
    signatory_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    signatory_title = serializers.CharField(max_length=150, required=False, allow_blank=True)


class AgreementSerializer(serializers.ModelSerializer):
    parties = serializers.SerializerMethodField()
    expiring = serializers.SerializerMethodField(
        help_text="Active and ending within 90 days (derived, never stored)."
    )
    days_left = serializers.SerializerMethodField()
    has_scan = serializers.SerializerMethodField()
    number = serializers.SerializerMethodField(help_text="The regency's number, else the first.")

    class Meta:
        model = Agreement
        fields = [
            "id",
            "kind",
            "title",
            "number",
            "status",
            "expiring",
            "days_left",
            "parties",
            "signed_on",
            "signed_place",
            "start_date",
            "end_date",
            "legal_basis",
            "purpose",
            "regency_duties",
            "partner_duties",
            "staff_count",
            "financing",
            "renewal_clause",
            "monitoring",
            "witnesses",
            "services",
            "counters",
            "implements",
            "amends",
            "amended_fields",
            "renews",
            "successor",
            "terminated_on",
            "termination_reason",
            "has_scan",
        ]
        read_only_fields = fields

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, obj):
        return [
            {
                "agency": p.agency_id,
                "name": p.name,
                "number": p.number,
                "signatory_name": p.signatory_name,
                "signatory_title": p.signatory_title,
            }
            for p in obj.parties.all()
        ]

    def get_expiring(self, obj) -> bool:
        return obj.is_expiring()

    def get_days_left(self, obj) -> int | None:
        return obj.days_left()

    def get_has_scan(self, obj) -> bool:
        return bool(obj.scan)

    def get_number(self, obj) -> str:
        return obj.main_number


class AgreementWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Agreement.Kind.choices, default=Agreement.Kind.PKS)
    title = serializers.CharField(max_length=300)
    parties = serializers.ListField(
        child=PartySerializer(),
        min_length=2,
        max_length=20,
        help_text="Exactly one party with agency null (the regency) and one or more agencies "
        "of the hall, each once.",
    )
    signed_on = serializers.DateField(required=False, allow_null=True)
    signed_place = serializers.CharField(max_length=100, required=False, allow_blank=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True, help_text="Null: open-ended.")
    legal_basis = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    regency_duties = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    partner_duties = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    staff_count = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    financing = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    renewal_clause = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    monitoring = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    witnesses = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    services = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Service.objects.all()
    )
    counters = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Counter.objects.all()
    )
    implements = serializers.PrimaryKeyRelatedField(
        required=False, allow_null=True, queryset=Agreement.objects.all()
    )
    amends = serializers.PrimaryKeyRelatedField(
        required=False, allow_null=True, queryset=Agreement.objects.all()
    )
    amended_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(Agreement.AMENDABLE)), required=False
    )
    renews = serializers.PrimaryKeyRelatedField(
        required=False, allow_null=True, queryset=Agreement.objects.all()
    )

    def __init__(self, *args, hall=None, **kwargs):
        super().__init__(*args, **kwargs)
        if hall is not None:
            same_hall = Agreement.objects.filter(hall=hall)
            for name in ("implements", "amends", "renews"):
                self.fields[name].queryset = same_hall
            self.fields["services"].child_relation.queryset = Service.objects.filter(
                agency__hall=hall
            )
            self.fields["counters"].child_relation.queryset = Counter.objects.filter(hall=hall)
            self.fields["parties"].child.fields["agency"].queryset = Agency.objects.filter(
                hall=hall
            )


WRITE_EXAMPLE = OpenApiExample(
    "PKS with two agencies",
    request_only=True,
    value={
        "kind": "pks",
        "title": "Perjanjian Kerja Sama Penyelenggaraan Pelayanan pada MPP Perigo Agung",
        "parties": [
            {
                "agency": None,
                "number": "100.3.7/15/PKS/VI/2024",
                "signatory_name": "Kopli Ansori",
                "signatory_title": "Bupati Lebong",
            },
            {"agency": 1, "number": "470/88/DUKCAPIL/2024"},
            {"agency": 2, "number": "973/12/BAPENDA/2024"},
        ],
        "signed_on": "2024-06-20",
        "signed_place": "Muara Aman",
        "start_date": "2024-06-20",
        "end_date": "2029-06-19",
        "staff_count": 2,
        "services": [1, 2],
    },
)
READ_EXAMPLE = OpenApiExample(
    "An active PKS",
    response_only=True,
    value={
        "id": 7,
        "kind": "pks",
        "title": "Perjanjian Kerja Sama Penyelenggaraan Pelayanan pada MPP Perigo Agung",
        "number": "100.3.7/15/PKS/VI/2024",
        "status": "active",
        "expiring": False,
        "days_left": 1658,
        "parties": [
            {
                "agency": None,
                "name": "Pemerintah Kabupaten Lebong",
                "number": "100.3.7/15/PKS/VI/2024",
                "signatory_name": "Kopli Ansori",
                "signatory_title": "Bupati Lebong",
            },
            {
                "agency": 1,
                "name": "Dinas Kependudukan dan Pencatatan Sipil",
                "number": "470/88/DUKCAPIL/2024",
                "signatory_name": "",
                "signatory_title": "",
            },
        ],
        "signed_on": "2024-06-20",
        "signed_place": "Muara Aman",
        "start_date": "2024-06-20",
        "end_date": "2029-06-19",
        "legal_basis": "Permendagri 22/2020",
        "purpose": "Pelayanan administrasi kependudukan di MPP",
        "regency_duties": "Ruang, listrik, internet, mebel",
        "partner_duties": "Petugas, SOP, peralatan, jam layanan",
        "staff_count": 2,
        "financing": "APBD dan anggaran masing-masing pihak",
        "renewal_clause": "Dapat diperpanjang atas kesepakatan para pihak",
        "monitoring": "Evaluasi setiap semester",
        "witnesses": "",
        "services": [1, 2],
        "counters": [1],
        "implements": 3,
        "amends": None,
        "amended_fields": [],
        "renews": None,
        "successor": None,
        "terminated_on": None,
        "termination_reason": "",
        "has_scan": True,
    },
)


class TerminateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    on = serializers.DateField(required=False, allow_null=True)


class RenewSerializer(serializers.Serializer):
    successor = serializers.PrimaryKeyRelatedField(queryset=Agreement.objects.all())


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2147483647})
class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number (NumberFilter would take 1.5)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2147483647)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 3650})
class DaysFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class StatusField(forms.MultipleChoiceField):
    """Statuses; an empty value among them filters nothing (as ``?status=``)."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v]


class StatusFilter(django_filters.MultipleChoiceFilter):
    field_class = StatusField


class AgreementFilter(api_filters.FilterSet):
    status = StatusFilter(choices=S.choices)
    kind = django_filters.ChoiceFilter(choices=Agreement.Kind.choices)
    agency = IdFilter(field_name="parties__agency_id", distinct=True)
    ending_within = DaysFilter(
        method="filter_ending_within",
        min_value=0,
        max_value=3650,
        label="Not finished and ending within this many days.",
    )
    expiring = api_filters.BooleanFilter(method="filter_expiring")

    class Meta:
        model = Agreement
        fields = ["status", "kind", "agency"]

    def filter_ending_within(self, queryset, name, value):
        return queryset.ending_within(int(value))

    def filter_expiring(self, queryset, name, value):
        expiring = Agreement.objects.expiring().values("pk")
        return queryset.filter(pk__in=expiring) if value else queryset.exclude(pk__in=expiring)


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------
def _hall_of(user):
    if user.hall_id:
        return user.hall
    if user.agency_id:
        return user.agency.hall
    from mpp_portal.organizations.models import Hall

    hall = Hall.objects.filter(is_active=True).first() if user.is_superuser else None
    if hall is None:
        raise Http404
    return hall


def _write_kwargs(data):
    values = dict(data)
    parties = [dict(p) for p in values.pop("parties", [])] if "parties" in values else None
    services_ = values.pop("services", None)
    counters = values.pop("counters", None)
    return values, parties, services_, counters


class AgreementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """PKS agreements: the registry of the hall, with the chain and moves."""

    serializer_class = AgreementSerializer
    permission_classes = [CanReadAgreements]
    # A date or a list may be null: bodies are JSON, which can say so.
    parser_classes = [JSONParser]
    lookup_value_regex = r"[0-9]+"
    filterset_class = AgreementFilter
    search_fields = ["title", "parties__number"]
    ordering_fields = ["signed_on", "end_date"]

    def get_queryset(self):
        return (
            selectors.registry_queryset(
                Agreement.objects.visible_to(self.request.user, "agreements.read")
            )
            .prefetch_related("services", "counters")
            .order_by("-signed_on", "-pk")
        )

    def _managed(self):
        agreement = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if agreement is None:
            raise Http404
        return agreement

    def _fresh(self, agreement, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=agreement.pk)
        return Response(AgreementSerializer(fresh).data, status=code)

    @extend_schema(
        request=AgreementWriteSerializer,
        responses={201: AgreementSerializer},
        examples=[WRITE_EXAMPLE, READ_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        """Record an agreement as a draft (hall admin)."""
        hall = _hall_of(request.user)
        data = AgreementWriteSerializer(data=request.data, hall=hall)
        data.is_valid(raise_exception=True)
        values, parties, services_, counters = _write_kwargs(data.validated_data)
        agreement = services.agreement_create(
            hall=hall,
            by=request.user,
            request=request,
            parties=parties,
            services=services_ or [],
            counters=counters or [],
            **values,
        )
        return self._fresh(agreement, status.HTTP_201_CREATED)

    @extend_schema(
        request=AgreementWriteSerializer(partial=True),
        responses={200: AgreementSerializer},
        examples=[READ_EXAMPLE],
    )
    def partial_update(self, request, *args, **kwargs):
        """Change a draft; of a signed or active agreement only services and counters."""
        agreement = self._managed()
        data = AgreementWriteSerializer(data=request.data, hall=agreement.hall, partial=True)
        data.is_valid(raise_exception=True)
        values, parties, services_, counters = _write_kwargs(data.validated_data)
        services.agreement_update(
            agreement=agreement,
            by=request.user,
            request=request,
            parties=parties,
            services=services_,
            counters=counters,
            **values,
        )
        return self._fresh(agreement)

    @extend_schema(examples=[READ_EXAMPLE])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    # -- moves ---------------------------------------------------------------
    def _move(self, function, **kwargs):
        agreement = self._managed()
        function(agreement=agreement, by=self.request.user, request=self.request, **kwargs)
        return self._fresh(agreement)

    @extend_schema(request=None, responses={200: AgreementSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """draft -> signed (-> active at once when the start date has come)."""
        return self._move(services.agreement_sign)

    @extend_schema(request=None, responses={200: AgreementSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """signed -> active, on or after the start date."""
        return self._move(services.agreement_activate)

    @extend_schema(request=None, responses={200: AgreementSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def expire(self, request, pk=None):
        """active -> expired, after the end date (the daily task does it too)."""
        return self._move(services.agreement_expire)

    @extend_schema(
        request=TerminateSerializer,
        responses={200: AgreementSerializer, **errors(409)},
        examples=[
            OpenApiExample(
                "Terminate",
                request_only=True,
                value={"reason": "Instansi menarik layanannya dari MPP", "on": "2026-03-31"},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        """signed|active -> terminated, with the reason and the date."""
        agreement = self._managed()
        data = TerminateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.agreement_terminate(
            agreement=agreement,
            by=request.user,
            request=request,
            reason=data.validated_data["reason"],
            on=data.validated_data.get("on"),
        )
        return self._fresh(agreement)

    @extend_schema(
        request=RenewSerializer,
        responses={200: AgreementSerializer, **errors(409)},
        examples=[OpenApiExample("Renew", request_only=True, value={"successor": 12})],
    )
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """active|expired -> renewed, pointing to its successor."""
        agreement = self._managed()
        data = RenewSerializer(data=request.data)
        data.fields["successor"].queryset = Agreement.objects.filter(hall=agreement.hall)
        data.is_valid(raise_exception=True)
        services.agreement_renew(
            agreement=agreement,
            successor=data.validated_data["successor"],
            by=request.user,
            request=request,
        )
        return self._fresh(agreement)


# ---------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------
class CoverageServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    covered = serializers.BooleanField(help_text="An active agreement covers it.")
    agreements = serializers.ListField(child=serializers.IntegerField())
    counters = serializers.ListField(child=serializers.IntegerField())
    flagged = serializers.BooleanField(help_text="Served at a counter without an active agreement.")


class CoveragePendingSerializer(serializers.Serializer):
    agency = serializers.IntegerField(allow_null=True)
    agency_name = serializers.CharField()
    service_name = serializers.CharField()
    reason = serializers.CharField()
    planned_on = serializers.DateField(allow_null=True)


class CoverageAgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    services = CoverageServiceSerializer(many=True)


class CoverageFiguresSerializer(serializers.Serializer):
    services_in_mpp = serializers.IntegerField()
    services_covered = serializers.IntegerField()
    services_uncovered = serializers.IntegerField()
    services_pending = serializers.IntegerField()
    share_centralised = serializers.FloatField(help_text="In the MPP / (in the MPP + not yet), %.")
    share_covered = serializers.FloatField(
        help_text="Covered by an active agreement / in the MPP, %."
    )
    counters_flagged = serializers.IntegerField()


class CoverageHistorySerializer(serializers.Serializer):
    date = serializers.DateField()
    share_centralised = serializers.FloatField()
    share_covered = serializers.FloatField()


class CoverageSerializer(serializers.Serializer):
    hall = serializers.CharField(help_text="The hall's slug.")
    figures = CoverageFiguresSerializer()
    agencies = CoverageAgencySerializer(many=True)
    pending = CoveragePendingSerializer(many=True)
    history = CoverageHistorySerializer(many=True)


class CoverageView(APIView):
    """Which services of the hall an active agreement covers, and which are
    not yet in the MPP. An agency's token sees its own agency's lines."""

    permission_classes = [CanReadAgreements]

    @extend_schema(
        responses={200: CoverageSerializer},
        examples=[
            OpenApiExample(
                "Coverage",
                response_only=True,
                value={
                    "hall": "perigo-agung",
                    "figures": {
                        "services_in_mpp": 12,
                        "services_covered": 10,
                        "services_uncovered": 2,
                        "services_pending": 3,
                        "share_centralised": 80.0,
                        "share_covered": 83.3,
                        "counters_flagged": 1,
                    },
                    "agencies": [
                        {
                            "id": 1,
                            "name": "Disdukcapil",
                            "services": [
                                {
                                    "id": 1,
                                    "name": "KTP-el",
                                    "covered": True,
                                    "agreements": [7],
                                    "counters": [1],
                                    "flagged": False,
                                }
                            ],
                        }
                    ],
                    "pending": [
                        {
                            "agency": None,
                            "agency_name": "Kantor Pertanahan",
                            "service_name": "Pendaftaran tanah pertama kali",
                            "reason": "Aplikasi pusat",
                            "planned_on": "2026-06-01",
                        }
                    ],
                    "history": [
                        {"date": "2026-12-01", "share_centralised": 80.0, "share_covered": 83.3}
                    ],
                },
            )
        ],
    )
    def get(self, request):
        user = request.user
        hall = _hall_of(user)
        data = selectors.coverage(hall)
        rows = data["agencies"]
        pending = data["pending"]
        if not can(user, "agreements.manage", hall=hall):
            rows = [r for r in rows if r["agency"].pk == user.agency_id]
            pending = [p for p in pending if p.agency_id == user.agency_id]
        return Response(
            {
                "hall": hall.slug,
                "figures": data["figures"],
                "agencies": [
                    {
                        "id": r["agency"].pk,
                        "name": r["agency"].name,
                        "services": [
                            {
                                "id": e["service"].pk,
                                "name": e["service"].name,
                                "covered": e["covered"],
                                "agreements": [a.pk for a in e["agreements"]],
                                "counters": [c.pk for c in e["counters"]],
                                "flagged": e["flagged"],
                            }
                            for e in r["services"]
                        ],
                    }
                    for r in rows
                ],
                "pending": [
                    {
                        "agency": p.agency_id,
                        "agency_name": p.agency_name,
                        "service_name": p.service_name,
                        "reason": p.reason,
                        "planned_on": p.planned_on,
                    }
                    for p in pending
                ],
                "history": [
                    {
                        "date": s.date,
                        "share_centralised": s.share_centralised,
                        "share_covered": s.share_covered,
                    }
                    for s in data["history"]
                ],
            }
        )
