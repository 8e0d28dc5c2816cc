"""HTML pages of the catalogue and the queue, namespace "services".

Each page family keeps its views and routes in services/web/<family>.py.
"""

from services.web import board, booking, catalogue, console, kiosk, stats, survey

app_name = "services"

urlpatterns = [
    *catalogue.urlpatterns,
    *kiosk.urlpatterns,
    *console.urlpatterns,
    *board.urlpatterns,
    *stats.urlpatterns,
    *booking.urlpatterns,
    *survey.urlpatterns,
]
