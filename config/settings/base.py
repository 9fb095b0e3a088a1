"""Settings shared by every environment. Secrets and hosts come from the environment (config.env)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("CHIHUY_SECRET_KEY", "dev-insecure-key-change-me-in-production-0123456789abcdef")
DEBUG = env_bool("CHIHUY_DEBUG", False)
ALLOWED_HOSTS = env_list("CHIHUY_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # ninja as an app: its docs page takes Swagger UI from our static files, not from a CDN.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "chihuy.core",
    "chihuy.places",
    "chihuy.accounts",
    "chihuy.people",
    "chihuy.notify",
    "chihuy.cases",
    "chihuy.command",
    "chihuy.labs",
    "chihuy.tracing",
    "chihuy.isolation",
    "chihuy.vaccination",
    "chihuy.response",
    "chihuy.reports",
    "chihuy.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chihuy.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "chihuy.accounts.middleware.ScopeMiddleware",
    # Axes last: it must see the authentication result of every backend.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chihuy.web.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (WAL, synchronous=NORMAL, persistent connections) by default; PostgreSQL via DATABASE_URL.
SQLITE_PATH = Path(env_str("CHIHUY_SQLITE_PATH", str(BASE_DIR / "var" / "chihuy.sqlite3")))
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # wal_autocheckpoint: the WAL is copied back into the database every 10,000 pages (40 MB) instead of
                # 1,000 — bulk writes re-dirty the same index pages batch after batch (check-ins, indexed by day), and
                # each is copied back once per checkpoint: bench/exposure's ingest ~20,500 → ~23,600 events/s.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA wal_autocheckpoint=10000;"
                    "PRAGMA busy_timeout=5000;PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "chihuy.accounts.passwords.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Lockout: 5 failures per username+IP lock for 30 minutes (django-axes).
AXES_FAILURE_LIMIT = env_int("CHIHUY_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Session: 8 hours of inactivity at most (one duty shift), renewed on every request.
SESSION_COOKIE_AGE = env_int("CHIHUY_SESSION_SECONDS", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- i18n / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"

# --- Uploads --------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
CHIHUY_MAX_IMPORT_BYTES = env_int("CHIHUY_MAX_IMPORT_BYTES", 20 * 1024 * 1024)

# --- Background tasks -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Notification channels (chihuy.notify) ---------------------------------------------------
# A channel without its configuration is "down": its deliveries wait and are retried, never dropped.
EMAIL_HOST = env_str("CHIHUY_EMAIL_HOST", "")
EMAIL_PORT = env_int("CHIHUY_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("CHIHUY_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("CHIHUY_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CHIHUY_EMAIL_TLS", False)
EMAIL_TIMEOUT = env_int("CHIHUY_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("CHIHUY_EMAIL_FROM", "ChiHuy <chihuy@localhost>")
NOTIFY_SITE_URL = env_str("CHIHUY_SITE_URL", "")  # links in messages (acknowledge a broadcast)
NOTIFY_CHANNELS = {
    "email": {"enabled": bool(EMAIL_HOST)},  # Django's SMTP backend with the EMAIL_* settings above
    "sms": {"url": env_str("CHIHUY_SMS_URL", ""), "token": env_str("CHIHUY_SMS_TOKEN", ""), "timeout": 10},
    "zalo": {
        "url": env_str("CHIHUY_ZALO_URL", "https://openapi.zalo.me"),
        "token": env_str("CHIHUY_ZALO_TOKEN", ""),
        "timeout": 10,
    },
    "webhook": {"secret": env_str("CHIHUY_WEBHOOK_SECRET", ""), "timeout": 10},
}

# --- Inbound tickets (chihuy.command.tickets) -------------------------------------------------
# The Zalo OA webhook signs the raw body with HMAC-SHA256 and this secret; empty refuses every call.
CHIHUY_ZALO_WEBHOOK_SECRET = env_str("CHIHUY_ZALO_WEBHOOK_SECRET", "")
# Which unit's centre takes a message sent to which Official Account: "oa_id=12/106/,oa_id2=12/" (else the
# province at the root of the tree).
CHIHUY_ZALO_OA_UNITS = dict(item.split("=", 1) for item in env_list("CHIHUY_ZALO_OA_UNITS", []) if "=" in item)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CHIHUY_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
