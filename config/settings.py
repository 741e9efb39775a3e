"""Tiệm settings: one module, driven by environment variables (see README, "Configuration").

Defaults give a development set-up that needs no server: SQLite under ``var/`` and a
filesystem Celery broker. Production and CI set DATABASE_URL and REDIS_URL.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import Env, sqlite_default_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TIEM_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = Env(os.environ)

# --- Core -------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", False)

# Outside development the key must come from the environment: a default key in production
# would let anyone forge sessions, signed links and password-reset tokens.
_DEV_SECRET_KEY = "django-insecure-tiem-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (50+ random characters) or DEBUG=true "
            "for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "config.apps.PlatformConfig",
    "inventory.apps.InventoryConfig",
    "customers.apps.CustomersConfig",
    "orders.apps.OrdersConfig",
    "campaigns.apps.CampaignsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "orders.context_processors.cart",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------

DATABASES = {"default": env.database("DATABASE_URL", sqlite_default_url(BASE_DIR))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the Celery worker write to the same file. WAL lets readers go on
    # while one writer writes; IMMEDIATE takes the write lock when a transaction starts, so
    # two writers queue on the busy timeout instead of failing half-way with "database is
    # locked" when a read lock would have to be upgraded.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", 60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -------------------------------------------------------------------

REDIS_URL = env.redis_url("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tiem",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's filesystem transport: a broker that is a folder, so `make run` needs no server.
    # The web process and the worker share it through var/; jobs run in the real worker.
    CELERY_BROKER_DIR = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None

# Deployments sharing one Redis (or a test run) give each its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", "tiem")
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Keep our log format (and its redaction of personal data) in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_IGNORE_RESULT = not bool(REDIS_URL)
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every periodic job of the project, in one place. Apps add theirs here as they land.
CELERY_BEAT_SCHEDULE = {
    "platform-heartbeat": {
        "task": "config.tasks.heartbeat",
        "schedule": timedelta(seconds=env.int("HEARTBEAT_SECONDS", 30, minimum=1)),
    },
    "inventory-expire-holds": {
        "task": "inventory.tasks.expire_holds",
        "schedule": timedelta(minutes=1),
    },
}

# --- Auth -------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "customers:login"
# Staff log in with their username; shoppers with their email or phone (any format).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "customers.auth.EmailOrPhoneBackend",
]

# --- Internationalisation ---------------------------------------------------------------

LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LANGUAGE_CODE = env.choice("LANGUAGE_CODE", "vi", [code for code, _ in LANGUAGES])
LOCALE_PATHS = [BASE_DIR / "locale"]
# The shop's zone: times shown to shoppers and staff ("we keep these items until 15:42"),
# whatever zone the server runs in.
SHOP_TIME_ZONE = env.time_zone("SHOP_TIME_ZONE", "Asia/Ho_Chi_Minh")
TIME_ZONE = env.time_zone("TIME_ZONE", SHOP_TIME_ZONE)
USE_I18N = True
USE_TZ = True
DEFAULT_CURRENCY = env.currency("DEFAULT_CURRENCY", "VND")

# --- Static files -----------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names in production (after collectstatic); plain files while
    # developing so nothing has to be collected first.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- REST API ---------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api.authentication.SessionAuthentication",
    ],
    # JSON only: sales, returns and consents carry nested lines that forms cannot.
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.IsStaff"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", "60/minute"),
        "user": env.str("API_THROTTLE_USER", "600/minute"),
        "pos": env.str("API_THROTTLE_POS", "1200/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Arrays and objects nested deeper than this are a 400 (the deepest body nests 3 levels).
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", 16)

SPECTACULAR_SETTINGS = {
    "TITLE": "Tiệm API",
    "DESCRIPTION": (
        "One stock, one order book and one customer profile for the web store, the "
        "marketplaces and the POS terminals. Errors share one shape: "
        '`{"code": "...", "detail": "...", "fields": {...}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and ReDoc from drf-spectacular-sidecar: served by us, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.drop_backend_integer_limits",
        "config.api.schema.document_errors",
    ],
    # Several models have a "status" or "method"; give each choice set its own name.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.statuses.OrderStatus.choices",
        "PaymentStatusEnum": "orders.api.serializers.PAYMENT_STATUSES",
        "PaymentMethodEnum": "orders.api.serializers.PAYMENT_METHODS",
        "TillPaymentMethodEnum": "orders.api.serializers.TILL_PAYMENT_METHODS",
    },
}

# --- Security ---------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the Swagger UI reads it to send staff requests
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Submitting a domain to the browsers' HSTS preload list is hard to undo and
        # binds every subdomain to HTTPS for years: the shop's owner opts in knowingly
        # (SECURE_HSTS_PRELOAD=true), so the deploy check does not push it by default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # /healthz is probed by load balancers over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# How many reverse proxies stand in front of the web processes: the login throttle then
# reads the client's address from X-Forwarded-For (0: REMOTE_ADDR). Set it in production
# behind a proxy, or every shopper shares the proxy's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- Logging ----------------------------------------------------------------------------

LOG_LEVEL = env.choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logs.RedactPersonalData"}},
    "formatters": {"keyvalue": {"()": "config.logs.KeyValueFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "keyvalue",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

# --- CSV import / export (django-import-export) -----------------------------------------

# Importing needs the model's change permission, exporting its view permission; imports
# run in one transaction and are rolled back when any row is wrong.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True

# --- Tiệm -------------------------------------------------------------------------------

SITE_NAME = "Tiệm"
# How long a checkout holds stock before the beat job gives it back.
STOCK_HOLD_MINUTES = env.int("STOCK_HOLD_MINUTES", 15, minimum=1)

# Loyalty earn rule: one point per this many đồng spent.
LOYALTY_VND_PER_POINT = env.int("LOYALTY_VND_PER_POINT", 10_000, minimum=1)
# What one point is worth when a shopper pays with points (100 đ: points give back 1 %).
LOYALTY_POINT_VALUE_VND = env.int("LOYALTY_POINT_VALUE_VND", 100, minimum=1)

# Tills syncing the catalog get every change again until it is this many seconds old, so a
# change whose transaction committed late is never skipped.
CATALOG_SYNC_LAG_SECONDS = env.int("CATALOG_SYNC_LAG_SECONDS", 60, minimum=0)
# An offline sale's placed_at (the till's clock) must lie within these bounds: not ahead of
# the server's clock by more than the skew, not older than the age limit (a 400 otherwise).
POS_CLOCK_SKEW_SECONDS = env.int("POS_CLOCK_SKEW_SECONDS", 300, minimum=0)
POS_OFFLINE_MAX_AGE_DAYS = env.int("POS_OFFLINE_MAX_AGE_DAYS", 30, minimum=1)

# Bank transfers: the shop's account, shown to shoppers as a VietQR code (NAPAS 247).
VIETQR_BANK_BIN = env.str("VIETQR_BANK_BIN", "")
VIETQR_ACCOUNT_NUMBER = env.str("VIETQR_ACCOUNT_NUMBER", "")
VIETQR_ACCOUNT_NAME = env.str("VIETQR_ACCOUNT_NAME", "")
if bool(VIETQR_BANK_BIN) != bool(VIETQR_ACCOUNT_NUMBER):
    raise ImproperlyConfigured(
        "VIETQR_BANK_BIN and VIETQR_ACCOUNT_NUMBER go together: set both or neither."
    )

# Card payments of the web store: the dotted path of a class following
# orders.payments.CardProvider. The test provider approves every card but 4000000000000002.
CARD_PAYMENT_PROVIDER = env.str("CARD_PAYMENT_PROVIDER", "orders.payments.TestCardProvider")
