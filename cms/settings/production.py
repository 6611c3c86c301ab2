"""Production: everything secret or site-specific comes from the environment.

The process refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``. Optional
services switch on when their variables are set, so the same code runs on one small
server or several behind a load balancer: ``REDIS_URL`` for a shared cache,
``AWS_STORAGE_BUCKET_NAME`` for media on S3-compatible object storage.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def _require(name: str) -> str:
    """Return the environment variable ``name`` or stop with a clear message."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable to run in production.")
    return value


def _object_storage_origins(
    bucket: str, *, custom_domain: str, endpoint_url: str, region: str
) -> list[str]:
    """Return the origins django-storages links images from, for the CSP's ``img-src``.

    A custom domain (a CDN) when set; else the S3-compatible endpoint's origin; else
    Amazon's virtual-hosted bucket host, with and without the region.
    """
    if custom_domain:
        return [f"https://{custom_domain.strip().strip('/')}"]
    if endpoint_url:
        parts = urlsplit(endpoint_url.strip())
        return [f"{parts.scheme}://{parts.netloc}"]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins


SECRET_KEY = _require("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _require("ALLOWED_HOSTS").split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

# HTTPS everywhere. Behind a proxy that terminates TLS, it must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Set to the number of proxies in front (1 for one nginx or load balancer), or the
# sign-in lockout and the application rate limit see every visitor as the proxy.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() != "false"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

_STATE_DIR = Path(tempfile.gettempdir()) / (
    f"mathshub-{hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]}"  # noqa: F405
)
if os.environ.get("REDIS_URL"):
    _redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
    CACHES = {"default": _redis, "shared": _redis}
else:
    # One server, no Redis: pages stay in each worker's memory (fast), but the
    # counters every worker must agree on live in files.
    CACHES["shared"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(_STATE_DIR / "shared-cache"),
    }
if not os.environ.get("REDIS_URL") and not PAGE_CACHE_VERSION_FILE:  # noqa: F405
    # Each gunicorn worker has its own local-memory cache: the content version that
    # keys it must be shared through the file system, or a publish seen by one
    # worker would leave the others serving the old page.
    PAGE_CACHE_VERSION_FILE = str(_STATE_DIR / "content-version")

# A CDN or Varnish in front: Wagtail purges it on publish (wagtail.contrib.frontend_cache).
if os.environ.get("FRONTEND_CACHE_PURGE_URL"):
    WAGTAILFRONTENDCACHE = {
        "varnish": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": os.environ["FRONTEND_CACHE_PURGE_URL"],
        }
    }

if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    # Images are then linked straight from the bucket (documents still go through
    # Django's serve view): the Content Security Policy must allow that origin.
    MEDIA_ORIGINS = [
        *MEDIA_ORIGINS,  # noqa: F405
        *_object_storage_origins(
            os.environ["AWS_STORAGE_BUCKET_NAME"],
            custom_domain=os.environ.get("AWS_S3_CUSTOM_DOMAIN", ""),
            endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL", ""),
            region=os.environ.get("AWS_S3_REGION_NAME", ""),
        ),
    ]
    _public = CONTENT_SECURITY_POLICY["DIRECTIVES"]  # noqa: F405
    CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**_public, "img-src": [*_public["img-src"], *MEDIA_ORIGINS]}
    }
    ADMIN_CONTENT_SECURITY_POLICY = {
        **ADMIN_CONTENT_SECURITY_POLICY,  # noqa: F405
        "img-src": [*ADMIN_CONTENT_SECURITY_POLICY["img-src"], *MEDIA_ORIGINS],  # noqa: F405
    }
    STORAGES = {
        **STORAGES,  # noqa: F405
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
                "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
                "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }

# Mail goes out over SMTP; the relay and its credentials come from the environment.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "true").lower() != "false"
EMAIL_TIMEOUT = 10
