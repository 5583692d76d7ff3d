"""Settings: one module, everything that differs between machines comes from the environment.

DJANGO_ENV = development (default) | test | production.
Without DATABASE_URL / REDIS_URL, development and test start the embedded servers of ``runtime.py``.
Production refuses to start without real secrets, database, Redis and personal-data keys.
"""

import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

from . import runtime

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = runtime.VAR_DIR
ENV = os.environ.get("DJANGO_ENV", "development")
TESTING = ENV == "test" or "pytest" in sys.modules
PRODUCTION = ENV == "production"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    """An integer variable; unset or empty means the default."""
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_decimal(name: str, default: str) -> Decimal:
    return Decimal(os.environ.get(name) or default)


def env_int_tuple(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of integers (``20,25,28``); unset or empty means the default."""
    value = os.environ.get(name)
    return tuple(int(v) for v in value.split(",") if v.strip()) if value else default


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


def _required_secret(name: str, min_length: int = 32) -> str:
    """A production secret: present, long enough, and not the placeholder of docker-compose.yml / docs."""
    value = _required(name)
    for part in value.split(","):
        if len(part.strip()) < min_length or "change-me" in part.lower():
            raise ImproperlyConfigured(
                f"{name} must hold real secrets of at least {min_length} characters (not a placeholder) "
                "when DJANGO_ENV=production"
            )
    return value


def _dev_secret(name: str, nbytes: int = 32) -> str:
    """A development secret generated once and kept under var/ (never used in production)."""
    import secrets

    path = VAR_DIR / "keys" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_from_url(url: str) -> dict:
    parts = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": query.pop("host", parts.hostname or ""),
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": query,
        # LZ_TEST_DB lets several checkouts on one machine test side by side against one server.
        "TEST": {"NAME": env("LZ_TEST_DB") or "test_liuzhou"},
    }


if PRODUCTION:
    SECRET_KEY = _required_secret("SECRET_KEY", 50)
    DATABASE_URL = _required("DATABASE_URL")
    REDIS_URL = _required("REDIS_URL")
else:
    SECRET_KEY = env("SECRET_KEY") or _dev_secret("django_secret_key", 48)
    DATABASE_URL = env("DATABASE_URL") or runtime.embedded_database_url()
    REDIS_URL = env("REDIS_URL") or runtime.embedded_redis_url()

DEBUG = env_bool("DEBUG", not PRODUCTION and not TESTING)
ALLOWED_HOSTS = [h for h in (env("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver") or "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "axes",
    "apps.core",
    "apps.parties",
    "apps.imports",
    "apps.exchange",
    "apps.vehicles",
    "apps.demo",  # seed_demo and generate_city; the demo seeders run in the order of apps.demo.seeders.SEEDERS
    "apps.policies",
    "apps.leads",
    "apps.rescissions",
    "apps.claims",
    "apps.complaints",
    "apps.credit",
    "apps.inspections",
    "apps.dashboard",
    "apps.ridehailing",
    # The project package itself, for its management commands (db_app_role): above every app (layers).
    "liuzhou_regulation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.parties.middleware.ActiveAccountMiddleware",  # a deactivated organisation's sessions end at once
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.core.middleware.PermissionDeniedErrorMiddleware",  # a service's refusal is a 403 page
    "apps.core.middleware.CalendarMemoMiddleware",  # the calendar read once per request, however many clocks
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liuzhou_regulation.urls"
WSGI_APPLICATION = "liuzhou_regulation.wsgi.application"

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
                "apps.core.context_processors.platform",
            ],
        },
    },
]

DATABASES = {"default": _database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "parties.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: fast
    if TESTING
    else ["django.contrib.auth.hashers.Argon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "apps.core.error_pages.csrf_failure"  # in the user's language, with a way back
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login throttling (django-axes): lock a username+IP pair after AXES_FAILURE_LIMIT failures, and an IP
# whatever the usernames after AXES_IP_FAILURE_LIMIT failures, so one address cannot spray passwords across many
# accounts (apps.parties.lockout.LockoutHandler applies the two limits).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_HANDLER = "apps.parties.lockout.LockoutHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# guardian: object permissions, only through direct-foreign-key models (see apps/parties/access.py).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "zh-hans"
# each language named in itself, whatever the page's language (a reader looks for the one they read)
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION  # development serves straight from static/ without collectstatic
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024


def _redis_location(url: str) -> str:
    # Django's Redis cache speaks "unix://" where Celery/kombu speaks "redis+socket://".
    return url.replace("redis+socket://", "unix://", 1)


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis_location(REDIS_URL) + ("?db=2" if "redis+socket" in REDIS_URL else ""),
        "KEY_PREFIX": "test" if TESTING else "lz",
    }
}

# Celery: Redis broker; tasks are acknowledged after they run (a killed worker's task is redelivered),
# and the visibility timeout is longer than any retry back-off so Redis does not redeliver a running task.
CELERY_BROKER_URL = REDIS_URL + ("?virtual_host=1" if TESTING and "redis+socket" in REDIS_URL else "")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Parallel test processes (`make test`, pytest-xdist) each get their own queue, as they get their own database.
CELERY_TASK_DEFAULT_QUEUE = env("LZ_CELERY_QUEUE") or (
    ("lz-test" + (f"-{env('PYTEST_XDIST_WORKER')}" if env("PYTEST_XDIST_WORKER") else "")) if TESTING else "lz")
CELERY_TIMEZONE = TIME_ZONE
# Parts one import of independent rows (vehicles) is split into, each a task on its own worker process: match the
# worker's concurrency (`make run` starts two). Tests run imports inline, in one part, unless they ask for more.
IMPORT_WORKERS = env_int("IMPORT_WORKERS", 1 if TESTING else 2)
# The bulk importer's limits (apps/imports/conf.py reads them; docs/operations.md, docs/security.md).
IMPORT_MAX_FILE_MB = env_int("IMPORT_MAX_FILE_MB", 30)  # an uploaded file
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)  # data rows of one file
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200)  # columns read from a sheet; a sheet declaring more is refused
IMPORT_MAX_XLSX_UNPACKED_MB = env_int("IMPORT_MAX_XLSX_UNPACKED_MB", 300)  # an XLSX archive's parts, unpacked
IMPORT_CHUNK_ROWS = env_int("IMPORT_CHUNK_ROWS", 1000)  # rows per transaction of an import
IMPORT_SYNC_VALIDATE_ROWS = env_int("IMPORT_SYNC_VALIDATE_ROWS", 2000)  # bigger files are previewed by a task
IMPORT_MAX_STORED_ERRORS = env_int("IMPORT_MAX_STORED_ERRORS", 20_000)  # row errors kept per preview
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 30)  # days an uploaded file is kept
# CELERY_BEAT_SCHEDULE (every periodic task, in one place) is at the end, after the apps' settings it uses.

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.parties.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    # Throttles (counters in the Redis cache): every API request per user / per IP, and a stricter
    # ``personal_data`` scope shared by reveals and searches by a personal field, pages and API (apps.core.throttles).
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttles.AnonThrottle", "apps.core.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("THROTTLE_ANON") or "60/min", "user": env("THROTTLE_USER") or "6000/min",
                               "personal_data": env("THROTTLE_PERSONAL_DATA") or "60/hour"},
}
THROTTLE_KEY_PREFIX = ""
SPECTACULAR_SETTINGS = {
    "TITLE": "柳州市客运车辆保险联合监管平台 API",
    "DESCRIPTION": "Joint supervision of passenger-vehicle insurance in Liuzhou. "
    "Browsers use the session; systems send `Authorization: Api-Key <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # the error shape with every error code (ErrorResponse, ErrorCodeEnum; apps/core/api/schema.py)
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "apps.core.api.schema.add_error_components"],
}
# One readable name per choice set of the API ("ClaimStatusEnum", "LeadStatusEnum" …) instead of hashed ones for
# fields of the same name: the sets are aliased in liuzhou_regulation/api_enums.py (tests/fuzz/test_schema_names.py).
API_ENUM_NAMES = (
    "BatchEventKind", "BatchState", "ClaimDecision", "ClaimSize", "ClaimSource", "ClaimStatus",
    "ComplaintCategory", "ComplaintChannel", "ComplaintEventKind", "ComplaintFinding", "ComplaintHotline",
    "ComplaintStatus", "CoverageKind", "CreditActionGround", "CreditActionKind", "CreditEvent", "CreditSeverity",
    "CreditSource", "CreditSubjectKind", "DeadlineStatus", "DeadlineUnit", "FocusedCheckResult",
    "FocusedCheckSubjectKind", "ImportJobFormat", "ImportJobMode", "ImportJobStatus", "InsurerWorklistItemAnswer",
    "InsurerWorklistItemKind", "InsurerWorklistItemState", "LawfulListRunState", "LeadAttachmentStage",
    "LeadDirection", "LeadDisposal", "LeadFinding", "LeadOutcome", "LeadSource", "LeadStatus",
    "OperatingPermitKind", "OrganizationKeyPurpose", "OrganizationKind", "PolicyKind", "PolicyStatus",
    "RescissionDecision", "RescissionEventKind", "RescissionNoticeKind", "RescissionStatus", "RescissionTrigger",
    "Role", "ScreeningFindingKind", "SupervisoryActionStatus", "UsageClass", "UsageNature", "VehicleStatus",
    "WorkCalendarYearSource",
)
API_ENUM_NAMES += ("BatchRowOutcome", "FocusedCheckVerdict")
API_ENUM_NAMES += ("ComplaintHandlingExtensionStep", "ComplaintHandlingPeriodKind")  # rule T4
# the lifecycle, proposal, inspection and review choice sets of rules M2, M6, M10, M12, M17, J6–J9
API_ENUM_NAMES += ("CancellationGround", "CoverageStandardStatus", "CreditProposalStatus", "EndorsementPremiumMode", "InspectionConclusion", "InspectionNoticeResult", "InspectionNoticeStatus", "InspectionStatus", "PolicyLifecyclePath", "RescissionFault", "RescissionPath", "RiskModelRunState", "ScreeningFindingReview", "UrgingItemStatus",)
API_ENUM_NAMES += ("ExchangeProfileSuite", "LogEntryKind", "TreeHeadTrigger")  # the exchange's suites and log
API_ENUM_NAMES += ("OrganizationKeyCustody",)  # custodial (platform-held) or the party's own signing key
API_ENUM_NAMES += ("RideHailingDeliverySource", "RideHailingFeedKind", "RideHailingInterface", "RideHailingOutcome")  # ride-hailing data
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {f"{n}Enum": f"liuzhou_regulation.api_enums.{n}" for n in API_ENUM_NAMES}

# Personal data encryption (apps/core/crypto.py). Comma-separated url-safe base64 32-byte keys, newest first.
if PRODUCTION:
    PERSONAL_DATA_KEYS = _required_secret("PERSONAL_DATA_KEYS").split(",")
    BLIND_INDEX_KEY = _required_secret("BLIND_INDEX_KEY")
    PLATFORM_KEY = _required_secret("PLATFORM_KEY")
else:
    PERSONAL_DATA_KEYS = (env("PERSONAL_DATA_KEYS") or _dev_secret("personal_data_key")).split(",")
    BLIND_INDEX_KEY = env("BLIND_INDEX_KEY") or _dev_secret("blind_index_key")
    PLATFORM_KEY = env("PLATFORM_KEY") or _dev_secret("platform_key")

# The exchange's algorithm suite for this deployment (apps/exchange, docs/exchange.md): "intl" (Ed25519, X25519,
# AES-256-GCM, SHA-256) or "sm" (国密: SM2, SM4, SM3). A party's exchange profile may choose 国密 for itself; a
# batch uses 国密 when either party's suite is 国密. The platform's transparency log signs its tree head at this
# interval (seconds) besides after each batch.
EXCHANGE_SUITE = (env("EXCHANGE_SUITE") or "intl").strip().lower()
EXCHANGE_LOG_HEAD_SECONDS = env_int("EXCHANGE_LOG_HEAD_SECONDS", 3600)

# Deadlines (apps/core/deadlines.py): warn at this share of a clock's span, and this long before due.
DEADLINE_WARN_FRACTION = Decimal(env("DEADLINE_WARN_FRACTION") or "0.75")
DEADLINE_WARN_BEFORE = timedelta(hours=env_int("DEADLINE_WARN_BEFORE_HOURS", 24))
# The platform's GB/T 2260 code: its clocks use the national, Guangxi (450000) and Liuzhou (450200) calendar layers
# (rules T1–T3; apps/core/calendar.py). Parties carry no region of their own, so every clock uses this one.
PLATFORM_REGION_CODE = env("PLATFORM_REGION_CODE") or "450200"
# Per-deployment overrides of a clock rule's warnings: {"rule": {"warn_fraction": Decimal, "warn_before": timedelta}}.
# Each rule's own warnings are part of its registration in the one clock table (apps/core/rules.py, e.g. the 1-hour
# claim dispatch warns 15 minutes before, rule M13); an entry here wins over the registration, which wins over the
# two defaults above.
DEADLINE_RULES: dict = {}

# The apps' settings, named by RULES.md (never literals in code). Every default is written here and only here:
# this module is the one that reads the environment; each app's conf.py is a typed accessor over
# django.conf.settings (so override_settings works in tests) and never reads the environment itself.
# docs/operations.md ("Configuration") lists every variable. Numbers fixed by the regulation itself are constants
# of their app (e.g. apps/claims/clocks.py, VEHICLE_SCOPE_MAX_SEATS), not settings.

# Claims (apps/claims/conf.py)
CLAIM_SMALL_MAX_CNY = env_decimal("CLAIM_SMALL_MAX_CNY", "10000")  # rule M13: at most this is a small claim
CLAIM_LARGE_PROGRESS_WORKDAYS = env_int("CLAIM_LARGE_PROGRESS_WORKDAYS", 5)  # rule M13: progress notice interval
CLAIM_REPORT_WITHIN_HOURS = env_int("CLAIM_REPORT_WITHIN_HOURS", 48)  # rule P2: a later report is marked
CLAIM_OPERATING_EVIDENCE_DAYS = env_int("CLAIM_OPERATING_EVIDENCE_DAYS", 180)  # rule M15 (project default)
CLAIM_ANALYTICS_SECONDS = env_int("CLAIM_ANALYTICS_SECONDS", 86400)  # rule M14: beat interval of the analytics job
CLAIM_FOCUSED_CHECK_DAYS = env_int("CLAIM_FOCUSED_CHECK_DAYS", 30)  # rule M14 (project default)
CLAIM_NIGHT_START_HOUR = env_int("CLAIM_NIGHT_START_HOUR", 22)  # "at night": Asia/Shanghai hour in [start, 24)
CLAIM_NIGHT_END_HOUR = env_int("CLAIM_NIGHT_END_HOUR", 6)  # … or in [0, end)

# Complaints (apps/complaints/conf.py)
COMPLAINT_FEEDBACK_DAYS = env_int("COMPLAINT_FEEDBACK_DAYS", 15)  # rule M16
COMPLAINT_HANDLING_DAYS = env_int("COMPLAINT_HANDLING_DAYS", 15)  # rule T4
COMPLAINT_HANDLING_COMPLEX_DAYS = env_int("COMPLAINT_HANDLING_COMPLEX_DAYS", 30)  # rule T4: complex case
COMPLAINT_HANDLING_MAX_DAYS = env_int("COMPLAINT_HANDLING_MAX_DAYS", 60)  # rule T4: with approval, at most
COMPLAINT_SUBMIT_LIMIT = env_int("COMPLAINT_SUBMIT_LIMIT", 5)  # reports per IP address per window
COMPLAINT_SUBMIT_WINDOW_SECONDS = env_int("COMPLAINT_SUBMIT_WINDOW_SECONDS", 3600)
COMPLAINT_LOOKUP_LIMIT = env_int("COMPLAINT_LOOKUP_LIMIT", 30)  # status look-ups per IP address per window
COMPLAINT_LOOKUP_WINDOW_SECONDS = env_int("COMPLAINT_LOOKUP_WINDOW_SECONDS", 600)
COMPLAINT_MAX_PHOTOS = env_int("COMPLAINT_MAX_PHOTOS", 3)
COMPLAINT_MAX_PHOTO_BYTES = env_int("COMPLAINT_MAX_PHOTO_BYTES", 5 * 1024 * 1024)
COMPLAINT_MAX_TEXT_CHARS = env_int("COMPLAINT_MAX_TEXT_CHARS", 2000)
COMPLAINT_TRUSTED_PROXIES = env_int("COMPLAINT_TRUSTED_PROXIES", 0)  # proxies appending to X-Forwarded-For
COMPLAINT_PHOTO_ROOT = None  # None: MEDIA_ROOT/private/complaints (a directory no URL maps to)

# Credit file and supervisory actions (apps/credit/conf.py; rules M12, M14, M15, M17)
CREDIT_SEVERITY_POINTS = {"minor": 1, "moderate": 3, "serious": 6, "severe": 12}
CREDIT_VALIDITY_DAYS = {"minor": 365, "moderate": 730, "serious": 1095, "severe": 1825}
# (level, minimum points) from the worst level down: A 良好 (0 points), B 一般 (1–5), C 较差 (6–11), D 差 (12+)
CREDIT_LEVEL_THRESHOLDS = [("D", 12), ("C", 6), ("B", 1), ("A", 0)]
CREDIT_SEVERE_IS_WORST = env("CREDIT_SEVERE_IS_WORST", "1") == "1"
SUPERVISORY_ACTION_FOLLOWUP_DAYS = {
    "rectification_order": 30, "business_suspension": 90, "penalty": 30, "self_discipline": 30,
}
SUPERVISORY_ACTION_CREDIT_SEVERITY = {
    "rectification_order": "moderate", "business_suspension": "severe", "penalty": "serious",
    "self_discipline": "minor",
}
URGING_ITEM_DAYS = env_int("URGING_ITEM_DAYS", 15)  # rules M12, M17
SUPERVISORY_DECISION_NUMBER_PREFIX = {"regulator": "柳金监", "transport": "柳交运"}
SUPERVISORY_DECISION_NUMBER_KIND = {"rectification_order": "责改", "business_suspension": "暂停"}

# Dashboard (apps/dashboard/conf.py)
DASHBOARD_DEFAULT_MONTHS = env_int("DASHBOARD_DEFAULT_MONTHS", 6)
DASHBOARD_MAX_MONTHS = env_int("DASHBOARD_MAX_MONTHS", 36)
DASHBOARD_REPORT_FIRST_MONTH = env("DASHBOARD_REPORT_FIRST_MONTH") or "2026-04"  # rule M18: from 2026-04-30
DASHBOARD_DUE_SOON_DAYS = env_int("DASHBOARD_DUE_SOON_DAYS", 7)
DASHBOARD_REPORT_ANNOUNCE_SECONDS = env_int("DASHBOARD_REPORT_ANNOUNCE_SECONDS", 3600)

# Exchange (apps/exchange/conf.py; EXCHANGE_SUITE and EXCHANGE_LOG_HEAD_SECONDS are above)
EXCHANGE_MAX_ATTEMPTS = env_int("EXCHANGE_MAX_ATTEMPTS", 8)
EXCHANGE_RETRY_BACKOFF_SECONDS = env_int("EXCHANGE_RETRY_BACKOFF_SECONDS", 30)
EXCHANGE_RETRY_BACKOFF_MAX_SECONDS = env_int("EXCHANGE_RETRY_BACKOFF_MAX_SECONDS", 3600)  # below the visibility timeout
EXCHANGE_SWEEP_SECONDS = env_int("EXCHANGE_SWEEP_SECONDS", 60)
EXCHANGE_SWEEP_GRACE_SECONDS = env_int("EXCHANGE_SWEEP_GRACE_SECONDS", 120)
EXCHANGE_REQUEUE_SECONDS = env_int("EXCHANGE_REQUEUE_SECONDS", 300)
EXCHANGE_DELIVERING_STALE_SECONDS = env_int("EXCHANGE_DELIVERING_STALE_SECONDS", 300)
EXCHANGE_SWEEP_LIMIT = env_int("EXCHANGE_SWEEP_LIMIT", 500)
EXCHANGE_PUBLISH_MAX_RETRIES = env_int("EXCHANGE_PUBLISH_MAX_RETRIES", 2)
# a party's own signing keys (apps/exchange/ownkeys.py)
EXCHANGE_KEY_OVERLAP_SECONDS = env_int("EXCHANGE_KEY_OVERLAP_SECONDS", 7 * 24 * 3600)  # old key valid after rotation
EXCHANGE_KEY_CHALLENGE_SECONDS = env_int("EXCHANGE_KEY_CHALLENGE_SECONDS", 900)  # a registration challenge's lifetime
EXCHANGE_SIGNATURE_WINDOW_SECONDS = env_int("EXCHANGE_SIGNATURE_WINDOW_SECONDS", 900)  # signed_at to arrival, at most
# RFC 3161 timestamp tokens on the log's signed tree heads (apps/exchange/tsa.py): none when the URL is empty
EXCHANGE_TSA_URL = env("EXCHANGE_TSA_URL") or ""
EXCHANGE_TSA_CERT = env("EXCHANGE_TSA_CERT") or ""  # PEM file: the TSA's root certificate, a token must verify to it
EXCHANGE_TSA_TIMEOUT_SECONDS = env_int("EXCHANGE_TSA_TIMEOUT_SECONDS", 10)
EXCHANGE_TSA_RETRY_SECONDS = env_int("EXCHANGE_TSA_RETRY_SECONDS", 300)  # a head still without a token: retried then

# Inspections (apps/inspections/conf.py)
INSPECTION_RECTIFICATION_DAYS = env_int("INSPECTION_RECTIFICATION_DAYS", 30)  # rule M17
INSPECTION_MAX_TEXT_CHARS = env_int("INSPECTION_MAX_TEXT_CHARS", 4000)

# Leads (apps/leads/conf.py)
LAWFUL_LIST_PUSH_SECONDS = env_int("LAWFUL_LIST_PUSH_SECONDS", 86400)  # rule M6 ("定期"): beat interval
RISK_MODEL_RUN_SECONDS = env_int("RISK_MODEL_RUN_SECONDS", 86400)  # rule M8 ("动态监测"): beat interval
RISK_MODEL_DEFAULT_THRESHOLD = env_decimal("RISK_MODEL_DEFAULT_THRESHOLD", "3")  # first weights version's
RISK_PENALTY_LOOKBACK_DAYS = env_int("RISK_PENALTY_LOOKBACK_DAYS", 365)
LEAD_ATTACHMENT_MAX_BYTES = env_int("LEAD_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
LEAD_UPLOAD_MAX_ROWS = env_int("LEAD_UPLOAD_MAX_ROWS", 5000)
LEAD_CHECK_MAX_BACKDATE_DAYS = env_int("LEAD_CHECK_MAX_BACKDATE_DAYS", 30)
LEAD_OFFLINE_CHECK_DAYS = env_int("LEAD_OFFLINE_CHECK_DAYS", 15)  # rules M2, M4 (project default)
LEAD_WORKLIST_ANSWER_DAYS = env_int("LEAD_WORKLIST_ANSWER_DAYS", 15)  # rule M8 (project default)

# Policies (apps/policies/conf.py)
POLICY_ENDORSEMENT_DAYS = env_int("POLICY_ENDORSEMENT_DAYS", 15)  # rules M6, J8, J9 (project default)

# Rescissions (apps/rescissions/conf.py)
RESCISSION_DAYS = env_int("RESCISSION_DAYS", 30)  # rule M12 / J5
RESCISSION_DISCLOSURE_DAYS = env_int("RESCISSION_DISCLOSURE_DAYS", 5)  # rule J5
RESCISSION_WARN_DAY = env_int("RESCISSION_WARN_DAY", 20)  # rule M12
RESCISSION_REMINDER_DAYS = env_int_tuple("RESCISSION_REMINDER_DAYS", (20, 25, 28))  # rule M12
RESCISSION_LAPSING_PANEL_DAYS = env_int("RESCISSION_LAPSING_PANEL_DAYS", 5)
RESCISSION_NOTICE_TRANSIT_DAYS = env_int("RESCISSION_NOTICE_TRANSIT_DAYS", 0)  # 0: delivered the day it is sent
RESCISSION_MAX_BACKDATE_HOURS = env_int("RESCISSION_MAX_BACKDATE_HOURS", 72)
RESCISSION_VEHICLE_ADMIN_NAME = env("RESCISSION_VEHICLE_ADMIN_NAME") or "柳州市公安局交通警察支队车辆管理所"  # 附件七
RESCISSION_LAPSE_SEVERITY = env("RESCISSION_LAPSE_SEVERITY") or "moderate"  # credit record of a lapsed case

# Vehicles (apps/vehicles/conf.py; rule M9, project defaults)
ONBOARDING_EXPIRY_WARN_DAYS = env_int("ONBOARDING_EXPIRY_WARN_DAYS", 30)
ONBOARDING_CHECK_VALID_DAYS = env_int("ONBOARDING_CHECK_VALID_DAYS", 7)

# Ride-hailing supervision data (apps/ridehailing, docs/ridehailing.md). Raw operating records are kept this
# many days (the national rules: at least 6 months; below 184 days is refused), a request carries at most
# RIDEHAILING_MAX_RECORDS records.
RIDEHAILING_RAW_RETENTION_DAYS = env_int("RIDEHAILING_RAW_RETENTION_DAYS", 184)
RIDEHAILING_MAX_RECORDS = env_int("RIDEHAILING_MAX_RECORDS", 5000)

# Celery beat: every periodic task, in this one place (apps do not add to it; tests/core/test_beat_schedule.py
# checks that each entry names a registered task).
DEADLINE_SCAN_SECONDS = env_int("DEADLINE_SCAN_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    # the one clock scan of every rule: warnings, fixed reminders, breaches (apps/core/deadlines.py)
    "deadline-scan": {"task": "apps.core.tasks.deadline_scan", "schedule": DEADLINE_SCAN_SECONDS},
    # uploaded import files hold full ID and phone numbers: deleted after IMPORT_FILE_RETENTION_DAYS
    "imports-purge-files": {"task": "apps.core.imports.import_files_purge_task", "schedule": 86400},
    "exchange-sweep": {"task": "apps.exchange.tasks.exchange_sweep", "schedule": EXCHANGE_SWEEP_SECONDS},
    "exchange-log-heads": {"task": "apps.exchange.tasks.exchange_log_heads", "schedule": EXCHANGE_LOG_HEAD_SECONDS},
    "policies-expire": {"task": "apps.policies.tasks.policies_expire", "schedule": 3600},  # past their end: expired
    "leads-lawful-list": {"task": "apps.leads.tasks.push_lawful_list", "schedule": LAWFUL_LIST_PUSH_SECONDS},
    "leads-risk-model": {"task": "apps.leads.tasks.run_risk_model", "schedule": RISK_MODEL_RUN_SECONDS},
    "claims-analytics": {"task": "apps.claims.tasks.claims_analytics_run", "schedule": CLAIM_ANALYTICS_SECONDS},
    # raw ride-hailing operating partitions older than RIDEHAILING_RAW_RETENTION_DAYS are dropped
    "ridehailing-retention": {"task": "apps.ridehailing.tasks.retention_sweep", "schedule": 86400},
    # rule M5: yesterday's ride-hailing trips without a valid ride-hailing transport permit → transport leads
    "ridehailing-permit-check": {"task": "apps.ridehailing.tasks.permit_check", "schedule": 86400},
    # rules M6, M8: the platforms' reported insurance against the register → regulator findings, insurer worklists
    "ridehailing-insurance-check": {"task": "apps.ridehailing.tasks.insurance_check", "schedule": 86400},
    # whether last month's joint report is to be announced (rule M18); never more often than once a minute
    "dashboard-joint-report": {"task": "apps.dashboard.tasks.joint_report_announce",
                               "schedule": max(60, DASHBOARD_REPORT_ANNOUNCE_SECONDS)},
}

# Entries: a period end (policy, permit, suspension, standard) may lie at most this many years ahead (apps/core/validators.py).
ENTRY_YEARS_AHEAD = env_int("ENTRY_YEARS_AHEAD", 10)
# Notifications also go by e-mail to users who have an address (apps/core/notifications.py).
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", True)

EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "noreply@lz-insurance-supervision.local"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response, public pages included: scripts only from this site's
# static files — no inline <script>, no on* attributes, no eval — so injected markup cannot run. Inline styles
# stay allowed ('unsafe-inline' in style-src: many templates carry style="…"); they cannot run code.
# api-docs (Swagger UI) adds its CDN in liuzhou_regulation/urls.py. See docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "apps.core.logging.PersonalDataFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    # every handler masks personal data (apps.core.logging), runserver's access log (django.server) included
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
