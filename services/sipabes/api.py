"""REST API of SIPABES (/api/v1/sipabes/): markets, visits, registrations, KBLI.

Scoped to the caller's hall (``models.sipabes_hall_id``): SIPABES officers
and hall admins of the hall, and the tokens of the hall's DPMPTSP.
Another hall's object answers 404. Registrations are created with an
``Idempotency-Key`` header (a UUID the client makes): the same key answers
with the first result and never makes a second row. Moves are actions;
a forbidden move answers 409. The NIK and phone are masked here always
(the full NIK is on the audited detail page only).
"""

import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from mpp_portal.api_filters import FilterSet
from mpp_portal.api_schema import errors
from mpp_portal.api_serializers import ReasonSerializer, valid_data
from mpp_portal.identity import nik_check, normalize_phone, validate_phone
from mpp_portal.jobs.models import Job
from mpp_portal.masking import mask_nik, mask_phone
from services.sipabes import services
from services.sipabes.models import (
    Kbli,
    Market,
    Registration,
    Visit,
    sipabes_hall_id,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"


class InSipabesHall(permissions.BasePermission):
    """Signed in and reaching one hall's SIPABES work (officer, hall admin, DPMPTSP)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or sipabes_hall_id(user)))


# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------
class MarketSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(read_only=True)

    class Meta:
        model = Market
        fields = [
            "id",
            "name",
            "village",
            "district_code",
            "district_name",
            "address",
            "latitude",
            "longitude",
            "is_active",
        ]


class VisitSerializer(serializers.ModelSerializer):
    market_name = serializers.CharField(source="market.name", read_only=True)
    officers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "market",
            "market_name",
            "date",
            "status",
            "target_traders",
            "notes",
            "officers",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    market = serializers.IntegerField(min_value=1)
    date = serializers.DateField()
    target_traders = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class KbliSerializer(serializers.ModelSerializer):
    class Meta:
        model = Kbli
        fields = ["code", "title", "section", "risk", "is_verified"]


class LocationSerializer(serializers.Serializer):
    market = serializers.IntegerField(source="market_id")
    block = serializers.CharField()
    stall_number = serializers.CharField()


class RegistrationSerializer(serializers.ModelSerializer):
    nik_masked = serializers.SerializerMethodField()
    phone_masked = serializers.SerializerMethodField()
    kbli = serializers.SerializerMethodField()
    locations = LocationSerializer(many=True, read_only=True)
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "receipt_code",
            "visit",
            "market",
            "officer",
            "nik_masked",
            "name",
            "phone_masked",
            "business_name",
            "kbli",
            "block",
            "stall_number",
            "locations",
            "capital",
            "workers",
            "scale",
            "risk",
            "consent_at",
            "status",
            "status_reason",
            "nib",
            "nib_issued_on",
            "receipt_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_nik_masked(self, obj) -> str:
        return mask_nik(obj.nik)

    def get_phone_masked(self, obj) -> str:
        return mask_phone(obj.phone)

    def get_kbli(self, obj) -> list[str]:
        return sorted(k.code for k in obj.kbli.all())

    def get_receipt_url(self, obj) -> str | None:
        if not obj.receipt_id:
            return None
        return obj.receipt.get_download_url()


class RegistrationCreateSerializer(serializers.Serializer):
    visit = serializers.IntegerField(min_value=1, help_text="An open visit of the caller's hall.")
    nik = serializers.CharField(max_length=24, help_text="16 digits (KTP-el).")
    name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True)
    home_address = serializers.CharField(max_length=300)
    business_name = serializers.CharField(max_length=150)
    kbli = serializers.ListField(
        child=serializers.RegexField(r"^\d{5}$", max_length=5), min_length=1, max_length=20
    )
    block = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    stall_number = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    capital = serializers.IntegerField(
        min_value=0,
        max_value=10_000_000_000,
        help_text="Modal usaha in whole rupiah, excluding land and buildings.",
    )
    workers = serializers.IntegerField(min_value=0, max_value=100000)
    consent = serializers.BooleanField(
        help_text="The trader consents to the processing of personal data (UU 27/2022)."
    )

    def validate_nik(self, value):
        result = nik_check(value)
        if result.errors:
            raise serializers.ValidationError([str(e) for e in result.errors])
        return result.nik

    def validate_phone(self, value):
        if not value:
            return ""
        try:
            validate_phone(value)
        except Exception as exc:  # Django's ValidationError
            raise serializers.ValidationError(getattr(exc, "messages", [str(exc)])) from exc
        return normalize_phone(value)

    def validate_consent(self, value):
        if not value:
            raise serializers.ValidationError(
                _("Persetujuan pemrosesan data pribadi (UU 27/2022) wajib diberikan.")
            )
        return value


class NibSerializer(serializers.Serializer):
    nib = serializers.RegexField(r"^\d{13}$", help_text="The 13-digit NIB OSS RBA issued.")
    nib_issued_on = serializers.DateField()


class HandOverSerializer(serializers.Serializer):
    acknowledged = serializers.BooleanField(
        help_text="The trader acknowledged receiving the NIB and the receipt."
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AddActivitySerializer(serializers.Serializer):
    kbli = serializers.ListField(
        child=serializers.RegexField(r"^\d{5}$", max_length=5),
        required=False,
        max_length=20,
        default=list,
    )
    market = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    block = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    stall_number = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )


class ReceiptSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["not_requested", "pending", "running", "done", "failed"]
    )
    receipt_url = serializers.CharField(allow_null=True)
    verification_code = serializers.CharField(allow_null=True)


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------
class VisitFilter(FilterSet):
    class Meta:
        model = Visit
        fields = ["status", "market", "date"]


class RegistrationFilter(FilterSet):
    class Meta:
        model = Registration
        fields = ["status", "visit", "market", "scale"]


class KbliFilter(FilterSet):
    class Meta:
        model = Kbli
        fields = ["section", "risk", "is_verified"]


class MarketFilter(FilterSet):
    class Meta:
        model = Market
        fields = ["district_code", "is_active"]


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------
MARKET_EXAMPLE = OpenApiExample(
    "Pasar Tradisional Modern",
    value={
        "id": 1,
        "name": "Pasar Tradisional Modern Muara Aman",
        "village": "Kelurahan Pasar Muara Aman",
        "district_code": "17.07.01",
        "district_name": "Lebong Utara",
        "address": "Jl. Pasar Baru, Kelurahan Pasar Muara Aman",
        "latitude": "-3.161900",
        "longitude": "102.198800",
        "is_active": True,
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(examples=[MARKET_EXAMPLE]),
    retrieve=extend_schema(examples=[MARKET_EXAMPLE]),
)
class MarketViewSet(viewsets.ReadOnlyModelViewSet):
    """The markets SIPABES visits (pasar), of the caller's hall."""

    serializer_class = MarketSerializer
    permission_classes = [InSipabesHall]
    filterset_class = MarketFilter
    search_fields = ["name", "village"]

    def get_queryset(self):
        return Market.objects.visible_to(self.request.user).order_by("name", "pk")


class VisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Jemput bola visits: planned -> open -> closed; reopening is the hall admin's."""

    serializer_class = VisitSerializer
    permission_classes = [InSipabesHall]
    filterset_class = VisitFilter

    def get_queryset(self):
        return (
            Visit.objects.visible_to(self.request.user)
            .select_related("market")
            .prefetch_related("officers")
            .order_by("-date", "pk")
        )

    @extend_schema(
        request=VisitCreateSerializer,
        responses={201: VisitSerializer, **errors(409)},
        examples=[
            OpenApiExample(
                "Plan a visit",
                value={"market": 1, "date": "2026-12-10", "target_traders": 25, "notes": ""},
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Plan a visit (hall admin, DPMPTSP admin: ``services.planner_hall_id``)."""
        user = request.user
        if not (user.is_superuser or services.planner_hall_id(user)):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(
                _("Hanya admin MPP atau admin DPMPTSP yang dapat merencanakan kunjungan.")
            )
        data = valid_data(VisitCreateSerializer, request)
        market = Market.objects.visible_to(user).filter(pk=data["market"]).first()
        if market is None:
            raise ApiValidationError({"market": [_("Pasar tidak ditemukan.")]})
        visit = services.visit_plan(
            market=market,
            date=data["date"],
            target_traders=data["target_traders"],
            notes=data["notes"],
            by=user,
            request=request,
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    def _move(self, request, move, **kwargs):
        visit = self.get_object()
        move(visit=visit, by=request.user, request=request, **kwargs)
        return Response(VisitSerializer(self.get_queryset().get(pk=visit.pk)).data)

    @extend_schema(request=None, responses={200: VisitSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """planned -> open: registrations are taken."""
        return self._move(request, services.visit_open)

    @extend_schema(request=None, responses={200: VisitSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """open -> closed: no new registrations."""
        return self._move(request, services.visit_close)

    @extend_schema(request=ReasonSerializer, responses={200: VisitSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """closed -> open, with the reason (hall admin; audited)."""
        data = valid_data(ReasonSerializer, request)
        return self._move(request, services.visit_reopen, reason=data["reason"])


REGISTRATION_EXAMPLE = OpenApiExample(
    "A fish trader",
    value={
        "visit": 12,
        "nik": "1707015203900011",
        "name": "Rosmawati",
        "phone": "0812-3456-7890",
        "email": "rosmawati@example.id",
        "home_address": "Desa Talang Leak, Kabupaten Lebong",
        "business_name": "Ikan Segar Rosmawati",
        "kbli": ["47813"],
        "block": "Los Ikan",
        "stall_number": "14",
        "capital": 25000000,
        "workers": 1,
        "consent": True,
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "search", OpenApiTypes.STR, description="Name, business name, NIB or receipt code."
            )
        ]
    )
)
class RegistrationViewSet(viewsets.ReadOnlyModelViewSet):
    """Trader registrations (pendaftaran pelaku usaha) of the caller's hall."""

    serializer_class = RegistrationSerializer
    permission_classes = [InSipabesHall]
    filterset_class = RegistrationFilter
    search_fields = ["name", "business_name", "nib", "receipt_code"]
    ordering_fields = ["created_at", "nib_issued_on"]

    def get_queryset(self):
        return (
            Registration.objects.visible_to(self.request.user)
            .select_related("receipt")
            .prefetch_related("kbli", "locations")
            .order_by("-created_at", "-pk")
        )

    def _fresh(self, registration):
        return Response(RegistrationSerializer(self.get_queryset().get(pk=registration.pk)).data)

    @extend_schema(
        request=RegistrationCreateSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                required=True,
                description="A UUID the client makes once per registration; a retry with the "
                "same key answers the first result and creates nothing.",
            )
        ],
        responses={201: RegistrationSerializer, **errors(409)},
        examples=[REGISTRATION_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        """Record a trader at an open visit (captured); one row per idempotency key."""
        try:
            key = uuid.UUID(request.headers.get(IDEMPOTENCY_HEADER, ""))
        except ValueError:
            raise ApiValidationError(
                {IDEMPOTENCY_HEADER: [_("Kirim header Idempotency-Key berisi UUID.")]}
            ) from None
        user = request.user

        def attempt():
            data = valid_data(RegistrationCreateSerializer, request)
            visit = Visit.objects.visible_to(user).filter(pk=data["visit"]).first()
            if visit is None:
                raise ApiValidationError({"visit": [_("Kunjungan tidak ditemukan.")]})
            values = dict(data)
            values.pop("visit")
            try:
                registration = services.registration_create(
                    officer=user,
                    visit=visit,
                    idempotency_key=key,
                    request=request,
                    kbli_codes=values.pop("kbli"),
                    **values,
                )
            except services.NikAlreadyRegistered as exc:
                body = {"detail": str(exc.message), "code": exc.code, "extra": exc.extra}
                return 409, body, None
            body = RegistrationSerializer(self.get_queryset().get(pk=registration.pk)).data
            return 201, dict(body), registration

        code, body, replayed = services.submission_once(key=key, user=user, attempt=attempt)
        response = Response(body, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(request=None, responses={200: RegistrationSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """captured -> submitted: sent to OSS RBA by the officer."""
        registration = self.get_object()
        services.registration_submit(registration=registration, by=request.user, request=request)
        return self._fresh(registration)

    @extend_schema(
        request=NibSerializer,
        responses={200: RegistrationSerializer, **errors(409)},
        examples=[
            OpenApiExample(
                "NIB",
                value={"nib": "9120301234567", "nib_issued_on": "2026-12-01"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="record-nib")
    def record_nib(self, request, pk=None):
        """submitted -> nib_issued: the 13-digit NIB and its date (sends nib.recorded)."""
        registration = self.get_object()
        data = valid_data(NibSerializer, request)
        services.registration_record_nib(
            registration=registration,
            by=request.user,
            nib=data["nib"],
            issued_on=data["nib_issued_on"],
            request=request,
        )
        return self._fresh(registration)

    @extend_schema(
        request=HandOverSerializer, responses={200: RegistrationSerializer, **errors(409)}
    )
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        """nib_issued -> handed_over: the trader acknowledged the NIB and receipt."""
        registration = self.get_object()
        data = valid_data(HandOverSerializer, request)
        services.registration_hand_over(
            registration=registration,
            by=request.user,
            acknowledged=data["acknowledged"],
            note=data["note"],
            request=request,
        )
        return self._fresh(registration)

    @extend_schema(request=ReasonSerializer, responses={200: RegistrationSerializer, **errors(409)})
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_correction(self, request, pk=None):
        """captured/submitted -> returned: needs a correction (reason)."""
        registration = self.get_object()
        data = valid_data(ReasonSerializer, request)
        services.registration_return(
            registration=registration, by=request.user, reason=data["reason"], request=request
        )
        return self._fresh(registration)

    @extend_schema(request=None, responses={200: RegistrationSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """returned -> captured: corrected."""
        registration = self.get_object()
        services.registration_correct(registration=registration, by=request.user, request=request)
        return self._fresh(registration)

    @extend_schema(request=ReasonSerializer, responses={200: RegistrationSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """An open registration -> rejected (reason)."""
        registration = self.get_object()
        data = valid_data(ReasonSerializer, request)
        services.registration_reject(
            registration=registration, by=request.user, reason=data["reason"], request=request
        )
        return self._fresh(registration)

    @extend_schema(
        request=AddActivitySerializer, responses={200: RegistrationSerializer, **errors(409)}
    )
    @action(detail=True, methods=["post"], url_path="add-activity")
    def add_activity(self, request, pk=None):
        """Add KBLI codes and/or a further location (one NIB per trader)."""
        registration = self.get_object()
        data = valid_data(AddActivitySerializer, request)
        market = None
        if data["market"]:
            market = Market.objects.visible_to(request.user).filter(pk=data["market"]).first()
            if market is None:
                raise ApiValidationError({"market": [_("Pasar tidak ditemukan.")]})
        services.registration_add_activity(
            registration=registration,
            by=request.user,
            kbli_codes=data["kbli"],
            market=market,
            block=data["block"],
            stall_number=data["stall_number"],
            request=request,
        )
        return self._fresh(registration)

    def _receipt(self, registration):
        registration.refresh_from_db(fields=["receipt"])
        job = Job.objects.filter(key=services.receipt_job_key(registration)).first()
        document = registration.receipt
        if document is not None:
            state = "done"
        elif job is None:
            state = "not_requested"
        else:
            state = job.status
        return {
            "status": state,
            "receipt_url": document.get_download_url() if document else None,
            "verification_code": document.verification_code if document else None,
        }

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: ReceiptSerializer},
        operation_id="receipt_status",
    )
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={202: ReceiptSerializer, **errors(409)},
        operation_id="receipt_request",
    )
    @action(detail=True, methods=["get", "post"])
    def receipt(self, request, pk=None):
        """The receipt PDF: POST queues it (once), GET tells how far it is."""
        registration = self.get_object()
        if request.method == "POST":
            services.registration_request_receipt(
                registration=registration, by=request.user, request=request
            )
            return Response(self._receipt(registration), status=status.HTTP_202_ACCEPTED)
        return Response(self._receipt(registration))


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description="Code or words of the title.")
        ],
        examples=[
            OpenApiExample(
                "Los pasar",
                value={
                    "code": "47813",
                    "title": "Perdagangan Eceran Kaki Lima dan Los Pasar Komoditi Hasil Perikanan",
                    "section": "G",
                    "risk": "rendah",
                    "is_verified": True,
                },
                response_only=True,
            )
        ],
    )
)
class KbliViewSet(viewsets.ReadOnlyModelViewSet):
    """The KBLI 2020 catalogue (public: no personal data)."""

    serializer_class = KbliSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = KbliFilter
    search_fields = ["code", "title"]
    lookup_value_regex = r"\d{5}"

    def get_queryset(self):
        return Kbli.objects.order_by("code")
