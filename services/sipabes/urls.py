"""HTML pages of sipabes, namespace "sipabes" (mounted at the site root by mpp_portal/urls.py)."""

app_name = "sipabes"

urlpatterns = []
