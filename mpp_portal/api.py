"""The /api/v1/ router. Each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from mpp_portal.organizations.api import AgencyViewSet, HallViewSet

router = DefaultRouter()
router.register("halls", HallViewSet, basename="hall")
router.register("agencies", AgencyViewSet, basename="agency")

urlpatterns = router.urls
