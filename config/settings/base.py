"""Settings for every environment, read from environment variables (django-environ).

Every external piece has a production backend and an embedded default (DESIGN.md): with no
environment set, the service runs on SQLite, local memory cache, in-process jobs and events,
local media files and a generated JWT key pair under ``.local/``.
"""

from datetime import timedelta
from pathlib import Path

import environ

from core.secrets import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LOCAL_DIR = Path(environ.Env().str("LOCAL_STATE_DIR", default=str(BASE_DIR / ".local")))

env = environ.Env()

# --- Core -------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or local_secret_key(LOCAL_DIR)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.admin.AdminConfig",  # django.contrib.admin on accounts.admin_site.StaffAdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "core",
    "accounts",
    "profiles",
    "cosmetics",
    "battlepass",
    "ranking",
    "events",
    "notifications",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.metrics.middleware.MetricsEndpointMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ApiGuardMiddleware",
    "core.middleware.RequestLimitsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ApiErrorMiddleware",
    "core.metrics.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# --- Database: PostgreSQL (psycopg 3) when DATABASE_URL is set, an SQLite file otherwise --------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}


def default_conn_max_age(engine: str, debug: bool) -> int:
    """Shipped default of ``DB_CONN_MAX_AGE``: persistent connections (600 s, checked for health
    before reuse) on PostgreSQL outside DEBUG; a new connection per request otherwise (SQLite
    opens a file, nothing to save; DEBUG's runserver starts a thread per request)."""
    if debug or engine.endswith("sqlite3"):
        return 0
    return 600


DATABASES["default"].setdefault(
    "CONN_MAX_AGE",
    env.int("DB_CONN_MAX_AGE", default=default_conn_max_age(DATABASES["default"]["ENGINE"], DEBUG)),
)
# A persistent connection is pinged before a request reuses it, so a database restart costs
# one reconnect, never a failed request.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers on the embedded default wait for the lock instead of failing at once:
    # IMMEDIATE takes the write lock when the transaction starts, so the timeout applies (a
    # deferred transaction upgrading to a writer fails with "database is locked" at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
# django-prometheus's wrappers of the same backends count statements and time them (Metrics).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])

# --- Cache: Redis when REDIS_URL is set, local memory otherwise --------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="1v1bro")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.metrics.cache.RedisCache",  # Django's, counting hits and misses
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A dead Redis must fail fast, never hang a request or a probe.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "core.metrics.cache.LocMemCache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
# A Redis (or cache) outage is logged once per this many seconds, not on every request.
OUTAGE_LOG_INTERVAL_SECONDS = env.float("OUTAGE_LOG_INTERVAL_SECONDS", default=60.0)

# --- Celery: broker from CELERY_BROKER_URL; with none, tasks run in-process ---------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BEAT_SCHEDULE: dict = {}

# --- Email: SMTP from EMAIL_URL, console otherwise ---------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="1v1bro <no-reply@1v1bro.local>")

# --- Passwords: bcrypt-SHA256 (cost 12) first ----------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- REST framework ------------------------------------------------------------------------------
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
THROTTLE_ANON_RATE = env.str("THROTTLE_ANON_RATE", default="120/min")
THROTTLE_USER_RATE = env.str("THROTTLE_USER_RATE", default="600/min")
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.RequestRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # 0: the client is REMOTE_ADDR; N: the Nth address from the right of X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "1v1bro user services API",
    "DESCRIPTION": "Accounts, profiles, cosmetics, battle pass, ranking and match ingestion "
    "for 1v1bro. Every error has the shape "
    '`{"error": {"code": str, "message": str, "details": object}}`. '
    "A Bearer token that is bad or expired is a 401 on every operation, also where none is "
    "needed. A query parameter is given once (a repeat is a 400) unless it is an array, which "
    "takes repeated or comma-separated values.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The schema and docs pages ignore any Authorization header (API.md, Conventions).
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_gateway_responses",
        "core.schema.add_token_responses",
        "core.schema.require_response_fields",
        "core.schema.require_one_of_bodies",
        "core.schema.tidy_component_names",
    ],
}

# --- JWT (RS256). Keys: JWT_PRIVATE_KEY / JWT_PUBLIC_KEY (PEM text or file path) -----------------
JWT_ACCESS_TOKEN_LIFETIME = timedelta(
    seconds=env.int("JWT_ACCESS_TOKEN_LIFETIME_SECONDS", default=15 * 60)
)
JWT_REFRESH_TOKEN_LIFETIME = timedelta(
    seconds=env.int("JWT_REFRESH_TOKEN_LIFETIME_SECONDS", default=7 * 24 * 3600)
)
JWT_PRIVATE_KEY = env.str("JWT_PRIVATE_KEY", default="")
JWT_PUBLIC_KEY = env.str("JWT_PUBLIC_KEY", default="")
JWT_PREVIOUS_PUBLIC_KEYS = env.list("JWT_PREVIOUS_PUBLIC_KEYS", default=[])
JWT_KEY_DIR = LOCAL_DIR / "jwt"
# The authentication cache (accounts.auth_cache, README "Read paths over HTTP"): the user entry
# lives AUTH_CACHE_SECONDS; entries are trusted only under a lease of AUTH_CACHE_LEASE_SECONDS,
# which is also how long a revocation waits when it could not reach Redis.
AUTH_CACHE_SECONDS = env.int("AUTH_CACHE_SECONDS", default=600)
AUTH_CACHE_LEASE_SECONDS = env.float("AUTH_CACHE_LEASE_SECONDS", default=1.0)

GAME_SERVICE_TOKEN = env.str("GAME_SERVICE_TOKEN", default="")
# Wrong service tokens per client IP, "<failures>/<seconds>": past it, 429 until the window ends.
SERVICE_TOKEN_FAILURES_IP = env.str("SERVICE_TOKEN_FAILURES_IP", default="10/60")

# --- Gateway: CORS, security headers -------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG

# --- Logging: one line per request; JSON lines when LOG_FORMAT=json ------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR", "propagate": True},
        "django.server": {"level": "WARNING", "propagate": True},
    },
}

# --- Metrics (Prometheus; README, Metrics) ------------------------------------------------------
# GET /metrics answers loopback clients, and others sending "Authorization: Bearer <METRICS_TOKEN>"
# (unset: loopback only). The worker and the consumer serve the same on their own ports (0: off).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_BIND = env.str("METRICS_BIND", default="127.0.0.1")
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
CONSUMER_METRICS_PORT = env.int("CONSUMER_METRICS_PORT", default=0)

# --- Events: inline (embedded default) or pubsub ------------------------------------------------
EVENT_BACKEND = env.str("EVENT_BACKEND", default="inline")
# --- events -------------------------------------------------------------------------------------
GCP_PROJECT = env.str("GCP_PROJECT", default="onevonebro-local")
# The google-cloud-pubsub client reads PUBSUB_EMULATOR_HOST from the environment itself.
PUBSUB_EMULATOR_HOST = env.str("PUBSUB_EMULATOR_HOST", default="")
PUBSUB_TOPIC_PREFIX = env.str("PUBSUB_TOPIC_PREFIX", default="")
# Our subscription on each topic is "<prefix><topic>.<PUBSUB_SUBSCRIPTION>".
PUBSUB_SUBSCRIPTION = env.str("PUBSUB_SUBSCRIPTION", default="user-services")
PUBSUB_ACK_DEADLINE_SECONDS = env.int("PUBSUB_ACK_DEADLINE_SECONDS", default=30)
PUBSUB_MAX_DELIVERY_ATTEMPTS = env.int("PUBSUB_MAX_DELIVERY_ATTEMPTS", default=5)
PUBSUB_PUBLISH_TIMEOUT_SECONDS = env.float("PUBSUB_PUBLISH_TIMEOUT_SECONDS", default=10.0)
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=200)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=2.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=300.0)
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=5.0)
OUTBOX_RETENTION_HOURS = env.float("OUTBOX_RETENTION_HOURS", default=72.0)
CELERY_BEAT_SCHEDULE["events-relay-outbox"] = {
    "task": "events.relay_outbox",
    "schedule": OUTBOX_SWEEP_SECONDS,
    "options": {"expires": OUTBOX_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULE["events-prune-outbox"] = {
    "task": "events.prune_outbox",
    "schedule": 3600.0,
    "options": {"expires": 600},
}

SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "ACCESS_TOKEN_LIFETIME": JWT_ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": JWT_REFRESH_TOKEN_LIFETIME,
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.AccessToken",),
}

# --- notifications -------------------------------------------------------------------------------
# Read notifications older than this many days are deleted by a daily beat job (unread ones stay).
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=90)
CELERY_BEAT_SCHEDULE["notifications-prune"] = {
    "task": "notifications.prune",
    "schedule": 24 * 3600.0,
    "options": {"expires": 3600},
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["NotificationKindEnum"] = (
    "notifications.models.NotificationKind"
)

# --- battlepass ---
# Coins given instead of a battle-pass cosmetic the player already owns, when the item has no coin
# price (otherwise its coin price is given).
BATTLEPASS_DUPLICATE_FALLBACK_COINS = env.int("BATTLEPASS_DUPLICATE_FALLBACK_COINS", default=100)
# Daily bonus XP (battlepass/daily-bonus/): this + 10 per consecutive previous day (extra capped at +50).
DAILY_BONUS_XP = env.int("DAILY_BONUS_XP", default=50)
# Season end (manage.py season_end): new ELO = round(1200 + (ELO - 1200) x SEASON_RESET_FACTOR),
# the factor in [0, 1]; players per chunk (each chunk one transaction with its progress marker).
SEASON_RESET_FACTOR = env.float("SEASON_RESET_FACTOR", default=0.5)
if not 0 <= SEASON_RESET_FACTOR <= 1:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SEASON_RESET_FACTOR must be in [0, 1], not {SEASON_RESET_FACTOR}.")
SEASON_END_CHUNK_SIZE = env.int("SEASON_END_CHUNK_SIZE", default=2000)
# Ends every active season whose end_date has passed (battlepass.tasks.end_due_seasons).
CELERY_BEAT_SCHEDULE["battlepass-end-due-seasons"] = {
    "task": "battlepass.end_due_seasons",
    "schedule": 60.0,
    "options": {"expires": 60},
}

# --- profiles/media ---
# MEDIA_BACKEND: "local" (embedded default: files under MEDIA_ROOT, signed upload endpoint and
# file serving by this service) or "gcs" (django-storages on Cloud Storage, V4 signed PUT URLs).
MEDIA_BACKEND = env.str("MEDIA_BACKEND", default="local")
if MEDIA_BACKEND not in ("local", "gcs"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("MEDIA_BACKEND must be 'local' or 'gcs'.")
GCS_BUCKET = env.str("GCS_BUCKET", default="1v1bro-user-media")
GCS_PROJECT = env.str("GCS_PROJECT", default="") or None
# Service-account JSON key for API calls and URL signing; unset: application default credentials
# (signing then goes through the IAM signBlob API with the default service account).
GCS_CREDENTIALS_FILE = env.str("GCS_CREDENTIALS_FILE", default="")
# Public base of published media (a CDN in front of the bucket); unset: the bucket's public URL.
MEDIA_CDN_BASE_URL = env.str("MEDIA_CDN_BASE_URL", default="").rstrip("/")
# gcp-storage-emulator (or any GCS emulator): API calls go there with anonymous credentials.
STORAGE_EMULATOR_HOST = env.str("STORAGE_EMULATOR_HOST", default="").rstrip("/")
if STORAGE_EMULATOR_HOST and "://" not in STORAGE_EMULATOR_HOST:
    STORAGE_EMULATOR_HOST = f"http://{STORAGE_EMULATOR_HOST}"
# Absolute URLs handed out on the local backend (upload URLs, published files) start with this.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
MEDIA_UPLOAD_URL_TTL_SECONDS = env.int("MEDIA_UPLOAD_URL_TTL_SECONDS", default=300)
MEDIA_AVATAR_MAX_BYTES = env.int("MEDIA_AVATAR_MAX_BYTES", default=5 * 1024 * 1024)
MEDIA_BANNER_MAX_BYTES = env.int("MEDIA_BANNER_MAX_BYTES", default=10 * 1024 * 1024)
# Decoded images above this many pixels are refused before decoding (decompression bombs).
MEDIA_MAX_PIXELS = env.int("MEDIA_MAX_PIXELS", default=40_000_000)
PROFILE_CACHE_SECONDS = env.int("PROFILE_CACHE_SECONDS", default=300)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["MediaStatusEnum"] = "profiles.models.MediaStatus"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ImageTypeEnum"] = "profiles.imaging.ALLOWED_TYPES"
# An upload still "processing" after this long (its task was lost) is marked failed; uploads never
# confirmed are deleted after MEDIA_ORPHAN_UPLOAD_HOURS (on gcs a bucket lifecycle rule does too).
MEDIA_PROCESSING_TIMEOUT_SECONDS = env.int("MEDIA_PROCESSING_TIMEOUT_SECONDS", default=1800)
MEDIA_ORPHAN_UPLOAD_HOURS = env.int("MEDIA_ORPHAN_UPLOAD_HOURS", default=24)
CELERY_BEAT_SCHEDULE["profiles-sweep-media"] = {
    "task": "profiles.sweep_media",
    "schedule": 600.0,
    "options": {"expires": 300},
}

# --- cosmetics ---
# Shop pages and inventories are cached (Redis when configured); writes invalidate after commit.
COSMETICS_SHOP_CACHE_SECONDS = env.int("COSMETICS_SHOP_CACHE_SECONDS", default=60)
# How long a web process serves a shop page it keeps before checking the shop's generation
# (cosmetics.cache.shop_page_kept): the bound on how late a purchase's owned_by_count shows.
COSMETICS_SHOP_PAGE_SECONDS = env.float("COSMETICS_SHOP_PAGE_SECONDS", default=1.0)
COSMETICS_INVENTORY_CACHE_SECONDS = env.int("COSMETICS_INVENTORY_CACHE_SECONDS", default=300)
# Idempotency-Key responses are kept this long (never less than 24 h), pruned hourly by beat.
IDEMPOTENCY_KEY_RETENTION_HOURS = env.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default=48)
CELERY_BEAT_SCHEDULE["core-prune-idempotency-keys"] = {
    "task": "core.prune_idempotency_keys",
    "schedule": 3600.0,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "CosmeticTypeEnum": "cosmetics.models.CosmeticType",
        "CosmeticRarityEnum": "cosmetics.models.Rarity",
        "CurrencyEnum": "cosmetics.models.Currency",
    }
)

# --- accounts ------------------------------------------------------------------------------------
# Auth rate limits, "<attempts>/<seconds>", shared by every web process (Redis when configured).
AUTH_RATE_LIMITS = {
    # every login attempt per client IP; and failed ones (wrong password or 2FA code) per account
    "login_ip": env.str("AUTH_RATE_LOGIN_IP", default="5/60"),
    "login_account": env.str("AUTH_RATE_LOGIN_ACCOUNT", default="10/900"),
    # 2fa/verify and 2fa/disable: every call per IP, wrong codes per account
    "two_factor_ip": env.str("AUTH_RATE_2FA_IP", default="5/60"),
    "two_factor_account": env.str("AUTH_RATE_2FA_ACCOUNT", default="10/900"),
    # password-reset requests per IP and per address asked for
    "password_reset_ip": env.str("AUTH_RATE_PASSWORD_RESET_IP", default="5/60"),
    "password_reset_email": env.str("AUTH_RATE_PASSWORD_RESET_EMAIL", default="5/900"),
}
# A refresh token presented again within this many seconds of its rotation (two tabs refreshing
# at once) is refused without revoking its family; any later reuse revokes the family.
AUTH_REFRESH_REUSE_GRACE_SECONDS = env.int("AUTH_REFRESH_REUSE_GRACE_SECONDS", default=5)
# The Django admin refuses staff without 2FA (a confirmed TOTP device); on unless DEBUG.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=not DEBUG)
# Password-reset tokens expire after this many seconds (Django's setting); PASSWORD_RESET_URL, if
# set, is a link with "{token}" put in the mail, e.g. https://play.1v1bro.gg/reset?token={token}.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)
PASSWORD_RESET_URL = env.str("PASSWORD_RESET_URL", default="")
# Without a Celery broker the reset mail is sent from a thread, so its lookup and the mail
# server's latency never show in the answer (tests turn it off to read the outbox at once).
PASSWORD_RESET_MAIL_THREAD = env.bool("PASSWORD_RESET_MAIL_THREAD", default=True)
# django-otp: issuer shown in authenticator apps; per-device back-off after wrong codes (1, 2, 4 s…).
OTP_TOTP_ISSUER = "1v1bro"
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_TOTP_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = env.int("OTP_STATIC_THROTTLE_FACTOR", default=1)
CELERY_BEAT_SCHEDULE["accounts-prune-tokens"] = {
    "task": "accounts.tokens_prune",
    "schedule": 6 * 3600.0,
    "options": {"expires": 3600},
}

# --- ranking -------------------------------------------------------------------------------------
# Rating and stats reads are cached this long (seconds); every rating change invalidates them.
RANKING_CACHE_SECONDS = env.int("RANKING_CACHE_SECONDS", default=30)
# How long a web process serves a board page rendering before checking the boards' version
# (ranking.board_pages): the bound on how late a rating change shows on leaderboards/global|regional.
RANKING_BOARD_PAGE_SECONDS = env.float("RANKING_BOARD_PAGE_SECONDS", default=1.0)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["RankTierEnum"] = "ranking.models.Tier"
