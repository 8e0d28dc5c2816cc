"""Project middleware."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

# Paths whose clients read JSON, also for errors raised before any view runs.
JSON_PREFIXES = ("/api/", "/open311/")


def wants_json(request):
    """Return True for the API and Open311: their errors are JSON, never a page."""
    return request.path.startswith(JSON_PREFIXES)


class IndonesianFirstMiddleware:
    """Ignore the browser's Accept-Language: Bahasa Indonesia comes first.

    Many Indonesian phones run an English system; visitors still get
    Indonesian until they choose English with the language switch (the
    django_language cookie, which LocaleMiddleware honours after this).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL byte in the path or the query string.

    PostgreSQL cannot store or compare a string with a NUL character, so one
    ``?q=%00`` reaching a filter is a 500 from whatever query it meets.
    Forms and DRF fields already refuse NUL in the body; this closes the
    query string and the path for every view at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            message = _("Permintaan memuat karakter NUL yang tidak diizinkan.")
            if wants_json(request):
                return JsonResponse({"detail": message}, status=400)
            page = loader.get_template("400.html").render({"message": message}, request)
            return HttpResponseBadRequest(page)
        return self.get_response(request)
