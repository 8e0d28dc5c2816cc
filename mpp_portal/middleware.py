"""Project middleware."""

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
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

    The API and Open311 keep the header: a program asks for its language
    with Accept-Language (no cookie), and every message of an answer, DRF's
    own included, follows it. Without one, answers are Indonesian.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not wants_json(request):
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
                return JsonResponse({"detail": message, "code": "invalid"}, status=400)
            page = loader.get_template("400.html").render({"message": message}, request)
            return HttpResponseBadRequest(page)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY with every response.

    Every script is a vendored or project file (no inline script, no
    handler attribute), so ``script-src 'self'`` holds on every page; a
    response that already carries a policy keeps its own.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.policy = settings.CONTENT_SECURITY_POLICY
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class RequestBodyLimitMiddleware:
    """Answer 413 to a body larger than settings.MAX_REQUEST_BYTES, unread.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out, so a 50 MB
    multipart post was read, spooled to disk and accepted. The declared
    Content-Length decides here, before any middleware touches the body
    (the CSRF check reads the form); a reverse proxy should enforce the same
    limit (deploy/nginx.conf, client_max_body_size).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        limit = settings.MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            megabytes = max(1, limit // (1024 * 1024))
            message = _("Kiriman terlalu besar: paling banyak %(mb)s MB sekaligus.") % {
                "mb": megabytes
            }
            if wants_json(request):
                response = JsonResponse({"detail": message, "code": "too_large"}, status=413)
            else:
                # No template: nothing of the request (session, user) is read yet.
                response = HttpResponse(
                    f'<!doctype html><html lang="id"><meta charset="utf-8">'
                    f"<title>413</title><h1>413</h1><p>{message}</p></html>",
                    status=413,
                )
            # The unread body is still on the socket: close the connection.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
