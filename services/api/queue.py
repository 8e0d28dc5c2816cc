"""REST API of the catalogue and the queue (/api/v1/services/, counters, tickets)."""

import time

from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from mpp_portal import identity
from mpp_portal.accounts.authentication import CachedTokenAuthentication
from mpp_portal.accounts.permissions import can
from mpp_portal.api_schema import errors
from mpp_portal.api_throttling import TicketIssueThrottle
from services import ordering, queue, selectors
from services.models import Counter, CounterService, Priority, Service, Ticket


# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------
class ServiceSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.short_name", read_only=True)
    hall = serializers.SlugRelatedField(source="agency.hall", slug_field="slug", read_only=True)
    fee_display = serializers.CharField(read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "agency",
            "agency_name",
            "hall",
            "name",
            "slug",
            "code",
            "description",
            "is_active",
            "average_service_minutes",
            "daily_ticket_cap",
            "accepted_priorities",
            "requirements",
            "procedure",
            "duration",
            "fee",
            "fee_display",
            "fee_note",
            "product",
            "complaint_handling",
            "legal_basis",
            "facilities",
            "staff_competence",
            "internal_supervision",
            "staff_count",
            "service_guarantee",
            "safety_guarantee",
            "performance_evaluation",
        ]


class CounterSerializer(serializers.ModelSerializer):
    services = serializers.SerializerMethodField()
    hall = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Counter
        fields = [
            "id",
            "hall",
            "agency",
            "number",
            "name",
            "label",
            "services",
            "is_open",
            "paused_at",
        ]
        read_only_fields = ["paused_at"]

    def get_services(self, obj) -> list[int]:
        return [link.service_id for link in obj.counterservice_set.all()]


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as the kiosk, the console and agency systems see it."""

    people_ahead = serializers.SerializerMethodField()
    estimated_wait_minutes = serializers.SerializerMethodField()
    counter = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "code",
            "number",
            "service",
            "service_name",
            "priority",
            "status",
            "people_ahead",
            "estimated_wait_minutes",
            "tracking_code",
            "counter",
            "issued_at",
            "called_at",
            "call_count",
        ]

    # Querysets given to this serializer use Ticket.objects.with_queue_position(),
    # so both figures come from annotations, not two queries per row.
    def get_people_ahead(self, obj) -> int:
        return obj.people_ahead()

    def get_estimated_wait_minutes(self, obj) -> int:
        return obj.estimated_wait_minutes(obj.people_ahead())

    def get_counter(self, obj) -> dict | None:
        if obj.counter_id is None or obj.status not in (
            Ticket.Status.CALLED,
            Ticket.Status.SERVING,
        ):
            return None
        return {"id": obj.counter_id, "number": obj.counter.number, "label": obj.counter.label}


class TrackingSerializer(TicketSerializer):
    """What anybody holding the tracking code may read: no phone, no note."""

    class Meta(TicketSerializer.Meta):
        fields = [
            "code",
            "service_name",
            "status",
            "people_ahead",
            "estimated_wait_minutes",
            "counter",
            "issued_at",
            "called_at",
        ]


# What issuing a ticket reads of its service and agency: the standar
# pelayanan texts (some sixty columns with the agency's) stay in the table.
ISSUE_DEFERRED = [
    *(
        f.name
        for f in Service._meta.concrete_fields
        if f.name
        not in {
            "id",
            "agency",
            "name",
            "code",
            "is_active",
            "accepted_priorities",
            "daily_ticket_cap",
            "average_service_minutes",
        }
    ),
    *(
        f"agency__{name}"
        for name in (
            "description",
            "head_name",
            "head_title",
            "contact_name",
            "contact_email",
            "contact_phone",
            "website",
        )
    ),
]


class TicketCreateSerializer(serializers.Serializer):
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.select_related("agency__hall").defer(*ISSUE_DEFERRED)
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)

    def validate_phone(self, value):
        return identity.validate_phone(value) if value.strip() else ""


class TransferSerializer(serializers.Serializer):
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.select_related("agency"))


# ---------------------------------------------------------------------------
# Authentication and permissions
# ---------------------------------------------------------------------------
class IsQueueStaff(permissions.BasePermission):
    message = "Hanya petugas loket yang boleh melakukan ini."

    def has_permission(self, request, view):
        return can(request.user, "queue.operate")


class CanIssueTickets(permissions.BasePermission):
    message = "Hanya perangkat kios dan petugas yang boleh mengambil tiket."

    def has_permission(self, request, view):
        return can(request.user, "queue.issue")


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Words of the name, code or description."),
            OpenApiParameter("hall", str, description="The hall's slug or id."),
        ]
    )
)
class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """The service catalogue with each service's standar pelayanan. Public."""

    serializer_class = ServiceSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = {
        "agency": ["exact"],
        "agency__hall__slug": ["exact"],
        "is_active": ["exact"],
    }
    ordering_fields = ["name", "code"]

    def get_queryset(self):
        qs = Service.objects.filter(agency__is_active=True).select_related("agency__hall")
        search = self.request.query_params.get("q")
        if search:
            qs = qs.search(search)
        hall = self.request.query_params.get("hall")
        if hall:
            # ?hall= takes the hall's slug or its id.
            qs = qs.filter(
                Q(agency__hall__slug=hall) | Q(agency__hall_id=hall)
                if hall.isdigit()
                else Q(agency__hall__slug=hall)
            )
        return qs if search else qs.order_by("agency__name", "name")


class CounterViewSet(viewsets.ReadOnlyModelViewSet):
    """Counters of the halls. Public list; opening and calling need counter staff."""

    serializer_class = CounterSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = {"agency": ["exact"], "hall__slug": ["exact"], "is_open": ["exact"]}

    def get_queryset(self):
        return Counter.objects.select_related("hall").prefetch_related(
            Prefetch("counterservice_set", queryset=CounterService.objects.order_by("service_id"))
        )

    def _counter(self, pk):
        return get_object_or_404(Counter.objects.select_related("agency", "hall"), pk=pk)

    @extend_schema(request=None, responses={200: CounterSerializer, **errors(409)})
    @action(detail=True, methods=["post"], permission_classes=[IsQueueStaff])
    def open(self, request, pk=None):
        counter = queue.counter_open(counter=self._counter(pk), by=request.user, request=request)
        return Response(self.get_serializer(self.get_queryset().get(pk=counter.pk)).data)

    @extend_schema(request=None, responses={200: CounterSerializer, **errors(409)})
    @action(detail=True, methods=["post"], permission_classes=[IsQueueStaff])
    def close(self, request, pk=None):
        counter = queue.counter_close(counter=self._counter(pk), by=request.user, request=request)
        return Response(self.get_serializer(self.get_queryset().get(pk=counter.pk)).data)

    @extend_schema(
        request=None,
        responses={200: CounterSerializer, **errors(409)},
        description="A break (istirahat): the board shows it and call-next answers 409 until "
        "resume. Only the counter's operator, with no ticket at the counter.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsQueueStaff])
    def pause(self, request, pk=None):
        counter = queue.counter_pause(counter=self._counter(pk), by=request.user, request=request)
        return Response(self.get_serializer(self.get_queryset().get(pk=counter.pk)).data)

    @extend_schema(request=None, responses={200: CounterSerializer, **errors(409)})
    @action(detail=True, methods=["post"], permission_classes=[IsQueueStaff])
    def resume(self, request, pk=None):
        counter = queue.counter_resume(counter=self._counter(pk), by=request.user, request=request)
        return Response(self.get_serializer(self.get_queryset().get(pk=counter.pk)).data)

    @extend_schema(
        request=None,
        responses={
            200: TicketSerializer,
            204: OpenApiResponse(description="Nobody waits."),
            **errors(409),
        },
    )
    @action(detail=True, methods=["post"], url_path="call-next", permission_classes=[IsQueueStaff])
    def call_next(self, request, pk=None):
        ticket = queue.ticket_call_next(counter=self._counter(pk), by=request.user, request=request)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(TicketSerializer(_reload(ticket)).data)


def _reload(ticket):
    return (
        Ticket.objects.select_related("service", "counter").with_queue_position().get(pk=ticket.pk)
    )


class TicketViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Queue tickets: kiosks issue them, counter staff move them."""

    serializer_class = TicketSerializer
    authentication_classes = [CachedTokenAuthentication, SessionAuthentication]
    permission_classes = [IsQueueStaff]
    filterset_fields = {"status": ["exact"], "service": ["exact"], "date": ["exact"]}

    def get_throttles(self):
        if self.action == "track":
            # Citizens' phones poll this; many share one carrier address.
            self.throttle_scope = "track"
            return [ScopedRateThrottle()]
        if self.action == "create":
            # One kiosk token must not empty a service's daily quota. The
            # per-account ticket rate is far below the role rate, which
            # would only add two cache calls to every ticket.
            return [TicketIssueThrottle()]
        return super().get_throttles()

    def get_permissions(self):
        if self.action == "create":
            return [CanIssueTickets()]
        if self.action == "track":
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        tickets = (
            Ticket.objects.visible_to(self.request.user)
            .select_related("service", "counter")
            .order_by("-date", "queued_at", "pk")
        )
        if self.action in ("list", "retrieve"):
            tickets = tickets.with_queue_position()
        return tickets

    def get_serializer_class(self):
        if self.action == "create":
            return TicketCreateSerializer
        if self.action == "transfer":
            return TransferSerializer
        return TicketSerializer

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer, **errors(409)})
    def create(self, request, *args, **kwargs):
        data = TicketCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = data.validated_data["service"]
        queue.check_can_issue(request.user, service)
        ticket = queue.ticket_issue(
            service=service,
            priority=data.validated_data["priority"],
            phone=data.validated_data.get("phone", ""),
            by=request.user,
            request=request,
        )
        # A new ticket is waiting: its place in one query, no reload.
        ticket.ahead_count, ticket.open_counter_count = ordering.ticket_position(ticket)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=TrackingSerializer)
    @action(detail=False, methods=["get"], url_path=r"track/(?P<tracking_code>[\w-]+)")
    def track(self, request, tracking_code=None):
        ticket = (
            Ticket.objects.select_related("service", "counter")
            .with_queue_position()
            .by_tracking_code(tracking_code)
            .first()
        )
        if ticket is None:
            raise Http404
        return Response(TrackingSerializer(ticket).data)

    def _move(self, request, pk, operation, **kwargs):
        # Scope by role first so another agency's ticket is a 404, not a 403.
        ticket = get_object_or_404(self.get_queryset(), pk=pk)
        ticket = operation(ticket=ticket, by=request.user, request=request, **kwargs)
        return Response(TicketSerializer(_reload(ticket)).data)

    @extend_schema(request=None, responses={200: TicketSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        return self._move(request, pk, queue.ticket_recall)

    @extend_schema(request=None, responses={200: TicketSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._move(request, pk, queue.ticket_start)

    @extend_schema(request=None, responses={200: TicketSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return self._move(request, pk, queue.ticket_finish)

    @extend_schema(request=None, responses={200: TicketSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        return self._move(request, pk, queue.ticket_skip)

    @extend_schema(request=TransferSerializer, responses={200: TicketSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._move(
            request, pk, queue.ticket_transfer, to_service=data.validated_data["service"]
        )


class BoardSerializer(serializers.Serializer):
    hall = serializers.CharField()
    # The hall admin's running text under the board; "" when there is none.
    announcement = serializers.CharField(allow_blank=True)
    generated_at = serializers.DateTimeField()
    last_call_id = serializers.IntegerField(allow_null=True)
    calls = serializers.ListField(child=serializers.DictField())
    counters = serializers.ListField(child=serializers.DictField())
    # Tickets transferred in the last 15 minutes, waiting in their new queue.
    transfers = serializers.ListField(child=serializers.DictField())
    waiting = serializers.ListField(child=serializers.DictField())


class BoardThrottle(SimpleRateThrottle):
    """The ``board`` rate per address, counted in fixed windows with one INCR.

    DRF's own throttles read and write a list of timestamps per request (two
    cache calls and a pickled list of up to a minute's requests); every TV
    of a hall polls each second from one address, so the board counts with
    one pipelined INCR + EXPIRE instead. Fails open while the cache is down,
    as every throttle does (mpp_portal/cache.py).
    """

    scope = "board"

    def get_cache_key(self, request, view):
        window = int(time.time() // self.duration)
        return f"throttle_board_{self.get_ident(request)}_{window}"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        count = _count_hit(self.get_cache_key(request, view), self.duration)
        return count is None or count <= self.num_requests

    def wait(self):
        return self.duration - time.time() % self.duration


def _count_hit(key, duration):
    """Add one to ``key`` (expiring with its window); None when it cannot count."""
    from django.core.cache import cache

    from mpp_portal.cache import OUTAGE_ERRORS, FailOpenRedisCache

    if isinstance(cache, FailOpenRedisCache):
        if cache.is_down():
            return None
        redis_key = cache.make_and_validate_key(key)
        try:
            pipe = cache._cache.get_client(redis_key, write=True).pipeline(transaction=False)
            pipe.incr(redis_key)
            pipe.expire(redis_key, duration + 1)
            count, _expiry = pipe.execute()
        except OUTAGE_ERRORS as exc:
            cache._mark_down("incr", exc)
            return None
        return count
    cache.add(key, 0, duration + 1)
    try:
        return cache.incr(key)
    except ValueError:
        return None


class BoardView(APIView):
    """What the hall's display board shows; poll it (ETag, 304 when unchanged)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    # Every TV in a hall polls each second from one address.
    throttle_classes = [BoardThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag of the board last shown: 304 while it is unchanged.",
            ),
            OpenApiParameter(
                "ETag", str, OpenApiParameter.HEADER, response=[200, 304], required=True
            ),
        ],
        responses={
            200: BoardSerializer,
            304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match."),
        },
    )
    def get(self, request, slug):
        hall = selectors.board_hall(slug)
        if hall is None:
            raise Http404
        board = selectors.cached_board_state(hall)
        etag = board.get("etag") or selectors.board_etag(board["fingerprint"])
        if request.headers.get("If-None-Match") == etag:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            board = {k: v for k, v in board.items() if k not in ("fingerprint", "etag")}
            board["generated_at"] = timezone.now()
            response = Response(board)
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
        return response
