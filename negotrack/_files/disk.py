"""Scenario documents on disk: reading a file safely into located values, writing one atomically.

Reading refuses what is not a scenario file before parsing anything: a folder, a FIFO, a
socket or a device (which could block forever), a file over `MAX_BYTES`, text that is not
UTF-8. The text itself is composed by `negotrack._files.composer`. Writing replaces the target in
one step (a temporary file in the same folder, renamed over it), with the permissions a new file
would get from the umask, or those of the file it replaces.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from negotrack._exceptions import ScenarioError
from negotrack._located import Located, LocatedList, line_of

from .composer import CORE, TAG, UNPRINTABLE, compose, escaped

__all__ = ["Located", "LocatedList", "format_of", "line_of", "read", "write"]

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}

MAX_BYTES = 16 * 1024 * 1024
"""The largest scenario file read: records bigger than this belong in a store."""


def comma_hint(tree: Any, path: tuple[str | int, ...], extra: str) -> str:
    """A hint to quote the text before `extra`, when that unknown key looks cut from it.

    In ``{...}`` an unquoted comma ends a text: ``{title: US cuts, then holds}`` reads as a
    title and a key ``then holds`` without a value. Empty when it does not look like that.
    """
    node = tree
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return ""
    if not isinstance(node, Located) or node.get(extra, "") is not None:
        return ""
    keys = list(node)
    before = keys[keys.index(extra) - 1] if keys.index(extra) else None
    if before is None or not isinstance(node[before], str):
        return ""
    return (
        f"; if {extra!r} is the rest of {before}, a comma ended the text: quote it, "
        f'{before}: "{node[before]}, {extra}"'
    )


def format_of(path: Path) -> str:
    """'yaml' or 'json', from the file name; raise ScenarioError for anything else."""
    try:
        return SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise ScenarioError(
            path,
            None,
            f"unsupported file type {path.suffix or '(none)'!r}; "
            "expected a .yaml, .yml or .json scenario file",
        ) from None


def read(path: Path) -> Any:
    """Read and parse a scenario file into located values; raise ScenarioError on any fault."""
    kind = format_of(path)
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ScenarioError(
            path, line, f"byte {data[err.start]:#04x} is not UTF-8; save the file as UTF-8"
        ) from None
    if not text.strip():
        raise ScenarioError(path, 1, "the file is empty; expected a scenario (negotrack: 1, ...)")
    return compose(text, path, json_syntax=kind == "json")


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing anything but a regular file of at most MAX_BYTES."""
    try:
        if not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
            raise _not_regular(path)
        # Non-blocking, so that opening a FIFO does not wait for a writer; then refuse it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise ScenarioError(path, None, "no such file; check the path") from None
    except IsADirectoryError:
        raise ScenarioError(path, None, "is a directory; expected a scenario file") from None
    except (OSError, ValueError) as err:
        raise ScenarioError(path, None, f"cannot be read ({_reason(err)})") from None
    with contextlib.closing(_File(fd)) as handle:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(path, None, "is a directory; expected a scenario file")
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path)
        if info.st_size > MAX_BYTES:
            raise _too_big(path, info.st_size)
        try:
            data = handle.read(MAX_BYTES + 1)
        except OSError as err:
            raise ScenarioError(path, None, f"cannot be read ({_reason(err)})") from None
    if len(data) > MAX_BYTES:
        raise _too_big(path, len(data))
    return data


class _File:
    """A raw file descriptor read to the end (closing it when done)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def read(self, limit: int) -> bytes:
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(self.fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        os.close(self.fd)


def _not_regular(path: Path) -> ScenarioError:
    return ScenarioError(
        path, None, "is not a regular file (a pipe, a socket or a device); expected a scenario file"
    )


def _too_big(path: Path, size: int) -> ScenarioError:
    return ScenarioError(
        path,
        None,
        f"is {size:,} bytes, over the {MAX_BYTES:,} a scenario file may hold; keep a record "
        "that big in a store (negotrack record --db STORE FILE, in parts)",
    )


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err)


def write(path: Path, document: Any) -> None:
    """Write `document` as YAML or JSON (by suffix), atomically."""
    kind = format_of(path)
    text = dump_json(document) if kind == "json" else dump_yaml(document)
    named = path
    path = Path(os.path.realpath(path))  # through a link, to the file it names
    if path.is_dir():
        raise ScenarioError(named, None, "is a directory; expected a file to write")
    with contextlib.suppress(OSError):
        if not stat.S_ISREG(path.stat().st_mode):
            raise ScenarioError(
                named, None, "is not a regular file (a device, a pipe...); expected a file to write"
            )
    mode = _mode_for(path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except (OSError, ValueError) as err:
        raise ScenarioError(path, None, f"cannot be written ({_reason(err)})") from None
    try:
        with _cleanup(temporary), os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
            os.replace(temporary, path)
    except OSError as err:  # a full disk, say: the old file is untouched, the target named
        raise OSError(err.errno, err.strerror or str(err), str(path)) from None


@contextlib.contextmanager
def _cleanup(temporary: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The mode of the file `path` replaces, or what the umask gives a new file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


# -- writing YAML and JSON -------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting by the core schema the composer reads with."""


_Dumper.yaml_implicit_resolvers = {}
for _tag, _pattern, _first, _ in CORE:
    _Dumper.add_implicit_resolver(
        TAG + _tag,
        re.compile(f"^(?:{_pattern.pattern})$"),
        [*_first, ""] if _tag == "null" else list(_first),
    )

_BREAKS = frozenset("\n\r\x85\u2028\u2029")


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML may write text with line breaks in plain or single-quoted style, where a
    # reader folds the breaks into spaces; double quotes keep them, escaped.
    style = '"' if _BREAKS.intersection(text) else None
    return dumper.represent_scalar(TAG + "str", text, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(document: Any) -> str:
    """`document` as YAML that `compose` reads back unchanged."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def dump_json(document: Any) -> str:
    """`document` as JSON that `compose` reads back unchanged."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return UNPRINTABLE.sub(escaped, text)
