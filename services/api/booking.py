"""REST API of online booking: free slots, booking, cancelling, checking in.

Errors follow mpp_portal/api_errors.py: 400 field by field, 409 with the
domain error's code (slot_full, too_early, too_late). The NIK and phone
number never leave the API unmasked.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from mpp_portal.api_schema import errors
from mpp_portal.exceptions import DomainError
from mpp_portal.masking import mask_nik, mask_phone
from services import booking as bookings
from services.api.queue import CanIssueTickets, TicketSerializer, _reload
from services.models import Booking, Service


# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------
@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$"})
class HourMinuteField(serializers.TimeField):
    """A time of day as people read it, "09:30".

    OpenAPI's ``format: time`` is RFC 3339's full time with seconds and an
    offset, which these never carried: the schema says what is sent.
    """

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class SlotSerializer(serializers.Serializer):
    start = HourMinuteField()
    end = HourMinuteField()
    free = serializers.IntegerField()


class SlotsSerializer(serializers.Serializer):
    service = serializers.IntegerField()
    date = serializers.DateField()
    closed_reason = serializers.CharField(allow_null=True)
    slots = SlotSerializer(many=True)


class SlotsQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        error_messages={
            "required": "Parameter date wajib diisi (YYYY-MM-DD).",
            "invalid": "Format tanggal harus YYYY-MM-DD.",
        }
    )


class BookingSerializer(serializers.ModelSerializer):
    """A booking as staff and its holder see it: NIK and phone masked."""

    service_name = serializers.CharField(source="service.name", read_only=True)
    nik = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    slot_start = HourMinuteField()
    slot_end = HourMinuteField()
    ticket = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "code",
            "service",
            "service_name",
            "date",
            "slot_start",
            "slot_end",
            "name",
            "nik",
            "phone",
            "status",
            "ticket",
            "created_at",
            "checked_in_at",
        ]

    def get_nik(self, obj) -> str:
        return mask_nik(obj.nik)

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class BookingCreatedSerializer(BookingSerializer):
    """The answer to a new booking: the manage token, once."""

    manage_token = serializers.SerializerMethodField()
    manage_url = serializers.SerializerMethodField()

    class Meta(BookingSerializer.Meta):
        fields = [*BookingSerializer.Meta.fields, "manage_token", "manage_url"]

    def get_manage_token(self, obj) -> str:
        return self.context["token"]

    def get_manage_url(self, obj) -> str:
        return bookings.manage_url(obj, self.context["token"])


class BookingCreateSerializer(serializers.Serializer):
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.active().select_related("agency__hall")
    )
    date = serializers.DateField()
    slot_start = serializers.TimeField()
    name = serializers.CharField(max_length=150)
    nik = serializers.CharField(max_length=24)
    phone = serializers.CharField(max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True)


class ConfirmationPendingSerializer(serializers.Serializer):
    detail = serializers.CharField()
    confirmation_token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class BookingConfirmSerializer(serializers.Serializer):
    confirmation_token = serializers.CharField(max_length=64)
    code = serializers.RegexField(r"^\s*\d{6}\s*$", max_length=12)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------
class ServiceSlotsView(APIView):
    """Free seats of one service on one day. Public."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
        responses=SlotsSerializer,
    )
    def get(self, request, pk):
        service = get_object_or_404(Service.objects.active().select_related("agency__hall"), pk=pk)
        query = SlotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data["date"]
        reason = bookings.day_closed_reason(service, day)
        slots = [] if reason else bookings.available_slots(service, day)
        data = {"service": service.pk, "date": day, "closed_reason": reason, "slots": slots}
        return Response(SlotsSerializer(data).data)


class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bookings: anybody books and cancels with the token; staff list and check in."""

    serializer_class = BookingSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9]{4,12}"
    filterset_fields = {"date": ["exact"], "service": ["exact"], "status": ["exact"]}

    def get_queryset(self):
        return (
            Booking.objects.visible_to(self.request.user)
            .select_related("service", "ticket")
            .order_by("date", "slot_start", "pk")
        )

    def get_throttles(self):
        if self.action in ("create", "confirm"):
            # Anti-calo: one address books only so often (settings: bookings);
            # codes are tried at the same rate, five per pending booking.
            self.throttle_scope = "bookings"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    def get_permissions(self):
        if self.action in ("create", "cancel", "confirm"):
            return [permissions.AllowAny()]
        if self.action == "check_in":
            return [CanIssueTickets()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "create":
            return BookingCreateSerializer
        if self.action == "cancel":
            return TokenSerializer
        if self.action == "confirm":
            return BookingConfirmSerializer
        return BookingSerializer

    @extend_schema(
        request=BookingCreateSerializer,
        responses={
            201: BookingCreatedSerializer,
            202: ConfirmationPendingSerializer,
            **errors(409),
        },
    )
    def create(self, request):
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        # With BOOKING_OTP nothing is booked yet: a code goes to the phone
        # and POST /api/v1/bookings/confirm/ books (202 until then).
        otp = bookings.booking_otp_required()
        create = bookings.booking_request if otp else bookings.booking_create
        booking, token = create(
            service=values.pop("service"),
            day=values.pop("date"),
            user=request.user,
            request=request,
            **values,
        )
        if otp:
            body = {
                "detail": _("Kode konfirmasi dikirim ke nomor WhatsApp pemesan."),
                "confirmation_token": token,
                "expires_at": booking.expires_at,
            }
            return Response(
                ConfirmationPendingSerializer(body).data, status=status.HTTP_202_ACCEPTED
            )
        body = BookingCreatedSerializer(booking, context={"token": token}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=BookingConfirmSerializer,
        responses={201: BookingCreatedSerializer, **errors(409)},
    )
    @action(detail=False, methods=["post"])
    def confirm(self, request):
        """Book with the one-time code sent to the phone (BOOKING_OTP)."""
        data = BookingConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking, token = bookings.booking_confirm(
            secret=data.validated_data["confirmation_token"],
            code=data.validated_data["code"],
            request=request,
        )
        body = BookingCreatedSerializer(booking, context={"token": token}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=TokenSerializer, responses={200: BookingSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def cancel(self, request, code=None):
        data = TokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = Booking.objects.select_related("service").filter(code=code.upper()).first()
        user = request.user if request.user.is_authenticated else None
        if booking is None:
            raise NotFound
        try:
            booking = bookings.booking_cancel(
                booking=booking, token=data.validated_data["token"], by=user, request=request
            )
        except PermissionDenied:
            # A wrong token does not tell whether the code exists.
            raise NotFound from None
        return Response(BookingSerializer(booking).data)

    @extend_schema(request=None, responses={201: TicketSerializer, **errors(409)})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, code=None):
        try:
            booking = bookings.booking_check_in(code=code, by=request.user, request=request)
        except PermissionDenied:
            raise NotFound from None
        except DomainError as exc:
            if exc.code == "not_found":
                raise NotFound(exc.message) from None
            raise
        ticket = _reload(booking.ticket)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)
