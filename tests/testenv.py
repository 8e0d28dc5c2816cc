"""Environment for the test run, loaded by pytest before Django's settings.

Only what a test run needs differently from production: a throwaway
secret and plain HTTP for the test client and the browser tests. The
database and broker come from DATABASE_URL/REDIS_URL as in every mode
(from the environment or .env).
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
# Set, not setdefault: the tests assert these values, and `make test` loads a
# developer's .env (copied from .env.example for docker compose, with
# SECRET_KEY=change-me or DEBUG=1) that must not change what they see.
TEST_ENVIRONMENT = {
    "DEBUG": "0",
    "SECRET_KEY": "test-secret-key-" + "x" * 48,
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "STATIC_MANIFEST": "0",
    "EMAIL_URL": "memory://",
    "SITE_URL": "http://testserver",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "AXES_FAILURE_LIMIT": "5",
    "TRUSTED_PROXY_COUNT": "0",
}
os.environ.update(TEST_ENVIRONMENT)
# Each test process keeps its cache keys apart (xdist workers, parallel runs
# on one Redis), so clearing them between tests touches nothing else. Set,
# not setdefault: xdist workers inherit the controller's environment.
_run = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
os.environ["CACHE_DIR"] = os.path.join(tempfile.gettempdir(), f"mpp-test-cache-{_run}")
os.environ["CACHE_KEY_PREFIX"] = f"test-{_run}"
