"""REST routes of agreements, mounted under /api/v1/ by mpp_portal/api.py."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = [*router.urls]
