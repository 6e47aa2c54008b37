"""Draw the lifecycle picture of the README: docs/lifecycle.svg, from docs/lifecycle.dot.

    python docs/make_lifecycle.py

The source is what transitions draws of `negotrack.LIFECYCLE` (`negotrack diagram --format
dot`, through transitions' own Graphviz support); Graphviz's `dot` lays it out. Both files are
kept in the repository, and the test suite checks that the source is still the lifecycle's
drawing and that the picture shows every stage and every move of it: run this script again
after changing the lifecycle. It needs the `graphviz` extra and Graphviz's `dot` program
(Debian: `apt-get install graphviz`).
"""

from __future__ import annotations

from pathlib import Path

import graphviz

import negotrack as nt

HERE = Path(__file__).parent


def main() -> None:
    source = nt.diagram("dot")
    (HERE / "lifecycle.dot").write_text(source, encoding="utf-8")
    svg = graphviz.Source(source).pipe(format="svg", encoding="utf-8")
    (HERE / "lifecycle.svg").write_text(svg, encoding="utf-8")
    print(f"wrote {HERE / 'lifecycle.dot'} and {HERE / 'lifecycle.svg'}")


if __name__ == "__main__":
    main()
