"""Request bodies several apps' API actions share (one component in the schema each)."""

from rest_framework import serializers


class ReasonSerializer(serializers.Serializer):
    """A move that needs a written reason: return, reject, reopen, archive."""

    reason = serializers.CharField(max_length=2000)


def valid_data(serializer_class, request):
    """Return the request body checked by ``serializer_class`` (400 field by field)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
