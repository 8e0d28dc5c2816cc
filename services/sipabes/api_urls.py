"""REST routes of sipabes, mounted under /api/v1/ by mpp_portal/api.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from services.sipabes.dashboard_api import DashboardView

router = SimpleRouter()

urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="sipabes-dashboard"),
    *router.urls,
]
