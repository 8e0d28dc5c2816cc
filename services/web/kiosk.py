"""Pages of the queue: kiosk. Routes are collected in services/urls.py."""

urlpatterns = []
