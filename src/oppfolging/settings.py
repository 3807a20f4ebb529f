"""Settings for Oppfølging, read from environment variables.

Every variable is documented in docs/configuration.md. Nothing secret has a production default.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable, refusing junk with a clear message."""
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable as a list of non-empty strings."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# The test suite gets fast hashing, immediate tasks and synthetic identity numbers.
TESTING = env_bool("OPPFOLGING_TESTING") or "pytest" in sys.modules
# The demo sign-in list and synthetic identity numbers exist only in demo installations.
DEMO_MODE = env_bool("OPPFOLGING_DEMO")
ALLOW_SYNTHETIC_IDS = env_bool("ALLOW_SYNTHETIC_IDS", default=DEMO_MODE or TESTING)

# Developer commands that never sign, serve or store anything may run without a secret.
SECRET_FREE_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "help", "version"}

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[0].endswith(("oppfolging", "manage.py", "__main__.py")) else ""
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"
    elif command in SECRET_FREE_COMMANDS or "mypy" in sys.modules:
        # The type checker imports these settings (django-stubs) and signs nothing either.
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Oppfølging refuses to start without a secret key when DEBUG "
            "is off. Set SECRET_KEY to a long random value (see docs/configuration.md), or set "
            "DEBUG=1 for local development."
        )

# The key of the access log's hash chain (audit/chain.py). Set it once and never change it;
# without it SECRET_KEY is the key, and rotating SECRET_KEY then breaks `audit_verify`.
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "")

# Reverse proxies in front of the app that append to X-Forwarded-For (0: none, use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Before django_tasks_db: its db_worker command (with a lease) replaces the stock one.
    "oppfolging.operations",
    "django_tasks_db",
    "oppfolging.accounts",
    "oppfolging.catalogue",
    "oppfolging.people",
    "oppfolging.access",
    "oppfolging.audit",
    "oppfolging.referrals",
    "oppfolging.assessments",
    "oppfolging.teams",
    "oppfolging.plans",
    "oppfolging.meetings",
    "oppfolging.notifications",
    "oppfolging.indicators",
    "oppfolging.outcomes",
    "oppfolging.portal",
    "oppfolging.gp",
    "oppfolging.submissions",
    "oppfolging.home",
    "oppfolging.children",
    "oppfolging.documents",
    "oppfolging.notes",
    "oppfolging.plantemplates",
    "oppfolging.calendars",
    "oppfolging.demo",
    "oppfolging.fhir",
]

MIDDLEWARE = [
    "oppfolging.operations.middleware.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files stay cacheable, everything the app itself answers does not.
    "oppfolging.accounts.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After sign-in is known (the 404 page shows the menu), before any view or login redirect.
    "oppfolging.operations.middleware.NulCharacterMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "oppfolging.access.middleware.AccessScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oppfolging.accounts.middleware.ActiveMunicipalityMiddleware",
    "oppfolging.accounts.locale.ChosenLanguageMiddleware",
    "oppfolging.audit.services.RequestAddressMiddleware",
    "oppfolging.operations.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "oppfolging.urls"
WSGI_APPLICATION = "oppfolging.wsgi.application"

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
                "oppfolging.home.navigation.shell",
            ],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    (PROJECT_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{PROJECT_DIR / 'var' / 'oppfolging.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # Test a kept connection before a request (or a worker's next job) uses it, and open a
        # new one if the database dropped it: no 500 after a database restart.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once: the worker and the server share the file.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:start"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (accounts/services.py): failed sign-ins allowed before each further try
# must wait, per account from one address, per address, and per account from all addresses;
# the wait starts at LOGIN_BACKOFF_BASE_SECONDS and doubles with each failure up to
# LOGIN_BACKOFF_MAX_SECONDS. Failures are forgotten this many minutes after the last one.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 30)
LOGIN_BACKOFF_BASE_SECONDS = env_int("LOGIN_BACKOFF_BASE_SECONDS", 2)
LOGIN_BACKOFF_MAX_SECONDS = env_int("LOGIN_BACKOFF_MAX_SECONDS", 300)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 60)
# The public report-of-need form: submissions per client address per hour, and the least
# number of seconds between showing the form and a human sending it.
PUBLIC_FORM_RATE_LIMIT = env_int("PUBLIC_FORM_RATE_LIMIT", 5)
PUBLIC_FORM_MIN_SECONDS = env_int("PUBLIC_FORM_MIN_SECONDS", 3)
# Plans: a plan with no activity for this many days is flagged as idle; reminders go out this
# many days before a checkpoint falls due.
PLAN_IDLE_DAYS = env_int("PLAN_IDLE_DAYS", 90)
CHECKPOINT_REMINDER_DAYS = env_int("CHECKPOINT_REMINDER_DAYS", 7)
# Meetings: the agenda is sent this many days before the meeting.
AGENDA_SEND_DAYS_BEFORE = env_int("AGENDA_SEND_DAYS_BEFORE", 7)
# Largest GP extract (zip) accepted through the web page, in megabytes.
GP_EXTRACT_MAX_MB = env_int("GP_EXTRACT_MAX_MB", 500)
# What an uploaded extract may expand to when unzipped, checked while it is read (zip bombs).
GP_EXTRACT_MAX_UNZIPPED_MB = env_int("GP_EXTRACT_MAX_UNZIPPED_MB", 2048)
GP_EXTRACT_MAX_ROWS = env_int("GP_EXTRACT_MAX_ROWS", 50_000_000)
# The GP's review period: risk lists are deleted this many days after upload, except the
# entries of patients the GP referred; decisions are remembered for the next extract this long.
GP_RISK_LIST_RETENTION_DAYS = env_int("GP_RISK_LIST_RETENTION_DAYS", 90)
GP_RISK_DECISION_RETENTION_DAYS = env_int("GP_RISK_DECISION_RETENTION_DAYS", 400)
# A handover of a team: the outgoing coordinator keeps access this many days after the new one starts.
HANDOVER_OVERLAP_DAYS = env_int("HANDOVER_OVERLAP_DAYS", 14)
# Break the glass: emergency access lasts this long.
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 4)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS (docs/configuration.md, "Behind a TLS proxy"). Behind a proxy that terminates TLS, name
# the header it sets (SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto) so Django knows the request
# came over HTTPS: secure cookies, https:// in every absolute URL (the OIDC callbacks too).
# Only set it when the proxy always sets or overwrites that header.
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
# The health checks and metrics are asked for over plain HTTP inside the platform.
SECURE_REDIRECT_EXEMPT = [r"^helse/", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")

# Sign-in for the person and next of kin through ID-porten (OpenID Connect), when configured.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("oppfolging.portal.oidc.IdPortenBackend")
    OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
    OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
    OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
    # The ID token's `iss` must be exactly this (https://idporten.no in production); without it
    # every sign-in is refused and `check` reports oppfolging.E011.
    OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile")
    # «Min plan» shows health information: ID-porten's level high (eID «høyt») by default. The
    # ID token's `acr` is checked against it (portal.oidc.acr_sufficient), not only asked for.
    OIDC_ACR_VALUES = os.environ.get("OIDC_ACR_VALUES", "idporten-loa-high")
    OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": OIDC_ACR_VALUES}
    OIDC_USE_PKCE = True
    OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
    OIDC_USE_NONCE = True
    LOGIN_REDIRECT_URL_FAILURE = "/logg-inn/?idporten=feil"

# Sign-in for staff through HelseID (OpenID Connect, authorization code + PKCE), when configured.
# Kept apart from ID-porten: its own settings, backend and callback (accounts/helseid.py).
HELSEID_CLIENT_ID = os.environ.get("HELSEID_CLIENT_ID", "")
HELSEID_ENABLED = bool(HELSEID_CLIENT_ID)
HELSEID_AUTHORITY = os.environ.get("HELSEID_AUTHORITY", "https://helseid-sts.nhn.no").rstrip("/")
HELSEID_OIDC = {
    "OIDC_RP_CLIENT_ID": HELSEID_CLIENT_ID,
    # HelseID authenticates clients with a signed assertion (private_key_jwt); a secret is
    # accepted for providers that use one.
    "OIDC_RP_CLIENT_SECRET": os.environ.get("HELSEID_CLIENT_SECRET", ""),
    "HELSEID_CLIENT_KEY_FILE": os.environ.get("HELSEID_CLIENT_KEY_FILE", ""),
    # The ID token's `iss`, and the `aud` of the client assertion: HelseID's own identifier.
    "HELSEID_ISSUER": os.environ.get("HELSEID_ISSUER", HELSEID_AUTHORITY),
    "HELSEID_ASSERTION_AUDIENCE": os.environ.get("HELSEID_ASSERTION_AUDIENCE", HELSEID_AUTHORITY),
    # The lowest HelseID security level (`helseid://claims/identity/security_level`) staff may
    # sign in with: 4 is high (BankID, Buypass, Commfides), which access to health data needs.
    "HELSEID_MIN_SECURITY_LEVEL": env_int("HELSEID_MIN_SECURITY_LEVEL", 4),
    "OIDC_OP_AUTHORIZATION_ENDPOINT": os.environ.get(
        "HELSEID_AUTHORIZATION_ENDPOINT", HELSEID_AUTHORITY + "/connect/authorize"),
    "OIDC_OP_TOKEN_ENDPOINT": os.environ.get("HELSEID_TOKEN_ENDPOINT", HELSEID_AUTHORITY + "/connect/token"),
    "OIDC_OP_USER_ENDPOINT": os.environ.get("HELSEID_USER_ENDPOINT", HELSEID_AUTHORITY + "/connect/userinfo"),
    "OIDC_OP_JWKS_ENDPOINT": os.environ.get(
        "HELSEID_JWKS_ENDPOINT", HELSEID_AUTHORITY + "/.well-known/openid-configuration/jwks"),
    "OIDC_RP_SIGN_ALGO": os.environ.get("HELSEID_SIGN_ALGO", "RS256"),
    "OIDC_RP_SCOPES": os.environ.get(
        "HELSEID_SCOPES",
        "openid profile helseid://scopes/identity/pid helseid://scopes/hpr/hpr_number"),
    "OIDC_USE_PKCE": True,
    "OIDC_USE_NONCE": True,
    "OIDC_TIMEOUT": env_int("HELSEID_TIMEOUT_SECONDS", 10),
    "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:helseid_callback",
    "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {},
}
if HELSEID_ENABLED:
    AUTHENTICATION_BACKENDS.append("oppfolging.accounts.helseid.HelseIdBackend")


def _origin(url: str) -> str:
    """Return scheme://host[:port] of a URL, or "" for none."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Content Security Policy (Django's ContentSecurityPolicyMiddleware): scripts and styles only
# from our own static files, never inline; nothing framed; forms post to us (and sign-out may
# hand over to the identity provider's end-session page).
_identity_providers = sorted({origin for origin in (
    _origin(os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")) if OIDC_ENABLED else "",
    _origin(os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")) if OIDC_ENABLED else "",
    _origin(str(HELSEID_OIDC["OIDC_OP_AUTHORIZATION_ENDPOINT"])) if HELSEID_ENABLED else "",
) if origin})
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *_identity_providers],
}

# The FHIR R4 API (docs/fhir.md): bearer tokens from HelseID in production, verified against
# the issuer's JWKS; a local issuer (FHIR_DEV_ISSUER) stands in for it in development and tests.
FHIR_DEV_ISSUER = env_bool("FHIR_DEV_ISSUER", default=DEBUG or TESTING)
FHIR_DEV_ISSUER_KEY_FILE = os.environ.get(
    "FHIR_DEV_ISSUER_KEY_FILE", str(PROJECT_DIR / "var" / "fhir-dev-issuer-key.pem"))
FHIR_TOKEN_ISSUER = os.environ.get("FHIR_TOKEN_ISSUER", "") or (
    SITE_URL.rstrip("/") + "/fhir/dev-issuer" if FHIR_DEV_ISSUER else "")
FHIR_TOKEN_AUDIENCE = os.environ.get("FHIR_TOKEN_AUDIENCE", "oppfolging-fhir")
FHIR_JWKS_URL = os.environ.get("FHIR_JWKS_URL", "")
FHIR_TOKEN_ALGORITHMS = env_list("FHIR_TOKEN_ALGORITHMS", "RS256,PS256,ES256")
FHIR_TOKEN_LEEWAY_SECONDS = env_int("FHIR_TOKEN_LEEWAY_SECONDS", 30)
FHIR_JWKS_CACHE_SECONDS = env_int("FHIR_JWKS_CACHE_SECONDS", 3600)
FHIR_JWKS_TIMEOUT_SECONDS = env_int("FHIR_JWKS_TIMEOUT_SECONDS", 5)
FHIR_PAGE_SIZE = env_int("FHIR_PAGE_SIZE", 20)
FHIR_MAX_PAGE_SIZE = env_int("FHIR_MAX_PAGE_SIZE", 100)

LANGUAGE_CODE = "nb"
# Each written standard is named in itself, so a reader finds their own in the header's switch.
LANGUAGES = [("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["oppfolging.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "var" / "static"))
if "STATIC_ROOT" not in os.environ:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", PROJECT_DIR / "var" / "media"))

# Documents on the plan (docs/plan-tools.md). Stored through Django's storage API under the
# alias "documents": the file system outside the web root in development, S3-compatible object
# storage (django-storages) in production. Files are never served by the web server; every
# download goes through the access policy and the access log.
DOCUMENT_STORAGE = os.environ.get("DOCUMENT_STORAGE", "filesystem").strip().lower()
if DOCUMENT_STORAGE not in ("filesystem", "s3"):
    raise ImproperlyConfigured(f"DOCUMENT_STORAGE must be 'filesystem' or 's3', got {DOCUMENT_STORAGE!r}.")
DOCUMENT_ROOT = Path(os.environ.get("DOCUMENT_ROOT", PROJECT_DIR / "var" / "documents"))
DOCUMENT_MAX_FILE_MB = env_int("DOCUMENT_MAX_FILE_MB", 20)
DOCUMENT_MAX_PERSON_MB = env_int("DOCUMENT_MAX_PERSON_MB", 500)
# An office document is a zip: refuse one that unpacks to more than this, or whose parts are
# compressed more than this ratio (a zip bomb).
DOCUMENT_MAX_UNPACKED_MB = env_int("DOCUMENT_MAX_UNPACKED_MB", 200)
DOCUMENT_MAX_ZIP_RATIO = env_int("DOCUMENT_MAX_ZIP_RATIO", 500)
# A withdrawn document is kept this many days before the purge job removes the file.
DOCUMENT_RETENTION_DAYS = env_int("DOCUMENT_RETENTION_DAYS", 365)
# A form's one-time token is remembered this many days: a resubmission within them is shown the
# record already made; the scheduler's sweep forgets older ones.
SUBMISSION_TOKEN_DAYS = env_int("SUBMISSION_TOKEN_DAYS", 30)
# A log note can be corrected by its author for this many minutes; after that, only by a new note.
NOTE_EDIT_GRACE_MINUTES = env_int("NOTE_EDIT_GRACE_MINUTES", 30)
# Tasks (action items, measures) remind the one responsible this many days before they are due.
TASK_REMINDER_DAYS = env_int("TASK_REMINDER_DAYS", 3)

if DOCUMENT_STORAGE == "s3":
    _document_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("DOCUMENT_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("DOCUMENT_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DOCUMENT_S3_REGION") or None,
            "access_key": os.environ.get("DOCUMENT_S3_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("DOCUMENT_S3_SECRET_ACCESS_KEY", ""),
            "location": os.environ.get("DOCUMENT_S3_PREFIX", "documents"),
            # Private objects, never overwritten, read only through the app.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "object_parameters": {"ServerSideEncryption": os.environ.get("DOCUMENT_S3_ENCRYPTION", "AES256")},
        },
    }
else:
    _document_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # base_url None: the files have no web address; the app streams each download itself.
        "OPTIONS": {"location": str(DOCUMENT_ROOT), "base_url": None,
                    "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": _document_storage,
}
# Uploads: form fields beyond this size are refused, and a file above this size is streamed to a
# temporary file instead of memory (the document upload view stops it at its own limit first).
# Every upload view (documents, GP extracts, outcome imports) stops a file over its own limit
# while it streams in, before it is written (lib/uploads.py); the reverse proxy caps the whole
# body (docs/operations.md). 10 MB of form fields lets a form with several very long texts
# (Norwegian letters take six bytes each once URL-encoded) reach the form, which answers "too
# long" and keeps the text; above it, 400.html sends the user back to the form.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10_485_760)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 10)
# Largest outcome data file (admissions CSV, service use, GP extract, FHIR bundle), in megabytes.
OUTCOME_IMPORT_MAX_MB = env_int("OUTCOME_IMPORT_MAX_MB", 100)

MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
        "OPTIONS": {},
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        # Seconds to wait on the mail server. Without it a server that accepts the connection and
        # never answers holds the background worker for ever (its lease stays fresh, so nothing
        # else runs); with it the delivery fails, is retried later, and the worker goes on.
        "timeout": env_int("EMAIL_TIMEOUT", 30),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "oppfolging@localhost")

# SMS: the console in development, a file or an HTTP gateway in production (docs/configuration.md).
SMS_BACKEND = os.environ.get(
    "SMS_BACKEND",
    "oppfolging.notifications.sms.MemoryBackend" if TESTING
    else "oppfolging.notifications.sms.ConsoleBackend" if DEBUG
    else "oppfolging.notifications.sms.HttpGatewayBackend",
)
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(PROJECT_DIR / "var" / "sms.jsonl"))
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "Oppfolging")
# A message that cannot be sent is tried this many times (with growing pauses) before it is
# shown to the administrator as failed.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 6)

TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
    }
}

# Background jobs (operations/jobs.py): a worker renews its lease every quarter of this; a job
# whose worker has not renewed it for this long is queued again, until it has been tried
# TASK_MAX_ATTEMPTS times, then failed with a clear message.
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 60)
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 2)
# Readiness (/helse/klar) requires a worker heartbeat no older than this.
WORKER_SEEN_SECONDS = env_int("WORKER_SEEN_SECONDS", 180)
# Prometheus metrics at /metrics: for this bearer token, or these addresses/networks; else 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")

# One JSON object per line (LOG_FORMAT=json, the default unless DEBUG), with request and job ids,
# scrubbed of identity numbers and e-mail addresses (operations/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "oppfolging.operations.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "oppfolging.operations.logs.JsonFormatter"},
        "text": {"()": "oppfolging.operations.logs.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The worker's own loggers write through root (the same format), not a handler of their own.
    "loggers": {"django_tasks_db": {"handlers": ["console"], "propagate": False},
                "django.tasks": {"handlers": ["console"], "propagate": False},
                # WeasyPrint logs each step of every PDF at INFO (seven lines a plan) and fontTools
                # its font subsetting: only their warnings belong in the log.
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
