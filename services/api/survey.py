"""REST API of the satisfaction survey (SKM) and the published index (IKM).

``POST /api/v1/surveys/`` (public, throttled by the "surveys" scope): the
nine scores of a finished ticket in DOMAIN.md's order. 201 on success; 409
``already_answered`` for a second answer and ``ticket_not_done`` for a
ticket not finished; 400 with field ``scores`` for scores that are not
nine integers from 1 to 4. An unknown tracking code is a 400 on field
``tracking_code`` (the code is part of the body, not of the URL).

``GET /api/v1/ikm/`` (public: every MPP must publish its IKM): the index of
a scope and period. ``nrr`` are nine JSON numbers with four decimals and
``ikm`` a number with two, exactly as services/skm.py rounds them. With no
answer in the scope there is no index: ``ikm``, ``grade`` and
``grade_label`` are null.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from mpp_portal.api_errors import JSONParser
from mpp_portal.api_schema import errors
from mpp_portal.organizations.models import Agency, Hall
from services import skm
from services.models import Service, SurveyResponse, Ticket


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 4},
        "minItems": 9,
        "maxItems": 9,
    }
)
class ScoresField(serializers.ListField):
    """The nine scores, checked by skm.survey_submit; the schema says what it accepts."""


class SurveyCreateSerializer(serializers.Serializer):
    tracking_code = serializers.CharField(max_length=20)
    # Validated by skm.survey_submit (nine integers 1-4), so the message is the same
    # wherever the answer comes from.
    scores = ScoresField(child=serializers.JSONField(), allow_empty=True)
    sex = serializers.ChoiceField(SurveyResponse.Sex.choices, required=False, allow_blank=True)
    age_band = serializers.ChoiceField(
        SurveyResponse.AgeBand.choices, required=False, allow_blank=True
    )
    education = serializers.ChoiceField(
        SurveyResponse.Education.choices, required=False, allow_blank=True
    )
    occupation = serializers.ChoiceField(
        SurveyResponse.Occupation.choices, required=False, allow_blank=True
    )
    suggestion = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )

    def validate_tracking_code(self, value):
        ticket = Ticket.objects.select_related("service__agency").by_tracking_code(value).first()
        if ticket is None:
            raise serializers.ValidationError("Kode pelacakan tiket tidak ditemukan.")
        self.context["ticket"] = ticket
        return value


class SurveyResponseSerializer(serializers.ModelSerializer):
    tracking_code = serializers.CharField(source="ticket.tracking_code")
    scores = serializers.ListField(child=serializers.IntegerField())
    # Plain text, not an enum: a second "channel" enum would rename the complaints' one.
    channel = serializers.CharField(help_text="web, kiosk atau api")

    class Meta:
        model = SurveyResponse
        fields = [
            "tracking_code",
            "service",
            "agency",
            "date",
            "scores",
            "sex",
            "age_band",
            "education",
            "occupation",
            "suggestion",
            "channel",
            "created_at",
        ]


class SurveyCreateView(APIView):
    """Answer the satisfaction survey of a finished ticket. Public, throttled."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "surveys"
    # JSON only: a form sends the scores as text, which skm refuses as not
    # being the integers the schema promises.
    parser_classes = [JSONParser]

    @extend_schema(
        request=SurveyCreateSerializer,
        responses={201: SurveyResponseSerializer, **errors(409)},
        tags=["surveys"],
    )
    def post(self, request):
        data = SurveyCreateSerializer(data=request.data, context={})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("tracking_code")
        response = skm.survey_submit(
            ticket=data.context["ticket"],
            scores=values.pop("scores"),
            channel=SurveyResponse.Channel.API,
            request=request,
            **values,
        )
        return Response(SurveyResponseSerializer(response).data, status=status.HTTP_201_CREATED)


class IkmQuerySerializer(serializers.Serializer):
    hall = serializers.PrimaryKeyRelatedField(queryset=Hall.objects.all(), required=False)
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), required=False)
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all(), required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def to_internal_value(self, data):
        # "from" is a Python keyword: accept it in the query, keep date_from inside.
        # An empty value is refused like any other that is no date or id.
        data = {
            key: data[name]
            for key, name in [
                ("hall", "hall"),
                ("agency", "agency"),
                ("service", "service"),
                ("date_from", "from"),
                ("date_to", "to"),
            ]
            if name in data
        }
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            renamed = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError(
                {renamed.get(key, key): value for key, value in exc.detail.items()}
            ) from None

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"to": "Tanggal akhir harus sama dengan atau sesudah tanggal awal."}
            )
        return attrs


class IkmSerializer(serializers.Serializer):
    respondents = serializers.IntegerField()
    nrr = serializers.ListField(child=serializers.FloatField(), min_length=9, max_length=9)
    ikm = serializers.FloatField(
        allow_null=True, help_text="IKM 25-100, two decimals; null without any answer."
    )
    grade = serializers.ChoiceField(
        choices=[grade for _lowest, grade, _label in skm.GRADES],
        allow_null=True,
        help_text="A-D; null without any answer.",
    )
    grade_label = serializers.CharField(
        allow_null=True,
        help_text="Sangat Baik, Baik, Kurang Baik, Tidak Baik; null without any answer.",
    )
    population = serializers.IntegerField()
    min_sample = serializers.IntegerField()
    sample_reached = serializers.BooleanField()


class IkmView(APIView):
    """The IKM of a hall, agency or service over a period. Public."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("hall", int, required=False),
            OpenApiParameter("agency", int, required=False),
            OpenApiParameter("service", int, required=False),
            OpenApiParameter("from", OpenApiTypes.DATE, required=False),
            OpenApiParameter("to", OpenApiTypes.DATE, required=False),
        ],
        responses=IkmSerializer,
        tags=["surveys"],
    )
    def get(self, request):
        query = IkmQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        responses, served = skm.scope(**query.validated_data)
        summary = skm.ikm_summary(responses, served)
        body = {
            **summary,
            # Numbers, rounded as skm rounds them: 3.6667 and 83.33 go out exactly so.
            "nrr": [float(value) for value in summary["nrr"]],
            "ikm": None if summary["ikm"] is None else float(summary["ikm"]),
        }
        return Response(IkmSerializer(body).data)
