"""Open311 GeoReport v2 over the complaint model (/open311/v2/).

http://wiki.open311.org/GeoReport_v2. Plain Django views: the spec's
formats (a bare JSON list, XML with its own element names, errors as a
list of ``{code, description}``) are not the REST API's.

Mapping. A service is a complaint ``Category`` (service_code = its slug).
A service request is a complaint (service_request_id = tracking id);
status ``open`` is everything not closed or archived, and
``status_notes`` carries the LAPOR status label and the latest public
response. jurisdiction_id is a hall's slug.

Privacy. No reporter field is ever output, for any complaint. Lists
and lookups by id show ``Complaint.objects.public()`` only (verified,
not archived, not confidential), so a report nobody has checked yet is
not published. The one exception: the API client that POSTed a request
may read it back by id with its ``api_key`` while it waits for
verification, unless it is confidential: a confidential complaint is
never shown here.
"""

import datetime
import json
import xml.etree.ElementTree as ET
from functools import wraps

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Max, Prefetch, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from complaints import services as workflow
from complaints.models import TITLE_MAX, Category, Complaint, ComplaintUpdate
from mpp_portal import identity
from mpp_portal.accounts.permissions import can
from mpp_portal.organizations.models import Hall
from mpp_portal.workdays import JAKARTA

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00+07:00"
WINDOW = datetime.timedelta(days=90)
MAX_IDS = 100
MAX_RESULTS = 1000
CLOSED_STATUSES = (Complaint.Status.CLOSED, Complaint.Status.ARCHIVED)
YES = {"1", "true", "ya", "yes", "y"}

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


class Open311Error(Exception):
    def __init__(self, status, description):
        super().__init__(description)
        self.status = status
        self.description = str(description)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------
def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_element(tag, value):
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_xml_element(key, item))
    elif isinstance(value, list):
        # <keywords> etc. never come as lists; lists are containers whose
        # children take the singular name given by _XML_CHILD.
        child = _XML_CHILD.get(tag, "item")
        for item in value:
            element.append(_xml_element(child, item))
    else:
        text = _text(value)
        if text is not None:
            element.text = text
    return element


_XML_CHILD = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _render(fmt, data, *, root=None, item=None, status=200):
    """JSON as given; XML under ``root`` with one ``item`` per list entry."""
    if fmt == "json":
        return HttpResponse(
            json.dumps(data, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
            status=status,
        )
    if isinstance(data, list):
        element = ET.Element(root)
        for entry in data:
            element.append(_xml_element(item, entry))
    else:
        element = _xml_element(root, data)
    body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)


def _error_response(fmt, status, description):
    return _render(
        fmt,
        [{"code": status, "description": str(description)}],
        root="errors",
        item="error",
        status=status,
    )


def open311_view(methods):
    """Allow ``methods``, answer every Open311Error in the spec's format."""

    def decorator(view):
        @csrf_exempt  # api_key, never a cookie, authenticates the POST
        @require_http_methods(methods)
        @wraps(view)
        def wrapper(request, *args, fmt="json", **kwargs):
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return _error_response(fmt, exc.status, exc.description)

        return wrapper

    return decorator


def _w3c(moment):
    if moment is None:
        return None
    return timezone.localtime(moment, JAKARTA).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------
# Discovery and services
# ---------------------------------------------------------------------------
@open311_view(["GET"])
def discovery(request, fmt):
    hall = Hall.objects.filter(is_active=True).order_by("pk").first()
    contact = ""
    if hall is not None:
        contact = " ".join(filter(None, [hall.name, hall.email, hall.phone]))
    data = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _("Minta api_key kepada Admin MPP (manage.py issue_token)."),
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": request.build_absolute_uri(
                    reverse("open311:discovery", kwargs={"fmt": "json"})
                ).removesuffix("/discovery.json"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _render(fmt, data, root="discovery")


# Optional attributes a client may send as attribute[<code>].
ATTRIBUTES = [
    {
        "variable": True,
        "code": "title",
        "datatype": "string",
        "required": False,
        "datatype_description": _("Paling banyak %(n)s karakter.") % {"n": TITLE_MAX},
        "order": 1,
        "description": _("Judul laporan (bila kosong: awal uraian)."),
    },
    {
        "variable": True,
        "code": "kind",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": None,
        "order": 2,
        "description": _("Jenis laporan (bawaan: pengaduan)."),
    },
    {
        "variable": True,
        "code": "anonim",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": None,
        "order": 3,
        "description": _("Anonim: identitas pelapor tidak disimpan sama sekali."),
    },
    {
        "variable": True,
        "code": "rahasia",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": None,
        "order": 4,
        "description": _("Rahasia: laporan tidak tampil di daftar publik."),
    },
]


def _attributes():
    yes_no = [{"key": "true", "name": _("Ya")}, {"key": "false", "name": _("Tidak")}]
    values = {
        "kind": [{"key": k, "name": str(label)} for k, label in Complaint.Kind.choices],
        "anonim": yes_no,
        "rahasia": yes_no,
    }
    result = []
    for attribute in ATTRIBUTES:
        entry = {**attribute}
        if attribute["code"] in values:
            entry["values"] = values[attribute["code"]]
        result.append(entry)
    return result


def _service(category):
    return {
        "service_code": category.slug,
        "service_name": category.name,
        "description": _("Pengaduan, aspirasi, atau permintaan informasi tentang %(name)s.")
        % {"name": category.name},
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(category.slug.split("-")),
        "group": str(Complaint.Kind.COMPLAINT.label),
    }


@open311_view(["GET"])
def service_list(request, fmt):
    services = [_service(c) for c in Category.objects.filter(is_active=True).order_by("name")]
    return _render(fmt, services, root="services", item="service")


@open311_view(["GET"])
def service_definition(request, code, fmt):
    if not Category.objects.filter(slug=code, is_active=True).exists():
        raise Open311Error(404, _("service_code %(code)s tidak dikenal.") % {"code": code})
    data = {"service_code": code, "attributes": _attributes()}
    return _render(fmt, data, root="service_definition")


# ---------------------------------------------------------------------------
# Service requests
# ---------------------------------------------------------------------------
def _requests_queryset():
    latest_responses = ComplaintUpdate.objects.filter(
        kind=ComplaintUpdate.Kind.RESPONSE, is_public=True
    ).order_by("-created_at", "-pk")
    return (
        Complaint.objects.select_related("category", "assigned_agency")
        .annotate(last_public_update=Max("updates__created_at", filter=Q(updates__is_public=True)))
        .prefetch_related(Prefetch("updates", queryset=latest_responses, to_attr="responses"))
    )


def _status_notes(complaint):
    label = str(complaint.get_status_display())
    if complaint.status == Complaint.Status.ARCHIVED and complaint.archive_reason:
        return f"{label}: {complaint.get_archive_reason_display()}"
    responses = getattr(complaint, "responses", None)
    if responses:
        return f"{label}: {responses[0].body}"
    return label


def _request(complaint):
    """One service request. No reporter field, whoever reported."""
    closed = complaint.status in CLOSED_STATUSES
    return {
        "service_request_id": complaint.tracking_id,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(complaint),
        "service_name": complaint.category.name if complaint.category else None,
        "service_code": complaint.category.slug if complaint.category else None,
        "description": complaint.description,
        "agency_responsible": (
            complaint.assigned_agency.name if complaint.assigned_agency else None
        ),
        "service_notice": None,
        "requested_datetime": _w3c(complaint.submitted_at),
        "updated_datetime": _w3c(
            getattr(complaint, "last_public_update", None) or complaint.submitted_at
        ),
        "expected_datetime": _w3c(complaint.due_at),
        "address": complaint.location or None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _moment(value, name):
    """Parse a W3C datetime (or a bare date, midnight WIB) or raise 400."""
    raw = value.strip().replace(" ", "+")  # an unencoded "+07:00" arrives as " 07:00"
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            if day is not None:
                moment = datetime.datetime.combine(day, datetime.time.min)
    except ValueError:
        # Well formed but not on the calendar: 2026-02-30, 0000-00-00.
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s bukan tanggal W3C yang sah (mis. 2026-11-01T00:00:00+07:00).")
            % {"name": name},
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=JAKARTA)
    return moment


def _csv(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _jurisdiction(request):
    slug = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
    if not slug:
        return None
    hall = Hall.objects.filter(slug=slug, is_active=True).first()
    if hall is None:
        raise Open311Error(404, _("jurisdiction_id %(id)s tidak dikenal.") % {"id": slug})
    return hall


def _filter_requests(request):
    params = request.GET
    queryset = _requests_queryset().public()
    hall = _jurisdiction(request)
    if hall is not None:
        queryset = queryset.filter(hall=hall)
    ids = _csv(params.get("service_request_id"))
    if ids:
        # The spec: a list of ids overrides every other filter.
        if len(ids) > MAX_IDS:
            raise Open311Error(
                400, _("Paling banyak %(n)s service_request_id sekaligus.") % {"n": MAX_IDS}
            )
        return queryset.filter(tracking_id__in=ids).order_by("-submitted_at")

    start = _moment(params["start_date"], "start_date") if params.get("start_date") else None
    end = _moment(params["end_date"], "end_date") if params.get("end_date") else None
    if start is None and end is None:
        end = timezone.now()
        start = end - WINDOW
    elif start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, _("end_date harus setelah start_date."))
    if end - start > WINDOW:
        raise Open311Error(400, _("Rentang start_date sampai end_date paling lama 90 hari."))
    queryset = queryset.filter(submitted_at__gte=start, submitted_at__lte=end)

    codes = _csv(params.get("service_code"))
    if codes:
        queryset = queryset.filter(category__slug__in=codes)
    statuses = {s.lower() for s in _csv(params.get("status"))}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status hanya boleh open atau closed."))
    if statuses == {"open"}:
        queryset = queryset.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        queryset = queryset.filter(status__in=CLOSED_STATUSES)
    return queryset.order_by("-submitted_at")[:MAX_RESULTS]


@open311_view(["GET", "POST"])
def request_list(request, fmt):
    if request.method == "POST":
        return _create_request(request, fmt)
    rows = [_request(c) for c in _filter_requests(request)]
    return _render(fmt, rows, root="service_requests", item="request")


def _api_user(request, *, required):
    key = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if not key:
        if required:
            raise Open311Error(400, _("api_key wajib diisi."))
        return None
    token = Token.objects.select_related("user").filter(key=key).first()
    user = token.user if token else None
    allowed = user is not None and can(user, "open311.post")
    if not allowed:
        raise Open311Error(403, _("api_key tidak sah."))
    return user


@open311_view(["GET"])
def request_detail(request, request_id, fmt):
    queryset = _requests_queryset().filter(tracking_id=request_id, is_confidential=False)
    complaint = queryset.public().first()
    if complaint is None:
        # The client that filed it may follow it before verification.
        user = _api_user(request, required=False)
        if user is not None:
            complaint = queryset.filter(filed_by=user, channel=Complaint.Channel.OPEN311).first()
    if complaint is None:
        raise Open311Error(
            404, _("service_request_id %(id)s tidak ditemukan.") % {"id": request_id}
        )
    return _render(fmt, [_request(complaint)], root="service_requests", item="request")


def _create_request(request, fmt):
    user = _api_user(request, required=True)
    data = request.POST
    hall = _jurisdiction(request)
    if hall is None:
        hall = user.hall
    elif user.hall_id and hall.pk != user.hall_id and not user.is_superuser:
        raise Open311Error(403, _("api_key ini tidak berlaku untuk jurisdiction_id tersebut."))
    if hall is None:
        halls = list(Hall.objects.filter(is_active=True)[:2])
        if len(halls) != 1:
            raise Open311Error(400, _("jurisdiction_id wajib diisi."))
        hall = halls[0]

    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code wajib diisi."))
    category = Category.objects.filter(slug=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s tidak dikenal.") % {"code": code})

    description = (data.get("description") or "").strip()
    title = (data.get("attribute[title]") or "").strip() or description[:80]
    kind = (data.get("attribute[kind]") or Complaint.Kind.COMPLAINT).strip()
    if kind not in Complaint.Kind.values:
        raise Open311Error(400, _("attribute[kind] tidak dikenal."))
    location = _location(data)

    is_anonymous = (data.get("attribute[anonim]") or "").strip().lower() in YES
    name = " ".join(
        filter(
            None, [(data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()]
        )
    )
    email = (data.get("email") or "").strip()
    phone = (data.get("phone") or "").strip()
    if email and not is_anonymous:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, _("email tidak valid.")) from None
    if phone and not is_anonymous:
        phone = identity.normalize_phone(phone)
        if phone is None:
            raise Open311Error(400, _("phone tidak valid, contoh: 081234567890."))

    try:
        complaint, token = workflow.complaint_file(
            hall=hall,
            kind=kind,
            title=title[:TITLE_MAX],
            description=description,
            category=category,
            location=location,
            reporter_name=name[:150],
            reporter_email=email,
            reporter_phone=phone,
            is_anonymous=is_anonymous,
            is_confidential=(data.get("attribute[rahasia]") or "").strip().lower() in YES,
            channel=Complaint.Channel.OPEN311,
            filed_by=user,
            request=request,
        )
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        text = "; ".join(
            f"{field}: {' '.join(errors)}" if field and field != "__all__" else " ".join(errors)
            for field, errors in messages.items()
        )
        raise Open311Error(400, text) from None
    notice = _("Laporan diterima dan diverifikasi Admin MPP. Pantau di: %(url)s") % {
        "url": workflow.tracking_url(complaint, token)
    }
    row = {
        "service_request_id": complaint.tracking_id,
        "service_notice": notice,
        "account_id": None,
        # Not in the spec: the reporter's secret for /api/v1/complaints/
        # (the spec's "token" means a request not created yet).
        "access_token": token,
    }
    return _render(fmt, [row], root="service_requests", item="request", status=201)


def _location(data):
    address = (data.get("address_string") or "").strip()
    lat, lon = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    if lat or lon:
        try:
            lat_f, lon_f = float(lat), float(lon)
        except ValueError:
            raise Open311Error(400, _("lat dan long harus angka.")) from None
        if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
            raise Open311Error(400, _("lat/long di luar jangkauan."))
        if not address:
            address = f"{lat_f:.6f}, {lon_f:.6f}"
    return address[:200]
