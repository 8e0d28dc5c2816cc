from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mpp_portal import views
from mpp_portal.organizations import views as organization_views

admin.site.site_header = "MPP Portal"
admin.site.site_title = "MPP Portal"

handler400 = "mpp_portal.views.error_400"
handler403 = "mpp_portal.views.error_403"
handler404 = "mpp_portal.views.error_404"
handler500 = "mpp_portal.views.error_500"

urlpatterns = [
    path("", organization_views.home, name="home"),
    path("", include("mpp_portal.organizations.urls")),
    path("akun/", include("mpp_portal.accounts.urls")),
    path("", include("services.urls")),
    path("", include("complaints.urls")),
    path("", include("services.sipabes.urls")),
    path("", include("forums.urls")),
    path("", include("agreements.urls")),
    path("", include("regency.urls")),
    path("verifikasi/", include("mpp_portal.documents.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's set-up script as a file (?script), so
    # the page runs under a script-src 'self' policy.
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("api/v1/", include("mpp_portal.api")),
    path("open311/v2/", include("complaints.open311_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
