"""REST routes of forums, mounted under /api/v1/ by mpp_portal/api.py."""

from rest_framework.routers import SimpleRouter

from forums.api import AgreementItemViewSet, ForumViewSet

router = SimpleRouter()
router.register("forums", ForumViewSet, basename="forum")
router.register("forum-items", AgreementItemViewSet, basename="forum-item")

urlpatterns = [*router.urls]
