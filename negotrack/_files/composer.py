"""The located composer: YAML and JSON text to plain values that remember their lines.

One pass over the parser's events builds `Located` mappings and `LocatedList` lists (which
record the line of every key and item), refusing on the way what a scenario never needs:
anchors and aliases (so an alias bomb costs nothing), tags other than the standard ones (so no
Python object is ever constructed), nesting deeper than `MAX_DEPTH`, and scalars longer than
`MAX_SCALAR`. Plain scalars resolve by the YAML 1.2 core schema (``on``, ``no`` and ``yes``
stay text). libyaml's parser is used wherever PyYAML was built with it, and PyYAML's
pure-Python one elsewhere; both give the same events.

JSON is YAML 1.2's flow style, so JSON files go through the same composer, with two
differences: JSON's surrogate-pair escapes are joined first (libyaml refuses them one by one),
and only JSON's own forms are accepted (double-quoted strings, numbers, true, false, null).
(`negotrack._files.disk` writes files that this composer reads back unchanged.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
import yaml.parser
import yaml.reader
import yaml.scanner

from negotrack import _checks
from negotrack._exceptions import ScenarioError, excerpt
from negotrack._located import Located, LocatedList


class PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python reader, scanner and parser: the same events as libyaml's."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)

    def dispose(self) -> None:
        """Nothing to free (libyaml's parser needs this call)."""


def _pick_parser() -> tuple[Any, str]:
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return PyParser, "pure"
    return CParser, "libyaml"


_Parser, PARSER = _pick_parser()
"""The parser class scenario files are read with, and its name: "libyaml" wherever PyYAML
was built with it, "pure" elsewhere."""

MAX_DEPTH = 64  # a scenario nests about six levels; anything deeper is not a scenario
MAX_SCALAR = 1 << 20  # characters in one value: a quote or a note, not a book

TAG = "tag:yaml.org,2002:"


# -- plain scalars, by the YAML 1.2 core schema ----------------------------------------------

# (tag, pattern, first characters, conversion): the resolvers of the YAML 1.2 core schema,
# which the writer uses too, so that what it writes as text reads back as text.
CORE: list[tuple[str, re.Pattern[str], str, Callable[[str], Any]]] = [
    ("null", re.compile(r"~|null|Null|NULL|"), "~nN", lambda v: None),
    (
        "bool",
        re.compile(r"true|True|TRUE|false|False|FALSE"),
        "tTfF",
        lambda v: v.lower() == "true",
    ),
    ("int", re.compile(r"[-+]?[0-9]+"), "-+0123456789", int),
    (
        "float",
        re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"),
        "-+0123456789.",
        float,
    ),
    (
        "float",
        re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"),
        "-+.",
        lambda v: float(v.replace(".", "", 1)),  # "-.inf" is "-inf" to Python
    ),
]
_JSON_LITERAL = re.compile(r"null|true|false|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_STANDARD: dict[str, Callable[[str], Any]] = {
    TAG + "str": str,
    TAG + "int": int,
    TAG + "float": float,
    TAG + "bool": lambda v: v.lower() == "true",
    TAG + "null": lambda v: None,
}


def _resolve(text: str) -> Any:
    for _, pattern, _, convert in CORE:
        if pattern.fullmatch(text):
            return convert(text)
    return text


# -- composing ----------------------------------------------------------------------------------

# JSON's escape of a character beyond U+FFFF: two surrogate escapes, after an even number of
# backslashes (an odd one escapes the backslash itself).
_PAIR = re.compile(
    r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
)


# Characters a JSON string holds raw that YAML reads otherwise: those its reader refuses
# (U+007F to U+009F, U+FFFE, U+FFFF) and the line breaks it folds (NEL, U+2028, U+2029).
# Written and read as escapes.
UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def _join_pairs(match: re.Match[str]) -> str:
    high, low = int(match[2], 16), int(match[3], 16)
    return match[1] + chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def compose(text: str, path: Path, *, json_syntax: bool) -> Any:
    """Parse one YAML (or JSON) document into located values; ScenarioError on any fault."""
    if json_syntax:
        if "\\u" in text:
            text = _PAIR.sub(_join_pairs, text)
        # Characters JSON strings may hold raw but YAML's reader refuses: as escapes.
        text = UNPRINTABLE.sub(escaped, text)
    parser = _Parser(text)
    try:
        return _Builder(path, text, json_syntax).build(parser)
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(path, err, json_syntax) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        char = err.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise ScenarioError(
            path, line, f"character {shown} is not allowed in a scenario file; remove it"
        ) from None
    except yaml.YAMLError as err:
        raise ScenarioError(path, None, f"is not valid YAML ({err})") from None
    finally:
        parser.dispose()


def _syntax_error(path: Path, err: yaml.MarkedYAMLError, json_syntax: bool) -> ScenarioError:
    # For an unclosed quote (or, in YAML, bracket) the line to look at is where it started
    # (the context mark), not the end of the stream where the parser gave up.
    problem = err.problem or "invalid syntax"
    context = err.context or ""
    started = "quoted" in context or (not json_syntax and "flow" in context)
    mark = err.context_mark if started and err.context_mark else err.problem_mark
    line = None if mark is None else mark.line + 1
    at = err.problem_mark
    if "nesting depth" in problem:
        return ScenarioError(
            path, line, f"nested too deeply (more than {MAX_DEPTH} levels); a scenario is not"
        )
    if json_syntax:
        if "escape" in problem and "Unicode" in problem:
            problem = "a lone surrogate escape (\\ud800-\\udfff), which is not a character"
        where = "" if at is None else f" (line {at.line + 1}, column {at.column + 1})"
        return ScenarioError(
            path, line, f"JSON syntax error: {problem}{where}; expected valid JSON text"
        )
    if "'\\t'" in problem or "tab" in problem.lower():
        line = None if at is None else at.line + 1
        return ScenarioError(
            path, line, "a tab is used for indentation; expected spaces (YAML forbids tabs)"
        )
    context = f" {context}" if context else ""
    found = "" if at is None or at.line + 1 == line else f" (noticed on line {at.line + 1})"
    return ScenarioError(
        path, line, f"YAML syntax error: {problem}{context}{found}; check quoting and indentation"
    )


class _Builder:
    """Builds located values from parser events (see the module docstring)."""

    def __init__(self, path: Path, text: str, json_syntax: bool) -> None:
        self.path = path
        self.json = json_syntax
        self.what = "JSON" if json_syntax else "YAML"

    def build(self, parser: Any) -> Any:
        # Each open collection, with the key waiting for its value (mappings only).
        stack: list[tuple[Located | LocatedList, tuple[str, int] | None]] = []
        root: Any = None
        documents = 0
        while parser.check_event():
            event = parser.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                raise self.fault(
                    line, f"YAML alias *{event.anchor} is not allowed; write the value out"
                )
            if getattr(event, "anchor", None):
                raise self.fault(
                    line, f"YAML anchor &{event.anchor} is not allowed; write the value out"
                )
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fault(line, "a second document in one file; expected one scenario")
                continue
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise self.fault(
                        line, f"nested too deeply (more than {MAX_DEPTH} levels); a scenario is not"
                    )
                container = self.collection(event, line, stack)
                stack.append((container, None))
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                value, _ = stack.pop()
            elif isinstance(event, yaml.ScalarEvent):
                value = self.scalar(event, line, stack)
            else:
                continue
            if not stack:
                root = value
                continue
            parent, key = stack[-1]
            if isinstance(parent, LocatedList):
                parent.append(value)
            elif key is None:
                stack[-1] = (parent, self.key(value, parent, line))
            else:
                parent[key[0]] = value
                parent.lines[key[0]] = key[1]
                stack[-1] = (parent, None)
        if root is None and documents <= 1:
            raise ScenarioError(
                self.path, 1, "the file is empty; expected a scenario (negotrack: 1, ...)"
            )
        return root

    def collection(
        self, event: Any, line: int, stack: list[tuple[Located | LocatedList, Any]]
    ) -> Located | LocatedList:
        mapping = isinstance(event, yaml.MappingStartEvent)
        if stack and isinstance(stack[-1][0], Located) and stack[-1][1] is None:
            raise self.fault(line, "keys must be plain names; expected `name: value`")
        if event.tag not in (None, "!", TAG + ("map" if mapping else "seq")):
            raise self.tag(event.tag, line)
        if self.json and not event.flow_style:
            raise self.fault(line, "expected JSON: objects in {...} and arrays in [...]")
        container: Located | LocatedList
        if mapping:
            container = Located()
            container.lines = {}
        else:
            container = LocatedList()
            container.lines = []
        container.line = line
        if stack and isinstance(stack[-1][0], LocatedList):
            stack[-1][0].lines.append(line)
        return container

    def scalar(self, event: Any, line: int, stack: list[tuple[Located | LocatedList, Any]]) -> Any:
        text: str = event.value
        if len(text) > MAX_SCALAR:
            raise self.fault(
                line,
                f"a value of {len(text):,} characters; expected at most {MAX_SCALAR:,} (a "
                "scenario holds quotes and notes: keep documents elsewhere and cite them)",
            )
        if stack and isinstance(stack[-1][0], LocatedList):
            stack[-1][0].lines.append(line)
        plain = event.style in (None, "") and event.implicit[0]
        if self.json and not (event.style == '"' or (plain and _JSON_LITERAL.fullmatch(text))):
            raise self.not_json(event, text, line)
        if event.tag is not None and event.tag != "!":
            convert = _STANDARD.get(event.tag)
            if convert is None:
                raise self.tag(event.tag, line)
            value = self.convert(convert, text, line)
        elif plain:
            value = self.convert(_resolve, text, line)
        else:
            value = text
        if isinstance(value, str) and not _checks.unicode(value):
            raise self.fault(
                line,
                f"{excerpt(value)} holds a lone surrogate (\\ud800-\\udfff), which is "
                "not a character; expected valid Unicode text",
            )
        return value

    def not_json(self, event: Any, text: str, line: int) -> ScenarioError:
        """What YAML read as one plain value where JSON has something else."""
        start = _JSON_LITERAL.match(text) if event.style in (None, "") else None
        if start and start.end() < len(text):
            # A value run on into the next one: JSON's comma is missing after it.
            return self.fault(
                event.end_mark.line + 1,
                f"JSON syntax error: expected ',' or a closing bracket after {start[0]}, got "
                f"{excerpt(text[start.end() :].strip())}",
            )
        return self.fault(
            line,
            f"JSON syntax error: expected a JSON value (text in double quotes, a number, true, "
            f"false or null), got {excerpt(text)}",
        )

    def convert(self, convert: Callable[[str], Any], text: str, line: int) -> Any:
        try:
            return convert(text)
        except ValueError:
            raise self.fault(
                line, f"{excerpt(text)} is not a number this reader can hold"
            ) from None

    def key(self, value: Any, parent: Located, line: int) -> tuple[str, int]:
        if not isinstance(value, str):
            raise self.fault(line, f"key {excerpt(value)} is not text; quote it or use a name")
        if value in parent:
            raise self.fault(
                line,
                f"duplicate key {excerpt(value)} (first on line {parent.lines[value]}); "
                "expected each key once per mapping",
            )
        return value, line

    def tag(self, tag: str, line: int) -> ScenarioError:
        return self.fault(
            line,
            f"YAML tag {excerpt(tag)} is not allowed; expected plain text, numbers, "
            "lists and mappings",
        )

    def fault(self, line: int | None, problem: str) -> ScenarioError:
        return ScenarioError(self.path, line, problem)
