"""Turn a suggestion from the satisfaction survey into an aspirasi.

This view lives in complaints because dependencies point complaints ->
services (DESIGN.md): services never imports complaints. The aspirasi is
anonymous (a survey keeps no identity) and points back to its answer
through ``Complaint.source_survey``; a suggestion becomes at most one
complaint.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.models import Complaint
from complaints.services import complaint_file
from services.models import SurveyResponse


@login_required
@require_POST
def from_survey(request, pk):
    user = request.user
    if not user.is_hall_admin or not user.hall_id:
        raise PermissionDenied
    response = get_object_or_404(
        SurveyResponse.objects.select_related("service", "hall"), pk=pk, hall_id=user.hall_id
    )
    if not response.suggestion:
        raise PermissionDenied
    with transaction.atomic():
        # Lock the answer: two clicks must not file two aspirasi.
        SurveyResponse.objects.select_for_update().filter(pk=response.pk).first()
        existing = Complaint.objects.filter(source_survey=response).first()
        if existing is not None:
            messages.info(
                request,
                _("Saran ini sudah menjadi aspirasi %(id)s.") % {"id": existing.tracking_id},
            )
            return redirect("complaints:detail", tracking_id=existing.tracking_id)
        try:
            complaint, _token = complaint_file(
                hall=response.hall,
                kind=Complaint.Kind.ASPIRATION,
                channel=Complaint.Channel.WEB,
                title=_("Saran dari survei kepuasan: %(service)s")
                % {"service": Truncator(response.service.name).chars(120)},
                # The lead-in keeps even a one-word suggestion above the minimum length
                # and tells the agency where the text came from.
                description=_("Saran responden survei kepuasan (%(date)s): %(text)s")
                % {"date": response.date.strftime("%d-%m-%Y"), "text": response.suggestion},
                service=response.service,
                is_anonymous=True,
                filed_by=user,
                request=request,
            )
        except ValidationError as exc:
            # E.g. a suggestion longer than a complaint may be.
            messages.error(request, " ".join(exc.messages))
            return redirect("services:ikm")
        complaint.source_survey = response
        complaint.save(update_fields=["source_survey"])
    messages.success(request, _("Saran dijadikan aspirasi %(id)s.") % {"id": complaint.tracking_id})
    return redirect("complaints:detail", tracking_id=complaint.tracking_id)
