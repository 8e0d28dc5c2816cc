"""The API's errors in the OpenAPI schema (the shape of mpp_portal/api_errors.py).

The schema documents each status an operation can answer. ``AutoSchema``
adds the ones the machinery gives every operation, from the view's own
configuration (400 for parameters and bodies, 401 from authentication,
403 from permissions and the session's CSRF check, 404 for a path or a
page, 413 for a body, 429 from throttles); an operation adds what its own
logic answers with ``errors(409)`` and the like. Kept apart from
api_errors.py, which DRF's settings import before drf-spectacular can be.
"""

import copy

from django.core.validators import RegexValidator
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiFilterExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import authentication, permissions, serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Pesan untuk manusia, dalam bahasa permintaan.")
    code = serializers.CharField(help_text="Kode galat untuk mesin, mis. not_found, throttled.")


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}]},
        "description": "Per field (non_field_errors: the whole object), a list of messages; "
        "nested objects and lists for nested fields.",
    }
)
class FieldErrorsField(serializers.DictField):
    pass


class ValidationErrorSerializer(ErrorSerializer):
    errors = FieldErrorsField(
        required=False, help_text="Absent when the body could not be read at all."
    )


class ConflictSerializer(ErrorSerializer):
    extra = serializers.DictField(
        required=False, help_text="Details of the refusal, e.g. the states of a transition."
    )


ERROR_RESPONSES = {
    400: OpenApiResponse(ValidationErrorSerializer, "Invalid input (code: invalid, parse_error)."),
    401: OpenApiResponse(ErrorSerializer, "No valid credentials (Authorization: Token ...)."),
    403: OpenApiResponse(ErrorSerializer, "Not allowed for this account."),
    404: OpenApiResponse(ErrorSerializer, "Not found, or not visible to this account."),
    409: OpenApiResponse(ConflictSerializer, "Refused by a rule of the domain (see code)."),
    413: OpenApiResponse(ErrorSerializer, "Body larger than the portal accepts (too_large)."),
    429: OpenApiResponse(ErrorSerializer, "Too many requests (throttled); see Retry-After."),
}


def errors(*codes):
    """Return the documented error responses for ``codes``, to merge into responses=."""
    return {code: ERROR_RESPONSES[code] for code in codes}


EMPTY = {"type": "string", "maxLength": 0}
# PostgreSQL stores no NUL character: the NUL guard (query and path) and
# DRF's CharField (body) refuse it, so no free text of the API holds one.
NO_NUL = r"^[^\x00]*$"


def _refuse_nul(schema):
    if schema.get("type") == "string" and not ({"pattern", "format", "enum"} & set(schema)):
        schema["pattern"] = NO_NUL
    return schema


def _empty_filters_nothing(parameter):
    parameter = copy.deepcopy(parameter)
    schema = parameter["schema"]
    is_list = schema.get("type") == "array"
    value = schema["items"] if is_list else schema
    if "enum" in value and value.get("type") == "string":
        value["enum"] = [*value["enum"], ""]
    elif not (value.get("type") == "string" and "format" not in value):
        value = {"anyOf": [value, EMPTY]}
    if is_list:
        schema["items"] = value
    else:
        parameter["schema"] = value
    parameter["description"] = (parameter.get("description", "") + "\n\nEmpty: no filter.").strip()
    return parameter


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, adding the errors the machinery answers."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._machinery_errors():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    ERROR_RESPONSES[code], str(code), direction=direction
                )
        return dict(sorted(responses.items()))

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") in ("query", "path") and "schema" in parameter:
                _refuse_nul(parameter["schema"])
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A field with its own pattern gets it later (_insert_field_validators).
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not any(isinstance(v, RegexValidator) for v in field.validators)
        ):
            _refuse_nul(schema)
        return schema

    def _get_filter_parameters(self):
        """drf-spectacular's filter parameters, saying that an empty value filters nothing.

        django-filter reads ``?status=`` as no filter at all (a form's empty
        field), so the empty string is a valid value of every filter.
        """
        parameters = []
        for backend in self.get_filter_backends():
            extension = OpenApiFilterExtension.get_match(backend())
            if extension:
                found = extension.get_schema_operation_parameters(self)
            else:
                found = backend().get_schema_operation_parameters(self.view)
            if issubclass(backend, DjangoFilterBackend):
                found = [_empty_filters_nothing(parameter) for parameter in found]
            parameters += found
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        """Leave out of ``required`` what a serializer's Meta.optional_fields names.

        drf-spectacular marks every read-only field required; a field that
        to_representation drops for some readers is not.
        """
        schema = super()._map_basic_serializer(serializer, direction)
        optional = getattr(getattr(serializer, "Meta", None), "optional_fields", ())
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _machinery_errors(self):
        view, unsafe = self.view, self.method not in ("GET", "HEAD", "OPTIONS")
        authenticators = view.get_authenticators()
        checks = view.get_permissions()
        found = set()
        # The NUL-byte guard and the parsers and serializers: any input at all.
        if unsafe or self._get_parameters():
            found.add(400)
        if authenticators:
            # A wrong or revoked token is a 401 even where nobody needs one.
            found.add(401)
        if unsafe and any(
            isinstance(a, authentication.SessionAuthentication) for a in authenticators
        ):
            found.add(403)  # a signed-in session posting without its CSRF token
        # Without an account these answer 401; only other checks refuse an account.
        anyone = (
            permissions.AllowAny,
            permissions.IsAuthenticated,
            permissions.IsAuthenticatedOrReadOnly,
        )
        if any(not isinstance(check, anyone) for check in checks):
            found.add(403)
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            found.add(404)  # the object, or ?page= past the end
        if unsafe:
            found.add(413)  # mpp_portal.middleware.RequestBodyLimitMiddleware
        if view.get_throttles():
            found.add(429)
        return sorted(found)
