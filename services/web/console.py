"""Pages of the queue: console. Routes are collected in services/urls.py."""

urlpatterns = []
