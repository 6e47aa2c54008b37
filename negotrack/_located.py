"""Values that remember where they were read: a mapping and a list with the line of each item.

The scenario files' composer (`negotrack._files.composer`) builds them; the core reads their
lines only to name them in a message (a lifecycle's entry, say), so it needs this, not a file.
"""

from __future__ import annotations

from typing import Any


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
