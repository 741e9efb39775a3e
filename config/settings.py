"""Tiệm settings: one module, driven by environment variables (see README, "Configuration").

Defaults give a development set-up that needs no server: SQLite under ``var/`` and a
filesystem Celery broker. Production and CI set DATABASE_URL and REDIS_URL.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

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
    # The admin's theme (templates, styles and scripts ship in the package: no CDN); it
    # must come before django.contrib.admin, whose templates it replaces. See UNFOLD below.
    "unfold",
    "unfold.contrib.import_export",
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
    "auditlog",  # the audit trail (config/audit.py)
    "config.apps.PlatformConfig",
    "inventory.apps.InventoryConfig",
    "customers.apps.CustomersConfig",
    "orders.apps.OrdersConfig",
    "campaigns.apps.CampaignsConfig",
    "reports.apps.ReportsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The audit trail's actor and address for the request (config/audit.py).
    "config.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A deadlock or serialization failure is a 503 with Retry-After, never a 500.
    "config.retry.RetryableDatabaseErrorMiddleware",
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
    if env.bool("DATABASE_PREPARED_STATEMENTS", True):
        # Parameters bound on the server, and a statement a connection runs a fifth time
        # prepared there (psycopg's prepare_threshold): PostgreSQL parses and plans it once
        # per connection instead of every time. It halves the server's CPU of a POS sale
        # (docs/performance.md). Behind a pooler in transaction mode that cannot carry
        # prepared statements (PgBouncer before 1.21), set it to false.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -------------------------------------------------------------------

REDIS_URL = env.redis_url("REDIS_URL")
# Seconds a web request waits for Redis (connect, then each reply) before going on without it.
REDIS_SOCKET_TIMEOUT = env.int("REDIS_SOCKET_TIMEOUT_MS", 300, minimum=50) / 1000

if REDIS_URL:
    # A sale never waits for Redis: the cache (throttle counters only) answers within a
    # fraction of a second or counts as a miss (config/cache.py), and a task that cannot be
    # published is left for beat's sweep (config/tasks.py, enqueue_on_commit).
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tiem",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "visibility_timeout": 3600,
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_SOCKET_TIMEOUT
    CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's filesystem transport: a broker that is a folder, so `make run` needs no server.
    # The web process and the worker share it through var/; jobs run in the real worker.
    CELERY_BROKER_DIR = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    # The transport ignores the host; naming one keeps kombu from warning "No hostname was
    # supplied" on every connection the worker, beat and web process open.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Exchange bindings (kombu's default is ./control, beside whatever directory the
        # process was started from).
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None

# Deployments sharing one Redis (or a test run) give each its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", "tiem")
# Transactional messages (one-time codes, receipts) have their own queue, so a broadcast
# filling the default queue never delays them. A worker started without -Q consumes both.
CELERY_TRANSACTIONAL_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-transactional"
CELERY_TASK_QUEUES = [
    Queue(CELERY_TASK_DEFAULT_QUEUE, routing_key=CELERY_TASK_DEFAULT_QUEUE),
    Queue(CELERY_TRANSACTIONAL_QUEUE, routing_key=CELERY_TRANSACTIONAL_QUEUE),
]
CELERY_TASK_ROUTES = {
    "campaigns.tasks.send_due_transactional": {"queue": CELERY_TRANSACTIONAL_QUEUE},
}
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Publishing a task from a web request tries twice, briefly; a task that still cannot be
# published is logged and left to beat's sweep (config/enqueue.py), never raised to a sale.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
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
    "campaigns-send-due-transactional": {
        "task": "campaigns.tasks.send_due_transactional",
        "schedule": timedelta(seconds=env.int("MESSAGE_SEND_SECONDS", 15, minimum=1)),
    },
    "campaigns-send-due-marketing": {
        "task": "campaigns.tasks.send_due_marketing",
        "schedule": timedelta(seconds=env.int("MESSAGE_SEND_SECONDS", 15, minimum=1)),
    },
    "campaigns-flows-consume": {
        "task": "campaigns.tasks.flows_consume",
        "schedule": timedelta(seconds=env.int("FLOWS_SECONDS", 30, minimum=1)),
    },
    "campaigns-flows-advance": {
        "task": "campaigns.tasks.flows_advance",
        "schedule": timedelta(seconds=env.int("FLOWS_SECONDS", 30, minimum=1)),
    },
    "campaigns-recover-stuck": {
        "task": "campaigns.tasks.recover_stuck",
        "schedule": timedelta(minutes=1),
    },
    "campaigns-attribution": {
        "task": "campaigns.tasks.attribution_consume",
        "schedule": timedelta(minutes=1),
    },
    "orders-expire-unpaid": {
        "task": "orders.tasks.expire_unpaid",
        "schedule": timedelta(minutes=5),
    },
    "orders-expire-quotes": {
        "task": "orders.tasks.expire_quotes",
        "schedule": timedelta(hours=1),
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
# Our Vietnamese date formats (config/formats/vi): 30/11/2026, not Django's 30-11-2026.
FORMAT_MODULE_PATH = ["config.formats"]
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
        "config.api.throttling.AnonRateThrottle",
        "config.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", "60/minute"),
        "user": env.str("API_THROTTLE_USER", "600/minute"),
        "pos": env.str("API_THROTTLE_POS", "1200/minute"),
        # Customer look-ups at the till: by phone or email, never a walk through the book.
        "pos_lookup": env.str("API_THROTTLE_POS_LOOKUP", "60/minute"),
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
    # /healthz and /readyz are probed by load balancers over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# How many reverse proxies stand in front of the web processes: the login throttle then
# reads the client's address from X-Forwarded-For (0: REMOTE_ADDR). Set it in production
# behind a proxy, or every shopper shares the proxy's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# The audit trail (django-auditlog, config/audit.py): a fixture loaded with loaddata is not
# somebody's change. Changes kept as JSON values: a price read back as 85000.00 is the same
# as the 85000 being saved, not a change.
AUDITLOG_DISABLE_ON_RAW_SAVE = True
AUDITLOG_STORE_JSON_CHANGES = True

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

# The admin's theme (django-unfold). The sidebar is task-based (Bán hàng, Kho, Khách hàng,
# Marketing, Báo cáo); config/admin_nav.py builds it per request, so each staff member sees
# only the screens their role may open. Add a screen there (see docs/architecture.md).
UNFOLD = {
    "SITE_TITLE": "Tiệm",
    "SITE_HEADER": "Tiệm",
    "SITE_SYMBOL": "storefront",
    "SITE_URL": "/",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "SHOW_LANGUAGES": True,
    "STYLES": ["config.admin_nav.stylesheet"],
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "config.admin_nav.sidebar_navigation",
    },
}

# --- Tiệm -------------------------------------------------------------------------------

SITE_NAME = "Tiệm"
# How long a checkout holds stock before the beat job gives it back.
STOCK_HOLD_MINUTES = env.int("STOCK_HOLD_MINUTES", 15, minimum=1)
# The web store's cached pages (inventory/store_cache.py) show stock at most this old;
# catalog edits show at once. The checkout decides on the live stock.
STORE_STOCK_SECONDS = env.int("STORE_STOCK_SECONDS", 15, minimum=1)
# The hot single-line allocation remembers, per process, the stock level it chose for this
# long (inventory/services/reservations/hot.py); 0 turns it off. Stock is always decided by
# the live row; only a location closed or a variant deactivated in another process can be
# seen this much later.
STOCK_ALLOCATION_HINT_SECONDS = env.int("STOCK_ALLOCATION_HINT_SECONDS", 1, minimum=0)
# A till reads a customer's summary only within this long after finding them by phone/email.
POS_CUSTOMER_ACCESS_MINUTES = env.int("POS_CUSTOMER_ACCESS_MINUTES", 30, minimum=1)

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

# Offline POS sales: the till's clock may run this far ahead of ours; a sale made with no
# open shift may be replayed at most this many hours later (older: refused, for a manager).
POS_CLOCK_SKEW_SECONDS = env.int("POS_CLOCK_SKEW_SECONDS", 300, minimum=0)
POS_OFFLINE_MAX_HOURS = env.int("POS_OFFLINE_MAX_HOURS", 72, minimum=1)

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
# With DEBUG off the test provider refuses to start (and `check --deploy` fails) unless this
# says the site takes no real money (a staging site, CI's deploy check).
ALLOW_TEST_CARD_PROVIDER = env.bool("ALLOW_TEST_CARD_PROVIDER", False)

# A web order waiting for its bank transfer or card payment is cancelled (its stock given
# back) this many hours after it was placed.
ORDER_PAYMENT_HOURS = env.int("ORDER_PAYMENT_HOURS", 24, minimum=1)

# Referrals: a referred friend's first completed order of at least this amount rewards the
# referrer with "points:N" loyalty points or a single-use code of "voucher:<voucher id>";
# the reward is taken back if, within REFERRAL_RETURN_DAYS of its completion, returns leave
# the friend keeping less than REFERRAL_MIN_ORDER_AMOUNT of that order (or nothing).
REFERRAL_MIN_ORDER_AMOUNT = env.int("REFERRAL_MIN_ORDER_AMOUNT", 500_000, minimum=0)
REFERRAL_REWARD = env.str("REFERRAL_REWARD", "points:500")
REFERRAL_RETURN_DAYS = env.int("REFERRAL_RETURN_DAYS", 14, minimum=0)
# The friend's welcome: a first-order voucher (its id; 0 = none) whose code is issued to the
# friend and applied to the order in which they enter a referral code, when no other
# voucher is used and the voucher's rules allow it.
REFERRAL_WELCOME_VOUCHER_ID = env.int("REFERRAL_WELCOME_VOUCHER_ID", 0, minimum=0)

# --- Messages (config/transports; README "Sending messages") ------------------------------

# Which transport serves each channel (dotted paths, like EMAIL_BACKEND). With DEBUG on they
# write files instead of calling anyone, so `make run` needs no account; with DEBUG off they
# are the real ones and refuse to send (saying which variable is missing) until configured.
_DEV_TRANSPORTS = DEBUG
MESSAGE_TRANSPORTS = {
    "email": env.str("MESSAGE_TRANSPORT_EMAIL", "config.transports.email.EmailTransport"),
    "sms": env.str(
        "MESSAGE_TRANSPORT_SMS",
        "config.transports.logfile.LogSmsTransport"
        if _DEV_TRANSPORTS
        else "config.transports.sms.HttpSmsGateway",
    ),
    "zalo": env.str(
        "MESSAGE_TRANSPORT_ZALO",
        "config.transports.logfile.LogZaloTransport"
        if _DEV_TRANSPORTS
        else "config.transports.zalo.ZaloZnsTransport",
    ),
    "messenger": env.str(
        "MESSAGE_TRANSPORT_MESSENGER",
        "config.transports.logfile.LogMessengerTransport"
        if _DEV_TRANSPORTS
        else "config.transports.messenger.MessengerSendApiTransport",
    ),
}
# One-time codes (customers/services/verification.py): phones get them by SMS, or by Zalo ZNS
# when "zalo" is chosen and its code template is set (template data: {"otp": "123456"}).
ONE_TIME_CODE_PHONE_CHANNEL = env.str("ONE_TIME_CODE_PHONE_CHANNEL", "sms")
ONE_TIME_CODE_ZALO_TEMPLATE_ID = env.str("ONE_TIME_CODE_ZALO_TEMPLATE_ID", "")
# SMS, Zalo and Messenger in development: one JSON line per message.
MESSAGE_LOG_FILE = VAR_DIR / "messages.log"
# Every provider call gives up after this long (a timeout is retried later).
_HTTP_TIMEOUT = env.int("MESSAGE_HTTP_TIMEOUT_SECONDS", 5, minimum=1)

# Email: Django's backends. Development writes one .eml per message under var/mail/;
# production speaks SMTP (EMAIL_HOST …) or an ESP through django-anymail
# (EMAIL_BACKEND=anymail.backends.amazon_ses.EmailBackend and ANYMAIL_* below).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    "config.transports.email.EmlFileBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one.")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Tiệm <no-reply@tiem.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Our Message-IDs end in this domain (default: the sender's).
EMAIL_MESSAGE_ID_DOMAIN = env.str(
    "EMAIL_MESSAGE_ID_DOMAIN", DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">").strip()
)
# django-anymail reads its options from this dict: every ANYMAIL_<NAME> variable lands here
# as <NAME> (ANYMAIL_MAILGUN_API_KEY, ANYMAIL_BREVO_API_KEY, ANYMAIL_WEBHOOK_SECRET …).
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value.strip()
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}

# Brand-name SMS through an HTTP gateway (config/transports/sms.py).
SMS_GATEWAY = {
    "URL": env.str("SMS_GATEWAY_URL", ""),
    "API_KEY": env.str("SMS_GATEWAY_API_KEY", ""),
    "SECRET": env.str("SMS_GATEWAY_SECRET", ""),
    "BRAND": env.str("SMS_GATEWAY_BRAND", ""),
    "AUTH": env.choice("SMS_GATEWAY_AUTH", "bearer", ["bearer", "basic", "body"]),
    "PHONE_STYLE": env.choice("SMS_GATEWAY_PHONE_STYLE", "84", ["84", "e164", "national"]),
    "ID_FIELD": env.str("SMS_GATEWAY_ID_FIELD", "message_id"),
    # The request's field names; a gateway that calls them otherwise changes them here.
    "FIELDS": {
        "phone": env.str("SMS_GATEWAY_FIELD_PHONE", "phone"),
        "text": env.str("SMS_GATEWAY_FIELD_TEXT", "message"),
        "brand": env.str("SMS_GATEWAY_FIELD_BRAND", "brandname"),
        "request_id": env.str("SMS_GATEWAY_FIELD_REQUEST_ID", "request_id"),
    },
    "TIMEOUT": _HTTP_TIMEOUT,
}

# Zalo Notification Service (config/transports/zalo.py).
ZALO_ZNS = {
    "URL": env.str("ZALO_ZNS_URL", "https://business.openapi.zalo.me/message/template"),
    "TOKEN_URL": env.str("ZALO_TOKEN_URL", "https://oauth.zaloapp.com/v4/oa/access_token"),
    "APP_ID": env.str("ZALO_APP_ID", ""),
    "APP_SECRET": env.str("ZALO_APP_SECRET", ""),
    "REFRESH_TOKEN": env.str("ZALO_REFRESH_TOKEN", ""),
    "ACCESS_TOKEN": env.str("ZALO_ACCESS_TOKEN", ""),
    "TIMEOUT": _HTTP_TIMEOUT,
}

# Facebook Messenger Send API (config/transports/messenger.py).
MESSENGER = {
    "URL": env.str("MESSENGER_API_URL", "https://graph.facebook.com/v21.0/me/messages"),
    "PAGE_ACCESS_TOKEN": env.str("MESSENGER_PAGE_ACCESS_TOKEN", ""),
    "TIMEOUT": _HTTP_TIMEOUT,
}

# --- Messages (campaigns outbox) ---------------------------------------------------------

# Absolute links in messages (opt-out, tracking) start with this.
MESSAGE_LINK_BASE_URL = env.str("MESSAGE_LINK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# How many due messages one worker claims at a time.
MESSAGE_BATCH_SIZE = env.int("MESSAGE_BATCH_SIZE", 200, minimum=1)
# Transient failures are retried after 1, 2, 4 … minutes (capped), then fail.
MESSAGE_MAX_ATTEMPTS = env.int("MESSAGE_MAX_ATTEMPTS", 6, minimum=1)
MESSAGE_RETRY_BASE_SECONDS = env.int("MESSAGE_RETRY_BASE_SECONDS", 60, minimum=1)
MESSAGE_RETRY_MAX_SECONDS = env.int("MESSAGE_RETRY_MAX_SECONDS", 6 * 3600, minimum=1)
# Messages are handed to providers in chunks: one commit marks a chunk handed over, one
# records its answers. A worker killed in between leaves at most this many "uncertain".
MESSAGE_HANDOFF_CHUNK = env.int("MESSAGE_HANDOFF_CHUNK", 20, minimum=1)
# A row claimed or handed to a provider this long ago by a worker that never came back
# is recovered by the sweep (resent only where the provider de-duplicates on our key).
MESSAGE_SENDING_TIMEOUT_SECONDS = env.int("MESSAGE_SENDING_TIMEOUT_SECONDS", 600, minimum=1)
# Advertising goes out only between these local hours (Decree 91/2020: 07:00-22:00).
MESSAGE_AD_HOURS = (
    env.int("MESSAGE_AD_START_HOUR", 7, minimum=0),
    env.int("MESSAGE_AD_END_HOUR", 22, minimum=1),
)
# At most this many advertising messages per recipient per channel in a rolling 24 h.
MESSAGE_AD_DAILY_CAP = env.int("MESSAGE_AD_DAILY_CAP", 3, minimum=1)
# An advertising message held back longer than this after it was due is dropped as stale.
MESSAGE_STALE_AFTER_HOURS = env.int("MESSAGE_STALE_AFTER_HOURS", 48, minimum=1)
# Every advertising SMS ends with this (it starts with "[QC]").
MESSAGE_SMS_OPT_OUT_TEXT = env.str("MESSAGE_SMS_OPT_OUT_TEXT", "Tu choi QC: soan TC gui 8079")
# No advert featuring a product to a customer who bought it within this many days.
MESSAGE_RECENT_PURCHASE_DAYS = env.int("MESSAGE_RECENT_PURCHASE_DAYS", 30, minimum=0)
# Staff call the phone-only customers between these local hours (Decree 91/2020).
CALL_HOURS = (8, 17)
# Messenger: promotional messages only within this many hours of the customer's last message.
MESSAGE_MESSENGER_WINDOW_HOURS = env.int("MESSAGE_MESSENGER_WINDOW_HOURS", 24, minimum=1)

# --- Messages: tracking, channel choice, attribution (campaigns) ------------------------

# Opens and clicks this soon after sending are mail scanners and link previewers: they are
# kept, flagged, and counted nowhere.
MESSAGE_SCANNER_SECONDS = env.int("MESSAGE_SCANNER_SECONDS", 10, minimum=0)
# Last touch: an order is credited to the message clicked last before it, within these
# hours of the click, per channel.
MESSAGE_ATTRIBUTION_HOURS = {
    "email": env.int("ATTRIBUTION_EMAIL_HOURS", 5 * 24, minimum=1),
    "sms": env.int("ATTRIBUTION_SMS_HOURS", 24, minimum=1),
    "zalo": env.int("ATTRIBUTION_ZALO_HOURS", 24, minimum=1),
    "messenger": env.int("ATTRIBUTION_MESSENGER_HOURS", 24, minimum=1),
}
# Channel ranking (campaigns/channels.py): engagement counts half as much every this many
# days; with no history a channel scores its prior; on this share of customer-days the
# best channel swaps with another one, so the ranking keeps learning.
CHANNEL_RANKING_HALF_LIFE_DAYS = env.int("CHANNEL_RANKING_HALF_LIFE_DAYS", 30, minimum=1)
CHANNEL_RANKING_PRIORS = {"email": 0.5, "zalo": 0.45, "sms": 0.4, "messenger": 0.35}
CHANNEL_EXPLORATION_PERCENT = env.int("CHANNEL_EXPLORATION_PERCENT", 10, minimum=0)
# Delivery reports of the SMS gateway, Zalo ZNS and Messenger come to /m/webhooks/<channel>/
# signed with HMAC-SHA256 of the body under this secret; empty refuses that channel's reports.
MESSAGE_WEBHOOK_SECRETS = {
    "sms": env.str("SMS_WEBHOOK_SECRET", ""),
    "zalo": env.str("ZALO_WEBHOOK_SECRET", ""),
    "messenger": env.str("MESSENGER_WEBHOOK_SECRET", ""),
}
# Email bounces and complaints come through django-anymail's webhooks for the ESP at
# /m/webhooks/email/<esp>/tracking/, protected by HTTP basic auth "user:password".
ANYMAIL_WEBHOOK_SECRET = env.str("ANYMAIL_WEBHOOK_SECRET", "")

# Marketplaces (orders/marketplaces). Secrets per shop, keyed "<platform>:<shop_id>", as JSON:
# {"shopee:12345": {"secret": "<partner key>", "access_token": "...", "webhook_secret": "..."}}
# (webhook_secret defaults to secret: Shopee and Lazada sign pushes with the same key).
try:
    MARKETPLACE_CREDENTIALS = json.loads(env.str("MARKETPLACE_CREDENTIALS", "{}"))
except ValueError as error:
    raise ImproperlyConfigured(f"MARKETPLACE_CREDENTIALS is not valid JSON: {error}") from error
if DEBUG:
    # The demo shop of `manage.py marketplace_simulate` (development only, like the dev key).
    MARKETPLACE_CREDENTIALS.setdefault(
        "shopee:880001", {"secret": "demo-partner-key", "access_token": "demo-token"}
    )
# The stock scan re-reads this many seconds behind its cursor: a stock change's time is taken
# when its row is written, not when its transaction commits (longer ones: reconciliation).
MARKETPLACE_STOCK_SCAN_OVERLAP_SECONDS = env.int(
    "MARKETPLACE_STOCK_SCAN_OVERLAP_SECONDS", 30, minimum=1
)
MARKETPLACE_PUSH_RETRIES = env.int("MARKETPLACE_PUSH_RETRIES", 5, minimum=0)
# Enqueue the webhook's processing as soon as it is stored (the beat sweep catches the rest).
MARKETPLACE_WEBHOOK_NUDGE = env.bool("MARKETPLACE_WEBHOOK_NUDGE", True)
CELERY_BEAT_SCHEDULE |= {
    "marketplaces-stock-sync": {
        "task": "orders.marketplaces.tasks.stock_sync",
        "schedule": timedelta(seconds=env.int("MARKETPLACE_STOCK_SYNC_SECONDS", 2, minimum=1)),
    },
    "marketplaces-webhook-sweep": {
        "task": "orders.marketplaces.tasks.webhook_sweep",
        "schedule": timedelta(seconds=30),
    },
    "marketplaces-orders-pull": {
        "task": "orders.marketplaces.tasks.orders_pull",
        "schedule": timedelta(minutes=5),
    },
    "marketplaces-reconcile": {
        "task": "orders.marketplaces.tasks.stock_reconcile",
        "schedule": timedelta(minutes=env.int("MARKETPLACE_RECONCILE_MINUTES", 30, minimum=1)),
    },
}
