"""REST API of forums (/api/v1/forums/, /api/v1/forum-items/).

Anybody reads the published forums with their agreements and the final
berita acara; the hall admin of the hall plans and edits its forums (and
reads unpublished ones and every draft version). Anybody may send an input
while a forum takes them (throttled per address, shared with the web form).
A signatory approves the frozen draft by its SHA-256 or returns it with
their own account's token: 409 on a wrong state or a stale hash. The
responsible agency (its admin or API client) and the hall admin record the
progress of agreement items.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.response import Response

from forums import services
from forums.models import INPUT_MAX, INPUT_MIN, AgreementItem, BeritaAcara, Forum
from mpp_portal.accesslog import hide_client_address
from mpp_portal.accounts.permissions import can
from mpp_portal.api_schema import errors
from mpp_portal.audit.services import client_ip
from mpp_portal.organizations.models import Agency
from services.models import Service

SHA256 = r"^[0-9a-f]{64}$"


class ItemSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", read_only=True)
    agency_id = serializers.IntegerField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AgreementItem
        fields = [
            "id",
            "forum",
            "number",
            "text",
            "agency_id",
            "agency",
            "target_date",
            "status",
            "status_label",
            "status_reason",
            "done_on",
        ]
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer):
    verification_code = serializers.CharField(source="document.verification_code", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = BeritaAcara
        fields = [
            "version",
            "is_final",
            "sha256",
            "created_at",
            "verification_code",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return obj.document.get_download_url() if obj.document_id else ""


class SignatorySerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    position = serializers.CharField(read_only=True)
    group = serializers.CharField(read_only=True)
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ForumSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Forum
        fields = [
            "id",
            "slug",
            "number",
            "theme",
            "legal_basis",
            "starts_at",
            "venue",
            "description",
            "invited_groups",
            "status",
            "status_label",
            "is_published",
            "inputs_open",
            "chaired_by",
            "signed_at",
            "url",
        ]
        read_only_fields = [
            "id",
            "slug",
            "number",
            "status",
            "status_label",
            "signed_at",
            "url",
            "chaired_by",
        ]


class ForumDetailSerializer(ForumSerializer):
    items = ItemSerializer(many=True, read_only=True)
    signatories = SignatorySerializer(many=True, read_only=True)
    final_version = serializers.SerializerMethodField()

    class Meta(ForumSerializer.Meta):
        fields = [*ForumSerializer.Meta.fields, "items", "signatories", "final_version"]

    def get_final_version(self, obj) -> VersionSerializer(allow_null=True):
        final = obj.versions.filter(is_final=True).select_related("document").first()
        return VersionSerializer(final).data if final else None


class InputCreateSerializer(serializers.Serializer):
    text = serializers.CharField(min_length=INPUT_MIN, max_length=INPUT_MAX)
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True), required=False, allow_null=True
    )
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.filter(is_active=True), required=False, allow_null=True
    )
    is_anonymous = serializers.BooleanField(required=False, default=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class InputCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    forum = serializers.IntegerField(source="forum_id")
    created_at = serializers.DateTimeField()


class ApproveSerializer(serializers.Serializer):
    sha256 = serializers.RegexField(
        SHA256, help_text="SHA-256 of the frozen draft you read (lowercase hex)."
    )


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


class SignoffSerializer(serializers.Serializer):
    status = serializers.CharField()
    frozen_sha256 = serializers.CharField(allow_blank=True)
    approved_at = serializers.DateTimeField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=[
            AgreementItem.Status.IN_PROGRESS,
            AgreementItem.Status.DONE,
            AgreementItem.Status.DROPPED,
        ],
        required=False,
        allow_null=True,
        help_text="New status; leave out to add a note only.",
    )
    reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the status is dropped.",
    )

    def validate(self, attrs):
        if not attrs.get("status") and not attrs.get("note", "").strip():
            raise serializers.ValidationError({"note": _("Catatan kemajuan wajib diisi.")})
        if (
            attrs.get("status") == AgreementItem.Status.DROPPED
            and not attrs.get("reason", "").strip()
        ):
            raise serializers.ValidationError({"reason": _("Alasan pembatalan wajib diisi.")})
        return attrs


FORUM_EXAMPLE = OpenApiExample(
    "Rencana forum",
    value={
        "theme": "Pemusatan layanan publik di MPP",
        "starts_at": "2024-06-20T09:00:00+07:00",
        "venue": "Pasar Tradisional Modern, Muara Aman",
        "is_published": True,
        "inputs_open": True,
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="Published forums (hall admins: also their hall's unpublished)"),
    retrieve=extend_schema(summary="A forum with its agreements, signatories and signed PDF"),
    create=extend_schema(
        summary="Plan a forum (hall admin)",
        examples=[FORUM_EXAMPLE],
        responses={201: ForumSerializer},
    ),
    partial_update=extend_schema(
        summary="Edit the plan (hall admin; not in sign-off or signed)",
        responses={200: ForumSerializer, **errors(409)},
    ),
)
class ForumViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "retrieve", "inputs", "versions"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ForumDetailSerializer
        return ForumSerializer

    def get_queryset(self):
        user = self.request.user
        queryset = Forum.objects.published() | Forum.objects.visible_to(user)
        queryset = queryset.distinct().select_related("hall").order_by("-starts_at", "-pk")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("items__agency", "signatories")
        return queryset

    def _manager(self):
        user = self.request.user
        if not can(user, "forum.manage", hall=user.hall_id):
            raise PermissionDenied
        return user

    def perform_create(self, serializer):
        user = self._manager()
        serializer.instance = services.forum_plan(
            hall=user.hall, by=user, request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer):
        user = self._manager()
        forum = serializer.instance
        if forum.hall_id != user.hall_id:
            raise PermissionDenied
        services.forum_update(forum, by=user, request=self.request, **serializer.validated_data)

    @extend_schema(
        summary="Send an input (masukan) to a forum; anybody, throttled",
        request=InputCreateSerializer,
        responses={201: InputCreatedSerializer, **errors(409)},
        examples=[
            OpenApiExample(
                "Masukan anonim",
                value={"text": "Mohon loket KTP-el dibuka sampai sore.", "is_anonymous": True},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def inputs(self, request, pk=None):
        hide_client_address(request)
        forum = get_object_or_404(Forum.objects.published(), pk=pk)
        data = InputCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not services.input_rate_allowed(client_ip(request)):
            raise Throttled(wait=3600)
        entry = services.input_submit(forum=forum, **values)
        return Response(InputCreatedSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Berita acara versions and their SHA-256 (public: the final one only)",
        responses={200: VersionSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        forum = get_object_or_404(self.get_queryset(), pk=pk)
        user = request.user
        rows = forum.versions.select_related("document").order_by("version")
        staff = can(user, "forum.manage", hall=forum.hall_id)
        signatory = user.is_authenticated and forum.signatories.filter(user=user).exists()
        if not (staff or signatory):
            rows = rows.filter(is_final=True)
        return Response(VersionSerializer(rows, many=True).data)

    def _signoff(self, forum):
        row = forum.signatories.get(user=self.request.user)
        forum.refresh_from_db()
        return Response(
            SignoffSerializer(
                {
                    "status": forum.status,
                    "frozen_sha256": forum.frozen_sha256,
                    "approved_at": row.approved_at,
                }
            ).data
        )

    def _signatory_forum(self, pk):
        forum = get_object_or_404(Forum.objects.all(), pk=pk)
        if not forum.signatories.filter(user=self.request.user).exists():
            raise PermissionDenied
        return forum

    @extend_schema(
        summary="Approve the frozen draft (the signatory's own account)",
        request=ApproveSerializer,
        responses={200: SignoffSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        forum = self._signatory_forum(pk)
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.signoff_approve(
            forum,
            user=request.user,
            sha256=data.validated_data["sha256"],
            ip=client_ip(request),
            request=request,
        )
        return self._signoff(forum)

    @extend_schema(
        summary="Return the draft with a comment: every approval is voided",
        request=ReturnSerializer,
        responses={200: SignoffSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_draft(self, request, pk=None):
        forum = self._signatory_forum(pk)
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.signoff_return(
            forum, user=request.user, comment=data.validated_data["comment"], request=request
        )
        return self._signoff(forum)


@extend_schema_view(
    list=extend_schema(summary="Agreement items of signed forums in the caller's reach"),
    retrieve=extend_schema(summary="One agreement item"),
)
class AgreementItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = "[0-9]+"
    serializer_class = ItemSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return (
            AgreementItem.objects.visible_to(self.request.user)
            .select_related("agency", "forum")
            .order_by("target_date", "pk")
        )

    @extend_schema(
        summary="Record progress (and optionally a new status) of an item",
        request=ProgressSerializer,
        responses={200: ItemSerializer, **errors(409)},
        examples=[
            OpenApiExample(
                "Selesai",
                value={"note": "Loket KTP-el buka sampai 15.00 sejak 1 Juli.", "status": "done"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        item = get_object_or_404(self.get_queryset(), pk=pk)
        data = ProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.item_progress(
            item,
            by=request.user,
            note=values.get("note", ""),
            target=values.get("status") or None,
            reason=values.get("reason", ""),
            request=request,
        )
        item.refresh_from_db()
        return Response(ItemSerializer(item).data)
