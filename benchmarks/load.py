"""How fast scenario files load: libyaml's parser against PyYAML's pure-Python one.

    python benchmarks/load.py [FILE ...] [--repeat N]

For each file (by default the follow-through example and the seed), it times `negotrack.load`
three ways, each the best of N runs, all in this one process:

- *libyaml*: what negotrack does wherever PyYAML has libyaml, one pass over its events;
- *pure, one pass*: the same with PyYAML's pure-Python parser (the fallback);
- *pure, two passes*: as negotrack 0.1 read files, the pure parser twice (a pass of its own
  to refuse anchors and aliases, then the real one).

It prints each time and the ratio of the 0.1 way to the libyaml way.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import negotrack as nt
from negotrack._files import composer as _composer

ROOT = Path(__file__).parent.parent
DEFAULT = [
    ROOT / "examples" / "us-china-2025-2026.yaml",
    ROOT / "seeds" / "us-china-kuala-lumpur-2025.yaml",
]


class _TwoPasses(_composer.PyParser):
    """The pure parser, run over the whole text once before the real pass (as in 0.1)."""

    def __init__(self, stream: str) -> None:
        scan = _composer.PyParser(stream)
        while scan.check_event():
            scan.get_event()
        super().__init__(stream)


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    print(f"parser in use: {_composer.PARSER}")
    for path in args.files:
        times = {}
        for name, parser_class in (
            ("libyaml", _composer._Parser),
            ("pure, one pass", _composer.PyParser),
            ("pure, two passes (0.1)", _TwoPasses),
        ):
            saved = _composer._Parser
            _composer._Parser = parser_class
            try:
                nt.load(path)  # warm up
                times[name] = best(lambda path=path: nt.load(path), args.repeat)
            finally:
                _composer._Parser = saved
        print(f"\n{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        for name, seconds in times.items():
            print(f"  {name:<24} {seconds * 1000:8.1f} ms")
        ratio = times["pure, two passes (0.1)"] / times["libyaml"]
        print(f"  0.1 way / libyaml: {ratio:.1f}x faster now")


if __name__ == "__main__":
    main()
