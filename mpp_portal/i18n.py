"""Translation helpers."""

from django.utils.functional import lazy


def _interpolate(text, params):
    return str(text) % params


_interpolate_lazy = lazy(_interpolate, str)


def format_lazy_percent(text, **params):
    """Return ``text % params``, formatted when the string is used.

    ``gettext_lazy("... %(n)s ...") % {...}`` formats at once, so a form field
    defined in a class body keeps the language active at import (Indonesian)
    forever. This keeps both the translation and the formatting lazy: the
    field's help text follows the request's language.
    """
    return _interpolate_lazy(text, params)
