"""The browser-check harness (tests/browser.py) catches what a broken report would do.

Marked slow (each test starts Chromium): they guard the harness, and run under CI; the
report's own browser checks (tests/test_report_browser.py) run in every local run.
"""

from __future__ import annotations

import http.server
import os
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path

import pytest
from browser import (
    TEMP_PREFIX,
    BrowserError,
    chromium_path,
    distinct_pixels,
    open_page,
    read_png,
    require_chromium,
)

pytestmark = pytest.mark.slow

CLEAN = """<!doctype html>
<html><head><meta charset="utf-8"><title>clean</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0;font:16px sans-serif} .bar{height:40px;background:#c33;margin:8px}</style>
</head><body>
<h1>Report</h1>
<ul><li>a</li><li>b</li><li>c</li></ul>
<svg width="200" height="100"><rect width="120" height="60" fill="#36c"/></svg>
<div class="bar"></div>
<img alt="inline" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<script>console.log('fine'); console.warn('only a warning');</script>
</body></html>
"""


def write(tmp_path: Path, body: str, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    return path


def harness_processes() -> list[str]:
    """Command lines of live processes started with one of the harness's temp profiles."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if TEMP_PREFIX in cmdline:
                found.append(cmdline)
    return found


def test_clean_page_reports_nothing(tmp_path: Path) -> None:
    """A self-contained page with a log, a warning and a data: image gives a clean check."""
    path = tmp_path / "clean.html"
    path.write_text(CLEAN, encoding="utf-8")
    with open_page(path) as page:
        check = page.check()
    assert check.clean, str(check)
    assert check.console_errors == check.page_errors == check.requests == ()


def test_console_error_is_caught(tmp_path: Path) -> None:
    """A `console.error('x')` in the page is recorded as a console error."""
    with open_page(write(tmp_path, "<script>console.error('x')</script>")) as page:
        check = page.check()
    assert check.console_errors == ("x",)
    assert not check.clean


def test_thrown_exception_is_caught(tmp_path: Path) -> None:
    """An uncaught exception thrown by a page script is recorded with its message."""
    body = "<script>throw new TypeError('boom in report')</script><p>after</p>"
    with open_page(write(tmp_path, body)) as page:
        check = page.check()
    assert len(check.page_errors) == 1
    assert "TypeError: boom in report" in check.page_errors[0]


@pytest.mark.slow
def test_late_rejection_is_caught_after_settling(tmp_path: Path) -> None:
    """An unhandled promise rejection after load is caught once the page is given time."""
    body = "<script>setTimeout(() => Promise.reject(new Error('late')), 50)</script>"
    with open_page(write(tmp_path, body)) as page:
        page.settle(0.5)
        assert any("late" in error for error in page.page_errors), page.page_errors


def test_external_image_request_is_recorded(tmp_path: Path) -> None:
    """An `<img src="http://example.com/x.png">` is recorded as an attempted request."""
    with open_page(write(tmp_path, '<img src="http://example.com/x.png">')) as page:
        check = page.check()
    assert check.requests == ("http://example.com/x.png",)
    assert not check.clean


def test_script_fetch_and_local_file_are_recorded(tmp_path: Path) -> None:
    """A fetch() from script and a relative file reference both count as requests."""
    body = '<link rel="stylesheet" href="side.css"><script>fetch("https://example.org/d.json")</script>'
    with open_page(write(tmp_path, body)) as page:
        page.settle(0.3)
        requests = list(page.requests)
    assert "https://example.org/d.json" in requests
    assert (tmp_path / "side.css").as_uri() in requests


@pytest.mark.slow
def test_nothing_reaches_a_listening_loopback_server(tmp_path: Path) -> None:
    """Image, iframe, fetch, beacon and WebSocket to a live local server are recorded, not sent."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        body = (
            f'<img src="http://{base}/img"><iframe src="http://{base}/frame"></iframe>'
            f'<script>fetch("http://{base}/fetch").catch(() => 0);'
            f'navigator.sendBeacon("http://{base}/beacon"); new WebSocket("ws://{base}/ws")</script>'
        )
        with open_page(write(tmp_path, body)) as page:
            page.settle(0.5)
            requests = set(page.requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert hits == []
    expected = {f"http://{base}/{name}" for name in ("img", "frame", "fetch", "beacon")}
    assert requests == expected | {f"ws://{base}/ws"}


def test_query_count_counts_elements(tmp_path: Path) -> None:
    """`query_count` returns the number of elements matching a CSS selector."""
    path = tmp_path / "clean.html"
    path.write_text(CLEAN, encoding="utf-8")
    with open_page(path) as page:
        assert page.query_count("li") == 3
        assert page.query_count("svg rect") == 1
        assert page.query_count("table") == 0


def test_screenshot_is_a_non_blank_png(tmp_path: Path) -> None:
    """The screenshot is a viewport-sized PNG holding more than one distinct pixel value."""
    path = tmp_path / "clean.html"
    path.write_text(CLEAN, encoding="utf-8")
    with open_page(path, width=640, height=400) as page:
        png = page.screenshot(tmp_path / "shot.png")
    width, height, _, _ = read_png(png)
    assert (width, height) == (640, 400)
    assert distinct_pixels(png) > 1


def test_screenshot_pixels_are_decoded_exactly(tmp_path: Path) -> None:
    """A red block on white decodes to exactly those two colours, at the right places."""
    body = '<div style="position:absolute;left:0;top:0;width:100px;height:50px;background:#c33">'
    path = write(tmp_path, f"<style>body{{margin:0;background:#fff}}</style>{body}</div>")
    with open_page(path, width=300, height=200) as page:
        png = page.screenshot(tmp_path / "block.png")
    _, _, bpp, rows = read_png(png)

    def pixel(x: int, y: int) -> tuple[int, ...]:
        return tuple(rows[y][x * bpp : x * bpp + 3])

    assert pixel(10, 10) == pixel(99, 49) == (0xCC, 0x33, 0x33)
    assert pixel(100, 10) == pixel(10, 50) == pixel(299, 199) == (0xFF, 0xFF, 0xFF)
    assert distinct_pixels(png) == 2


def test_blank_check_has_teeth(tmp_path: Path) -> None:
    """A single-colour PNG (and a blank page's screenshot) counts as one distinct pixel value."""
    raw = b"".join(b"\0" + b"\xff\xff\xff" * 4 for _ in range(3))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0)
    png = tmp_path / "white.png"
    png.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    assert distinct_pixels(png) == 1
    with open_page(write(tmp_path, ""), width=200, height=100) as page:
        assert distinct_pixels(page.screenshot(tmp_path / "blank.png")) == 1


def test_phone_viewport_is_honoured(tmp_path: Path) -> None:
    """A 390 px wide viewport is what the page sees as `window.innerWidth`."""
    path = tmp_path / "clean.html"
    path.write_text(CLEAN, encoding="utf-8")
    with open_page(path, width=390, height=844) as page:
        assert page.evaluate("window.innerWidth") == 390
        assert page.evaluate("window.innerHeight") == 844
        assert page.evaluate("document.documentElement.clientWidth") == 390


def test_evaluate_returns_values_and_raises_on_errors(tmp_path: Path) -> None:
    """`evaluate` returns JSON values, awaits promises and raises on a thrown error."""
    with open_page(write(tmp_path, "<p>x</p>")) as page:
        assert page.evaluate("({a: [1, 2], b: 'c'})") == {"a": [1, 2], "b": "c"}
        assert page.evaluate("Promise.resolve(7)") == 7
        with pytest.raises(BrowserError, match="nope"):
            page.evaluate("(() => { throw new Error('nope') })()")
        assert page.page_errors == []


@pytest.mark.slow
def test_hung_script_times_out_and_cleans_up(tmp_path: Path) -> None:
    """A promise that never settles raises TimeoutError, and the browser and profile are gone."""
    with open_page(write(tmp_path, "<p>x</p>"), timeout=5) as page:
        pid, profile = page.browser_pid, page.profile_dir
        assert profile.is_dir()
        with pytest.raises(TimeoutError):
            page.evaluate("new Promise(() => {})", timeout=1)
    assert not profile.exists()
    assert not Path(f"/proc/{pid}").exists()
    assert harness_processes() == []


@pytest.mark.slow
def test_page_that_never_loads_times_out(tmp_path: Path) -> None:
    """A page whose script loops forever makes `open_page` time out instead of hanging."""
    before = set(Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"))
    with (
        pytest.raises(TimeoutError),
        open_page(write(tmp_path, "<script>for(;;){}</script>"), timeout=3),
    ):
        pass
    assert harness_processes() == []
    assert set(Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*")) == before


@pytest.mark.slow
def test_missing_chromium_skips_locally_and_fails_under_ci(tmp_path: Path) -> None:
    """With Chromium hidden, a browser test is skipped with a reason, but fails when CI=true."""
    test_file = tmp_path / "test_needs_browser.py"
    test_file.write_text(
        "from browser import require_chromium\n\n"
        "def test_needs_browser():\n"
        "    require_chromium()\n",
        encoding="utf-8",
    )
    tests_dir = str(Path(__file__).parent)
    results = {}
    for ci in ("", "true"):
        env = {**os.environ, "CHROMIUM": str(tmp_path / "nonexistent"), "CI": ci}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [tests_dir, env.get("PYTHONPATH")]))
        results[ci] = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(test_file)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert results[""].returncode == 0, results[""].stdout
    assert "1 skipped" in results[""].stdout
    assert "apt-get install -y chromium" in results[""].stdout
    assert results["true"].returncode == 1, results["true"].stdout
    assert "1 failed" in results["true"].stdout
    assert "CI=true" in results["true"].stdout


def test_chromium_path_honours_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`CHROMIUM` overrides PATH lookup, and a missing one means no Chromium."""
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "nonexistent"))
    assert chromium_path() is None
    monkeypatch.delenv("CHROMIUM")
    assert chromium_path() == require_chromium()
