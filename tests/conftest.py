"""Shared fixtures, the Hypothesis profiles, and the `slow` marker.

`HYPOTHESIS_PROFILE=ci` (set by `.ci/run`) selects the thorough, derandomized profile; the
default profile stays fast for local runs. Failing examples print a reproduction blob.

Tests marked `slow` (the planted-bug runs, the multi-process stores) run under CI
(``CI=true``, set by `.ci/run`) and whenever asked for (``-m slow``, or ``--slow``); a plain
local ``pytest`` skips them, to stay under half a minute.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="also run the tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = (
        os.environ.get("CI") == "true"
        or config.getoption("--slow")
        or "slow" in (config.getoption("-m") or "")
    )
    if wanted:
        return
    skip = pytest.mark.skip(reason="slow: runs under CI=true, or with --slow or -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    print_blob=True,
)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
