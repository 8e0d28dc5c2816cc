"""The regency's view: the dashboard (dashboard_urls) and the MCP evidence pack (evidence_urls)."""

from regency.dashboard_urls import urlpatterns as dashboard_patterns
from regency.evidence_urls import urlpatterns as evidence_patterns

app_name = "regency"

urlpatterns = [*dashboard_patterns, *evidence_patterns]
