from django.contrib.auth import views as auth_views
from django.urls import path

from mpp_portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("beranda/", views.coming, name="coming"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
]
