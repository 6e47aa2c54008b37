"""Shared fixtures and the Hypothesis profiles.

`HYPOTHESIS_PROFILE=ci` (set by `.ci/run`) selects the thorough, derandomized profile; the
default profile stays fast for local runs. Failing examples print a reproduction blob.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
