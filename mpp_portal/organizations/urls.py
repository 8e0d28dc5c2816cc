from django.urls import path

from mpp_portal.organizations import views

app_name = "organizations"

urlpatterns = [
    path("mpp/<slug:slug>/", views.hall_detail, name="hall"),
]
