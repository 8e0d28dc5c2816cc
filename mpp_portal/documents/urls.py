from django.urls import path

from mpp_portal.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:code>/", views.verify, name="verify"),
    path("<str:code>/unduh/", views.download, name="download"),
]
