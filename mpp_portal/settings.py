"""Settings for MPP Portal, read from the environment (see .env.example).

One file for every run mode. Each value comes from an environment variable
through the typed helpers in ``mpp_portal.env``, which refuse a value they
cannot read. Without DATABASE_URL the embedded PostgreSQL under var/ is
used, without REDIS_URL the embedded filesystem broker (mpp_portal.embedded).
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from mpp_portal import embedded
from mpp_portal.env import env_bool, env_int, env_list, env_rate, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------
# Core
# --------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if SECRET_KEY is None:
    raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of 50+ characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "mpp_portal.views.csrf_failure"
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"CSRF_TRUSTED_ORIGINS entry {_origin!r} needs a scheme.")

# Public address of the portal, printed in QR codes and messages.
SITE_URL = env_url("SITE_URL", "http://localhost:8000", schemes={"http", "https"}).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    # platform
    "mpp_portal.accounts",
    "mpp_portal.organizations",
    "mpp_portal.workdays",
    "mpp_portal.audit",
    "mpp_portal.notifications",
    "mpp_portal.documents",
    "mpp_portal.jobs",
    "mpp_portal.webhooks",
    "mpp_portal.pageviews",
    # features
    "services",
    "services.sipabes",
    "complaints",
    "forums",
    "agreements",
    "regency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mpp_portal.middleware.ContentSecurityPolicyMiddleware",
    # Before anything reads the body (the CSRF check reads the form).
    "mpp_portal.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mpp_portal.middleware.IndonesianFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After sessions, auth and locale, so its 400 page renders like any page.
    "mpp_portal.middleware.RejectNulBytesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mpp_portal.urls"
WSGI_APPLICATION = "mpp_portal.wsgi.application"
ASGI_APPLICATION = "mpp_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mpp_portal.accounts.context_processors.navigation",
            ],
            # {% load identity %} for the |phone filter (0812-3456-7890).
            "libraries": {"identity": "mpp_portal.identity"},
        },
    },
]

# --------------------------------------------------------------------------
# Database: PostgreSQL only
# --------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or embedded.database_url()
if urlsplit(DATABASE_URL).scheme not in {"postgres", "postgresql", "pgsql"}:
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL.")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------
# Redis, cache, Celery
# --------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", None, schemes={"redis", "rediss"})

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache that degrades to "empty" while Redis is
            # away, so the kiosk and the board keep working (mpp_portal/cache.py).
            "BACKEND": "mpp_portal.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "mpp"),
            # A Redis that does not answer must not hold a request for long.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    # Shared between processes (web, worker), unlike the local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
        }
    }
    CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = embedded.broker_settings()

CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_ENABLE_UTC = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=5)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"CELERY_TASK_SOFT_TIME_LIMIT={CELERY_TASK_SOFT_TIME_LIMIT} must be below "
        f"CELERY_TASK_TIME_LIMIT={CELERY_TASK_TIME_LIMIT}: the soft limit lets a task clean up."
    )
if REDIS_URL:
    # Redis hands a message nobody acknowledged to another worker after this
    # many seconds: a worker lost mid-task (kill -9) delays its tasks by it.
    # Just above the hard limit, which no live run outlasts. Jobs retry
    # through their row (mpp_portal.jobs), not with long countdown messages
    # a worker would hold unacknowledged past this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
# Tests point a real worker at a queue of their own (CELERY_QUEUE).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "complaints-sla-scan": {"task": "complaints.sla_scan", "schedule": 300.0},
    "resend-jobs": {"task": "mpp_portal.jobs.tasks.resend_pending", "schedule": 60.0},
    "deliver-outbox": {
        "task": "mpp_portal.notifications.tasks.deliver_pending",
        "schedule": 60.0,
    },
    # After the halls close (CELERY_TIMEZONE is Asia/Jakarta).
    "learn-service-averages": {
        "task": "services.tasks.learn_service_averages",
        "schedule": crontab(hour=19, minute=0),
    },
    # From mid-afternoon, so late bookings for tomorrow are reminded too.
    "booking-reminders": {
        "task": "services.tasks.booking_reminders",
        "schedule": crontab(minute=0, hour="15-20"),
    },
    "booking-no-shows": {"task": "services.tasks.booking_no_shows", "schedule": 600.0},
    # After midnight: the day just closed goes into the statistics' rollup.
    "queue-rollup": {
        "task": "services.tasks.rollup_closed_days",
        "schedule": crontab(hour=0, minute=20),
    },
    # Expired sessions leave the database (Django never deletes them itself).
    "clear-sessions": {
        "task": "mpp_portal.accounts.tasks.clear_sessions",
        "schedule": crontab(hour=2, minute=30),
    },
    "booking-confirmations-purge": {
        "task": "services.tasks.booking_confirmations_purge",
        "schedule": 600.0,
    },
    # Just after midnight (Asia/Jakarta): PKS start on their start date and
    # end the day after their end date; expiry reminders at 90/60/30 days
    # go out once; the day's coverage figures are kept for the chart.
    "agreements-daily": {
        "task": "agreements.daily_states",
        "schedule": crontab(hour=0, minute=15),
    },
    # FKM follow-up, hourly: sign-off reminders, target dates approaching,
    # overdue agreement items, each message once (forums/follow_up.py).
    "forums-follow-up": {"task": "forums.follow_up_scan", "schedule": crontab(minute=5)},
    # SIPABES: the offline queue's idempotency keys are kept 30 days.
    "sipabes-submission-keys-purge": {
        "task": "sipabes.submission_keys_purge",
        "schedule": crontab(hour=3, minute=10),
    },
    # Files no row names, older than MEDIA_SWEEP_AFTER_HOURS (a killed
    # worker's half-built evidence pack, say): mpp_portal/documents/sweep.py.
    "media-sweep": {
        "task": "mpp_portal.documents.tasks.media_sweep",
        "schedule": crontab(hour=3, minute=40),
    },
}

# --------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "mpp_portal.accounts.backends.HallAdminPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Brute-force lockout: five failures for one username from one address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The client's address comes from one function for the lockout, the audit
# log and every throttle (mpp_portal.audit.services.client_ip): REMOTE_ADDR,
# or, behind TRUSTED_PROXY_COUNT reverse proxies, the X-Forwarded-For entry
# the nearest trusted proxy wrote. Trusting the header without a proxy would
# let anyone pick a fresh address per request and dodge lockout and limits.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "mpp_portal.audit.services.client_ip"

# --------------------------------------------------------------------------
# Internationalisation
# --------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
# Dates and times of the web pages per language (08.00 in Indonesian, 08:00 in English).
FORMAT_MODULE_PATH = ["mpp_portal.formats"]
USE_TZ = True

# --------------------------------------------------------------------------
# Static and media files
# --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Serve straight from the source folders when collectstatic has not run
# (make run in DEBUG, the test suite's live server).
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Bootstrap's and its icons' CSS cut to the classes the portal uses, under
# their own names (mpp_portal/purged_css.py), found before the originals.
STATICFILES_FINDERS = [
    "mpp_portal.purged_css.PurgedCssFinder",
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_STORAGE_BACKEND = env_str(
    "MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
try:
    import_string(MEDIA_STORAGE_BACKEND)
except ImportError as exc:
    raise ImproperlyConfigured(
        f"MEDIA_STORAGE_BACKEND={MEDIA_STORAGE_BACKEND!r} cannot be imported: {exc}"
    ) from exc
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads above this size are refused by the forms that take files.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_MB", 10, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A whole request body (all files of a form together): larger ones get 413
# before they are read (mpp_portal.middleware.RequestBodyLimitMiddleware).
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_MB", 25, minimum=1) * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
# The nightly sweep removes files under the FileFields' folders that no row
# names and that are older than this (a failed write's leftovers); 0: off.
MEDIA_SWEEP_AFTER_HOURS = env_int("MEDIA_SWEEP_AFTER_HOURS", 24, minimum=0)
# Complaints the web form accepts from one IP address per hour (spam guard).
COMPLAINT_RATE_PER_HOUR = env_int("COMPLAINT_RATE_PER_HOUR", 10, minimum=1)

# --------------------------------------------------------------------------
# E-mail and SMS/WhatsApp gateway
# --------------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL", "console://" if DEBUG else "smtp://localhost:25")
try:
    _email = dj_email_url.parse(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
except Exception as exc:  # dj_email_url raises several kinds; an unknown scheme, KeyError
    raise ImproperlyConfigured(
        f"EMAIL_URL cannot be read ({exc!r}); use smtp://, smtps://, console:// or file://"
    ) from exc
# file:///var/mail is the folder /var/mail (dj-email-url drops the leading
# slash, which made it var/mail under the working directory); file://mail is
# mail/ under the project folder; bare file:// is var/mail there.
_mail_parts = urlsplit(EMAIL_URL)
_mail_path = _mail_parts.netloc + _mail_parts.path if _mail_parts.scheme == "file" else ""
EMAIL_FILE_PATH = str(BASE_DIR / _mail_path) if _mail_path else str(BASE_DIR / "var" / "mail")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MPP Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# An HTTP gateway that takes {"to", "message", "channel"} as JSON with a
# bearer key. Unset: SMS/WhatsApp messages are marked failed with the error
# "SMS gateway not configured" (e-mail still goes out).
SMS_GATEWAY_URL = env_url("SMS_GATEWAY_URL", None, schemes={"http", "https"})
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
# Anti-calo: bookings one phone number may make in seven days.
BOOKING_MAX_PER_PHONE_PER_WEEK = env_int("BOOKING_MAX_PER_PHONE_PER_WEEK", 3, minimum=1)
# Anti-calo: active bookings one NIK may hold: not cancelled, and made in the
# last seven days or with a slot in the coming seven (services.booking).
BOOKING_MAX_PER_NIK_PER_WEEK = env_int("BOOKING_MAX_PER_NIK_PER_WEEK", 3, minimum=1)
# A one-time code to the booking's phone before the seat is taken: "auto"
# (on when SMS_GATEWAY_URL is set: without a gateway no code can arrive),
# "on" or "off" (services.booking.booking_otp_required).
BOOKING_OTP = env_str("BOOKING_OTP", "auto").lower()
if BOOKING_OTP not in {"auto", "on", "off"}:
    raise ImproperlyConfigured(f"BOOKING_OTP must be auto, on or off, not {BOOKING_OTP!r}.")
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 5, minimum=1)

# --------------------------------------------------------------------------
# Documents (PDF, QR verification, optional PAdES signature)
# --------------------------------------------------------------------------
# PKCS#12 file and its passphrase; unset: documents are sealed (hash + QR)
# but not signed.
DOCUMENT_SIGNING_P12 = env_str("DOCUMENT_SIGNING_P12", "")
DOCUMENT_SIGNING_PASSPHRASE = env_str("DOCUMENT_SIGNING_PASSPHRASE", "")
if DOCUMENT_SIGNING_P12:
    if not Path(DOCUMENT_SIGNING_P12).is_file():
        raise ImproperlyConfigured(f"DOCUMENT_SIGNING_P12 {DOCUMENT_SIGNING_P12} is not a file.")
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        _key, _cert, _chain = pkcs12.load_key_and_certificates(
            Path(DOCUMENT_SIGNING_P12).read_bytes(),
            DOCUMENT_SIGNING_PASSPHRASE.encode() or None,
        )
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DOCUMENT_SIGNING_P12 {DOCUMENT_SIGNING_P12} cannot be opened with "
            f"DOCUMENT_SIGNING_PASSPHRASE: {exc}"
        ) from exc
    if _key is None or _cert is None:
        raise ImproperlyConfigured(
            f"DOCUMENT_SIGNING_P12 {DOCUMENT_SIGNING_P12} holds no private key and certificate."
        )

# --------------------------------------------------------------------------
# REST API
# --------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated call then gets 401 with
    # "WWW-Authenticate: Token" instead of a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's TokenAuthentication with the token's user cached for 10 s.
        "mpp_portal.accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "mpp_portal.api_throttling.RoleRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_RATE_ANON", "60/min"),
        "user": env_rate("API_RATE_USER", "600/min"),
        # Kiosks and counter staff must never see 429 in a busy hall.
        "trusted": env_rate("API_RATE_TRUSTED", "6000/min"),
        # Public pages that poll: display boards and citizens tracking a ticket.
        "board": env_rate("API_RATE_BOARD", "1200/min"),
        "track": env_rate("API_RATE_TRACK", "600/min"),
        # Complaints filed through the public API (spam and abuse guard).
        "complaints": env_rate("API_RATE_COMPLAINTS", "10/hour"),
        # Bookings made through POST /api/v1/bookings/ by one caller (anti-calo).
        "bookings": env_rate("API_RATE_BOOKINGS", "20/hour"),
        # Survey answers through POST /api/v1/surveys/ by one caller.
        "surveys": env_rate("API_RATE_SURVEYS", "30/hour"),
    },
    # DRF's throttles read the same proxy count as client_ip() does.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "mpp_portal.api_pagination.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter, with yes/no parameters that refuse what they cannot read.
        "mpp_portal.api_filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "mpp_portal.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "mpp_portal.api_errors.exception_handler",
    # JSON nested past Python's recursion limit is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "mpp_portal.api_errors.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Tickets one issuing account (a kiosk device, a staff member) may take per
# minute, through the API and the kiosk page together: a human pace, so one
# token cannot empty a service's daily quota (mpp_portal.api_throttling).
KIOSK_TICKETS_PER_MINUTE = env_int("KIOSK_TICKETS_PER_MINUTE", 30, minimum=1)
# The hall's waiting-time standard (minutes from ticket to first call): the
# regency dashboard lists the counters whose median wait exceeds it.
QUEUE_WAIT_STANDARD_MINUTES = env_int("QUEUE_WAIT_STANDARD_MINUTES", 30, minimum=1)
# How long the regency dashboard reuses a page's figures (0: compute every time).
REGENCY_DASHBOARD_CACHE_SECONDS = env_int("REGENCY_DASHBOARD_CACHE_SECONDS", 300, minimum=0)
SPECTACULAR_SETTINGS = {
    "TITLE": "MPP Portal API",
    "DESCRIPTION": (
        "API Mal Pelayanan Publik: layanan, antrean, pemesanan, pengaduan. "
        "Authenticate with `Authorization: Token <token>` (manage.py issue_token)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PriorityEnum": "services.models.Priority",
        "TicketStatusEnum": "services.models.Ticket.Status",
        "ComplaintKindEnum": "complaints.models.Complaint.Kind",
        "ComplaintStatusEnum": "complaints.models.Complaint.Status",
        "ComplaintUpdateKindEnum": "complaints.models.ComplaintUpdate.Kind",
        "ArchiveReasonEnum": "complaints.models.Complaint.ArchiveReason",
        "BookingStatusEnum": "services.models.Booking.Status",
        "AgreementKindEnum": "agreements.models.Agreement.Kind",
        "ForumStatusEnum": "forums.models.Forum.Status",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --------------------------------------------------------------------------
# Security (production values unless DEBUG is on)
# --------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# fields.W161 warns about a fixed default on a date/time field when the
# check runs within ten seconds of that value: for our opening hours
# (TimeField defaults 08:00, 12:00, 16:00) that is a false alarm that made
# `check --deploy` fail at 16:00:00. Times of day are meant to be fixed.
SILENCED_SYSTEM_CHECKS = ["fields.W161"]
# Everything is served from this origin (vendored assets, no CDN): scripts
# only from files, never inline. Styles allow inline attributes (Bootstrap
# utilities in a few templates, htmx's indicator style). data: images are
# the QR codes drawn into pages; media is the board's chime.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; media-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# /healthz is polled over plain HTTP by the orchestrator.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --------------------------------------------------------------------------
# Logging: to stdout, personal data masked by mpp_portal.logging_filters
# --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal": {"()": "mpp_portal.logging_filters.MaskPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step and fontTools every subset at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
