"""gunicorn's settings for every way the portal is served.

The Procfile (``make run``), the Dockerfile's CMD and docker-compose.yml
start ``gunicorn mpp_portal.wsgi -c gunicorn.conf.py``; each adds only its
bind address. The number of worker processes is ``WEB_CONCURRENCY``
(gunicorn's own variable): 2 when unset, 3 in the Docker image. The
access log goes to stdout through ``mpp_portal.accesslog.PrivateAccessLogger``:
no secret link token, API key or credential header is written, and client
addresses are cut to their network (``ACCESS_LOG_ADDRESSES=none`` drops
them).
"""

import os

wsgi_app = "mpp_portal.wsgi"
timeout = 60
accesslog = "-"
logger_class = "mpp_portal.accesslog.PrivateAccessLogger"
# The Apache "combined" format; the logger class masks what it must.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
# Nothing manages the workers through gunicorn's control socket, and a
# read-only image has nowhere to put it.
control_socket_disable = True
# Threads per worker (gthread). Measured with bench/scale.py --serving-only
# at 1M tickets on 2 cores (2026-12-04): 4 workers x 4 threads issued 100
# tickets/s and answered 699 board polls/s against 66 and 532 with
# 2 x 8; sync workers did not keep up with 8 keep-alive clients.
threads = 4
# Worker processes: about two per core, each with the threads above.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
