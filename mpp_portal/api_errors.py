"""One error format for the whole API, and its place in the schema.

Every error answers ``{"detail": <message>, "code": <code>}``; a 400 adds
``"errors": {<field>: [<message>, ...]}`` (``non_field_errors`` for the
object as a whole). A domain error from a service answers 409.
The schema documents this shape for every status: mpp_portal/api_schema.py.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mpp_portal.exceptions import DomainError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with JSON nested too deep for Python refused as a 400.

    ``json.loads`` of 3,000 nested ``[`` raises RecursionError, which is no
    ValueError and so escaped DRF's parse-error handling as a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON bersarang terlalu dalam.")) from None


def _as_lists(detail):
    if isinstance(detail, dict):
        return {key: _as_lists(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [str(item) for item in detail]
        return [_as_lists(item) for item in detail]
    return [str(detail)]


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": str(exc.message), "code": exc.code}
        if exc.extra:
            body["extra"] = exc.extra
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = exc.message_dict
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if not isinstance(detail, dict):
            detail = {"non_field_errors": detail}
        response.data = {
            "detail": _("Data yang dikirim tidak valid."),
            "code": "invalid",
            "errors": _as_lists(detail),
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = getattr(getattr(exc, "detail", None), "code", None) or getattr(
            exc, "default_code", "error"
        )
        response.data = {"detail": str(detail), "code": code}
    return response
