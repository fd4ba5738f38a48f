"""The production settings, plus the bare view the page benches measure
against (bench/urls.py). Nothing else differs from config.settings."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
