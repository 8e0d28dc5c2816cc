"""The /api/v1/ router. Each app registers its viewsets here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from complaints.api import ComplaintViewSet
from mpp_portal.organizations.api import AgencyViewSet, HallViewSet
from services.api.booking import BookingViewSet, ServiceSlotsView
from services.api.queue import BoardView, CounterViewSet, ServiceViewSet, TicketViewSet
from services.api.survey import IkmView, SurveyCreateView


class Router(DefaultRouter):
    """A DefaultRouter whose detail routes take only digits for a numeric pk.

    ``/counters/null,null/open/`` then never reaches the view (a 404 instead
    of the ValueError of filtering an integer column by "null,null"); a
    viewset that looks up by another field sets its own lookup_value_regex.
    """

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_field", "pk") in ("pk", "id") and not hasattr(
            viewset, "lookup_value_regex"
        ):
            lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or "pk"
            return f"(?P<{lookup_prefix}{lookup_url_kwarg}>[0-9]+)"
        return super().get_lookup_regex(viewset, lookup_prefix)


router = Router()
router.register("halls", HallViewSet, basename="hall")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("services", ServiceViewSet, basename="service")
router.register("counters", CounterViewSet, basename="counter")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = [
    path("halls/<slug:slug>/board/", BoardView.as_view(), name="hall-board"),
    path("services/<int:pk>/slots/", ServiceSlotsView.as_view(), name="service-slots"),
    path("surveys/", SurveyCreateView.as_view(), name="survey-create"),
    path("ikm/", IkmView.as_view(), name="ikm"),
    *router.urls,
    path("sipabes/", include("services.sipabes.api_urls")),
    path("", include("forums.api_urls")),
    path("", include("agreements.api_urls")),
]
