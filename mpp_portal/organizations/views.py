from django.shortcuts import get_object_or_404, redirect, render

from mpp_portal.organizations.models import Hall


def home(request):
    """The portal's front page: the hall and the agencies serving there.

    With several halls the visitor picks one; the user's own hall first.
    """
    halls = list(Hall.objects.filter(is_active=True))
    user = request.user
    if user.is_authenticated and user.hall_id:
        return redirect("organizations:hall", slug=user.hall.slug)
    if len(halls) == 1:
        return _render_hall(request, halls[0])
    return render(request, "organizations/hall_list.html", {"halls": halls})


def hall_detail(request, slug):
    hall = get_object_or_404(Hall, slug=slug, is_active=True)
    return _render_hall(request, hall)


def _render_hall(request, hall):
    agencies = hall.agencies.active().order_by("kind", "name")
    context = {
        "hall": hall,
        "agencies": agencies,
        "office_hours": hall.office_hours.all(),
    }
    return render(request, "organizations/hall_detail.html", context)
