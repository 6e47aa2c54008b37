"""Open a local HTML file in a real headless Chromium and report what went wrong in it.

Chromium is driven over the DevTools Protocol with `websocket-client` as the only dependency,
because on the project's machine it had a page target ready 0.3 s after launch (a loaded page in
0.6 s), against 0.8-1.2 s for playwright's bundled node driver running the same /usr/bin/chromium.
It also needs no chromium-driver package and no driver pinned to one browser version, and the few
protocol calls it uses (Target, Page, Runtime, Log, Network, Emulation) are long-stable ones.

Usage, in a test (`open_page` itself skips, or under CI=true fails, when there is no Chromium)::

    from browser import open_page

    def test_report_is_clean(tmp_path):
        with open_page(report_path, width=390) as page:
            assert page.check().clean, page.check()
            assert page.query_count("svg") > 0

Every request other than the page itself (and `data:`/`blob:` URLs) is recorded in `requests`
and blocked (DevTools URL blocking, plus a host-resolver rule failing every host, IP literals
included), so a check never reaches the network. Console errors and exceptions are those of the
top document: a cross-origin iframe runs apart, though its request is recorded all the same.
Each wait has a deadline (30 s by default) and raises `TimeoutError` rather than hang; leaving
the `with` block always ends the browser's process group and removes its temporary profile.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import websocket

DEFAULT_TIMEOUT = 30.0
TEMP_PREFIX = "negotrack-chromium-"

# Flags known to work as root with no display and no network; without the background-networking
# ones Chromium keeps trying (and failing) to reach its own services.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)

# Requests with these schemes are recorded but not counted: they fetch nothing.
_INERT_SCHEMES = ("data:", "blob:", "about:")
# Blocked outright, so a page under test never reaches the network even where there is one.
_BLOCKED_PATTERNS = ("http://*", "https://*", "ws://*", "wss://*", "ftp://*")


class BrowserError(RuntimeError):
    """Chromium could not be started, or a DevTools call failed."""


def chromium_path() -> str | None:
    """The Chromium to use: `$CHROMIUM` if set (None if not executable), else `chromium` on PATH."""
    configured = os.environ.get("CHROMIUM")
    if configured is not None:
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) else None
    return shutil.which("chromium")


def require_chromium() -> str:
    """The Chromium path; skip the calling test when there is none, but fail it under CI=true."""
    path = chromium_path()
    if path is not None:
        return path
    configured = os.environ.get("CHROMIUM")
    where = f"CHROMIUM={configured!r} is not an executable" if configured else "no chromium on PATH"
    reason = f"headless Chromium is needed ({where}); install it with: apt-get install -y chromium"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class PageCheck:
    """What a page did wrong: console errors, uncaught exceptions and attempted requests."""

    console_errors: tuple[str, ...]
    page_errors: tuple[str, ...]
    requests: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """True when the page logged no error, threw nothing and fetched nothing."""
        return not (self.console_errors or self.page_errors or self.requests)

    def __str__(self) -> str:
        if self.clean:
            return "PageCheck: clean"
        lines = ["PageCheck:"]
        for title, items in (
            ("console errors", self.console_errors),
            ("uncaught exceptions", self.page_errors),
            ("requests", self.requests),
        ):
            lines.extend(f"  {title}: {item}" for item in items)
        return "\n".join(lines)


@dataclass
class Page:
    """A loaded page in a live headless Chromium; valid only inside `open_page`'s `with` block."""

    url: str
    browser_pid: int
    profile_dir: Path
    timeout: float
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    _ws: websocket.WebSocket | None = field(default=None, repr=False)
    _session: str = field(default="", repr=False)
    _next_id: int = field(default=0, repr=False)
    _events: list[dict[str, Any]] = field(default_factory=list, repr=False)

    # -- public API -----------------------------------------------------------------------

    def evaluate(self, expression: str, *, timeout: float | None = None) -> Any:
        """The JSON value of a JavaScript expression, awaited if it is a promise."""
        result = self._call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        details = result.get("exceptionDetails")
        if details is not None:
            raise BrowserError(f"evaluating {expression!r} threw: {_exception_text(details)}")
        return result.get("result", {}).get("value")

    def query_count(self, css_selector: str) -> int:
        """How many elements match a CSS selector."""
        count = self.evaluate(f"document.querySelectorAll({json.dumps(css_selector)}).length")
        assert isinstance(count, int)
        return count

    def screenshot(self, png_path: Path) -> Path:
        """Write a PNG of the viewport to `png_path` and return it."""
        result = self._call("Page.captureScreenshot", {"format": "png"})
        png_path = Path(png_path)
        png_path.write_bytes(base64.b64decode(result["data"]))
        return png_path

    def settle(self, seconds: float = 0.2) -> None:
        """Let the page run for a while (timers, late errors), collecting what it reports."""
        self._pump(time.monotonic() + seconds, until=None)

    def check(self) -> PageCheck:
        """A snapshot of the problems seen so far (drains pending events first)."""
        self._call("Runtime.evaluate", {"expression": "0"})
        return PageCheck(tuple(self.console_errors), tuple(self.page_errors), tuple(self.requests))

    # -- DevTools plumbing ----------------------------------------------------------------

    def _call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: bool = True,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        if self._ws is None:
            raise BrowserError("the page is closed: use it inside `with open_page(...)`")
        self._next_id += 1
        call_id = self._next_id
        message: dict[str, Any] = {"id": call_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        reply = self._pump(deadline, until=lambda m: m.get("id") == call_id, what=method)
        assert reply is not None
        if "error" in reply:
            raise BrowserError(f"{method} failed: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def _wait_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        for index, event in enumerate(self._events):
            if event.get("method") == method:
                del self._events[index]
                return event
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        found = self._pump(deadline, until=lambda m: m.get("method") == method, what=method)
        assert found is not None
        return found

    def _pump(
        self,
        deadline: float,
        until: Callable[[dict[str, Any]], bool] | None,
        what: str = "",
    ) -> dict[str, Any] | None:
        """Read messages until `until(message)` holds (return it) or the deadline passes."""
        assert self._ws is not None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if until is None:
                    return None
                raise TimeoutError(f"no answer from Chromium to {what} within the time allowed")
            self._ws.settimeout(remaining)
            try:
                raw = self._ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError) as error:
                raise BrowserError(
                    f"lost the DevTools connection while waiting for {what}"
                ) from error
            message: dict[str, Any] = json.loads(raw)
            if "method" in message:
                self._record(message)
            if until is not None and until(message):
                return message
            if "method" in message:
                self._events.append(message)
                del self._events[:-200]

    def _record(self, event: dict[str, Any]) -> None:
        method = event["method"]
        params = event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = params.get("args", [])
            self.console_errors.append(" ".join(_remote_text(arg) for arg in args))
        elif method == "Runtime.exceptionThrown":
            self.page_errors.append(_exception_text(params.get("exceptionDetails", {})))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                url = entry.get("url")
                self.console_errors.append(
                    f"{entry.get('text', '')}" + (f" ({url})" if url else "")
                )
        elif method == "Network.requestWillBeSent":
            self._record_request(params.get("request", {}).get("url", ""))
        elif method == "Network.webSocketCreated":
            self._record_request(params.get("url", ""))

    def _record_request(self, url: str) -> None:
        if url and url != self.url and not url.startswith(_INERT_SCHEMES):
            self.requests.append(url)


def _remote_text(arg: dict[str, Any]) -> str:
    if "value" in arg:
        value = arg["value"]
        return value if isinstance(value, str) else json.dumps(value)
    return str(arg.get("description", arg.get("type", "?")))


def _exception_text(details: dict[str, Any]) -> str:
    exception = details.get("exception") or {}
    return str(exception.get("description") or details.get("text") or "unknown exception")


@contextlib.contextmanager
def open_page(
    path: Path,
    *,
    width: int = 1280,
    height: int = 800,
    timeout: float = DEFAULT_TIMEOUT,
) -> Iterator[Page]:
    """Load a local HTML file at a `width` x `height` viewport; yield the `Page` once loaded."""
    executable = require_chromium()
    file_path = Path(path).resolve(strict=True)
    url = file_path.as_uri()
    deadline = time.monotonic() + timeout
    temp_dir = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    profile = temp_dir / "profile"
    profile.mkdir()
    process: subprocess.Popen[bytes] | None = None
    page: Page | None = None
    try:
        with open(temp_dir / "chromium.log", "wb") as log:
            process = subprocess.Popen(
                [
                    executable,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    f"--window-size={width},{height}",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended as one on the way out
            )
        endpoint = _devtools_endpoint(profile, process, deadline, temp_dir / "chromium.log")
        ws = websocket.create_connection(
            endpoint,
            timeout=max(deadline - time.monotonic(), 0.1),
            suppress_origin=True,  # Chromium refuses DevTools sockets that send an Origin
            http_no_proxy=["127.0.0.1"],
        )
        page = Page(url=url, browser_pid=process.pid, profile_dir=profile, timeout=timeout, _ws=ws)
        _attach_and_load(page, width, height, deadline)
        yield page
    finally:
        if page is not None and page._ws is not None:
            with contextlib.suppress(Exception):
                page._call("Browser.close", session=False, timeout=2)
            with contextlib.suppress(Exception):
                page._ws.close()
            page._ws = None
        if process is not None:
            _end_process_group(process)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _devtools_endpoint(
    profile: Path, process: subprocess.Popen[bytes], deadline: float, log: Path
) -> str:
    """The browser's DevTools websocket URL, read from DevToolsActivePort once it is written."""
    active_port = profile / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise BrowserError(f"Chromium exited with {process.returncode} at start-up:\n{tail}")
        with contextlib.suppress(FileNotFoundError):
            lines = active_port.read_text().splitlines()
            if len(lines) >= 2 and lines[0].isdigit():
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.02)
    raise TimeoutError("Chromium did not open its DevTools port in the time allowed")


def _attach_and_load(page: Page, width: int, height: int, deadline: float) -> None:
    def left() -> float:
        return max(deadline - time.monotonic(), 0.001)

    created = page._call(
        "Target.createTarget", {"url": "about:blank"}, session=False, timeout=left()
    )
    attached = page._call(
        "Target.attachToTarget",
        {"targetId": created["targetId"], "flatten": True},
        session=False,
        timeout=left(),
    )
    page._session = attached["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        page._call(f"{domain}.enable", timeout=left())
    page._call("Network.setBlockedURLs", {"urls": list(_BLOCKED_PATTERNS)}, timeout=left())
    page._call("Network.setCacheDisabled", {"cacheDisabled": True}, timeout=left())
    page._call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        timeout=left(),
    )
    navigated = page._call("Page.navigate", {"url": page.url}, timeout=left())
    if navigated.get("errorText"):
        raise BrowserError(f"could not load {page.url}: {navigated['errorText']}")
    page._wait_event("Page.loadEventFired", timeout=left())


def _end_process_group(process: subprocess.Popen[bytes]) -> None:
    """Wait briefly for a clean exit, then SIGTERM and SIGKILL the group Chromium leads."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=3)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)  # the group of the process started above, by its id
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
    process.wait(timeout=5)


# -- PNG reading (standard library only) ------------------------------------------------------


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and unfiltered rows of an 8-bit, non-interlaced PNG."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    offset, idat = 8, bytearray()
    width = height = bpp = 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
            if depth != 8 or channels is None or interlace:
                raise ValueError(f"{path}: only 8-bit, non-interlaced, non-palette PNGs are read")
            bpp = channels
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_byte, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            up_left = previous[i - bpp] if i >= bpp else 0
            if kind_byte == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind_byte == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind_byte == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind_byte == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


def distinct_pixels(path: Path) -> int:
    """How many distinct pixel values a PNG holds (1 means a blank, single-colour image)."""
    _, _, bpp, rows = read_png(path)
    return len({row[i : i + bpp] for row in rows for i in range(0, len(row), bpp)})
