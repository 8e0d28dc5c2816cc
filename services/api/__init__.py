"""REST API of the service counters: queue, booking and survey, one module each.

The router in mpp_portal/api.py registers their viewsets under /api/v1/.
"""
