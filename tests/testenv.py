"""Test environment, set before Django reads its settings (loaded as a plugin: `-p tests.testenv`)."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghij")
os.environ.setdefault("CAUNOI_DEMO", "0")
os.environ.setdefault("CAUNOI_DEBUG", "0")
os.environ.setdefault("CAUNOI_SSL_REDIRECT", "0")
os.environ.setdefault("CAUNOI_SECURE_COOKIES", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("CAUNOI_VAR_DIR", os.path.join(tempfile.gettempdir(), f"caunoi-test-{os.getpid()}"))
os.environ.setdefault("CAUNOI_HUEY_NAME", f"caunoi-test-{os.getpid()}")
