"""Scenario documents: YAML and JSON text in and out, with the line of every item.

Reading gives plain Python values (`Located` mappings and `LocatedList` lists remember the
line of each key and item) so that a later check can say ``PATH:LINE``. YAML is read with the
YAML 1.2 core schema (``on``, ``no`` and ``yes`` stay strings; dates stay text until the
scenario checks them), no anchors or aliases (which rules out alias bombs), and no tags other
than the standard scalar and collection tags (which rules out constructing Python objects).
Writing is atomic: a temporary file in the same folder replaces the target in one step.
"""

from __future__ import annotations

import contextlib
import json
import json.decoder
import json.scanner
import os
import re
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
import yaml.composer
import yaml.constructor
import yaml.nodes
import yaml.parser
import yaml.reader
import yaml.resolver
import yaml.scanner

from . import _checks
from ._exceptions import ScenarioError

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}

_MAX_BYTES = 64 * 1024 * 1024  # a scenario is text written by people; refuse anything huge


class Located(dict[str, Any]):
    """A mapping read from a file: `line` is where it starts, `lines` where each key is."""

    line: int
    lines: dict[str, int]


class LocatedList(list[Any]):
    """A list read from a file: `line` is where it starts, `lines` where each item is."""

    line: int
    lines: list[int]


def line_of(tree: Any, path: tuple[str | int, ...]) -> int | None:
    """The line of the deepest item along `path` in a tree read by `read`."""
    line = getattr(tree, "line", None)
    node = tree
    for step in path:
        if isinstance(node, Located) and isinstance(step, str) and step in node:
            line = node.lines.get(step, line)
            node = node[step]
        elif isinstance(node, LocatedList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.lines[step]
            node = node[step]
        else:
            break
    return line


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
    try:
        if path.is_dir():
            raise ScenarioError(path, None, "is a directory; expected a scenario file")
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise ScenarioError(path, None, "no such file; check the path") from None
    except OSError as err:
        raise ScenarioError(path, None, f"cannot be read ({err.strerror or err})") from None
    if len(data) > _MAX_BYTES:
        raise ScenarioError(path, None, f"is larger than {_MAX_BYTES} bytes; expected a scenario")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ScenarioError(
            path, line, f"byte {data[err.start]:#04x} is not UTF-8; save the file as UTF-8"
        ) from None
    if not text.strip():
        raise ScenarioError(path, 1, "the file is empty; expected a scenario (negotrack: 1, ...)")
    return _read_yaml(path, text) if kind == "yaml" else _read_json(path, text)


def write(path: Path, document: Any) -> None:
    """Write `document` as YAML or JSON (by suffix), atomically."""
    kind = format_of(path)
    if kind == "json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.dump(
            document,
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=100,
        )
    if path.is_dir():
        raise ScenarioError(path, None, "is a directory; expected a file to write")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise ScenarioError(path, None, f"cannot be written ({err.strerror or err})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# -- YAML ------------------------------------------------------------------------------------


class _CoreResolver(yaml.resolver.BaseResolver):
    """Plain scalars resolved as in the YAML 1.2 core schema (no YAML 1.1 surprises)."""


_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


class _PyParser(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer
):
    """PyYAML's pure-Python parser and composer, used when libyaml is missing."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)


# libyaml's parser is faster and produces the same nodes.
_Parser: Any = getattr(yaml, "CParser", _PyParser)


class _Composer(_Parser, _CoreResolver):  # type: ignore[misc]
    """Parses one YAML document into a node tree, resolving plain scalars by the core schema."""

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _CoreResolver.__init__(self)


_TAG = "tag:yaml.org,2002:"


def _float(text: str) -> float:
    """A YAML float: decimal, or .inf and .nan in their YAML spellings."""
    if text.lstrip("+-").lower() in (".inf", ".nan"):
        return float(text.replace(".", "", 1))  # "-.inf" is "-inf" to Python
    return float(text)


_SCALARS: dict[str, Callable[[str], Any]] = {
    _TAG + "str": str,
    _TAG + "int": int,
    _TAG + "float": _float,
    _TAG + "bool": lambda v: v.lower() == "true",
    _TAG + "null": lambda v: None,
}


def _read_yaml(path: Path, text: str) -> Any:
    with _yaml_errors(path, text):
        _refuse_aliases(path, text)
        composer = _Composer(text)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
        if node is None:
            raise ScenarioError(
                path, 1, "the file is empty; expected a scenario (negotrack: 1, ...)"
            )
        return _Builder(path).build(node)


@contextlib.contextmanager
def _yaml_errors(path: Path, text: str) -> Iterator[None]:
    """Turn whatever PyYAML raises into one ScenarioError with a line."""
    try:
        yield
    except yaml.MarkedYAMLError as err:
        raise _yaml_error(path, err) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        char = err.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise ScenarioError(
            path, line, f"character {shown} is not allowed in YAML; remove it"
        ) from None
    except yaml.YAMLError as err:
        raise ScenarioError(path, None, f"is not valid YAML ({err})") from None
    except RecursionError:
        raise ScenarioError(path, None, "YAML nested too deeply to be a scenario") from None


def _refuse_aliases(path: Path, text: str) -> None:
    """Refuse anchors and aliases from the event stream, before anything is composed.

    A scenario never needs them, and refusing them outright is what makes an alias bomb
    (a few lines that expand into billions of items) cost nothing. (libyaml composes in C,
    so this is a pass of its own rather than a hook in the composer.)
    """
    parser = _Composer(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.AliasEvent):
                raise ScenarioError(
                    path,
                    _line(event.start_mark),
                    f"YAML alias *{event.anchor} is not allowed; write the value out",
                )
            if getattr(event, "anchor", None):
                raise ScenarioError(
                    path,
                    _line(event.start_mark),
                    f"YAML anchor &{event.anchor} is not allowed; write the value out",
                )
    finally:
        parser.dispose()


def _line(mark: Any) -> int | None:
    return None if mark is None else int(mark.line) + 1


def _yaml_error(path: Path, err: yaml.MarkedYAMLError) -> ScenarioError:
    mark = err.problem_mark or err.context_mark
    line = None if mark is None else mark.line + 1
    problem = err.problem or "invalid YAML"
    if "'\\t'" in problem or "tab" in problem.lower():
        return ScenarioError(
            path, line, "a tab is used for indentation; expected spaces (YAML forbids tabs)"
        )
    context = f" {err.context}" if err.context else ""
    return ScenarioError(
        path, line, f"YAML syntax error: {problem}{context}; check quoting and indentation"
    )


class _Builder:
    """Turns a composed node tree into located values, refusing what a scenario never needs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def build(self, node: yaml.nodes.Node) -> Any:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.nodes.MappingNode):
            return self._mapping(node, line)
        if isinstance(node, yaml.nodes.SequenceNode):
            if node.tag != _TAG + "seq":
                raise self._tag(node, line)
            items = LocatedList(self.build(item) for item in node.value)
            items.line = line
            items.lines = [item.start_mark.line + 1 for item in node.value]
            return items
        assert isinstance(node, yaml.nodes.ScalarNode)
        convert = _SCALARS.get(node.tag)
        if convert is None:
            raise self._tag(node, line)
        try:
            return convert(node.value)
        except ValueError:
            raise ScenarioError(
                self.path, line, f"{node.value!r} is not a valid {node.tag[len(_TAG) :]}"
            ) from None

    def _mapping(self, node: yaml.nodes.MappingNode, line: int) -> Located:
        if node.tag != _TAG + "map":
            raise self._tag(node, line)
        result = Located()
        result.line = line
        result.lines = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.nodes.ScalarNode) or key_node.tag == _TAG + "merge":
                raise ScenarioError(
                    self.path, key_line, "keys must be plain names; expected `name: value`"
                )
            key = self.build(key_node)
            if not isinstance(key, str):
                raise ScenarioError(
                    self.path, key_line, f"key {key!r} is not text; quote it or use a name"
                )
            if key in result:
                raise ScenarioError(
                    self.path,
                    key_line,
                    f"duplicate key {key!r} (first on line {result.lines[key]}); "
                    "expected each key once per mapping",
                )
            result.lines[key] = key_line
            result[key] = self.build(value_node)
        return result

    def _tag(self, node: yaml.nodes.Node, line: int) -> ScenarioError:
        return ScenarioError(
            self.path,
            line,
            f"YAML tag {node.tag!r} is not allowed; expected plain text, numbers, lists "
            "and mappings",
        )


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting by the core schema the loader uses, so files read back."""

    yaml_implicit_resolvers = _CoreResolver.yaml_implicit_resolvers


_BREAKS = frozenset("\n\r\x85\u2028\u2029")


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML may write text with line breaks in plain or single-quoted style, where a
    # reader folds the breaks into spaces; double quotes keep them, escaped.
    style = '"' if _BREAKS.intersection(text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text)


# -- JSON ------------------------------------------------------------------------------------

# The standard library's own object and array parsers, wrapped below to note each line.
_JSON_OBJECT: Any = json.decoder.JSONObject  # type: ignore[attr-defined]
_JSON_ARRAY: Any = json.decoder.JSONArray  # type: ignore[attr-defined]


def _read_json(path: Path, text: str) -> Any:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_at(offset: int) -> int:
        return bisect_right(starts, offset)

    def parse_object(
        s_and_end: tuple[str, int], strict: bool, scan_once: Any, *rest: Any
    ) -> tuple[Located, int]:
        # The object's own values are scanned through `scan_once`, in order: recording where
        # each starts gives the line of its key (a key and the start of its value share one).
        starts: list[int] = []

        def recording(text: str, index: int) -> Any:
            starts.append(index)
            return scan_once(text, index)

        line = line_at(s_and_end[1] - 1)
        pairs, end = _JSON_OBJECT(s_and_end, strict, recording, *rest)
        result = Located()
        result.line = line
        result.lines = {}
        for (key, value), start in zip(pairs, starts, strict=True):
            for text in (key, value):
                if isinstance(text, str) and not _checks.unicode(text):
                    raise ScenarioError(
                        path,
                        line_at(start),
                        f"{text!r} holds a lone surrogate escape (\\ud800-\\udfff), which "
                        "is not a character; expected valid Unicode text",
                    )
            if key in result:
                raise ScenarioError(
                    path,
                    line_at(start),
                    f"duplicate key {key!r} (first on line {result.lines[key]}); "
                    "expected each key once per object",
                )
            result[key] = value
            result.lines[key] = line_at(start)
        return result, end

    def parse_array(s_and_end: tuple[str, int], scan_once: Any) -> tuple[LocatedList, int]:
        line = line_at(s_and_end[1] - 1)
        items, end = _JSON_ARRAY(s_and_end, scan_once)
        result = LocatedList(items)
        result.line = line
        # Items carry their own line when they are objects or arrays; scalars take the list's.
        result.lines = [getattr(item, "line", line) for item in items]
        return result, end

    decoder = json.JSONDecoder(object_pairs_hook=list)
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.parse_array = parse_array  # type: ignore[attr-defined]
    # The C scanner does not call back into parse_object; the Python one does.
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as err:
        raise ScenarioError(
            path, err.lineno, f"JSON syntax error: {err.msg} (column {err.colno})"
        ) from None
    except RecursionError:
        raise ScenarioError(path, None, "JSON nested too deeply to be a scenario") from None
