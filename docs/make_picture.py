"""Make docs/report.png, the README's picture of the report, with the project's own command.

    python docs/make_picture.py

It runs ``negotrack report examples/us-china-2025-2026.yaml --as-of 2026-03-01 -o FILE`` (the
console script beside this Python), opens FILE in headless Chromium through the tests'
harness (``tests/browser.py``: nothing is fetched, and the page must be clean), scrolls to the
timeline and takes a 1100 x 1400 screenshot, then stores it with a 256-colour palette (Pillow,
which matplotlib brings) to keep it small.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import open_page  # noqa: E402 - the harness lives with the tests
from PIL import Image  # noqa: E402

OUT = ROOT / "docs" / "report.png"
COMMAND = [
    str(Path(sys.executable).with_name("negotrack")),
    "report",
    "examples/us-china-2025-2026.yaml",
    "--as-of",
    "2026-03-01",
]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "report.html"
        subprocess.run([*COMMAND, "-o", str(page_path)], cwd=ROOT, check=True)
        shot = Path(folder) / "shot.png"
        with open_page(page_path, width=1100, height=1400) as page:
            check = page.check()
            if not check.clean:
                raise SystemExit(str(check))
            page.evaluate("document.querySelector('#timeline').scrollIntoView()")
            page.screenshot(shot)
        with Image.open(shot) as image:
            image.convert("RGB").quantize(256).save(OUT, optimize=True)
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
