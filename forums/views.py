"""HTML pages of forums: the public pages, the hall admin's, the signatory's, the agency's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from forums import report_views, reports, services
from forums.forms import (
    AddendumForm,
    ApproveForm,
    AttendanceCsvForm,
    AttendanceForm,
    ForumAgencyForm,
    ForumPlanForm,
    HoldForm,
    InputForm,
    ItemForm,
    LinkComplaintForm,
    LinkSurveyForm,
    ProgressForm,
    ReturnForm,
    SignatoryForm,
    TopicForm,
    TopicNoteForm,
)
from forums.models import AgreementItem, Forum, Signatory
from mpp_portal.accounts.permissions import can
from mpp_portal.audit.services import client_ip
from mpp_portal.exceptions import DomainError
from mpp_portal.jobs.models import Job

S = Forum.Status


def _apply_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# ---------------------------------------------------------------------------
# Public
# ---------------------------------------------------------------------------
def public_list(request):
    forums = (
        Forum.objects.published()
        .select_related("hall")
        .annotate(
            item_count=Count("items", distinct=True),
            done_count=Count("items", filter=Q(items__status="done"), distinct=True),
        )
        .order_by("-starts_at")
    )
    page = Paginator(forums, 20).get_page(request.GET.get("halaman"))
    return render(request, "forums/public_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def public_detail(request, pk, slug):
    forum = get_object_or_404(Forum.objects.published().select_related("hall"), pk=pk)
    if slug != forum.slug:
        return redirect(forum)
    form = InputForm(forum=forum)
    status = 200
    throttled = False
    accepting = forum.inputs_open and forum.status in (S.PLANNED, S.HELD)
    if request.method == "POST":
        form = InputForm(request.POST, forum=forum)
        if not accepting:
            messages.error(request, _("Masukan untuk forum ini sudah ditutup."))
            return redirect(forum)
        if form.is_valid():
            if not services.input_rate_allowed(client_ip(request)):
                throttled, status = True, 429
                form.add_error(None, _("Terlalu banyak masukan dari alamat ini. Coba lagi nanti."))
            else:
                data = form.cleaned_data
                try:
                    services.input_submit(
                        forum=forum,
                        text=data["text"],
                        service=data["service"],
                        agency=data["agency"],
                        name=data["name"],
                        contact=data["contact"],
                        is_anonymous=data["is_anonymous"],
                    )
                except ValidationError as exc:
                    _apply_errors(form, exc)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request, _("Terima kasih, masukan Anda sudah kami terima untuk forum ini.")
                    )
                    return redirect(forum.get_absolute_url() + "#masukan")
        if status == 200:
            status = 400
    items = list(forum.items.select_related("agency").order_by("number"))
    # Each agreement with its follow-up standing in working days (the hall's
    # calendar read once, whatever the number of items).
    rows = reports.follow_up_summary(forum, items=items) if items else []
    final = forum.versions.filter(is_final=True).select_related("document").first()
    return render(
        request,
        "forums/public_detail.html",
        {
            "forum": forum,
            "form": form,
            "accepting": accepting,
            "throttled": throttled,
            "rows": rows,
            "follow_up": forum.status == S.SIGNED,
            "today": reports.jakarta_today(),
            "final": final,
            "agencies": forum.agencies.select_related("agency"),
            "input_count": forum.inputs.count(),
            "services_discussed": forum.services.select_related("agency"),
            "addenda": forum.addenda.published(),
        },
        status=status,
    )


# ---------------------------------------------------------------------------
# Hall admin
# ---------------------------------------------------------------------------
def _manager(request):
    user = request.user
    if not can(user, "forum.manage", hall=user.hall_id):
        raise PermissionDenied
    return user


def _posted_row(request, rows, field):
    """The row of ``rows`` whose id the form posted in ``field`` (404 for anything else)."""
    value = request.POST.get(field, "")
    if not value.isdigit():
        raise Http404
    return get_object_or_404(rows, pk=int(value))


def _forum_for(request, pk):
    _manager(request)
    return get_object_or_404(Forum.objects.visible_to(request.user).select_related("hall"), pk=pk)


@login_required
def manage_list(request):
    user = _manager(request)
    forums = (
        Forum.objects.visible_to(user)
        .annotate(
            input_count=Count("inputs", distinct=True), item_count=Count("items", distinct=True)
        )
        .order_by("-starts_at")
    )
    return render(request, "forums/manage_list.html", {"forums": forums})


@login_required
@require_http_methods(["GET", "POST"])
def manage_new(request):
    user = _manager(request)
    form = ForumPlanForm(request.POST or None, hall=user.hall)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("services")
        try:
            forum = services.forum_plan(
                hall=user.hall, by=user, services=chosen, request=request, **data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Forum direncanakan."))
            return redirect("forums:manage_detail", forum.pk)
    return render(
        request, "forums/manage_form.html", {"form": form}, status=400 if form.is_bound else 200
    )


def _tabs(forum, active):
    return {"forum": forum, "tab": active}


@login_required
@require_http_methods(["GET", "POST"])
def manage_detail(request, pk):
    """The plan, participating agencies, signatories, status and the berita acara."""
    forum = _forum_for(request, pk)
    user = request.user
    plan = ForumPlanForm(instance=forum, hall=forum.hall)
    agency_form = ForumAgencyForm(hall=forum.hall)
    signatory_form = SignatoryForm(hall=forum.hall)
    hold_form = HoldForm(initial={"chaired_by": forum.chaired_by})
    addendum_form = AddendumForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            edits = ("plan", "agency", "remove_agency", "signatory", "remove_signatory")
            if action in edits and forum.status not in services.EDITABLE:
                raise services.ForumReadOnly()
            if action == "plan":
                plan = ForumPlanForm(
                    request.POST, instance=Forum.objects.get(pk=forum.pk), hall=forum.hall
                )
                if plan.is_valid():
                    data = dict(plan.cleaned_data)
                    chosen = data.pop("services")
                    services.forum_update(forum, by=user, services=chosen, request=request, **data)
                    messages.success(request, _("Rencana forum disimpan."))
                    return redirect("forums:manage_detail", forum.pk)
            elif action == "agency":
                agency_form = ForumAgencyForm(request.POST, hall=forum.hall)
                if agency_form.is_valid():
                    services.forum_set_agency(forum, by=user, **agency_form.cleaned_data)
                    messages.success(request, _("Instansi peserta disimpan."))
                    return redirect("forums:manage_detail", forum.pk)
            elif action == "remove_agency":
                row = _posted_row(request, forum.agencies, "row")
                services.forum_remove_agency(forum, agency=row.agency, by=user)
                messages.success(request, _("Instansi peserta dihapus dari forum."))
                return redirect("forums:manage_detail", forum.pk)
            elif action == "signatory":
                signatory_form = SignatoryForm(request.POST, hall=forum.hall)
                if signatory_form.is_valid():
                    services.signatory_add(forum, by=user, **signatory_form.cleaned_data)
                    messages.success(request, _("Penanda tangan disimpan."))
                    return redirect("forums:manage_detail", forum.pk)
            elif action == "remove_signatory":
                row = _posted_row(request, forum.signatories, "row")
                services.signatory_remove(forum, signatory=row, by=user)
                messages.success(request, _("Penanda tangan dihapus dari daftar."))
                return redirect("forums:manage_detail", forum.pk)
            elif action == "hold":
                hold_form = HoldForm(request.POST)
                if hold_form.is_valid():
                    services.forum_hold(
                        forum,
                        by=user,
                        request=request,
                        chaired_by=hold_form.cleaned_data["chaired_by"],
                    )
                    messages.success(request, _("Forum dicatat telah dilaksanakan."))
                    return redirect("forums:manage_detail", forum.pk)
            elif action == "generate":
                job = services.berita_acara_request(forum, by=user)
                return redirect(
                    reverse("forums:manage_detail", args=[forum.pk]) + f"?job={job.pk}#berita-acara"
                )
            elif action == "addendum":
                addendum_form = AddendumForm(request.POST)
                if addendum_form.is_valid():
                    addendum = services.forum_addendum(
                        forum,
                        by=user,
                        request=request,
                        correction=addendum_form.cleaned_data["correction"],
                    )
                    messages.success(
                        request, _("Adendum dibuat. Lengkapi lalu buat berita acaranya.")
                    )
                    return redirect("forums:manage_detail", addendum.pk)
            elif action == "send":
                services.signoff_send(forum, by=user, request=request)
                messages.success(request, _("Berita acara dikirim untuk persetujuan."))
                return redirect("forums:manage_detail", forum.pk)
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("forums:manage_detail", forum.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("forums:manage_detail", forum.pk)
        status = 400
    job = _job(forum, request.GET.get("job"))
    return render(
        request,
        "forums/manage_detail.html",
        {
            **_tabs(forum, "plan"),
            "plan": plan,
            "agency_form": agency_form,
            "signatory_form": signatory_form,
            "hold_form": hold_form,
            "addendum_form": addendum_form,
            "addenda": forum.addenda.all(),
            "agencies": forum.agencies.select_related("agency", "user"),
            "signatories": forum.signatories.select_related("user"),
            "versions": forum.versions.select_related("document").order_by("-version"),
            "job": job,
            "editable": forum.status in services.EDITABLE,
        },
        status=status,
    )


def _job(forum, job_id):
    if not job_id or not str(job_id).isdigit():
        return None
    job = Job.objects.filter(
        pk=job_id, task=services.RENDER_TASK, kwargs__forum_id=forum.pk
    ).first()
    return job


@login_required
def manage_job(request, pk):
    """The htmx poll of a queued berita acara: progress until the version is there."""
    forum = _forum_for(request, pk)
    job = _job(forum, request.GET.get("job"))
    if job is None:
        raise Http404
    latest = forum.versions.select_related("document").order_by("-version").first()
    return render(request, "forums/_job.html", {"forum": forum, "job": job, "latest": latest})


@login_required
@require_http_methods(["GET", "POST"])
def manage_inputs(request, pk):
    forum = _forum_for(request, pk)
    user = request.user
    topic_form = TopicForm(forum=forum, prefix="group")
    # Inputs linked from a complaint or a survey suggestion: one form each.
    link_classes = {"complaint": LinkComplaintForm, "survey": LinkSurveyForm}
    links = {
        action: form_class(prefix=action, forum=forum, user=user)
        for action, form_class in link_classes.items()
    }
    note_form = TopicNoteForm(prefix="note")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "topic":
                topic_form = TopicForm(request.POST, forum=forum, prefix="group")
                if topic_form.is_valid():
                    n = services.inputs_set_topic(
                        forum,
                        inputs=topic_form.cleaned_data["inputs"],
                        topic=topic_form.cleaned_data["topic"],
                        by=user,
                    )
                    messages.success(request, _("%(n)s masukan dikelompokkan.") % {"n": n})
                    return redirect("forums:manage_inputs", forum.pk)
            elif action in links:
                form = link_classes[action](request.POST, prefix=action, forum=forum, user=user)
                links[action] = form
                if form.is_valid():
                    form.link()
                    messages.success(request, form.success_message)
                    return redirect("forums:manage_inputs", forum.pk)
            elif action == "note":
                note_form = TopicNoteForm(request.POST, prefix="note")
                if note_form.is_valid():
                    services.topic_note_save(forum, by=user, **note_form.cleaned_data)
                    messages.success(request, _("Catatan topik disimpan."))
                    return redirect("forums:manage_inputs", forum.pk)
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("forums:manage_inputs", forum.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("forums:manage_inputs", forum.pk)
    return render(
        request,
        "forums/manage_inputs.html",
        {
            **_tabs(forum, "inputs"),
            "groups": services.inputs_by_topic(forum),
            "topic_form": topic_form,
            "complaint_form": links["complaint"],
            "survey_form": links["survey"],
            "note_form": note_form,
            "notes": forum.topic_notes.all(),
            "editable": forum.status in services.EDITABLE,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_attendance(request, pk):
    forum = _forum_for(request, pk)
    form = AttendanceForm()
    csv_form = AttendanceCsvForm()
    csv_errors = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                form = AttendanceForm(request.POST)
                if form.is_valid():
                    person = services.attendance_add(forum, by=request.user, **form.cleaned_data)
                    messages.success(request, _("%(name)s tercatat hadir.") % {"name": person.name})
                    return redirect("forums:manage_attendance", forum.pk)
            elif action == "csv":
                csv_form = AttendanceCsvForm(request.POST, request.FILES)
                if csv_form.is_valid():
                    count, csv_errors = services.attendance_import_csv(
                        forum, upload=csv_form.cleaned_data["file"], by=request.user
                    )
                    if not csv_errors:
                        messages.success(request, _("%(n)s peserta diimpor.") % {"n": count})
                        return redirect("forums:manage_attendance", forum.pk)
            else:
                raise Http404
        except ValidationError as exc:
            _apply_errors(form, exc)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("forums:manage_attendance", forum.pk)
        status = 400
    return render(
        request,
        "forums/manage_attendance.html",
        {
            **_tabs(forum, "attendance"),
            "form": form,
            "csv_form": csv_form,
            "csv_errors": csv_errors,
            "people": forum.attendance.all(),
            "by_group": services.attendance_by_group(forum),
            "editable": forum.status in services.EDITABLE,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_items(request, pk):
    forum = _forum_for(request, pk)
    form = ItemForm(forum=forum)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                form = ItemForm(request.POST, forum=forum)
                if form.is_valid():
                    services.item_add(forum, by=request.user, **form.cleaned_data)
                    messages.success(request, _("Kesepakatan dicatat."))
                    return redirect("forums:manage_items", forum.pk)
            elif action == "delete":
                item = _posted_row(request, forum.items, "item")
                services.item_delete(item, by=request.user)
                messages.success(request, _("Kesepakatan dihapus."))
                return redirect("forums:manage_items", forum.pk)
            else:
                raise Http404
        except ValidationError as exc:
            _apply_errors(form, exc)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("forums:manage_items", forum.pk)
        status = 400
    items = forum.items.select_related("agency").prefetch_related("inputs").order_by("number")
    return render(
        request,
        "forums/manage_items.html",
        {
            **_tabs(forum, "items"),
            "form": form,
            "items": items,
            "editable": forum.status in services.EDITABLE and forum.status != S.PLANNED,
        },
        status=status,
    )


# ---------------------------------------------------------------------------
# Signatory
# ---------------------------------------------------------------------------
@login_required
def signoff_list(request):
    pending = services.pending_signoffs(request.user)
    done = (
        Signatory.objects.filter(user=request.user)
        .exclude(pk__in=pending.values("pk"))
        .select_related("forum")
        .order_by("-forum__starts_at")[:20]
    )
    return render(request, "forums/signoff_list.html", {"pending": pending, "done": done})


@login_required
@require_http_methods(["GET", "POST"])
def signoff_detail(request, pk):
    signatory = get_object_or_404(
        Signatory.objects.select_related("forum", "forum__hall"), forum_id=pk, user=request.user
    )
    forum = signatory.forum
    frozen = (
        forum.versions.filter(sha256=forum.frozen_sha256, is_final=False)
        .select_related("document")
        .first()
        if forum.frozen_sha256
        else None
    )
    approve_form = ApproveForm(initial={"sha256": forum.frozen_sha256})
    return_form = ReturnForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                approve_form = ApproveForm(request.POST)
                if approve_form.is_valid():
                    services.signoff_approve(
                        forum,
                        user=request.user,
                        request=request,
                        sha256=approve_form.cleaned_data["sha256"],
                        ip=client_ip(request),
                    )
                    messages.success(request, _("Persetujuan Anda tercatat."))
                    return redirect("forums:signoff_detail", forum.pk)
            elif action == "return":
                return_form = ReturnForm(request.POST)
                if return_form.is_valid():
                    services.signoff_return(
                        forum,
                        user=request.user,
                        request=request,
                        comment=return_form.cleaned_data["comment"],
                    )
                    messages.success(request, _("Berita acara dikembalikan untuk diperbaiki."))
                    return redirect("forums:signoff_list")
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("forums:signoff_detail", forum.pk)
        status = 400
    return render(
        request,
        "forums/signoff_detail.html",
        {
            "signatory": signatory,
            "forum": forum,
            "frozen": frozen,
            "approve_form": approve_form,
            "return_form": return_form,
            "others": forum.signatories.exclude(pk=signatory.pk),
            "final": forum.versions.filter(is_final=True).select_related("document").first(),
            "items": forum.items.select_related("agency").order_by("number"),
        },
        status=status,
    )


# ---------------------------------------------------------------------------
# Agency follow-up
# ---------------------------------------------------------------------------
def _follow_up_user(request):
    if not can(request.user, "forum.follow_up"):
        raise PermissionDenied
    return request.user


@login_required
def agency_items(request):
    user = _follow_up_user(request)
    items = (
        AgreementItem.objects.visible_to(user)
        .filter(forum__status=S.SIGNED)
        .select_related("forum", "agency")
        .order_by("status", "target_date", "pk")
    )
    # The follow-up report of each forum the user has items in (newest first).
    forums = {item.forum_id: item.forum for item in items}
    report_forums = sorted(
        (forum for forum in forums.values() if report_views.may_read(user, forum)),
        key=lambda forum: forum.starts_at,
        reverse=True,
    )
    return render(
        request, "forums/agency_items.html", {"items": items, "report_forums": report_forums}
    )


@login_required
@require_http_methods(["GET", "POST"])
def agency_item(request, pk):
    user = _follow_up_user(request)
    item = get_object_or_404(
        AgreementItem.objects.visible_to(user)
        .select_related("forum", "agency")
        .prefetch_related(Prefetch("progress")),
        pk=pk,
    )
    form = ProgressForm()
    status = 200
    if request.method == "POST":
        form = ProgressForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.item_progress(
                    item,
                    by=user,
                    note=data["note"],
                    target=data["target"] or None,
                    reason=data["reason"],
                    attachment=data["attachment"],
                    request=request,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("forums:agency_item", item.pk)
            else:
                messages.success(request, _("Tindak lanjut dicatat."))
                return redirect("forums:agency_item", item.pk)
        status = 400
    return render(
        request,
        "forums/agency_item.html",
        {"item": item, "form": form, "progress": item.progress.select_related("by")},
        status=status,
    )


@login_required
def progress_attachment(request, pk):
    """An evidence file: for whoever may see the item (staff), never public."""
    from django.http import FileResponse

    from forums.models import ItemProgress

    user = request.user
    progress = get_object_or_404(ItemProgress.objects.select_related("item"), pk=pk)
    visible = AgreementItem.objects.visible_to(user).filter(pk=progress.item_id).exists()
    if not visible or not progress.attachment:
        raise Http404
    response = FileResponse(progress.attachment.open("rb"), as_attachment=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response
