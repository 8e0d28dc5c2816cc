"""HTML pages of sipabes, namespace "sipabes" (mounted at the site root by mpp_portal/urls.py)."""

from services.sipabes import dashboard_views, staff_list, views, visit_views

app_name = "sipabes"

urlpatterns = [
    *views.urlpatterns,
    *dashboard_views.urlpatterns,
    *staff_list.urlpatterns,
    *visit_views.urlpatterns,
]
