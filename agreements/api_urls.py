"""REST routes of agreements, mounted under /api/v1/ by mpp_portal/api.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from agreements import api

router = SimpleRouter()
router.register("agreements", api.AgreementViewSet, basename="agreement")

urlpatterns = [
    # Before the router, whose agreements/<pk>/ would not match it anyway.
    path("agreements/coverage/", api.CoverageView.as_view(), name="agreement-coverage"),
    *router.urls,
]
