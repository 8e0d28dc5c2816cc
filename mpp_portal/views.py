"""Project-wide views: health check and error pages."""

import logging

from django.db import connection
from django.http import HttpResponsePermanentRedirect, HttpResponseServerError, JsonResponse
from django.middleware import csrf
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp_portal.celery import app as celery_app
from mpp_portal.middleware import wants_json

logger = logging.getLogger(__name__)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database check failed")
        return False


def _broker_ok():
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.exception("healthz: broker check failed")
        return False


def _cache_ok():
    from django.core.cache import cache

    try:
        # A fail-open cache swallows the error: ask the client itself.
        client = getattr(cache, "_cache", None)
        if client is not None and hasattr(client, "get_client"):
            client.get_client(write=True).ping()
        else:
            cache.get("healthz")
        return True
    except Exception:
        logger.warning("healthz: cache check failed", exc_info=True)
        return False


@never_cache
def healthz(request):
    """Answer 200 while the database answers; say which other part is down.

    Without the database nothing works: 503. Without the broker or the
    cache the portal still serves (background work waits in the database,
    throttles fail open): 200 with status "degraded" and the part "down".
    """
    checks = {"database": _database_ok(), "broker": _broker_ok(), "cache": _cache_ok()}
    if not checks["database"]:
        status, code = "error", 503
    elif all(checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    body = {"status": status, **{name: "ok" if ok else "down" for name, ok in checks.items()}}
    return JsonResponse(body, status=code)


def _json_error(detail, code, status):
    return JsonResponse({"detail": str(detail), "code": code}, status=status)


def error_400(request, exception=None):
    # E.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE, refused before any view.
    message = _("Permintaan tidak dapat diproses.")
    if wants_json(request):
        return _json_error(message, "bad_request", 400)
    return render(request, "400.html", {"message": message}, status=400)


def error_403(request, exception=None):
    if wants_json(request):
        return _json_error(
            _("Anda tidak memiliki izin untuk tindakan ini."), "permission_denied", 403
        )
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    if wants_json(request):
        return _json_error(_("Tidak ditemukan."), "not_found", 404)
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """Say why a form was refused, so the citizen knows what to do about it.

    A missing cookie is what an expired session or blocked cookies look
    like; a refused origin is the browser posting from another address (or
    hiding where from); a bad token is a page kept open too long.
    """
    if reason == csrf.REASON_NO_CSRF_COOKIE:
        cause = "cookie"
    elif reason.startswith(("Origin checking failed", "Referer checking failed")):
        cause = "origin"
    else:
        cause = "token"
    logger.warning("CSRF refused %s %s: %s", request.method, request.path, reason)
    return render(request, "403_csrf.html", {"cause": cause}, status=403)


def error_500(request):
    # No request and no context processors: whatever broke must not break this page too.
    return HttpResponseServerError(loader.get_template("500.html").render())


def favicon(request):
    """/favicon.ico, which browsers and bots ask for whatever the page links:
    a permanent redirect to the portal's icon (an SVG) instead of a 404."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
