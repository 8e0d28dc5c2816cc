"""Pages of the queue: catalogue. Routes are collected in services/urls.py."""

urlpatterns = []
