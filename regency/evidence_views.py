"""The MCP evidence pack pages: ask for a pack, watch it build, download it.

Hall admins only (capability ``evidence.export``), each for their own hall:
anybody else gets 403, and another hall's pack is a 404 (its existence is
not told). The ZIP is served through ``pack_download`` only, never by a
media URL.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.forms import modelformset_factory
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mpp_portal.accounts.permissions import can
from mpp_portal.workdays import JAKARTA
from regency import evidence
from regency.figures import Context, build_all, figures_by_key
from regency.forms import PeriodForm
from regency.models import EvidencePack, Indicator
from regency.periods import MONTH, Period

LIST_LIMIT = 20


def _require_export(request):
    user = request.user
    if not can(user, "evidence.export") or user.hall_id is None:
        raise PermissionDenied
    return user.hall


def _packs(user):
    return (
        EvidencePack.objects.visible_to(user)
        .select_related("requested_by", "cover")
        .order_by("-requested_at", "-pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def pack_list(request):
    """The period picker, the one button, and the packs made before."""
    hall = _require_export(request)
    if request.method == "POST":
        form = PeriodForm(request.POST)
        if form.is_valid():
            pack = evidence.pack_request(
                hall=hall, period=form.cleaned_data["period"], by=request.user, request=request
            )
            messages.info(
                request,
                _("Paket bukti %(period)s sedang disusun.") % {"period": pack.period_obj.label},
            )
            return redirect(reverse("regency:evidence") + f"#paket-{pack.pk}")
        status = 400
    else:
        # This month's values in the fields; the admin changes what differs.
        form = PeriodForm(initial=PeriodForm().initial_values())
        status = 200
    evidence.indicators_seed(hall)
    indicators = Indicator.objects.for_hall(hall).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(is_active=True))
    )
    return render(
        request,
        "regency/evidence.html",
        {
            "form": form,
            "packs": list(_packs(request.user)[:LIST_LIMIT]),
            "indicators": indicators,
            "hall": hall,
        },
        status=status,
    )


@login_required
def pack_status(request, pk):
    """One pack's row, polled by htmx every 2 s while it builds."""
    _require_export(request)
    pack = _packs(request.user).filter(pk=pk).first()
    if pack is None:
        raise Http404
    return render(request, "regency/evidence_row.html", {"pack": pack})


@login_required
def pack_download(request, pk):
    """The ZIP, to the admins of its hall; private, never cached."""
    _require_export(request)
    pack = _packs(request.user).filter(pk=pk, status=EvidencePack.Status.READY).first()
    if pack is None or not pack.file:
        raise Http404
    response = FileResponse(
        pack.file.open("rb"),
        content_type="application/zip",
        as_attachment=True,
        filename=pack.download_filename,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class BaseIndicatorFormSet(forms.BaseModelFormSet):
    def clean(self):
        """Refuse two rows with one code (the hall is not a form field, so the
        unique constraint is not checked by the forms themselves)."""
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            code = (form.cleaned_data.get("code") or "").strip()
            if code and code in seen:
                form.add_error("code", _("Kode ini sudah dipakai indikator lain."))
            seen.add(code)


def _figure_keys(hall):
    """The keys an indicator may name: every figure of this month's tiles.

    Building the tiles reads the month's rows; the list changes only with
    code, so it is kept ten minutes per hall and language.
    """
    key = f"regency:figure-keys:{hall.pk}:{get_language()}"
    keys = cache.get(key)
    if keys is None:
        today = timezone.localdate(timezone=JAKARTA)
        tiles = build_all(Context(hall=hall, period=Period.containing(MONTH, today), today=today))
        keys = [(name, str(figure.label)) for name, figure in figures_by_key(tiles).items()]
        cache.set(key, keys, 600)
    return keys


IndicatorFormSet = modelformset_factory(
    Indicator,
    formset=BaseIndicatorFormSet,
    fields=["order", "code", "area", "name", "figure_key", "document", "is_active"],
    extra=1,
    can_delete=True,
)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_list(request):
    """The hall's MCP indicator list, edited on one page (one row added at a time)."""
    hall = _require_export(request)
    evidence.indicators_seed(hall)
    queryset = Indicator.objects.for_hall(hall).order_by("order", "code", "pk")
    if request.method == "POST":
        formset = IndicatorFormSet(request.POST, queryset=queryset)
        for form in formset.forms:
            form.instance.hall = hall
        if formset.is_valid():
            formset.save()
            messages.success(request, _("Daftar indikator disimpan."))
            return redirect("regency:evidence_indicators")
        status = 400
    else:
        formset = IndicatorFormSet(queryset=queryset)
        status = 200
    return render(
        request,
        "regency/evidence_indicators.html",
        {"formset": formset, "hall": hall, "figure_keys": _figure_keys(hall)},
        status=status,
    )
