"""The one settings module. Everything that differs between machines comes from the
environment (see README "Configuration"); a bad value stops start-up with a message.

With no configuration at all the site runs on the *embedded default*: SQLite in
``var/``, Celery tasks executed in-process, and the sandbox backend chosen
automatically (Docker when an engine answers, otherwise the local backend with a loud
warning). Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to PostgreSQL and a real
Redis-backed worker.

Long: one module on purpose, by headed areas, so an operator reads every setting and
its environment variable in one place (the S3 details live in config/storage.py).
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str
from config.storage import private_storage_setting

# Generic Django classes (ModelAdmin[Exam], …) subscriptable at run time, as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CERT_VAR_DIR", str(BASE_DIR / "var")))

PRODUCTION = env_bool("DJANGO_PRODUCTION", False)
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_PRODUCTION=1.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "training",
    "grading",
    "certification",
    "sandbox",
    "ops",
]

MIDDLEWARE = [
    # First: every later layer, log line and task sees the request id.
    "core.requestid.RequestIdMiddleware",
    # /healthz and /readyz, before the host check (a container probe is 127.0.0.1).
    "ops.middleware.HealthProbeMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # An oversized body is refused (413) before anything reads it.
    "core.limits.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "certification.accounts.middleware.SecondFactorMiddleware",
    "certification.accounts.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Site-wide templates, then each certification area's own folder (certification/<area>/templates).
        "DIRS": [BASE_DIR / "templates", *sorted(BASE_DIR.glob("certification/*/templates"))],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.roles",
                "core.context_processors.content_language",
                "csp.context_processors.nonce",
            ],
            # |localize, |unlocalize and {% localize off %} in every template; |content and
            # |name_lang mark authored content with its language.
            "builtins": ["django.templatetags.l10n", "training.templatetags.content_tags"],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED = not DATABASE_URL
if EMBEDDED and PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL must be set when DJANGO_PRODUCTION=1.")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
# The web server (config/serve.py) sets it: a statement that runs longer than that is
# cancelled and its request answers 500, so a stuck query frees its thread (workers
# and commands have no limit). PostgreSQL only.
DATABASE_STATEMENT_TIMEOUT = env_str("DATABASE_STATEMENT_TIMEOUT", "")
if DATABASE_STATEMENT_TIMEOUT and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
# django-axes checks every password (web form and API token) before Django does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 2 * 60 * 60)

# --- Lockout (django-axes, docs/security.md "Accounts") -------------------------------
# Failed logins are counted in the shared cache for three keys, each with its own
# allowance: the account from one address (someone mistyping, or guessing one
# account), the account from anywhere (guessing spread over many addresses) and the
# address across accounts (spraying one password over many accounts). The address
# allowance is large because an exam hall puts hundreds of candidates behind one NAT
# address. Whoever reaches an allowance waits AXES_COOLOFF_TIME from their last failure.
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env_int("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5)
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 20)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 200)
AXES_HANDLER = "certification.accounts.lockout.TieredCacheHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_ADDRESS  # the largest; the handler checks each key
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_CALLABLE = "certification.accounts.lockout.lockout_response"
# A success clears the account's counts, not the address's (lockout.py does it).
AXES_RESET_ON_SUCCESS = False
# Counts live in the cache, so axes' database tables (and their admin pages) stay empty.
AXES_ENABLE_ADMIN = False
# Behind a reverse proxy, the number of proxies that append to X-Forwarded-For (the
# client is the address they saw); 0 reads REMOTE_ADDR only, so a client cannot
# choose its own address by sending the header. Lockouts and throttles read it alike.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_address"

# --- Second factor (django-otp) ---------------------------------------------------
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "认证考试引擎")
# Recovery codes given with a new authenticator, each good once.
OTP_RECOVERY_CODES = 10

# --- Languages --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# The language the programme's content (lessons, questions, tasks) is written in: pages
# mark content with it, so a screen reader reads a Chinese question on an English page
# in a Chinese voice (WCAG 3.1.2). docs/i18n.md.
CONTENT_LANGUAGE = "zh-Hans"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Dates and numbers in the reader's language (config/formats/; docs/i18n.md). Numbers
# get thousand separators, so a machine value in a template (an id in a URL or form
# value, a data attribute, SVG geometry) is written |unlocalize (tests/test_formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = True
USE_TZ = True

# --- Static and private files -----------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded solutions and task bundles live here; nothing under it is ever served.
PRIVATE_STORAGE_DIR = Path(env_str("PRIVATE_STORAGE_DIR", str(VAR_DIR / "private")))
# Where private files are kept: the folder above (default) or an S3-compatible bucket
# (PRIVATE_STORAGE_BACKEND=s3, config/storage.py). With a bucket, PRIVATE_STORAGE_DIR
# is each host's local scratch and staging space, and a worker fetches what a run
# mounts into SANDBOX_CACHE_DIR (core/file_cache.py), bounded by SANDBOX_CACHE_MAX_BYTES.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": private_storage_setting(),
}
SANDBOX_CACHE_DIR = Path(env_str("SANDBOX_CACHE_DIR", str(VAR_DIR / "sandbox-cache")))
SANDBOX_CACHE_MAX_BYTES = env_int("SANDBOX_CACHE_MAX_BYTES", 20 * 1024**3)
SOLUTION_MAX_BYTES = env_int("SOLUTION_MAX_BYTES", 2 * 1024 * 1024)
BUNDLE_MAX_BYTES = env_int("BUNDLE_MAX_BYTES", 512 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Any request body (core.limits): the largest upload (a bundle) and its form fields.
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", BUNDLE_MAX_BYTES + 1024 * 1024)

# --- REST API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "certification.accounts.authentication.VerifiedSessionAuthentication",
        "certification.accounts.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Views that name a throttle_scope are limited (core/ratelimit.py); others are not.
    "DEFAULT_THROTTLE_CLASSES": ["core.ratelimit.ScopeThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Per address: obtaining a token with a password.
        "auth_token": env_str("THROTTLE_AUTH_TOKEN", "20/min"),
        # Per attempt, counted by the save itself (migration 0019): the exam page saves
        # every few seconds, faster while typing.
        "autosave": env_str("THROTTLE_AUTOSAVE", "240/min"),
        # Per person: solutions, application attachments, task bundles.
        "upload": env_str("THROTTLE_UPLOAD", "30/hour"),
        # Per address: password reset e-mails asked for (an exam hall shares one).
        "password_reset": env_str("THROTTLE_PASSWORD_RESET", "30/hour"),
    },
}
# API tokens (django-rest-knox): stored hashed, expire, revoked from the admin.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_HOURS", 10)),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "认证考试引擎 API",
    "DESCRIPTION": "Certification exam engine: applications, exams, practical tasks, "
    "results and certificates.",
    "VERSION": "1.0.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.error_responses",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: the docs page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to a public validator: the schema stays here (and the CSP would refuse it).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # One name per choice set that several serializers share.
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStateEnum": "certification.models.applications.Application.State",
        "ComponentKindEnum": "certification.models.programme.BlueprintComponent.Kind",
        "RelationKindEnum": "certification.models.applications.TrainingRelation.Kind",
        "SubmissionStateEnum": "grading.models.Submission.State",
    },
}

# --- Exam delivery ----------------------------------------------------------------
# How long one process reuses an exam's blueprint (sections, pools, newest published
# versions) for new attempts; 0 reads it at every start (docs/benchmarks.md).
EXAM_BLUEPRINT_CACHE_SECONDS = env_int("EXAM_BLUEPRINT_CACHE_SECONDS", 10)

# --- Cache --------------------------------------------------------------------------
# Shared by every process (lockouts, throttles, the study plan's categories) when Redis
# is configured; the embedded default keeps it in the one process.
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "cert")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Celery -----------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Practical grading: CPU tasks on "sandbox-cpu", GPU tasks on "sandbox-gpu" (the
# queue is chosen per submission by grading.practical.submission_enqueue; only GPU
# hosts run `celery worker -Q sandbox-gpu`, one GPU per run, concurrency = GPUs).
CELERY_TASK_ROUTES = {
    "grading.tasks.submission_grade_task": {"queue": "sandbox-cpu"},
    "grading.tasks.submissions_reap_task": {"queue": "default"},
    # Programming questions run candidates' code too: only sandbox workers take them.
    "certification.tasks.programming_item_grade_task": {"queue": "sandbox-cpu"},
    "grading.tasks.bundle_upload_task": {"queue": "sandbox-cpu"},
    "grading.tasks.bundle_trial_rerun_task": {"queue": "sandbox-cpu"},
    "training.tasks.question_import_task": {"queue": "default"},
    "certification.tasks.item_analysis_refresh_task": {"queue": "default"},
}
# Infrastructure retries of a practical run back off from this many seconds.
PRACTICAL_RETRY_BASE_SECONDS = env_int("PRACTICAL_RETRY_BASE_SECONDS", 10)
# Guided projects (docs/learning.md): dev-set runs per candidate, task and day.
PROJECT_RUNS_PER_DAY = env_int("PROJECT_RUNS_PER_DAY", 20)
# The longest practical run (two stages at their wall limits plus overhead) must fit
# well inside the visibility timeout, or Redis would hand the task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60

# --- Sandbox ----------------------------------------------------------------------
SANDBOX_BACKEND = env_str("SANDBOX_BACKEND", "auto")
if SANDBOX_BACKEND not in {"auto", "docker", "local"}:
    raise ImproperlyConfigured(f"SANDBOX_BACKEND={SANDBOX_BACKEND!r}: use auto, docker or local.")
SANDBOX_IMAGE = env_str("SANDBOX_IMAGE")
SANDBOX_IMAGE_TENSORFLOW = env_str("SANDBOX_IMAGE_TENSORFLOW")
SANDBOX_ALLOW_LOCAL = not PRODUCTION and env_bool("SANDBOX_ALLOW_LOCAL", True)
# Created-but-not-started single-use containers kept ready per spec shape (docs/sandbox.md).
SANDBOX_POOL_SIZE = env_int("SANDBOX_POOL_SIZE", 0)
# Older labelled containers are orphans of a crashed worker; keep this above the
# longest wall limit plus the pool's idle time.
SANDBOX_JANITOR_MAX_AGE = env_int("SANDBOX_JANITOR_MAX_AGE", 2 * 60 * 60)
SANDBOX_GPU_DEVICE = env_str("SANDBOX_GPU_DEVICE")
# The Docker socket proxy (sandbox/proxy, docs/sandbox.md): the worker's DOCKER_HOST
# points at SANDBOX_PROXY_SOCKET. Bind sources must lie under these roots (os.pathsep
# lists): writable ones under the temporary directory (capped tmpfs areas, pool slots)
# or the scratch folders, read-only ones also under private storage, the sandbox cache
# and the grading harness.
SANDBOX_PROXY_SOCKET = env_str("SANDBOX_PROXY_SOCKET", "/run/cert-engine/docker-proxy.sock")
SANDBOX_PROXY_WRITABLE_ROOTS = env_str(
    "SANDBOX_PROXY_WRITABLE_ROOTS",
    os.pathsep.join([tempfile.gettempdir(), str(PRIVATE_STORAGE_DIR / "scratch")]),
)
# The grading harness as the engine sees it (grading/harness_files.py): the code's own
# folder, or a host folder the worker fills when it runs in a container.
GRADING_HARNESS_DIR = Path(env_str("GRADING_HARNESS_DIR", str(BASE_DIR / "grading" / "harness")))
SANDBOX_PROXY_READONLY_ROOTS = env_str(
    "SANDBOX_PROXY_READONLY_ROOTS",
    os.pathsep.join([str(PRIVATE_STORAGE_DIR), str(SANDBOX_CACHE_DIR), str(GRADING_HARNESS_DIR)]),
)

# --- Certificates ---------------------------------------------------------------
# The public address of the site: credential ids, the issuer and the QR codes use it.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Issuer signing keys are stored encrypted under this secret (SECRET_KEY when unset).
CREDENTIAL_KEY_SECRET = env_str("CREDENTIAL_KEY_SECRET")
if PRODUCTION and not CREDENTIAL_KEY_SECRET:
    raise ImproperlyConfigured("CREDENTIAL_KEY_SECRET must be set when DJANGO_PRODUCTION=1.")
CERTIFICATE_RENEWAL_CREDITS = env_int("CERTIFICATE_RENEWAL_CREDITS", 30)

# --- Backups (docs/backups.md) ----------------------------------------------------
# Encrypts the issuer keys inside a backup (`manage.py backup` / `restore` refuse to
# run without it). Keep it apart from the backups, like CREDENTIAL_KEY_SECRET.
BACKUP_PASSPHRASE = env_str("BACKUP_PASSPHRASE")

# --- Mail -------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "certification@localhost")
# Where EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes (tests
# that read the mail a worker process sent use it).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# --- Security headers (docs/security.md) -----------------------------------------
# Every page: no inline script or style, nothing from another origin. Scripts carry
# the request's nonce (templates: nonce="{{ CSP_NONCE }}"), so an inline script, if
# one is ever needed, is allowed by its nonce alone. Violations are reported to our
# own endpoint (core/csp.py), which only logs them. The API docs page adds what
# Swagger UI needs (config/api_docs.py); nothing else loosens the policy.
CSP_REPORT_PATH = "/csp-report/"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "report-uri": [CSP_REPORT_PATH],
    }
}
# No page uses any of these browser features: deny them to the page and any frame.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
    )
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Logs and operations (docs/observability.md) -------------------------------------
# One JSON object per line (LOG_FORMAT=text for a terminal), each with the request id
# that the request, its Celery tasks and their sandbox runs share.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
# --- Production: HTTPS only (docs/security.md "Production settings") -------------
# Behind a TLS-terminating proxy, name the header it sets (and overwrites when a
# client sends it): DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO.
_PROXY_SSL_HEADER = env_str("DJANGO_SECURE_PROXY_SSL_HEADER")
if _PROXY_SSL_HEADER:
    if not _PROXY_SSL_HEADER.startswith("HTTP_"):
        raise ImproperlyConfigured(
            f"DJANGO_SECURE_PROXY_SSL_HEADER={_PROXY_SSL_HEADER!r}: a request header "
            "as Django names it, such as HTTP_X_FORWARDED_PROTO."
        )
    SECURE_PROXY_SSL_HEADER = (_PROXY_SSL_HEADER, "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
# Cookies: over HTTPS only in production, never readable by scripts (the pages read
# the CSRF token from the form, not the cookie), not sent on cross-site sub-requests.
# Lax, not Strict: a signed-in person who follows a link from an e-mail stays signed in.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # The __Host- prefix: the browser keeps such a cookie only if it is Secure, for
    # the whole site and for this host alone (no Domain a sibling host could set).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.requestid.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# Workers send task events, so that Flower shows the runs in flight and the retries.
CELERY_WORKER_SEND_TASK_EVENTS = True

# /metrics answers a signed-in committee member, or Prometheus with this bearer token.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# /readyz fails below this much free space where solutions and bundles are stored.
READYZ_MIN_FREE_BYTES = env_int("READYZ_MIN_FREE_BYTES", 1024 * 1024 * 1024)
# Each worker records a heartbeat this often; it expires after three missed beats.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)

# Task modules outside an app's top-level tasks.py (autodiscovery finds only those).
# Task names are explicit and stable: queued messages and the schedule below use them.
CELERY_IMPORTS = [
    "certification.accounts.tasks",
    "certification.credentials.tasks",
    "certification.exams.tasks",
    "certification.interviews.tasks",
    "certification.learning.tasks",
    "certification.sessions.tasks",
]
CELERY_BEAT_SCHEDULE = {
    "expired-api-tokens": {
        "task": "certification.accounts_tasks.api_tokens_expired_delete_task",
        "schedule": 24 * 60 * 60,
    },
    "study-plans": {
        "task": "certification.learning_tasks.study_plans_refresh_task",
        "schedule": 24 * 60 * 60,
    },
    "live-session-reminders": {
        "task": "certification.sessions_tasks.session_reminders_task",
        "schedule": 15 * 60.0,
    },
    "certificate-expiry-reminders": {
        "task": "certification.certificate_tasks.certificate_expiry_reminders_task",
        "schedule": 24 * 60 * 60,
    },
    "submit-overdue-attempts": {
        "task": "certification.tasks.attempts_sweep_task",
        "schedule": 30.0,
    },
    "reap-practical-runs": {
        "task": "grading.tasks.submissions_reap_task",
        "schedule": 120.0,
    },
    "interview-adjudications": {
        "task": "certification.tasks.interview_adjudications_sweep_task",
        "schedule": 300.0,
    },
    "sandbox-janitor": {
        "task": "grading.tasks.sandbox_janitor_task",
        "schedule": 600.0,
        "options": {"queue": "sandbox-cpu"},
    },
}
