"""Settings for Experiment Tracker, read from the environment.

Every variable is listed in `.env.example`. Without any environment the project runs as a demo:
SQLite in `var/`, a Celery broker on the file system (a real worker and beat, no server needed),
console e-mail. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis.
"""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from babel.numbers import list_currencies
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Relative paths are taken from the project folder, whatever the working directory.
VAR_DIR = BASE_DIR / env.str("TRACKER_VAR_DIR", default="var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Off unless asked for: a forgotten variable must not serve tracebacks and settings to the world.
# `make run` and `make test` turn it on for the demo.
DEBUG = env.bool("DEBUG", default=False)
# `make run` serves the demo as production does, DEBUG off (the friendly 404 and 500 pages, no
# tracebacks, settings or URL patterns), but over plain HTTP on this machine only: the demo key, the
# local host names, no HTTPS redirect, cookies sent without TLS, static files straight from the project.
DEMO = env.bool("DEMO", default=False)

# A demo key only while DEBUG or DEMO is on; production must bring its own.
_DEMO_SECRET_KEY = "django-insecure-demo-key-for-local-use-only-never-in-production"  # noqa: S105 (refused below in production)
SECRET_KEY = env.str("SECRET_KEY", default=_DEMO_SECRET_KEY if DEBUG or DEMO else "")
if not SECRET_KEY or (not DEBUG and not DEMO and SECRET_KEY == _DEMO_SECRET_KEY):
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

_DEMO_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=_DEMO_HOSTS if DEBUG or DEMO else [])
if DEMO and not set(ALLOWED_HOSTS) <= set(_DEMO_HOSTS):
    # The demo's key is public and its cookies travel without TLS: it answers this machine only.
    raise ImproperlyConfigured(
        "DEMO serves this machine only: ALLOWED_HOSTS may name only localhost, 127.0.0.1, [::1]."
    )
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set when DEBUG is off: the host names the site is served under, comma-separated."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "tracker.apps.AxesConfig",  # django-axes, named in the reader's language
    "csp",
    "experiments",
    "metrics",
    "meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tracker.middleware.ControlCharacterMiddleware",  # before the session reads its cookie
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a locked-out log-in, flagged during the view, into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker runs in another process (or thread); WAL and a busy timeout keep SQLite usable
    # for a demo with concurrent readers and one writer at a time.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-tracker.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: PostgreSQL compiles a query whose estimated cost is high, and its estimates
    # of our period lists (json_to_recordset: "100 rows") are high. The compilation took 100-160 ms
    # of scoreboard queries that run in 10 ms; a page's queries are short, JIT never pays back.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A request must not hang on a Redis that went away.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT = "tracker.brokers.redis:Transport"  # kombu's, surviving a Redis outage
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task that runs longer than the visibility timeout would be delivered twice.
        "visibility_timeout": 3600,
        # A Redis that vanishes without closing the connection (failover, a dropped network) is
        # noticed by these checks and timeouts instead of a read that waits forever.
        "health_check_interval": 10,
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
        "socket_keepalive": True,
        "retry_on_timeout": True,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "tracker.brokers.filesystem:Transport"  # kombu's, writing messages atomically
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Below the broker's visibility timeout, so a running task is never handed to a second worker.
CELERY_TASK_TIME_LIMIT = 1800
CELERY_TASK_SOFT_TIME_LIMIT = 1700
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker outlives a broker outage of any length: it reconnects forever (the default gives up after
# 100 tries) and resumes by itself. The beat sweeps then send again what could not be sent meanwhile.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task running when the broker goes away finishes its work on the database: cancelling it would
# throw away a half-done import. Its ack is lost with the connection, so the message comes back
# (at once, or after the visibility timeout) and finds its work claimed or done.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # The database is the source of truth: these sweeps repair whatever a lost message missed.
    "recompute-stale-snapshots": {
        "task": "metrics.tasks.recompute_stale_snapshots",
        "schedule": env.int("STALE_SWEEP_SECONDS", default=300),
    },
    "resume-stalled-imports": {
        "task": "metrics.tasks.resume_stalled_imports",
        "schedule": env.int("IMPORT_SWEEP_SECONDS", default=30),
    },
    "forget-old-uploads": {
        "task": "metrics.tasks.forget_old_uploads",
        "schedule": crontab(minute=30, hour=3),
    },
    "sweep-review-locks": {
        "task": "experiments.tasks.sweep_review_locks",
        "schedule": env.int("LOCK_SWEEP_SECONDS", default=600),
    },
    # Daily from 06:00 local time, and once when beat starts (`tracker.celery.AT_BEAT_START`); the
    # later hourly runs repair a missed or lost 06:00 run (a meeting that exists is never created
    # twice) and store the current agendas of today's meetings not held yet.
    "build-due-meetings": {
        "task": "meetings.tasks.build_due_meetings",
        "schedule": crontab(minute=0, hour="6-23"),
    },
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out user name before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone.") from exc
USE_I18N = True
USE_TZ = True
CELERY_TIMEZONE = TIME_ZONE
# The currency of every money value (budgets, spend, revenue, CPL, CAC), an ISO 4217 code; shown in
# the reader's locale: "150 000,00 ₽" in Russian, "RUB 150,000.00" in English.
CURRENCY = env.str("CURRENCY", default="RUB").strip().upper()
if CURRENCY not in list_currencies():
    raise ImproperlyConfigured(f"CURRENCY {CURRENCY!r} is not an ISO 4217 currency code (e.g. RUB, USD, EUR).")

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / env.str("STATIC_ROOT", default="var/static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise scans it at start-up
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / env.str("MEDIA_ROOT", default="media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not DEMO
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if DEMO:
    # WhiteNoise serves the project's static files as they are, without collectstatic, and sees edits.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

# Upload limits: a CSV import may be large, the rest of the requests may not.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=512 * 1024 * 1024)
if IMPORT_MAX_BYTES < 1:
    raise ImproperlyConfigured("IMPORT_MAX_BYTES must be a positive number of bytes.")
# How long a lead post waits for a running CSV import before it is answered 503 (send it again).
LEAD_POST_WAIT_SECONDS = env.float("LEAD_POST_WAIT_SECONDS", default=20.0)
# An import's lease: a running import whose heartbeat is older than this lost its worker (or its
# database connection for good), and the resume sweep (every IMPORT_SWEEP_SECONDS) sends it again;
# so a lost import resumes within IMPORT_STALLED_SECONDS + IMPORT_SWEEP_SECONDS (75 s by default).
# A queued import no worker has taken within the lease is sent again as well. The running import
# moves its heartbeat every IMPORT_HEARTBEAT_SECONDS, from a thread of its own, also while it waits.
# A previewed file waits this long to be imported (by its token); then it and its row go, unless an
# import job reads it.
IMPORT_UPLOAD_DAYS = env.int("IMPORT_UPLOAD_DAYS", default=7)
IMPORT_STALLED_SECONDS = env.float("IMPORT_STALLED_SECONDS", default=45.0)
IMPORT_HEARTBEAT_SECONDS = env.float("IMPORT_HEARTBEAT_SECONDS", default=10.0)
if not 0 < IMPORT_HEARTBEAT_SECONDS <= IMPORT_STALLED_SECONDS / 2:
    # A beat or two may come late on a busy machine without the import losing its lease.
    raise ImproperlyConfigured("IMPORT_HEARTBEAT_SECONDS must be positive and at most half of IMPORT_STALLED_SECONDS.")
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Experiment Tracker <tracker@localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Log-in lockout, API throttles, content security policy ---------------------------------
# How many reverse proxies stand in front of the app (each appends to X-Forwarded-For): the client's
# address for the lockout and the throttles is taken from there (tracker/client_ip.py). 0: REMOTE_ADDR.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES must be 0 or more.")

# Failed passwords are counted per user name and address, in the database (every web process sees
# them, and a Redis outage does not reset them); the pages, the admin and the token endpoint alike.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
if AXES_FAILURE_LIMIT < 1 or dt.timedelta(0) >= AXES_COOLOFF_TIME:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be positive numbers.")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tracker.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "tracker.lockout.lockout_response"
AXES_VERBOSE = False


def _rate(name: str, default: str) -> str:
    rate = env.str(name, default=default)
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", rate):
        raise ImproperlyConfigured(f"{name} must look like 60/min (a count, then /s, /min, /hour or /day).")
    return rate


API_THROTTLE_RATES = {
    "anon": _rate("API_THROTTLE_ANON", "60/min"),
    "user": _rate("API_THROTTLE_USER", "1200/min"),
    "token": _rate("API_THROTTLE_TOKEN", "10/min"),
}

# No inline script anywhere; style attributes (progress bars, a few margins in the templates) are
# allowed, <style> elements are not. The API's ReDoc page relaxes styles for itself (tracker/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated request gets 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's three, the JSON one with a depth limit (api.md, Conventions).
    "DEFAULT_PARSER_CLASSES": [
        "tracker.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "tracker.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["tracker.filtering.ListFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tracker.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["tracker.throttles.AnonRateThrottle", "tracker.throttles.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Experiment Tracker API",
    "DESCRIPTION": "Marketing hypotheses, CRM lead data, objective metrics and reviews.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the unlock reasons, whether a field is called `reason` or `unlock_reason`.
    "ENUM_NAME_OVERRIDES": {
        "UnlockReasonEnum": "experiments.models.ReviewUnlock.Reason",
        "SpendKindEnum": "metrics.models.Spend.Kind",
        "ImportKindEnum": "metrics.models.ImportKind",
    },
}

# --- Production hardening -------------------------------------------------------------------
if not DEBUG and not DEMO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading puts the domain and every subdomain into the browsers' HTTPS-only list, for months
    # after it is withdrawn: the owner of the domain opts in, the check's reminder is silenced.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Every failed password is an INFO line of django-axes; its lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}
