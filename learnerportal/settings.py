"""Settings for Learner Portal, read from the environment.

Defaults are safe for production: debug off, no hosts allowed, secure cookies
when ``DJANGO_SECURE`` is on. ``make run`` supplies development values.

Environment variables (all optional unless marked):
    DJANGO_SECRET_KEY     required unless DJANGO_DEBUG is on.
    DJANGO_DEBUG          "1"/"true" turns debug on. Default off.
    DJANGO_ALLOWED_HOSTS  comma-separated host names. Default none.
    DATABASE_URL          PostgreSQL URL. Default postgres://postgres@127.0.0.1:5432/learnerportal.
    REDIS_URL             Redis for the cache, e.g. redis://cache.internal:6379/0. Unset: the database
                          cache (table portal_cache, made by `migrate`). Either way every web process and
                          host shares the counts of the API's and sign-up's limits.
    DJANGO_MEDIA_ROOT     the local directory holding uploaded photos and data-rights files, when no
                          bucket is set. Default var/media.
    DJANGO_STORAGE_S3_BUCKET  set: photos and data-rights files go to this bucket of S3-compatible
                          storage instead (django-storages' S3Storage). Objects are private: no ACL is
                          set (the bucket's own, which must not be public), no public URL. The portal
                          serves them through its own views after their access checks, never by signed
                          URL: data-rights files are encrypted by the portal (the bucket holds
                          ciphertext) and downloads are audited once sent (README, "Files on
                          S3-compatible storage").
    DJANGO_STORAGE_S3_ENDPOINT_URL  the S3 API's address for storage other than AWS
                          (e.g. https://minio.internal:9000). Default AWS's own.
    DJANGO_STORAGE_S3_REGION  the bucket's region (e.g. eu-west-1). Default boto3's (AWS_DEFAULT_REGION).
    DJANGO_STORAGE_S3_ADDRESSING_STYLE  "path" or "virtual" (bucket in the host name). Default: boto3 chooses.
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY  the storage's credentials, read by boto3 itself, which
                          also finds an instance role or ~/.aws when they are unset.
    DJANGO_EMAIL_BACKEND  dotted path. Default SMTP (console when debugging).
    DJANGO_ADMINS         comma-separated addresses of the operators emailed about faults.
    DJANGO_DEFAULT_FROM_EMAIL, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
    EMAIL_HOST_PASSWORD, EMAIL_USE_TLS  SMTP settings.
    EMAIL_TIMEOUT         seconds to wait for the SMTP server before giving up. Default 10.
    RIGHTS_REQUESTS_LEASE_SECONDS, RIGHTS_REQUESTS_MAX_RETRIES, RIGHTS_REQUESTS_RETRY_BACKOFF_SECONDS
                          background work's lease, retries and first back-off (300, 3, 60).
    DJANGO_SECURE         "1" turns on HTTPS-only cookies, HSTS and SSL redirect.
    DJANGO_TIME_ZONE      the platform's time zone. Default Europe/London.
    DJANGO_LOG_LEVEL      root log level. Default INFO.
    DJANGO_LOG_FORMAT     "text" (default) or "json": one JSON object per log line.
    PORTAL_ENCRYPTION_KEYS  required unless DJANGO_DEBUG is on: comma-separated Fernet keys encrypting
                          data at rest; the first encrypts. Unset with debug on, the development key
                          is used and `manage.py check` warns about it.
    PORTAL_BASE_URL       public address for links in emails, e.g. https://portal.example.org.
    DJANGO_TRUSTED_PROXY_COUNT  how many proxies in a row the app is reached through, each appending to
                          X-Forwarded-For (see learnerportal.addresses.client_ip_address). Default 0: the
                          connection's own address is the client's, and X-Forwarded-For is ignored.
    AXES_FAILURE_LIMIT, AXES_COOLOFF_MINUTES  sign-in lockout: failures allowed, minutes locked.
    API_THROTTLE_USER_RATE, API_THROTTLE_IP_RATE  REST API limits per user and per IP address, as
                          "<number>/<second|minute|hour|day>". Defaults 120/minute and 300/minute.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    """Return the environment variable ``name`` read as a boolean."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default, *, minimum=0):
    """Return the environment variable ``name`` as a whole number of at least ``minimum``.

    Unset or blank gives ``default``. Anything else that is not such a number stops the
    start with ``ImproperlyConfigured`` naming the variable, rather than a traceback or
    a guess.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or int(value) < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number, {minimum} or more, not {value!r}.")
    return int(value)


def env_choice(name, choices):
    """Return the environment variable ``name`` if it is one of ``choices``; None when unset or blank.

    Any other value stops the start with ``ImproperlyConfigured`` naming the variable.
    """
    value = os.environ.get(name, "").strip()
    if value and value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value or None


def env_list(name, default=""):
    """Return the environment variable ``name`` split on commas, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")
    SECRET_KEY = "development-only-insecure-key"  # noqa: S105 - only reachable with DEBUG on

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "learnerportal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # pg_trgm indexes for the erasure receipt's scan (compliance/search.py)
    "django_countries",
    "django_tasks_db",
    "django_otp",
    "django_otp_webauthn",  # passkeys (WebAuthn) as django-otp devices; it registers no admin
    "axes",
    "pgtrigger",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files (no CDN)
    # Apps register their personal-data declarations in this order, which the notice and reports follow.
    "accounts",
    "privacy",
    "compliance",
    "rights_requests",
    "learnerportal.apps.LearnerPortalConfig",
]

MIDDLEWARE = [
    # SECURITY: the header middleware comes first (outermost), so that every answer carries the
    # CSP, frame options, nosniff and Referrer-Policy, including the 400 of a request refused
    # early (a bad Host, a NUL in the address) by a middleware further down. (SecurityMiddleware's
    # own HTTPS redirect never reads the Host: see SECURE_SSL_HOST.)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early: the request id is on every log line and audit event of the request, failures included.
    "compliance.middleware.AuditContextMiddleware",
    "learnerportal.http.RejectNulInQueryMiddleware",
    # Before anything reads the body (the CSRF check does): refuses an oversized one unread.
    "learnerportal.http.RequestBodyLimitMiddleware",
    # Production serves static files through WhiteNoise; development through runserver.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The visitor's language (the switcher's cookie, else Accept-Language, else LANGUAGE_CODE); a
    # signed-in learner's own choice replaces it below (LearnerLanguageMiddleware). No prefix in URLs.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "accounts.middleware.LearnerTimeZoneMiddleware",
    "accounts.middleware.LearnerLanguageMiddleware",
    "privacy.middleware.GlobalPrivacyControlMiddleware",
    "privacy.middleware.PolicyConfirmationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes requires: turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "learnerportal.urls"
WSGI_APPLICATION = "learnerportal.wsgi.application"
ASGI_APPLICATION = "learnerportal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.account_recovery",
            ],
            "builtins": [
                "learnerportal.icons",
                "learnerportal.calendar_dates",
                "learnerportal.form_tags",
                "learnerportal.staff_time",
                "privacy.templatetags.audiences",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/learnerportal"),
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Learner Portal runs on PostgreSQL only: DATABASE_URL must be postgres://…")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses locked-out credentials before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.PasswordWithoutAccountNameValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The languages learners may choose (Settings -> Account); each has a complete catalog (make test checks).
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
# Catalogs of the shell and of templates/ (each app's Python strings are in <app>/locale/).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
# One date-time format wherever people look: 24-hour with the zone named (learnerportal/formats/).
FORMAT_MODULE_PATH = ["learnerportal.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))


#: Seconds S3-compatible storage has to accept a connection, and to send each piece of an answer.
S3_CONNECT_TIMEOUT, S3_READ_TIMEOUT = 2, 5


def s3_storage(*, bucket, endpoint_url=None, region=None, addressing_style=None, access_key=None, secret_key=None):
    """Return the ``STORAGES`` entry for private files in ``bucket`` of S3-compatible storage.

    Credentials left ``None`` are boto3's to find (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
    an instance role, ``~/.aws``). SECURITY: no ACL is sent (objects take the bucket's: private),
    no custom domain, and a URL the storage could make is signed and expires in a minute; the portal
    hands out none: photos and data-rights files are served by its views after their access checks.
    """
    from boto3.s3.transfer import TransferConfig  # here: boto3 is imported only when files go to S3
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "addressing_style": addressing_style,
            "access_key": access_key,
            "secret_key": secret_key,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "custom_domain": None,
            # Bounded memory whatever a file's size: an object being read is spooled to a temporary
            # file past 2 MiB, and parts go up and come down one at a time (8 MiB each; with threads,
            # boto3 held up to 10 parts going up, and parts come down out of order waited in memory).
            "max_memory_size": 2 * 1024 * 1024,
            "transfer_config": TransferConfig(use_threads=False),
            # Storage that stops answering fails a request (and /healthz) in about 15 s, not botocore's
            # 60 s per read with retries: each web thread it held would otherwise wait minutes, and a load
            # balancer's health probes would soon hold every thread of every node.
            "client_config": Config(
                s3={"addressing_style": addressing_style},
                connect_timeout=S3_CONNECT_TIMEOUT,
                read_timeout=S3_READ_TIMEOUT,
                retries={"mode": "standard", "max_attempts": 2},
            ),
            # Names are random: no existence check before a write.
            "file_overwrite": True,
        },
    }


# SECURITY: uploaded files have no public URL; photos are served by a view that
# applies the owner's visibility settings, data-rights files by one that checks the owner.
STORAGES = {
    "default": (
        s3_storage(
            bucket=os.environ["DJANGO_STORAGE_S3_BUCKET"],
            endpoint_url=os.environ.get("DJANGO_STORAGE_S3_ENDPOINT_URL") or None,
            region=os.environ.get("DJANGO_STORAGE_S3_REGION") or None,
            addressing_style=env_choice("DJANGO_STORAGE_S3_ADDRESSING_STYLE", ["path", "virtual"]),
        )
        if os.environ.get("DJANGO_STORAGE_S3_BUCKET")
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
        }
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
# The cache holds counts that limit clients (the API's throttles, sign-up emails per address) and other
# short-lived values. Every web process and host must share it, or each counts on its own and a client gets
# the limit once per process: Redis with REDIS_URL, else PostgreSQL's table portal_cache (made by the migration
# learnerportal 0001, so `migrate` is all a new database needs). Never Django's per-process local memory.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, with one client per connection pool rather than one per call.
            "BACKEND": "learnerportal.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that stops answering fails a request (and /healthz) in seconds instead of holding it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
            # Each write counts the table's rows; past MAX_ENTRIES it deletes the expired ones, then a third of
            # the rest, live counts included. 10,000 keeps the count about 1.5 ms while holding the API's users
            # and addresses of the last minute and the sessions of the last 5: a larger site wants REDIS_URL.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# Request bodies: at most 1 MiB (a privacy policy's text in the admin fits), refused unread by
# learnerportal.http.RequestBodyLimitMiddleware; a view marked with accepts_upload takes its files
# on top (the profile photo: 2 MiB).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_048_576

# Keys encrypting data at rest (data-rights files, sensitive fields, TOTP keys), for cryptography's
# MultiFernet: comma-separated Fernet keys, the first encrypts, the others still decrypt (key rotation).
ENCRYPTION_KEYS = env_list("PORTAL_ENCRYPTION_KEYS")
#: Development only: the key used when DJANGO_DEBUG is on and PORTAL_ENCRYPTION_KEYS is unset (`make run`
#: and the tests use it too). It is published with the code: `manage.py check` (and so runserver) warns
#: whenever it encrypts with DEBUG on (learnerportal.W001).
DEVELOPMENT_ENCRYPTION_KEY = "Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0="
if not ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("Set PORTAL_ENCRYPTION_KEYS (comma-separated Fernet keys) or DJANGO_DEBUG=1.")
    ENCRYPTION_KEYS = [DEVELOPMENT_ENCRYPTION_KEY]
for _position, _key in enumerate(ENCRYPTION_KEYS, start=1):
    # Refuse to start, rather than answer every page that decrypts with a 500. (The key itself is never printed.)
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            f"PORTAL_ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 url-safe base64-encoded bytes; "
            "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        ) from None

# Who the privacy notice and access reports name as responsible (GDPR Art. 13(1)(a)-(b));
# unset, privacy.conf's defaults describe the demo site.
if os.environ.get("PORTAL_CONTROLLER"):
    PRIVACY_CONTROLLER = os.environ["PORTAL_CONTROLLER"]
if os.environ.get("PORTAL_DPO_CONTACT"):
    PRIVACY_DPO_CONTACT = os.environ["PORTAL_DPO_CONTACT"]

# Email (Django 6.1 MAILERS). Development prints emails to the console.
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Learner Portal <privacy@learnerportal.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Operators told of faults (a learner's file missing from storage): addresses, comma-separated.
ADMINS = env_list("DJANGO_ADMINS")
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_EMAIL_BACKEND",
            "learnerportal.mail.ReadableConsoleBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
        ),
        "OPTIONS": {},
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        # A mail server that accepts and never answers must not hold a worker or a web thread for good.
        "timeout": env_int("EMAIL_TIMEOUT", 10, minimum=1),
    }

# Background work on rights requests (defaults in rights_requests/conf.py).
RIGHTS_REQUESTS_LEASE_SECONDS = env_int("RIGHTS_REQUESTS_LEASE_SECONDS", 300, minimum=30)
RIGHTS_REQUESTS_MAX_RETRIES = env_int("RIGHTS_REQUESTS_MAX_RETRIES", 3)
RIGHTS_REQUESTS_RETRY_BACKOFF_SECONDS = env_int("RIGHTS_REQUESTS_RETRY_BACKOFF_SECONDS", 60, minimum=1)

# How many proxies in a row the app is reached through, each appending to X-Forwarded-For. The client's
# address (sign-in lockout, API per-IP limit, networks of audit events and sessions) is decided from it
# in one place: learnerportal.addresses.client_ip_address.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)

# Security headers. HTTPS-only settings are switched on together by DJANGO_SECURE.
SECURE = env_bool("DJANGO_SECURE")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
# The signed-out visitor's language switcher (set_language) keeps the choice in this cookie.
LANGUAGE_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer probes the process over plain HTTP
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
# SECURITY: X-Forwarded-Proto decides request.is_secure(), so it is read only with DJANGO_SECURE on, where the
# app is reachable only through the TLS proxy, which overwrites the header (README "Behind a TLS proxy").
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Nothing loads from a third party: a privacy portal must not leak visits.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Two-factor authentication (django-otp, TOTP per RFC 6238).
OTP_TOTP_ISSUER = "Learner Portal"

# Login lockout (django-axes): per account and per IP address. Failures are counted in the database
# (AccessAttempt rows, incremented under a row lock), not in the cache, so every process and host shares them.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A successful sign-in clears that account's failures only (accounts.services.user_session_start);
# clearing by IP would let anyone with an account keep guessing another account's password.
AXES_RESET_ON_SUCCESS = False
# The lockout counts per client address as the rest of the portal sees it (TRUSTED_PROXY_COUNT), not per
# proxy: behind a load balancer, five failures from anyone would otherwise lock everyone out. An IPv6
# client counts by its /64, which is all one subscriber's.
AXES_CLIENT_IP_CALLABLE = "learnerportal.addresses.client_limit_key"
AXES_DISABLE_ACCESS_LOG = True  # keep no log of successful logins here; the audit log records them
# "amara", "AMARA" and "amara@example.org" count against one account; unknown names count alike.
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False  # log lines name only the (masked) lock-out parameters, never the User-Agent

# Background work (exports, erasure, emails) through django.tasks; `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The REST API (/api/v1/, Django REST framework); see learnerportal/api/ and README "API".
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.PersonalAccessTokenAuthentication",
        "accounts.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.authentication.IsSignedIn", "accounts.authentication.TokenScopeAllows"],
    # The per-IP limit is checked first of all, in learnerportal.api.views.PortalAPIView.
    "DEFAULT_THROTTLE_CLASSES": ["learnerportal.api.throttling.PerUserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_user": os.environ.get("API_THROTTLE_USER_RATE", "120/minute"),
        "api_ip": os.environ.get("API_THROTTLE_IP_RATE", "300/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "learnerportal.api.pagination.PortalPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["learnerportal.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "learnerportal.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Learner Portal API",
    "DESCRIPTION": (
        "Everything a learner does on the Learner Portal's settings pages, for scripts and apps: the profile, "
        "who sees each part of it, consents, and data-rights requests (GDPR Art. 15–21), with exactly the rules "
        "of the pages.\n\n"
        "**Authentication.** A personal access token from Settings → Security (`Authorization: Bearer lpat_…`; "
        "read-only tokens may only use GET), or the browser session (after the two-factor code step when 2FA is "
        "on; writes need the `X-CSRFToken` header).\n\n"
        '**Errors** are JSON `{"code", "detail", "fields"}` with a stable `code`.\n\n'
        "**Limits.** Requests are limited per user and per IP address; over the limit the answer is 429 with a "
        "`Retry-After` header (seconds).\n\n"
        "**Lists** are paginated (`?page=`, `?page_size=` up to 100) in a stable order."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "learnerportal.api.errors.forbid_additional_properties",
        "learnerportal.api.errors.document_common_answers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AudienceEnum": "privacy.models.Audience",
        "RequestTypeEnum": "rights_requests.request_types.choices",
        "RequestStatusEnum": "rights_requests.models.Status",
        "PurposeEnum": "rights_requests.handlers.objection.OBJECTABLE_PURPOSES",
        "ErrorCodeEnum": "learnerportal.api.errors.ERROR_CODE_CHOICES",
    },
    "TAGS": [
        {"name": "profile", "description": "Your own profile (the Account tab)."},
        {"name": "privacy", "description": "Who sees each part of your profile (the Privacy tab)."},
        {"name": "consents", "description": "Optional uses of your data you agree to, and the ledger of your choices."},
        {"name": "requests", "description": "Your data-rights requests (Settings → Your data)."},
        {"name": "learners", "description": "Other learners' public profiles."},
    ],
}

#: The portal's public address, for links in emails.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://localhost:8000" if DEBUG else "")
# SECURITY: plain-HTTP requests are redirected to the public address's host, not to the Host they
# name: SecurityMiddleware would read that Host before adding its own headers, so a bad one would
# be answered with a 400 that has none of them.
SECURE_SSL_HOST = urlsplit(PORTAL_BASE_URL).netloc or None

# Passkeys (WebAuthn Level 3, django-otp-webauthn) as a second factor beside the app and backup codes.
# The relying party is the portal's public host: a passkey made for it works on that host and its
# subdomains only, and changing it later orphans every passkey (learners would add theirs again).
# WebAuthn needs a secure context (HTTPS, or http://localhost) and a host name, not an IP address:
# make run serves the site as http://localhost:8000 for this reason.
_portal = urlsplit(PORTAL_BASE_URL)
if _portal.scheme == "https" or _portal.hostname == "localhost":
    OTP_WEBAUTHN_RP_ID = _portal.hostname
    #: The origins (scheme://host[:port]) a passkey ceremony may come from: the public address's.
    OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"{_portal.scheme}://{_portal.netloc}"]
else:
    OTP_WEBAUTHN_RP_ID = "localhost"
    OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"http://localhost:{_portal.port}" if _portal.port else "http://localhost"]
OTP_WEBAUTHN_RP_NAME = "Learner Portal"
# A passkey is a second factor only: signing in always starts with the password (README, "Passkeys").
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# One line per event: time (UTC), level, logger, request id ("-" outside a request) and the rights request's
# reference in background work; DJANGO_LOG_FORMAT=json writes one JSON object per line. No personal data:
# paths become their URL pattern, email addresses are blanked, a request's 5xx is logged once (learnerportal.log).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "learnerportal.log.RequestContextFilter"},
        "personal_data": {"()": "learnerportal.log.PersonalDataFilter"},
        "one_error_per_request": {"()": "learnerportal.log.OneErrorPerRequestFilter"},
    },
    "formatters": {
        "text": {"()": "learnerportal.log.TextFormatter"},
        "json": {"()": "learnerportal.log.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("DJANGO_LOG_FORMAT", "text").lower() == "json" else "text",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Django's default config gives "django" a console handler of its own: don't print twice.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["personal_data", "one_error_per_request"]},
        "django.security": {"filters": ["personal_data"]},
    },
}
