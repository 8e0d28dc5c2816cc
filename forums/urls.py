"""HTML pages of forums, namespace "forums" (mounted at the site root by mpp_portal/urls.py)."""

app_name = "forums"

urlpatterns = []
