"""Environment for the test run, loaded by pytest before Django's settings.

Only what a test run needs differently from production: a throwaway
secret and plain HTTP for the test client and the browser tests. The
database and broker come from DATABASE_URL/REDIS_URL as in every mode.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 48)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("EMAIL_URL", "memory://")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("AXES_FAILURE_LIMIT", "5")
# Each test process keeps its cache keys apart (xdist workers, parallel runs
# on one Redis), so clearing them between tests touches nothing else. Set,
# not setdefault: xdist workers inherit the controller's environment.
_run = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
os.environ["CACHE_DIR"] = os.path.join(tempfile.gettempdir(), f"mpp-test-cache-{_run}")
os.environ["CACHE_KEY_PREFIX"] = f"test-{_run}"
