"""Settings shared by every environment.

Secure by default: ``DEBUG`` is off, there is no secret key and no allowed host,
and cookies are HTTP-only. ``dev`` and ``test`` relax what they must; production
reads the rest from the environment.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    # Our apps first so their templates override Wagtail's (404, 500, admin tweaks).
    "cms",
    "cms.users",
    "home",
    "programmes",
    "workflows",
    "wagtail.contrib.forms",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.search_promotions",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Sign-in throttling and lockout (see AXES_* below) and the Content Security Policy.
    "axes",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, so a page served from the cache gets the same headers.
    "cms.security.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Before sessions and auth: a hit for an anonymous visitor skips all of them.
    "cms.pagecache.PageCacheMiddleware",
    # After the page cache (a hit needs no site): Wagtail's site lookup from the cache.
    "cms.pagecache.SiteLookupMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cms.security.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# One line decides the database: DATABASE_URL when set, else SQLite in the project.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share one SQLite file. Each transaction takes the write
    # lock when it begins and waits up to 20 s for it, instead of failing half way
    # with "database is locked" (seen under a burst of failed sign-ins); WAL lets
    # pages be read while someone writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A custom user from the first migration: specialists and school leaders hang off it.
AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "wagtailadmin_login"
# django-axes' backend first: it refuses a locked-out sign-in before any password is
# checked; Django's ModelBackend then signs people in (Wagtail's login view passes the
# request to ``authenticate``, which axes needs to know where an attempt came from).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords in a row lock that username *from that IP address* for 30
# minutes. The key is the pair, not either alone: keyed on the username, anyone who
# knows a teacher's username could lock them out from everywhere with five guesses;
# keyed on the IP address, one typo-prone colleague would lock out a whole school,
# whose staff share one address behind the school's router. The pair stops guessing
# at one account while its owner signs in undisturbed from school or home. Trying one
# likely password on many accounts from one address is not counted across accounts:
# the password validators above (no common, short or numeric passwords) meet that. A
# hub lead (or superuser) can lift a lockout early at
# /admin/login-lockouts/ (workflows.accounts.lockouts); an operator can run
# ``manage.py axes_reset_username USERNAME``.
#
# How many reverse proxies (nginx, a load balancer) stand in front of the app and append
# to X-Forwarded-For. 0 trusts no header (``cms.security.client_ip``).
TRUSTED_PROXY_COUNT = 0
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
# A right password after some wrong ones starts the count again.
AXES_RESET_ON_SUCCESS = True
# The client address, as the application form's rate limit takes it too: REMOTE_ADDR,
# or behind TRUSTED_PROXY_COUNT proxies the address the outermost one saw.
AXES_CLIENT_IP_CALLABLE = "cms.security.client_ip"

# A page in the admin's own look that says what happened and what to do (HTTP 429).
AXES_LOCKOUT_CALLABLE = "cms.security.lockout_response"
# Keep no record of successful sign-ins (IP address and browser of every login): failed
# attempts are kept only while they count, and axes deletes them once the cool-off ends.
AXES_DISABLE_ACCESS_LOG = True
# Django's own admin is not served, so axes' screens there would be unreachable.
AXES_ENABLE_ADMIN = False
# No start-up banner on every command (``check --deploy`` stays silent); lockouts are
# still logged as warnings, with the username and address masked.
AXES_VERBOSE = False

# Sessions end after a working day without activity: activity moves the expiry on
# (cms.security.SlidingSessionMiddleware, which saves a signed-in session at most every
# SESSION_REFRESH_SECONDS rather than on every request as SESSION_SAVE_EVERY_REQUEST
# would), so someone at work all day stays signed in, and a session left open on a
# shared staffroom computer is dead by the next morning. Without "Remember me" on
# Wagtail's login the cookie also goes when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_REFRESH_SECONDS = 5 * 60

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Cookies never reach scripts; CSRF and session cookies are strict about origin.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Django's defaults stay: 2.5 MB for a request body without files (forms, JSON), and
# files above 2.5 MB are streamed to a temporary file rather than held in memory.
# What a file may be is decided per kind below (WAGTAILIMAGES_*, WAGTAILDOCS_*).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Content Security Policy (django-csp). Public pages run only our own static files: no
# inline script or style, no on* handlers, nothing from a CDN. Video testimonials frame
# only the two privacy-enhanced players (programmes.video builds these URLs; a test
# keeps the two in step), and nobody may frame our pages. The Wagtail admin and its
# previews need inline scripts and styles, so paths under the admin get
# ADMIN_CONTENT_SECURITY_POLICY instead (chosen per request by cms.security).
VIDEO_FRAME_ORIGINS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
# Where images come from besides this site; production adds object storage's origin.
MEDIA_ORIGINS: list[str] = []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, *MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": VIDEO_FRAME_ORIGINS,
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
ADMIN_CONTENT_SECURITY_POLICY = {
    "default-src": [SELF],
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    # Wagtail draws upload previews and focal points from data: and blob: URLs.
    "img-src": [SELF, "data:", "blob:", *MEDIA_ORIGINS],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    # The live preview frames our own preview URL; a previewed testimonial its player.
    "frame-src": [SELF, *VIDEO_FRAME_ORIGINS],
    "worker-src": [SELF, "blob:"],
    # 'none', except for views Wagtail marks X-Frame-Options: SAMEORIGIN (previews).
    "frame-ancestors": [NONE],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
}

# Browser features no page of ours uses are switched off; the video players may
# autoplay (the visitor pressed play), go full screen and picture-in-picture.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": ["self", *VIDEO_FRAME_ORIGINS],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": ["self", *VIDEO_FRAME_ORIGINS],
    "fullscreen": ["self", *VIDEO_FRAME_ORIGINS],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": ["self", *VIDEO_FRAME_ORIGINS],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Maths Hub <hub@mathshub.example>")
HUB_NOTIFICATIONS_EMAIL = os.environ.get("HUB_NOTIFICATIONS_EMAIL", "hub@mathshub.example")

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Counters that hold off abuse (the application form's rate limit) must be seen by
    # every process serving the site; production points this at Redis or a file cache.
    "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
}
# Whole-page cache for anonymous visitors (cms/pagecache.py); 0 turns it off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
# Where the content version lives when the cache is per process (cms/pagecache.py);
# unset, it lives in the cache, which is right for one process or a shared cache.
PAGE_CACHE_VERSION_FILE = os.environ.get("PAGE_CACHE_VERSION_FILE") or None

# Logs go to standard output so any process manager or platform collects them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # django-axes writes several lines per sign-in; its lockout warnings are what matter.
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Wagtail runs search indexing as django-tasks; one line per task is noise.
        "django_tasks": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Wagtail
WAGTAIL_SITE_NAME = "Maths Hub"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
# Uploads: the kinds of file a hub shares, at most 10 MB each; Wagtail refuses the
# rest on the upload form with a message naming the limit or the allowed extensions.
# Photos of pupils' work are evidence on action plans: JPEG and PNG, served as
# downloads through the checked view like every document (no SVG: it can carry script).
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "jpeg", "jpg", "odt", "pdf", "png", "pptx", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Photographs and graphics; no SVG (it can carry script) and no camera formats.
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# A small file that unpacks to a huge bitmap is refused before it is decoded.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# Every document goes through Wagtail's serve view, even from object storage, so the
# access checks (view restrictions, workflows.documents.private) run on every download.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# No embed finder at all: nothing may call oEmbed providers at render time. Video
# testimonials build their privacy-enhanced player URLs themselves, on click.
WAGTAILEMBEDS_FINDERS: list[dict] = []
WAGTAIL_PASSWORD_RESET_ENABLED = True
# Who may change their own name and email address in their account settings, besides
# superusers and those allowed to change users: everyone else's are set for them, so
# no one can pass as a colleague (cms/users/account.py). Group names, not an import:
# cms never imports workflows, whose roles.HUB_LEADS this must match (a test checks).
OWN_NAME_AND_EMAIL_GROUPS = ["Hub leads"]
# No avatars from gravatar.com: the admin would send every user's email hash to a
# third party on each page view. Wagtail then shows its own default avatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# An agreed action plan is published by its last approval, not by a "publish" permission.
WAGTAIL_FINISH_WORKFLOW_ACTION = "workflows.plans.finish.finish_workflow"
