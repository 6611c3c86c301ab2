"""Production settings refuse to start half-configured, and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "mathshub.example",
    "DATABASE_URL": "sqlite:////tmp/mathshub-deploy-check.sqlite3",
}


def run_manage(*args, env_overrides, drop=()):
    """Run ``manage.py`` with production settings in a clean subprocess."""
    # Never let test-only switches (such as DJANGO_ALLOW_ASYNC_UNSAFE) leak into the check.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in drop and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "cms.settings.production"
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_required_environment(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = run_manage("check", env_overrides=env, drop=(missing,))
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_deploy_check_is_silent_when_configured():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_uses_redis_and_object_storage_when_configured():
    env = {
        **PRODUCTION_ENV,
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "AWS_STORAGE_BUCKET_NAME": "mathshub-media",
    }
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND']); "
        "print(settings.CACHES['shared']['BACKEND']); "
        "print(settings.PAGE_CACHE_VERSION_FILE); "
        "print(settings.STORAGES['default']['BACKEND']); "
        "print(settings.EMAIL_BACKEND)",
        env_overrides=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.redis.RedisCache",
        "None",  # the content version lives in Redis, which every server shares
        "storages.backends.s3.S3Storage",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


def test_one_server_without_redis_shares_what_its_workers_must_agree_on():
    """Each gunicorn worker has its own memory cache: the page cache's content version
    and the rate-limit counters must live where every worker sees them (files)."""
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND']); "
        "print(settings.CACHES['shared']['BACKEND']); "
        "print(settings.PAGE_CACHE_VERSION_FILE)",
        env_overrides=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    default, shared, version_file = result.stdout.split()
    assert default == "django.core.cache.backends.locmem.LocMemCache"
    assert shared == "django.core.cache.backends.filebased.FileBasedCache"
    assert version_file.endswith("content-version")
