"""Pages of the complaints app (being built: see issue 5)."""

from django.http import Http404


def track(request, tracking_id):
    raise Http404


def detail(request, tracking_id):
    raise Http404
