"""Pages of online booking and the satisfaction survey (issue 4).

Routes are collected in services/urls.py.
"""

from django.urls import path

from services.web import booking_views as views

urlpatterns = [
    path("pesan/kelola/<str:code>/", views.booking_manage, name="booking_manage"),
    path("pesan/<str:code>/", views.booking_detail, name="booking_detail"),
]
