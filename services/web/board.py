"""Pages of the queue: board. Routes are collected in services/urls.py."""

urlpatterns = []
