"""The /api/v1/ router. Each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from complaints.api import ComplaintViewSet
from mpp_portal.organizations.api import AgencyViewSet, HallViewSet
from services.api.booking import BookingViewSet, ServiceSlotsView
from services.api.queue import BoardView, CounterViewSet, ServiceViewSet, TicketViewSet
from services.api.survey import IkmView, SurveyCreateView

router = DefaultRouter()
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
]
