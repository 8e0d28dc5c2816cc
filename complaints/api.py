"""REST API of complaints (/api/v1/complaints/).

Anybody may file (throttled); the reporter reads and answers with the
secret token of the tracking link, sent in the ``X-Complaint-Token`` header
(``?token=`` still works but is deprecated: a query string ends up in
proxies' and servers' logs);
staff read what ``ComplaintQuerySet.visible_to`` gives them and move the
complaint through ``complaints.services``. Who may see the reporter's
identity is decided in one place, ``_reporter_for``.
"""

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from complaints import services as workflow
from complaints.models import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    TITLE_MAX,
    Category,
    Complaint,
    ComplaintUpdate,
)
from mpp_portal import api_filters, identity
from mpp_portal.accesslog import hide_client_address
from mpp_portal.accounts.permissions import can
from mpp_portal.api_schema import errors
from mpp_portal.api_serializers import ReasonSerializer, valid_data
from mpp_portal.masking import mask_email, mask_phone
from mpp_portal.organizations.models import Agency, Hall
from mpp_portal.workdays import describe_remaining
from mpp_portal.workdays.calendar import describe_remaining_many
from services.models import Service

TOKEN_HEADER = "X-Complaint-Token"

TOKEN_PARAMETERS = [
    OpenApiParameter(
        TOKEN_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Token rahasia pelapor dari tautan pelacakan (bagian setelah ?token=).",
    ),
    OpenApiParameter(
        "token",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description=(
            f"Usang: kirim token di header {TOKEN_HEADER}. Token di alamat URL "
            "tercatat di log server dan proxy."
        ),
        deprecated=True,
    ),
]


# ---------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------
def _reporter_for(complaint, user, *, mask):
    """The reporter's identity as ``user`` may see it, or None.

    Never for an anonymous report. The hall admin sees name and contact
    (masked in lists); the agency sees the name only, never phone or
    e-mail; everybody else (the token holder included: a link can be
    forwarded) sees nothing.
    """
    if complaint.is_anonymous or not (user and user.is_authenticated):
        return None
    if complaint.reporter_visible_to(user):
        email, phone = complaint.reporter_email, complaint.reporter_phone
        if mask:
            email, phone = mask_email(email), mask_phone(phone)
        return {
            "name": complaint.reporter_name or None,
            "email": email or None,
            "phone": phone or None,
        }
    if can(user, "complaint.read", agency=complaint.assigned_agency):
        # The agency it was dispatched to reads the name, never the contact.
        return {"name": complaint.reporter_name or None, "email": None, "phone": None}
    return None


def _is_staff_viewer(user):
    return bool(user and user.is_authenticated and not user.is_citizen)


def _sees_internal_notes(user, complaint):
    return can(user, "complaint.verify", hall=complaint.hall_id) or (
        not can(user, "complaint.verify")
        and can(user, "complaint.read", agency=complaint.assigned_agency)
    )


# ---------------------------------------------------------------------------
# Serializers: output
# ---------------------------------------------------------------------------
class AgencyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "short_name"]


class ReporterSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


class TimelineEntrySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = ComplaintUpdate
        fields = ["author_label", "kind", "kind_label", "body", "created_at"]


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint in a staff list; the detail adds the timeline."""

    hall = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    agency = AgencyBriefSerializer(source="assigned_agency", read_only=True, allow_null=True)
    reported_agency = AgencyBriefSerializer(read_only=True, allow_null=True)
    duplicate_of = serializers.SlugRelatedField(
        slug_field="tracking_id", read_only=True, allow_null=True
    )
    remaining = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()

    mask_reporter = True

    class Meta:
        model = Complaint
        fields = [
            "tracking_id",
            "hall",
            "kind",
            "kind_label",
            "title",
            "description",
            "category",
            "service",
            "reported_agency",
            "agency",
            "location",
            "event_date",
            "status",
            "status_label",
            "channel",
            "is_anonymous",
            "is_confidential",
            "submitted_at",
            "due_at",
            "remaining",
            "extended_at",
            "planned_completion",
            "archive_reason",
            "duplicate_of",
            "rating",
            "reporter",
        ]

    def get_remaining(self, obj) -> str | None:
        if obj.due_at is None:
            return None
        texts = self.context.get("remaining")
        if texts is not None and (obj.hall_id, obj.due_at) in texts:
            return texts[(obj.hall_id, obj.due_at)]
        return describe_remaining(obj.due_at, hall=obj.hall)

    @extend_schema_field(ReporterSerializer(allow_null=True))
    def get_reporter(self, obj):
        return _reporter_for(obj, self.context.get("user"), mask=self.mask_reporter)


class ComplaintDetailSerializer(ComplaintSerializer):
    """One complaint with its public timeline; staff also get internal notes."""

    timeline = serializers.SerializerMethodField()
    internal_notes = serializers.SerializerMethodField()

    mask_reporter = False

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "rating_comment", "timeline", "internal_notes"]
        # Left out for whoever may not read them (api_schema: not required).
        optional_fields = ["internal_notes"]

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, obj):
        return TimelineEntrySerializer(
            [u for u in obj.updates.all() if u.is_public], many=True
        ).data

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_internal_notes(self, obj):
        return TimelineEntrySerializer(
            [u for u in obj.updates.all() if not u.is_public], many=True
        ).data

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The reporter reads the public part only; the key is left out so
        # that an empty list never suggests there is nothing internal.
        if not _sees_internal_notes(self.context.get("user"), instance):
            data.pop("internal_notes")
        return data


class ComplaintStatusSerializer(serializers.ModelSerializer):
    """The answer to a transition: where the complaint stands now."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    agency = AgencyBriefSerializer(source="assigned_agency", read_only=True, allow_null=True)
    remaining = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["tracking_id", "status", "status_label", "agency", "due_at", "remaining"]

    def get_remaining(self, obj) -> str | None:
        return describe_remaining(obj.due_at, hall=obj.hall) if obj.due_at else None


class ComplaintCreatedSerializer(ComplaintStatusSerializer):
    access_token = serializers.CharField(
        read_only=True, help_text="Token rahasia pelapor; hanya ditampilkan sekali."
    )
    tracking_url = serializers.CharField(read_only=True)

    class Meta(ComplaintStatusSerializer.Meta):
        fields = [*ComplaintStatusSerializer.Meta.fields, "access_token", "tracking_url"]


# ---------------------------------------------------------------------------
# Serializers: input
# ---------------------------------------------------------------------------
class ComplaintCreateSerializer(serializers.Serializer):
    hall = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Hall.objects.filter(is_active=True),
        required=False,
        help_text="Slug gedung MPP; boleh kosong bila hanya ada satu gedung aktif.",
    )
    kind = serializers.ChoiceField(choices=Complaint.Kind.choices)
    title = serializers.CharField(max_length=TITLE_MAX)
    description = serializers.CharField(min_length=DESCRIPTION_MIN, max_length=DESCRIPTION_MAX)
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True), required=False, allow_null=True
    )
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.select_related("agency"), required=False, allow_null=True
    )
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_date = serializers.DateField(required=False, allow_null=True)
    reporter_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    reporter_email = serializers.EmailField(required=False, allow_blank=True)
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    is_anonymous = serializers.BooleanField(default=False)
    is_confidential = serializers.BooleanField(default=False)

    def validate_event_date(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("Tanggal kejadian tidak boleh di masa depan."))
        return value

    def validate_reporter_phone(self, value):
        return identity.validate_phone(value) if value.strip() else ""

    def validate(self, attrs):
        hall = attrs.get("hall")
        if hall is None:
            halls = list(Hall.objects.filter(is_active=True)[:2])
            if len(halls) != 1:
                raise serializers.ValidationError({"hall": [_("Pilih gedung MPP.")]})
            hall = attrs["hall"] = halls[0]
        errors = {}
        agency, service = attrs.get("agency"), attrs.get("service")
        if agency is not None and agency.hall_id != hall.pk:
            errors["agency"] = [_("Instansi ini tidak berada di gedung MPP ini.")]
        if service is not None and service.agency.hall_id != hall.pk:
            errors["service"] = [_("Layanan ini tidak berada di gedung MPP ini.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class DispatchSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    instruction = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RequestInfoSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=2000)


class ProvideInfoSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=DESCRIPTION_MAX)


class ArchiveSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=workflow.ARCHIVE_REASONS)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    duplicate_of = serializers.CharField(
        required=False, allow_blank=True, help_text="Nomor pelacakan laporan yang sama."
    )


class ArchiveUnansweredSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RespondSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=DESCRIPTION_MAX)
    planned_completion = serializers.DateField(required=False, allow_null=True)

    def validate_planned_completion(self, value):
        if value and value < timezone.localdate():
            raise serializers.ValidationError(_("Rencana penyelesaian tidak boleh di masa lalu."))
        return value


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=DESCRIPTION_MAX)
    is_public = serializers.BooleanField(default=False)


class BodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=DESCRIPTION_MAX)


class AcceptSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------
class ComplaintFilter(api_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Complaint.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Complaint.Kind.choices)
    agency = django_filters.NumberFilter(field_name="assigned_agency_id")
    overdue = api_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Complaint
        fields = ["status", "kind", "agency", "is_confidential", "channel"]

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        if value:
            return queryset.filter(due_at__lt=now).open()
        return queryset.exclude(due_at__lt=now)


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------
def _remaining_texts(complaints):
    """{(hall_id, due_at): text} for a page, one calendar read per hall."""
    by_hall = {}
    for complaint in complaints:
        if complaint.due_at is not None:
            by_hall.setdefault(complaint.hall_id, (complaint.hall, set()))[1].add(complaint.due_at)
    texts = {}
    for hall_id, (hall, deadlines) in by_hall.items():
        for due_at, text in describe_remaining_many(deadlines, hall=hall).items():
            texts[(hall_id, due_at)] = text
    return texts


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints (pengaduan, aspirasi, permintaan informasi), LAPOR style.

    Filing is public. Reading one complaint needs its reporter token or a
    staff account that sees it; lists are for staff only. Another
    agency's complaint answers 404, a forbidden move 409.
    """

    lookup_field = "tracking_id"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    ordering_fields = ["due_at", "submitted_at"]
    search_fields = ["tracking_id", "title"]

    REPORTER_ACTIONS = {"retrieve", "provide_info", "reply", "accept", "rate", "reopen"}

    def get_permissions(self):
        if self.action == "create" or self.action in self.REPORTER_ACTIONS:
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        user = self.request.user
        trusted = can(user, "complaint.file_unthrottled")
        if self.action == "create" and not trusted:
            # Citizens and scripts filing without an account: spam guard.
            self.throttle_scope = "complaints"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        return Complaint.objects.visible_to(self.request.user).select_related(
            "hall", "category", "assigned_agency", "reported_agency", "duplicate_of"
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user": self.request.user}

    # -- lookups -------------------------------------------------------------
    def _detail_queryset(self):
        return Complaint.objects.select_related(
            "hall", "category", "assigned_agency", "reported_agency", "duplicate_of"
        ).prefetch_related("updates")

    def _token(self):
        # The header first; ?token= (deprecated) only for older clients. The
        # access log masks it either way (mpp_portal.accesslog).
        request = self.request
        return (
            request.headers.get(TOKEN_HEADER)
            or request.query_params.get("token")
            or (request.data.get("token") if hasattr(request.data, "get") else None)
        )

    def _for_staff(self):
        """The complaint if the user's scope holds it; 404 otherwise."""
        complaint = self.get_queryset().filter(tracking_id=self.kwargs["tracking_id"]).first()
        if complaint is None:
            raise Http404
        return complaint

    def _for_reporter(self):
        """The complaint if the caller holds its token or filed it signed in."""
        complaint = self._detail_queryset().filter(tracking_id=self.kwargs["tracking_id"]).first()
        user = self.request.user
        if complaint is not None and (
            complaint.check_access_token(self._token())
            or (user.is_authenticated and complaint.reporter_id == user.pk)
        ):
            return complaint
        raise Http404

    def _reporter_actor(self, complaint):
        user = self.request.user
        if user.is_authenticated and complaint.reporter_id == user.pk:
            return user
        # Whoever holds the token speaks as the reporter, never as staff.
        return AnonymousUser()

    def _status(self, complaint):
        fresh = Complaint.objects.select_related("hall", "assigned_agency").get(pk=complaint.pk)
        return Response(ComplaintStatusSerializer(fresh).data)

    # -- reads ---------------------------------------------------------------
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "remaining": _remaining_texts(page)}
        return self.get_paginated_response(
            ComplaintSerializer(page, many=True, context=context).data
        )

    @extend_schema(parameters=TOKEN_PARAMETERS, responses=ComplaintDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        user = request.user
        in_scope = _is_staff_viewer(user) and (
            self.get_queryset().filter(tracking_id=kwargs["tracking_id"]).exists()
        )
        if in_scope:
            complaint = self._detail_queryset().get(tracking_id=kwargs["tracking_id"])
            context = self.get_serializer_context()
        else:
            complaint = self._for_reporter()
            # The reporter's view: no identity, no internal notes.
            context = {**self.get_serializer_context(), "user": None}
        return Response(ComplaintDetailSerializer(complaint, context=context).data)

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintCreatedSerializer})
    def create(self, request, *args, **kwargs):
        # The line of a filing, anonymous or not, keeps no client address
        # (an anonymous one must not, and the line cannot tell them apart).
        hide_client_address(request)
        data = ComplaintCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = request.user
        complaint, token = workflow.complaint_file(
            hall=values.pop("hall"),
            reported_agency=values.pop("agency", None),
            channel=Complaint.Channel.API,
            reporter=user if user.is_authenticated and user.is_citizen else None,
            filed_by=user if user.is_authenticated and not user.is_citizen else None,
            request=request,
            **values,
        )
        complaint.access_token = token
        complaint.tracking_url = workflow.tracking_url(complaint, token)
        return Response(ComplaintCreatedSerializer(complaint).data, status=status.HTTP_201_CREATED)

    # -- staff moves ---------------------------------------------------------
    # ``dispatch`` is APIView's own method: the action has another name.
    @extend_schema(
        request=DispatchSerializer, responses={200: ComplaintStatusSerializer, **errors(409)}
    )
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_complaint(self, request, tracking_id=None):
        """Verify the complaint and send it to one agency (hall admin)."""
        complaint = self._for_staff()
        data = valid_data(DispatchSerializer, request)
        workflow.complaint_dispatch(
            complaint=complaint,
            agency=data["agency"],
            instruction=data.get("instruction", ""),
            by=request.user,
            request=request,
        )
        return self._status(complaint)

    @extend_schema(
        request=RequestInfoSerializer, responses={200: ComplaintStatusSerializer, **errors(409)}
    )
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, tracking_id=None):
        """Ask the reporter for more information; the clock pauses (hall admin)."""
        complaint = self._for_staff()
        data = valid_data(RequestInfoSerializer, request)
        workflow.complaint_request_info(
            complaint=complaint, question=data["question"], by=request.user, request=request
        )
        return self._status(complaint)

    @extend_schema(
        request=ArchiveSerializer, responses={200: ComplaintStatusSerializer, **errors(409)}
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, tracking_id=None):
        """Archive with a reason the reporter reads (hall admin)."""
        complaint = self._for_staff()
        data = valid_data(ArchiveSerializer, request)
        duplicate_of = None
        if data.get("duplicate_of"):
            duplicate_of = (
                self.get_queryset().filter(tracking_id=data["duplicate_of"].strip()).first()
            )
            if duplicate_of is None:
                raise serializers.ValidationError(
                    {"duplicate_of": [_("Laporan dengan nomor ini tidak ditemukan.")]}
                )
        workflow.complaint_archive(
            complaint=complaint,
            reason=data["reason"],
            note=data.get("note", ""),
            duplicate_of=duplicate_of,
            by=request.user,
            request=request,
        )
        return self._status(complaint)

    @extend_schema(
        request=ArchiveUnansweredSerializer,
        responses={200: ComplaintStatusSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"], url_path="archive-unanswered")
    def archive_unanswered(self, request, tracking_id=None):
        """Archive a complaint whose reporter left the information request
        unanswered for the hall's waiting period (hall admin; 409 before)."""
        complaint = self._for_staff()
        data = valid_data(ArchiveUnansweredSerializer, request)
        workflow.complaint_archive_unanswered(
            complaint=complaint, note=data.get("note", ""), by=request.user, request=request
        )
        return self._status(complaint)

    @extend_schema(
        request=RespondSerializer, responses={200: ComplaintStatusSerializer, **errors(409)}
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, tracking_id=None):
        """The agency's public follow-up (assigned agency or hall admin)."""
        complaint = self._for_staff()
        data = valid_data(RespondSerializer, request)
        workflow.complaint_respond(
            complaint=complaint,
            body=data["body"],
            planned_completion=data.get("planned_completion"),
            by=request.user,
            request=request,
        )
        return self._status(complaint)

    @extend_schema(
        request=ReasonSerializer, responses={200: ComplaintStatusSerializer, **errors(409)}
    )
    @action(detail=True, methods=["post"], url_path="hand-back")
    def hand_back(self, request, tracking_id=None):
        """Return the complaint to the hall admin for re-dispatch (agency)."""
        complaint = self._for_staff()
        data = valid_data(ReasonSerializer, request)
        workflow.complaint_hand_back(
            complaint=complaint, reason=data["reason"], by=request.user, request=request
        )
        return self._status(complaint)

    @extend_schema(
        request=ReasonSerializer, responses={200: ComplaintStatusSerializer, **errors(409)}
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, tracking_id=None):
        """Extend the answer to a request for information once by 7 working
        days, with a reason the reporter reads (assigned agency or hall admin)."""
        complaint = self._for_staff()
        data = valid_data(ReasonSerializer, request)
        workflow.complaint_extend(
            complaint=complaint, reason=data["reason"], by=request.user, request=request
        )
        return self._status(complaint)

    @extend_schema(request=NoteSerializer, responses={201: TimelineEntrySerializer})
    @action(detail=True, methods=["post"])
    def note(self, request, tracking_id=None):
        """Add an internal note (or a public progress note) to the timeline."""
        complaint = self._for_staff()
        data = valid_data(NoteSerializer, request)
        update = workflow.complaint_add_note(
            complaint=complaint,
            body=data["body"],
            is_public=data["is_public"],
            by=request.user,
            request=request,
        )
        return Response(TimelineEntrySerializer(update).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ComplaintStatusSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def close(self, request, tracking_id=None):
        """Close a responded complaint for a reporter who accepted it by phone
        or at the counter (hall admin)."""
        complaint = self._for_staff()
        user = request.user
        if not can(user, "complaint.verify", hall=complaint.hall_id):
            raise PermissionDenied
        workflow.complaint_accept(complaint=complaint, by=user, request=request)
        return self._status(complaint)

    # -- the reporter's moves (token) ------------------------------------------
    @extend_schema(
        parameters=TOKEN_PARAMETERS,
        request=ProvideInfoSerializer,
        responses={200: ComplaintStatusSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"], url_path="provide-info")
    def provide_info(self, request, tracking_id=None):
        """Answer the admin's information request; the clock runs again."""
        complaint = self._for_reporter()
        data = valid_data(ProvideInfoSerializer, request)
        workflow.complaint_provide_info(
            complaint=complaint,
            text=data["text"],
            by=self._reporter_actor(complaint),
            request=request,
        )
        return self._status(complaint)

    @extend_schema(
        parameters=TOKEN_PARAMETERS,
        request=BodySerializer,
        responses={200: ComplaintStatusSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, tracking_id=None):
        """Not satisfied with the response: back to the agency."""
        complaint = self._for_reporter()
        data = valid_data(BodySerializer, request)
        workflow.complaint_reply(
            complaint=complaint,
            body=data["body"],
            by=self._reporter_actor(complaint),
            request=request,
        )
        return self._status(complaint)

    @extend_schema(
        parameters=TOKEN_PARAMETERS,
        request=AcceptSerializer,
        responses={200: ComplaintStatusSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, tracking_id=None):
        """Accept the response, with an optional rating 1-5: closed."""
        complaint = self._for_reporter()
        data = valid_data(AcceptSerializer, request)
        workflow.complaint_accept(
            complaint=complaint,
            rating=data.get("rating"),
            comment=data.get("comment", ""),
            by=self._reporter_actor(complaint),
            request=request,
        )
        return self._status(complaint)

    @extend_schema(
        parameters=TOKEN_PARAMETERS,
        request=RateSerializer,
        responses={200: ComplaintStatusSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, tracking_id=None):
        """Rate a complaint closed without a rating (e.g. closed automatically)."""
        complaint = self._for_reporter()
        data = valid_data(RateSerializer, request)
        workflow.complaint_rate(
            complaint=complaint,
            rating=data["rating"],
            comment=data.get("comment", ""),
            request=request,
        )
        return self._status(complaint)

    @extend_schema(
        parameters=TOKEN_PARAMETERS,
        request=BodySerializer,
        responses={200: ComplaintStatusSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, tracking_id=None):
        """Reopen a closed complaint, once, within the reply window."""
        complaint = self._for_reporter()
        data = valid_data(BodySerializer, request)
        workflow.complaint_reopen(
            complaint=complaint,
            body=data["body"],
            by=self._reporter_actor(complaint),
            request=request,
        )
        return self._status(complaint)
