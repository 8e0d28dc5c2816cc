"""Booking pages (being built: see issue 4)."""

from django.http import Http404


def booking_manage(request, code):
    raise Http404


def booking_detail(request, code):
    raise Http404
