"""Pages of the queue: stats. Routes are collected in services/urls.py."""

urlpatterns = []
