"""HTML pages of agreements, namespace "agreements" (mounted at the site root by mpp_portal/urls.py)."""

app_name = "agreements"

urlpatterns = []
