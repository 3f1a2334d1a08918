"""Trilha settings: one file, driven by environment variables with development defaults."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-change-me"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
    "template_partials",
    "allauth",
    "allauth.account",
    "tracks",
    "progress",
    "checkins",
    "teams",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "progress.csp.PageNonceCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Track pages inline their diagram (about 150 KB for 77 nodes); gzip takes them to a
    # tenth. Static files never reach it: WhiteNoise serves them, precompressed, above.
    # Left out with COMPRESS_AT_PROXY (below).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the user with a prepared statement (progress/sessionuser.py).
    "progress.sessionuser.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL or a lone surrogate anywhere in the request: 400 with the reason, before any view.
    "progress.input_guard.RejectUnsafeInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "progress.middleware.UserLanguageMiddleware",
]

# A proxy in front that compresses (the compose file's Caddy, `encode`) spares the app's workers
# the gzip of every page a browser asks for: at Django's level 6 about 3 ms of a worker for a
# track page, twice what the page itself costs, and 15 ms for 600 topics.
COMPRESS_AT_PROXY = env_bool("COMPRESS_AT_PROXY")
if COMPRESS_AT_PROXY:
    MIDDLEWARE.remove("django.middleware.gzip.GZipMiddleware")

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
                "progress.context_processors.header",
                "teams.context_processors.teams",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the SQL let psycopg prepare a statement once a connection has
    # run it DB_PREPARE_THRESHOLD times: PostgreSQL then plans it once per connection, not once
    # per request (planning is most of the cost of a page's short queries). Set it to "off" behind
    # a pooler in transaction mode that does not keep prepared statements.
    _prepare = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": None if _prepare == "off" else int(_prepare),
        }
    )
# A learner's status change commits without waiting for the disk (progress/services.py): a
# crash of the database server may lose the last moments' changes, never part of one. Set
# STATUS_ASYNC_COMMIT=0 to have every status change wait, as every other write does.
STATUS_ASYNC_COMMIT = env_bool("STATUS_ASYNC_COMMIT", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# A shared cache keeps app processes stateless (login rate limits live in it): Redis from
# CACHE_URL (redis://host:6379/0), else CACHE_BACKEND/CACHE_LOCATION, else the database cache
# table, which several processes share without extra services.
def cache_from_url(url: str) -> dict:
    scheme = url.split("://", 1)[0].lower()
    if scheme not in {"redis", "rediss", "unix"}:
        raise RuntimeError(f"CACHE_URL must start with redis://, rediss:// or unix://, not {url!r}")
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        # A cache that stops answering must fail requests (and /healthz) fast, not hang them.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }


CACHES = {
    "default": cache_from_url(os.environ["CACHE_URL"])
    if os.environ.get("CACHE_URL")
    else {
        "BACKEND": os.environ.get("CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"),
        "LOCATION": os.environ.get("CACHE_LOCATION", "trilha_cache"),
    },
    # Pages built once per track version (progress/trackpage.py). Their keys change with every
    # version, so each process may keep its own copy; a shared cache (Redis, memcached) only
    # saves the other processes the first build.
    "pages": {
        "BACKEND": os.environ.get(
            "PAGE_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"
        ),
        "LOCATION": os.environ.get("PAGE_CACHE_LOCATION", "trilha-pages"),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "progress:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Trilha] "
# Failed logins: 5 per account in 5 minutes, and 10 a minute from one address (a shared office
# network should not lock everyone out after five typos). Counted in the shared cache.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "login": "30/m/ip"}
# The per-account key is the account, whatever identifier was typed (progress/auth.py).
ACCOUNT_ADAPTER = "progress.auth.AccountAdapter"
# Sign-up answers the same whether the e-mail is registered or not (its owner is told).
ACCOUNT_FORMS = {"signup": "progress.auth.SignupForm"}

# Mail: printed to the console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Links in e-mails point here (no request to take the host from when a digest is sent).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Trilha <trilha@localhost>")

LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", _("Portuguese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Sao_Paulo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# PlantUML server that renders the diagrams. Unset: `make run` starts a local one if Java exists.
PLANTUML_URL = os.environ.get("PLANTUML_URL", "")
# Seconds for one whole render (connect, wait, read), well under gunicorn's 30 s: the import
# preview draws inside a request; everything else is drawn by `render_diagrams --worker`.
PLANTUML_TIMEOUT = float(os.environ.get("PLANTUML_TIMEOUT", "10"))

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Production security: HTTPS and HSTS -------------------------------------------------
# On by default when DEBUG is off. Behind a TLS proxy (BEHIND_TLS_PROXY=1) the app trusts the
# proxy's X-Forwarded-Proto, so it redirects only what reached the proxy over plain HTTP.
# /healthz is never redirected: load balancers probe the app over HTTP.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading asks browsers to hard-code HTTPS for the domain and its subdomains, for months
# after it is withdrawn: an operator's decision (SECURE_HSTS_PRELOAD=1), not a default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# --- end of production security ------------------------------------------------------------

# Content-Security-Policy (django-csp 4): scripts only from our own files, inline <style> only
# with the page's nonce, no style attributes, no images from elsewhere (notes show none), no
# framing. Pages render `nonce="{{ request.csp_nonce }}"` on each inline <style>.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
