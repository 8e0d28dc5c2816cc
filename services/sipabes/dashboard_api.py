"""``GET /api/v1/sipabes/dashboard/?year=&regency=``: the public dashboard figures.

The same function as the page (services/sipabes/dashboard.py): aggregates
only, no group of fewer than 3 traders. A year outside the dashboard's
range or a regency without an active hall is a 400 naming the field.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from services.sipabes import dashboard


class DashboardQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False)
    regency = serializers.CharField(required=False, max_length=100)

    def validate_year(self, value):
        first, last = dashboard.FIRST_YEAR, dashboard.current_year()
        if not first <= value <= last:
            raise serializers.ValidationError(
                f"Tahun harus antara {first} dan {last} (SIPABES dimulai tahun {first})."
            )
        return value

    def validate(self, attrs):
        known = dashboard.regencies()
        regency = attrs.get("regency")
        if regency is None:
            if not known:
                raise serializers.ValidationError(
                    {"regency": "Belum ada gedung MPP aktif di portal ini."}
                )
            regency = known[0]
        elif regency not in known:
            raise serializers.ValidationError(
                {"regency": "Kabupaten/kota ini tidak mempunyai gedung MPP aktif di portal ini."}
            )
        return {"regency": regency, "year": attrs.get("year") or dashboard.current_year()}


class RowSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text="Month (YYYY-MM), kecamatan code, market id, KBLI section letter or "
        "scale; null for the combined 'Lainnya' row.",
    )
    label = serializers.CharField()
    traders = serializers.IntegerField(allow_null=True, help_text="Null when suppressed.")
    nib_issued = serializers.IntegerField(allow_null=True)
    workers = serializers.IntegerField(allow_null=True)
    capital = serializers.IntegerField(allow_null=True, help_text="Whole rupiah.")
    suppressed = serializers.BooleanField(
        help_text="True when the figures are hidden (fewer than min_group_size traders)."
    )
    groups = serializers.IntegerField(
        required=False, help_text="'Lainnya' row only: how many groups it combines."
    )
    district_code = serializers.CharField(required=False, help_text="Markets only.")
    district_name = serializers.CharField(required=False, help_text="Markets only.")


class BlockSerializer(serializers.Serializer):
    rows = RowSerializer(many=True)
    other = RowSerializer(
        allow_null=True, help_text="Groups of fewer than min_group_size traders, combined."
    )


class TargetSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        allow_null=True, help_text="The regency's investment target (Rp); null if not set."
    )
    capital_share_percent = serializers.FloatField(
        allow_null=True, help_text="Registered capital / target x 100, four decimals."
    )


class DashboardSerializer(serializers.Serializer):
    regency = serializers.CharField()
    year = serializers.IntegerField()
    computed_at = serializers.DateTimeField(
        help_text="When the figures were computed; they are reused for a few minutes."
    )
    min_group_size = serializers.IntegerField()
    suppressed = serializers.BooleanField(
        help_text="True when the whole year has fewer than min_group_size traders."
    )
    totals = RowSerializer()
    target = TargetSerializer()
    by_month = BlockSerializer()
    by_district = BlockSerializer()
    by_market = BlockSerializer()
    by_kbli_section = BlockSerializer()
    by_scale = BlockSerializer()
    notes = serializers.DictField(
        child=serializers.CharField(), help_text="population, capital, privacy: how to read it."
    )


def _row(key, label, traders, nib, workers, capital, **extra):
    return {
        "key": key,
        "label": label,
        "traders": traders,
        "nib_issued": nib,
        "workers": workers,
        "capital": capital,
        "suppressed": False,
        **extra,
    }


EXAMPLE = {
    "regency": "Kabupaten Lebong",
    "year": 2024,
    "computed_at": "2024-12-02T09:15:00+07:00",
    "min_group_size": 3,
    "suppressed": False,
    "totals": _row(None, "Jumlah", 212, 180, 371, 2_915_000_000),
    "target": {"amount": 1_500_000_000_000, "capital_share_percent": 0.1943},
    "by_month": {
        "rows": [_row("2024-06", "Juni", 48, 45, 80, 610_000_000)],
        "other": None,
    },
    "by_district": {
        "rows": [_row("17.07.01", "Lebong Utara", 120, 101, 210, 1_700_000_000)],
        "other": None,
    },
    "by_market": {
        "rows": [
            _row(
                7,
                "Pasar Tradisional Modern Muara Aman",
                120,
                101,
                210,
                1_700_000_000,
                district_code="17.07.01",
                district_name="Lebong Utara",
            )
        ],
        "other": _row(None, "Lainnya (2 kelompok kecil digabung)", 4, 3, 6, 40_000_000, groups=2),
    },
    "by_kbli_section": {
        "rows": [_row("G", "Perdagangan besar dan eceran", 170, 150, 290, 2_300_000_000)],
        "other": None,
    },
    "by_scale": {"rows": [_row("mikro", "Mikro", 212, 180, 371, 2_915_000_000)], "other": None},
    "notes": {"population": "...", "capital": "...", "privacy": "..."},
}


class DashboardView(APIView):
    """Public SIPABES dashboard figures of one regency and year."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year",
                # The maximum is read when this module loads: a server running
                # across New Year documents last year's until it restarts (the
                # validation itself always takes the current year).
                {
                    "type": "integer",
                    "minimum": dashboard.FIRST_YEAR,
                    "maximum": dashboard.current_year(),
                },
                required=False,
                description=f"{dashboard.FIRST_YEAR} to the current year; default the current one.",
            ),
            OpenApiParameter(
                "regency",
                str,
                required=False,
                description="A regency of an active hall (Hall.regency); default the first.",
            ),
        ],
        responses=DashboardSerializer,
        examples=[OpenApiExample("Kabupaten Lebong 2024", value=EXAMPLE, response_only=True)],
        tags=["sipabes"],
    )
    def get(self, request):
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = {**dashboard.cached_dashboard(**query.validated_data)}
        data["notes"] = {
            "population": str(dashboard.POPULATION_NOTE),
            "capital": str(dashboard.CAPITAL_NOTE),
            "privacy": str(dashboard.PRIVACY_NOTE),
        }
        return Response(DashboardSerializer(data).data)
