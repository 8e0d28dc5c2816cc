"""The API's filters: one strict yes/no filter for every boolean parameter.

django-filter reads any text other than true/false as "no filter", so
``?is_confidential=abc`` listed everything where the caller meant to narrow
the list. Here a yes/no parameter takes ``true``/``false`` (or ``1``/``0``,
any case), an empty value means no filter, and anything else is a 400 with
the field named, like every other bad parameter.
"""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters


class StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(_("Isi true atau false."), code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # The raw text reaches the field; django-filter's widget would turn
        # every unknown value into None before it could be refused.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class FilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }


class FilterBackend(filters.DjangoFilterBackend):
    """DRF's django-filter backend, building filter sets on the strict FilterSet."""

    filterset_base = FilterSet
