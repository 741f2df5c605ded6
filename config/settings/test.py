"""Test settings: the real PostgreSQL and Redis of the machine, a database and key prefix per run.

``DATABASE_URL`` / ``REDIS_URL`` may point elsewhere; by default the local services are used.
``TEST_RUN_ID`` (set once per pytest run by ``tests/conftest.py``) keeps concurrent runs apart.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/onevonebro")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("THROTTLE_ANON_RATE", "100000/min")
os.environ.setdefault("THROTTLE_USER_RATE", "100000/min")
# Admin tests log staff in with force_login (no OTP step); the 2FA requirement has its own tests.
os.environ.setdefault("ADMIN_REQUIRE_2FA", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")

RUN_ID = os.environ.setdefault("TEST_RUN_ID", str(os.getpid()))
# pytest-xdist workers share the run id; each gets its own database (suffix added by
# pytest-django), cache namespace and local folders.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("LOCAL_STATE_DIR", f"/tmp/1v1bro-test-{RUN_ID}/{WORKER}")
os.environ.setdefault("MEDIA_ROOT", f"/tmp/1v1bro-test-{RUN_ID}/{WORKER}/media")

from .base import *  # noqa: E402,F403
from .base import CACHES, DATABASES  # noqa: E402

ALLOWED_HOSTS = ["*"]
DATABASES["default"]["TEST"] = {"NAME": f"test_1v1bro_{RUN_ID}"}
CACHE_KEY_PREFIX = f"test{RUN_ID}{WORKER}"
CACHES["default"]["KEY_PREFIX"] = CACHE_KEY_PREFIX
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Board and shop pages check their version on every request (the suite reads right after writing);
# tests/ranking/test_board_pages.py sets the shipped bound to test it.
RANKING_BOARD_PAGE_SECONDS = 0.0
COSMETICS_SHOP_PAGE_SECONDS = 0.0
