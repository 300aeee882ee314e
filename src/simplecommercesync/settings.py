"""Django settings, all read from the environment through `config.load_config()`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from simplecommercesync.config import load_config

CONFIG = load_config()
BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
CSRF_TRUSTED_ORIGINS = [CONFIG.base_url]
SCS_BASE_URL = CONFIG.base_url
SCS_ENCRYPTION_KEYS = CONFIG.encryption_keys
SCS_VAR_DIR = CONFIG.var_dir
SCS_REDIS_URL = CONFIG.redis_url
SCS_HUBSPOT = CONFIG.hubspot
SCS_QUICKBOOKS = CONFIG.quickbooks
SCS_REFRESH_GRACE_SECONDS = CONFIG.refresh_grace_seconds
SCS_PROVIDER_TIMEOUT_SECONDS = CONFIG.provider_timeout_seconds
# E-mail (sync failure alerts): console by default, files or SMTP by configuration (config.py).
EMAIL_BACKEND = CONFIG.email.backend_path
DEFAULT_FROM_EMAIL = CONFIG.email.from_address
if CONFIG.email.file_dir is not None:
    EMAIL_FILE_PATH = str(CONFIG.email.file_dir)
EMAIL_HOST = CONFIG.email.smtp_host or "localhost"
EMAIL_PORT = CONFIG.email.smtp_port
EMAIL_HOST_USER = CONFIG.email.smtp_user
EMAIL_HOST_PASSWORD = CONFIG.email.smtp_password
EMAIL_USE_TLS = CONFIG.email.smtp_security == "starttls"
EMAIL_USE_SSL = CONFIG.email.smtp_security == "ssl"
EMAIL_TIMEOUT = 20
SCS_QBO_WEBHOOK_VERIFIER_TOKEN = CONFIG.quickbooks_webhook_verifier
SCS_RATE_LIMIT_SCALE = CONFIG.rate_limit_scale
SCS_SYNC_LEASE_SECONDS = CONFIG.sync_lease_seconds

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "axes",
    "simplecommercesync.accounts",
    "simplecommercesync.connections",
    "simplecommercesync.dashboard",
    "simplecommercesync.health",
    "simplecommercesync.sync",
    "simplecommercesync.sync_settings",
    "simplecommercesync.data",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "simplecommercesync.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simplecommercesync.accounts.middleware.WorkspaceTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "simplecommercesync.urls"
WSGI_APPLICATION = "simplecommercesync.wsgi.application"
ASGI_APPLICATION = "simplecommercesync.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "simplecommercesync.accounts.context.workspace",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    CONFIG.var_dir.mkdir(parents=True, exist_ok=True)
    # WAL + IMMEDIATE transactions let the web server and the worker share one file without
    # "database is locked" errors (Django docs, "SQLite notes").
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so the test database locks like the real one across threads.
    DATABASES["default"]["TEST"] = {"NAME": str(CONFIG.var_dir / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: five wrong passwords for one email from one address locks that pair for
# fifteen minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Production refuses a non-https SCS_BASE_URL (config.py), so there cookies are always Secure.
SESSION_COOKIE_SECURE = CONFIG.is_production or CONFIG.base_url.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CONFIG.is_production else None
if CONFIG.is_production:
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = True
    # The supervisor's readiness check calls the web server directly over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Django's default too, stated because the CSP's frame-ancestors 'none' relies on the same choice.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Debug and error pages hide every setting and variable that could hold a provider secret.
DEFAULT_EXCEPTION_REPORTER_FILTER = "simplecommercesync.error_reports.SecretHidingFilter"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CONFIG.var_dir / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serving straight from the app folders keeps `scs serve` free of a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

if CONFIG.redis_url:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": CONFIG.queue_name,
        "url": CONFIG.redis_url,
        "immediate": False,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CONFIG.redis_url,
        }
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": CONFIG.queue_name,
        "filename": str(CONFIG.var_dir / "huey.sqlite3"),
        "immediate": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # run_huey installs its own handler; not propagating avoids every line twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}
