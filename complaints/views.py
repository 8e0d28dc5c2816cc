"""Pages of the complaints app: the public form, the reporter's tracking page,
the public list and statistics, and the staff pages (inbox, detail, overdue
board, the agency's list). Views are thin: state changes go through
``complaints.services``; queries live in ``complaints.selectors``.

Scoping: staff pages read ``Complaint.objects.visible_to(user)`` only, and
a complaint outside it is a 404 so that its existence does not leak. The
reporter proves access with the secret token once; a signed cookie of this
browser then keeps the token's hash (never the token) so forms post without
it. Not the session: the session row of a signed-in person would tie an
anonymous report to their account (see ``_grant``).
"""

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from complaints import forms as cforms
from complaints import selectors, services
from complaints.models import Attachment, Complaint, ComplaintPolicy, ComplaintUpdate
from mpp_portal.accesslog import hide_client_address
from mpp_portal.accounts.permissions import can
from mpp_portal.audit.services import client_ip
from mpp_portal.csv_export import CsvExport
from mpp_portal.exceptions import DomainError
from mpp_portal.masking import mask_email, mask_phone
from mpp_portal.organizations.models import Agency, Hall
from mpp_portal.workdays import deadline
from services.models import SurveyResponse

S = Complaint.Status
PAGE_SIZE = 20
# Browser-side state of a reporter, in signed cookies limited to the
# complaint pages (see _grant): the complaints it may open, and the
# confirmation shown once after filing.
ACCESS_COOKIE = "mpp_pengaduan"
ACCESS_SALT = "complaints.views.access"
FILED_COOKIE = "mpp_pengaduan_terkirim"
FILED_SALT = "complaints.views.filed"
FILED_MAX_AGE = 600
# Complaints a browser may hold access to at once (oldest dropped first).
ACCESS_MAX = 20


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _active_halls():
    return list(Hall.objects.filter(is_active=True).order_by("name"))


def _chosen_hall(request, halls):
    """The single active hall, else the one picked with ?gedung=<slug>."""
    if len(halls) == 1:
        return halls[0]
    slug = request.GET.get("gedung")
    return next((h for h in halls if h.slug == slug), halls[0] if halls else None)


def _held(request):
    """The complaints this browser proved it holds: {tracking id: token hash}."""
    raw = request.COOKIES.get(ACCESS_COOKIE)
    if not raw:
        return {}
    try:
        held = signing.loads(raw, salt=ACCESS_SALT, max_age=settings.SESSION_COOKIE_AGE)
    except signing.BadSignature:
        return {}
    return held if isinstance(held, dict) else {}


def _grant(request, response, complaint):
    """Remember on ``response`` that this browser holds the complaint's secret.

    A signed cookie, never the session: the session row of a signed-in
    person (or of a visitor who signs in later, as login keeps the data)
    names their account, so a grant kept there would tie an anonymous
    report to them in the database. The cookie stays in the browser.
    Return ``response``.
    """
    access = dict(_held(request))
    access.pop(complaint.tracking_id, None)
    access[complaint.tracking_id] = complaint.access_token_hash
    while len(access) > ACCESS_MAX:
        access.pop(next(iter(access)))
    response.set_cookie(
        ACCESS_COOKIE,
        signing.dumps(access, salt=ACCESS_SALT),
        max_age=settings.SESSION_COOKIE_AGE,
        path=reverse("complaints:home"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _reporter_access(request, complaint):
    if request.user.is_authenticated and complaint.reporter_id == request.user.pk:
        return True
    held = _held(request).get(complaint.tracking_id)
    return isinstance(held, str) and secrets.compare_digest(held, complaint.access_token_hash)


def _reporter_actor(request, complaint):
    """Who the services see acting for the reporter. A signed-in person who is
    not the complaint's account (e.g. an anonymous report filed while signed
    in) acts as an anonymous visitor, so no audit entry names them."""
    if request.user.is_authenticated and complaint.reporter_id == request.user.pk:
        return request.user
    return AnonymousUser()


def _is_complaint_staff(user):
    return can(user, "complaint.staff_pages")


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("halaman"))


def _querystring(request):
    """The current filters without the page number, for pagination links."""
    params = request.GET.copy()
    params.pop("halaman", None)
    return params.urlencode()


def _throttle_key(request):
    return f"complaints:form:{client_ip(request) or 'unknown'}"


def _throttled(request):
    return (cache.get(_throttle_key(request)) or 0) >= settings.COMPLAINT_RATE_PER_HOUR


def _count_submission(request):
    key = _throttle_key(request)
    # add() starts the hour-long window; incr() keeps its expiry.
    if not cache.add(key, 1, 3600):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, 3600)


# ---------------------------------------------------------------------------
# Public pages
# ---------------------------------------------------------------------------
def home(request):
    mine = []
    if request.user.is_authenticated and request.user.is_citizen:
        mine = list(
            Complaint.objects.filter(reporter=request.user)
            .select_related("hall")
            .order_by("-submitted_at")[:20]
        )
        selectors.annotate_remaining(mine)
    return render(
        request,
        "complaints/home.html",
        {"mine": mine, "kinds": [(k, k.label, cforms.KIND_HELP[k]) for k in Complaint.Kind]},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def new(request):
    if request.method == "POST":
        # Every filing's access log line goes without an address: an
        # anonymous one must, and a line that had one only when named would
        # single out the anonymous ones.
        hide_client_address(request)
    return _complaint_form(request, counter=False)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_counter(request):
    user = request.user
    if not can(user, "complaint.file_at_counter"):
        raise PermissionDenied
    return _complaint_form(request, counter=True)


def _complaint_form(request, *, counter):
    user = request.user
    if counter and user.hall_id:
        halls = [Hall.objects.get(pk=user.hall_id)]
    else:
        halls = _active_halls()
    if not halls:
        raise Http404
    kwargs = {"halls": halls, "user": user, "counter": counter}
    status = 200
    throttled = spam = False
    if request.method == "POST":
        form = cforms.ComplaintForm(request.POST, request.FILES, **kwargs)
        if not counter and _throttled(request):
            throttled, status = True, 429
        elif form.is_spam():
            # Bots get the same vague answer whatever they send.
            _count_submission(request)
            spam, status = True, 400
        elif form.is_valid():
            data = form.cleaned_data
            try:
                complaint, token = services.complaint_file(
                    hall=data["hall"],
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    channel=Complaint.Channel.COUNTER if counter else Complaint.Channel.WEB,
                    category=data["category"],
                    reported_agency=data["reported_agency"],
                    service=data["service"],
                    location=data["location"],
                    event_date=data["event_date"],
                    reporter=None if counter else user,
                    reporter_name=data["reporter_name"],
                    reporter_email=data["reporter_email"],
                    reporter_phone=data["reporter_phone"],
                    is_anonymous=data["is_anonymous"],
                    is_confidential=data["is_confidential"],
                    attachments=data["attachments"],
                    filed_by=user if counter else None,
                    request=request,
                )
            except ValidationError as exc:
                form.apply_service_error(exc)
            else:
                contact = ""
                if not complaint.is_anonymous:
                    if complaint.reporter_email:
                        contact = mask_email(complaint.reporter_email)
                    elif complaint.reporter_phone:
                        contact = mask_phone(complaint.reporter_phone)
                # The confirmation travels in a short-lived cookie sent to
                # the confirmation page only, never in the session (_grant).
                filed_data = {
                    "tracking_id": complaint.tracking_id,
                    "link": services.tracking_url(complaint, token),
                    "contact": contact,
                    "anonymous": complaint.is_anonymous,
                    "counter": counter,
                }
                response = redirect("complaints:filed")
                response.set_cookie(
                    FILED_COOKIE,
                    signing.dumps(filed_data, salt=FILED_SALT),
                    max_age=FILED_MAX_AGE,
                    path=reverse("complaints:filed"),
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
                if not counter:
                    _count_submission(request)
                    _grant(request, response, complaint)
                return response
        if form.errors and status == 200:
            status = 400
    else:
        form = cforms.ComplaintForm(**kwargs)
    kinds = [(value, label, cforms.KIND_HELP[value]) for value, label in Complaint.Kind.choices]
    return render(
        request,
        "complaints/form.html",
        {
            "form": form,
            "counter": counter,
            "kinds": kinds,
            "throttled": throttled,
            "spam": spam,
            "rate": settings.COMPLAINT_RATE_PER_HOUR,
        },
        status=status,
    )


@never_cache
def filed(request):
    """The confirmation, shown once: the secret link is not kept anywhere."""
    # Right after the filing: its address would date the report.
    hide_client_address(request)
    try:
        data = signing.loads(
            request.COOKIES.get(FILED_COOKIE, ""), salt=FILED_SALT, max_age=FILED_MAX_AGE
        )
    except signing.BadSignature:
        data = None
    if isinstance(data, dict):
        response = render(request, "complaints/filed.html", {"filed": data})
    else:
        response = redirect("complaints:home")
    response.delete_cookie(FILED_COOKIE, path=reverse("complaints:filed"), samesite="Lax")
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def track_lookup(request):
    form = cforms.TrackLookupForm(
        request.POST or None, initial={"tracking_id": request.GET.get("nomor", "")}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            complaint = Complaint.objects.filter(
                tracking_id=form.cleaned_data["tracking_id"]
            ).first()
            if complaint is not None and complaint.check_access_token(form.cleaned_data["token"]):
                return _grant(
                    request, redirect("complaints:track", complaint.tracking_id), complaint
                )
            # One message whether the number exists or not.
            form.add_error(None, _("Nomor pelacakan atau kode rahasia tidak cocok."))
        status = 400
    return render(request, "complaints/track_lookup.html", {"form": form}, status=status)


REPORTER_FORMS = {
    "info": cforms.ProvideInfoForm,
    "reply": cforms.ReplyForm,
    "accept": cforms.RateForm,
    "rate": cforms.RateForm,
    "reopen": cforms.ReopenForm,
}


def _reporter_actions(complaint, now):
    """Which forms the reporter sees for the complaint's status."""
    actions = set()
    if complaint.status == S.INFO_REQUESTED:
        actions.add("info")
    elif complaint.status == S.RESPONDED:
        actions |= {"reply", "accept"}
    elif complaint.status == S.CLOSED:
        if complaint.rating is None:
            actions.add("rate")
        if not complaint.reopened and complaint.responded_at:
            window_end = deadline(
                complaint.responded_at,
                ComplaintPolicy.for_hall(complaint.hall).autoclose_days,
                complaint.hall,
            )
            if now <= window_end:
                actions.add("reopen")
    return actions


def _run_reporter_action(request, complaint, action, form):
    data = form.cleaned_data
    by = _reporter_actor(request, complaint)
    if action == "info":
        services.complaint_provide_info(
            complaint=complaint,
            by=by,
            text=data["text"],
            attachments=data["attachments"],
            request=request,
        )
        return _("Terima kasih, informasi tambahan sudah dikirim.")
    if action == "reply":
        services.complaint_reply(
            complaint=complaint,
            by=by,
            body=data["body"],
            attachments=data["attachments"],
            request=request,
        )
        return _("Balasan Anda sudah diteruskan ke instansi.")
    if action == "accept":
        services.complaint_accept(
            complaint=complaint,
            by=by,
            rating=data["rating"],
            comment=data["comment"],
            request=request,
        )
        return _("Terima kasih. Laporan ditutup dan penilaian Anda tersimpan.")
    if action == "rate":
        services.complaint_rate(
            complaint=complaint, rating=data["rating"], comment=data["comment"], request=request
        )
        return _("Terima kasih atas penilaian Anda.")
    services.complaint_reopen(complaint=complaint, by=by, body=data["body"], request=request)
    return _("Laporan dibuka kembali dan diteruskan ke instansi.")


@never_cache
@require_http_methods(["GET", "POST"])
def track(request, tracking_id):
    complaint = (
        Complaint.objects.select_related("hall", "assigned_agency", "category")
        .filter(tracking_id=tracking_id)
        .first()
    )
    token = request.GET.get("token")
    if token is not None:
        if complaint is None or not complaint.check_access_token(token):
            raise Http404
        # Drop the secret from the address bar, history and later referrers;
        # the access log masks it in this one request line
        # (mpp_portal.accesslog).
        return _grant(request, redirect("complaints:track", complaint.tracking_id), complaint)
    if complaint is None or not _reporter_access(request, complaint):
        # A link without its secret (opened later, or on another phone): ask
        # for the number and the secret code instead of a bare 404. The same
        # answer for a number that does not exist.
        query = urlencode({"nomor": tracking_id})
        return redirect(f"{reverse('complaints:track_lookup')}?{query}")

    now = timezone.now()
    allowed = _reporter_actions(complaint, now)
    bound = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in allowed:
            messages.error(request, _("Tindakan ini tidak tersedia untuk status laporan saat ini."))
            return redirect("complaints:track", complaint.tracking_id)
        form = REPORTER_FORMS[action](request.POST, request.FILES, prefix=action)
        if form.is_valid():
            try:
                message = _run_reporter_action(request, complaint, action, form)
            except ValidationError as exc:
                _apply_errors(form, exc)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("complaints:track", complaint.tracking_id)
            else:
                messages.success(request, message)
                return redirect("complaints:track", complaint.tracking_id)
        bound[action] = form
        status = 400
    action_forms = {
        name: bound.get(name) or REPORTER_FORMS[name](prefix=name) for name in sorted(allowed)
    }
    selectors.annotate_remaining([complaint], now)
    updates = list(selectors.reporter_updates(complaint))
    attachments = [a for a in complaint.attachments.all() if a.is_public]
    # The answer the reporter is asked to accept or reply to is shown above
    # those forms, not only at the foot of the timeline.
    response = None
    if complaint.status == S.RESPONDED:
        response = next(
            (u for u in reversed(updates) if u.kind == ComplaintUpdate.Kind.RESPONSE), None
        )
    return render(
        request,
        "complaints/track.html",
        {
            "complaint": complaint,
            "updates": updates,
            "response": response,
            "attachments": attachments,
            "action_forms": action_forms,
        },
        status=status,
    )


def _apply_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error("attachments" if "attachments" in form.fields else None, exc)


@never_cache
def attachment(request, pk):
    """Serve an attachment only to whom may read it; never a raw media URL."""
    item = get_object_or_404(Attachment.objects.select_related("complaint"), pk=pk)
    complaint = item.complaint
    user = request.user
    allowed = False
    if _is_complaint_staff(user):
        allowed = Complaint.objects.visible_to(user).filter(pk=complaint.pk).exists()
    if not allowed and item.is_public and _reporter_access(request, complaint):
        allowed = True
    if (
        not allowed
        and item.is_public
        and not item.uploaded_by_reporter
        and Complaint.objects.public().filter(pk=complaint.pk).exists()
    ):
        allowed = True
    if not allowed:
        raise Http404
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=item.kind != Attachment.Kind.IMAGE,
        filename=f"lampiran-{item.pk}.{item.extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def public_list(request):
    halls = _active_halls()
    agencies = Agency.objects.active().filter(hall__in=halls).order_by("name")
    form = cforms.PublicFilterForm(request.GET or None, agencies=agencies)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.public_list(
        agency=filters.get("agency"),
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
        q=filters.get("q", "").strip(),
    )
    page = _page(request, qs)
    selectors.annotate_remaining(page.object_list)
    return render(
        request,
        "complaints/public_list.html",
        {"form": form, "page": page, "querystring": _querystring(request)},
    )


def public_detail(request, tracking_id):
    complaint = get_object_or_404(
        Complaint.objects.public().select_related("hall", "assigned_agency", "category"),
        tracking_id=tracking_id,
    )
    selectors.annotate_remaining([complaint])
    updates = list(selectors.public_updates(complaint))
    return render(
        request, "complaints/public_detail.html", {"complaint": complaint, "updates": updates}
    )


def stats(request):
    halls = _active_halls()
    hall = _chosen_hall(request, halls)
    if hall is None:
        raise Http404
    return render(
        request,
        "complaints/stats.html",
        {"hall": hall, "halls": halls, "stats": selectors.statistics(hall)},
    )


# ---------------------------------------------------------------------------
# Staff pages
# ---------------------------------------------------------------------------
def _require_hall_admin(user):
    if not can(user, "complaint.verify"):
        raise PermissionDenied


def _inbox_queryset(request):
    """The hall admin's filtered inbox, shared by the page and its CSV."""
    user = request.user
    _require_hall_admin(user)
    agencies = Agency.objects.all().order_by("name")
    if not user.is_superuser:
        agencies = agencies.filter(hall_id=user.hall_id)
    form = cforms.InboxFilterForm(request.GET or None, agencies=agencies)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.staff_inbox(
        user,
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
        agency=filters.get("agency"),
        channel=filters.get("channel", ""),
        overdue=filters.get("overdue", False),
        q=filters.get("q", "").strip(),
    )
    return form, qs


@login_required
def inbox(request):
    user = request.user
    if can(user, "complaint.staff_pages") and not can(user, "complaint.verify"):
        return redirect("complaints:agency_list")
    form, qs = _inbox_queryset(request)
    page = _page(request, qs)
    selectors.annotate_remaining(page.object_list)
    for complaint in page.object_list:
        complaint.masked_phone = mask_phone(complaint.reporter_phone)
        complaint.masked_email = mask_email(complaint.reporter_email)
    return render(
        request,
        "complaints/inbox.html",
        {"form": form, "page": page, "querystring": _querystring(request)},
    )


@login_required
def inbox_csv(request):
    """The filtered inbox as CSV for the hall's reports.

    An anonymous report has no identity to export; a named one is exported
    with its contact masked, like every list.
    """
    _form, qs = _inbox_queryset(request)
    complaints = list(qs[:5000])
    selectors.annotate_remaining(complaints)
    writer = CsvExport(request, "pengaduan.csv")
    writer.writerow(
        [
            _("Nomor"),
            _("Jenis"),
            _("Judul"),
            _("Kategori"),
            _("Kanal"),
            _("Status"),
            _("Instansi"),
            _("Masuk"),
            _("Batas waktu"),
            _("Sisa waktu"),
            _("Pelapor"),
            _("Kontak"),
            _("Rahasia"),
            _("Penilaian"),
        ]
    )
    for c in complaints:
        contact = (
            "" if c.is_anonymous else mask_email(c.reporter_email) or mask_phone(c.reporter_phone)
        )
        row = [
            c.tracking_id,
            c.get_kind_display(),
            c.title,
            c.category or "",
            c.get_channel_display(),
            c.get_status_display(),
            c.assigned_agency or "",
            timezone.localtime(c.submitted_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M") if c.due_at else "",
            getattr(c, "remaining", "") or "",
            c.public_reporter_name if c.is_anonymous else (c.reporter_name or ""),
            contact,
            _("ya") if c.is_confidential else _("tidak"),
            c.rating or "",
        ]
        writer.writerow(row)
    return writer.response


@login_required
def overdue(request):
    _require_hall_admin(request.user)
    board = selectors.overdue_board(request.user)
    return render(request, "complaints/overdue.html", {"board": board})


@login_required
def agency_list(request):
    user = request.user
    if can(user, "complaint.verify"):
        return redirect("complaints:inbox")
    if not can(user, "complaint.staff_pages"):
        raise PermissionDenied
    show_all = request.GET.get("semua") == "1"
    page = _page(request, selectors.agency_list(user, show_all=show_all))
    selectors.annotate_remaining(page.object_list)
    return render(
        request,
        "complaints/agency_list.html",
        {"page": page, "show_all": show_all, "querystring": _querystring(request)},
    )


ADMIN_ACTIONS = {
    "dispatch": {S.SUBMITTED},
    "request_info": {S.SUBMITTED},
    "archive": {S.SUBMITTED},
    "archive_unanswered": {S.INFO_REQUESTED},
    # Complaint.extension_refused() narrows it to an information request
    # within its deadline, not yet extended.
    "extend": {S.DISPATCHED},
    "note": {S.SUBMITTED, S.INFO_REQUESTED, S.DISPATCHED, S.RESPONDED},
}
AGENCY_ACTIONS = {
    "respond": {S.DISPATCHED},
    "extend": {S.DISPATCHED},
    "hand_back": {S.DISPATCHED},
    "note": {S.DISPATCHED, S.RESPONDED},
}


def _staff_form(action, complaint, data=None, files=None):
    kwargs = {"prefix": action}
    if action == "dispatch":
        # The agency the citizen named comes first; the admin changes it if wrong.
        initial = {"agency": complaint.reported_agency_id} if complaint.reported_agency_id else {}
        return cforms.DispatchForm(data, hall=complaint.hall, initial=initial, **kwargs)
    if action == "archive":
        return cforms.ArchiveForm(data, complaint=complaint, **kwargs)
    form_class = {
        "request_info": cforms.RequestInfoForm,
        "archive_unanswered": cforms.ArchiveUnansweredForm,
        "note": cforms.NoteForm,
        "respond": cforms.RespondForm,
        "hand_back": cforms.HandBackForm,
        "extend": cforms.ExtendForm,
    }[action]
    return form_class(data, files, **kwargs)


def _run_staff_action(request, complaint, action, data):
    user = request.user
    if action == "dispatch":
        services.complaint_dispatch(
            complaint=complaint,
            agency=data["agency"],
            by=user,
            instruction=data["instruction"],
            request=request,
        )
        return _("Laporan diteruskan ke %(agency)s.") % {"agency": data["agency"]}
    if action == "request_info":
        services.complaint_request_info(
            complaint=complaint, by=user, question=data["question"], request=request
        )
        return _("Permintaan informasi dikirim ke pelapor; batas waktu berhenti sementara.")
    if action == "archive":
        services.complaint_archive(
            complaint=complaint,
            by=user,
            reason=data["reason"],
            note=data["note"],
            duplicate_of=data["duplicate_of"],
            request=request,
        )
        return _("Laporan diarsipkan.")
    if action == "archive_unanswered":
        services.complaint_archive_unanswered(
            complaint=complaint, by=user, note=data["note"], request=request
        )
        return _("Laporan diarsipkan: pelapor tidak melengkapi informasi.")
    if action == "note":
        services.complaint_add_note(
            complaint=complaint, by=user, body=data["body"], request=request
        )
        return _("Catatan internal disimpan.")
    if action == "respond":
        services.complaint_respond(
            complaint=complaint,
            by=user,
            body=data["body"],
            planned_completion=data["planned_completion"],
            attachments=data["attachments"],
            request=request,
        )
        return _("Tanggapan terkirim ke pelapor.")
    if action == "extend":
        services.complaint_extend(
            complaint=complaint, by=user, reason=data["reason"], request=request
        )
        return _("Batas waktu diperpanjang; pelapor diberi tahu alasannya.")
    services.complaint_hand_back(
        complaint=complaint, by=user, reason=data["reason"], request=request
    )
    return _("Laporan dikembalikan ke admin MPP.")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def detail(request, tracking_id):
    user = request.user
    if not _is_complaint_staff(user):
        raise Http404
    complaint = get_object_or_404(
        Complaint.objects.visible_to(user).select_related(
            "hall", "assigned_agency", "reported_agency", "service", "category", "duplicate_of"
        ),
        tracking_id=tracking_id,
    )
    is_admin = can(user, "complaint.verify")
    if is_admin:
        table = ADMIN_ACTIONS
    elif can(user, "complaint.follow_up", agency=complaint.assigned_agency):
        table = AGENCY_ACTIONS
    else:
        # Counter staff read their agency's complaints; the agency admin acts.
        table = {}
    allowed = [
        name
        for name, states in table.items()
        if complaint.status in states and (name != "extend" or complaint.can_extend)
    ]
    bound = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in allowed:
            messages.error(request, _("Tindakan ini tidak tersedia untuk status laporan saat ini."))
            return redirect("complaints:detail", complaint.tracking_id)
        form = _staff_form(action, complaint, request.POST, request.FILES)
        if form.is_valid():
            try:
                message = _run_staff_action(request, complaint, action, form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("complaints:detail", complaint.tracking_id)
            else:
                messages.success(request, message)
                if action == "hand_back":
                    return redirect("complaints:agency_list")
                return redirect("complaints:detail", complaint.tracking_id)
        bound[action] = form
        status = 400
    action_forms = {name: bound.get(name) or _staff_form(name, complaint) for name in allowed}
    selectors.annotate_remaining([complaint])
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "is_admin": is_admin,
            "show_contact": complaint.reporter_visible_to(user),
            "updates": list(selectors.staff_updates(complaint)),
            "attachments": list(complaint.attachments.all()),
            "action_forms": action_forms,
            "info_wait_ends": complaint.info_wait_ends() if is_admin else None,
        },
        status=status,
    )


@login_required
@require_POST
def from_survey(request, pk):
    """Turn a suggestion from the satisfaction survey into an aspirasi.

    It lives in complaints because dependencies point complaints ->
    services (DESIGN.md): services never imports complaints.
    """
    user = request.user
    if not can(user, "complaint.verify") or not user.hall_id:
        raise PermissionDenied
    response = get_object_or_404(
        SurveyResponse.objects.visible_to(user).select_related("service", "hall"),
        pk=pk,
        hall_id=user.hall_id,
    )
    if not response.suggestion:
        raise PermissionDenied
    try:
        complaint, created = services.complaint_file_from_survey(
            response=response, by=user, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("services:ikm")
    if created:
        messages.success(
            request, _("Saran dijadikan aspirasi %(id)s.") % {"id": complaint.tracking_id}
        )
    else:
        messages.info(
            request, _("Saran ini sudah menjadi aspirasi %(id)s.") % {"id": complaint.tracking_id}
        )
    return redirect("complaints:detail", tracking_id=complaint.tracking_id)
