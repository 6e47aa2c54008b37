"""What machine a benchmark ran on, for the first line of its output."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """The system, the cores and their model, and the Python version."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
        f"{', ' + model if model else ''}; Python {platform.python_version()}"
    )
