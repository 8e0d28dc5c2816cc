"""REST routes of sipabes, mounted under /api/v1/ by mpp_portal/api.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from services.sipabes.api import KbliViewSet, MarketViewSet, RegistrationViewSet, VisitViewSet
from services.sipabes.dashboard_api import DashboardView

router = SimpleRouter()
router.register("markets", MarketViewSet, basename="sipabes-market")
router.register("visits", VisitViewSet, basename="sipabes-visit")
router.register("registrations", RegistrationViewSet, basename="sipabes-registration")
router.register("kbli", KbliViewSet, basename="sipabes-kbli")

urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="sipabes-dashboard"),
    *router.urls,
]
