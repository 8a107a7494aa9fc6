"""Settings for bench/webhook_ingest.py only: the product's, plus a bare-insert baseline view.

Never used by the product; the product URL conf stays as it is.
"""

from caunoi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ingest_urls"
