"""A reference scenario and the ways to break it, shared by the scenario and CLI tests."""

from __future__ import annotations

# Line numbers matter below: each bad input names the line it breaks.
GOOD = """\
negotrack: 1
id: kl-2025
title: Kuala Lumpur framework
parties: {US: United States, CN: China, "NO": Norway}
sources:
  kl-report: {title: Report on the talks, published: 2025-10-26, language: fr}
commitments:
  - id: rare-earths
    title: China defers its rare-earth controls
    by: CN
    to: US
    expires: 2026-11-10
    links:
      - {reciprocal: tariff}
  - id: tariff
    title: US shelves the 100% tariff
    by: US
    to: CN
events:
  - {on: 2025-10-26, commitment: rare-earths, event: consensus_reached,
     actor: Li Chenggang, source: kl-report, quote: preliminary consensus}
  - {on: 2025-10-26, commitment: tariff, event: consensus_reached, actor: Scott Bessent}
  - {on: 2025-11-04, commitment: rare-earths, event: extended, expires: 2026-11-11}
  - {on: 2026-02-20, commitment: tariff, event: lapsed, reason: voided, reported: 2026-02-21}
"""

# (name, replace this, with that, expected line, words in the message)
BAD_YAML = [
    # The line where the unclosed bracket starts, not where the parser noticed it.
    ("syntax", "title: Kuala Lumpur framework", "title: [Kuala", 3, "YAML syntax error"),
    ("tab", "    by: CN\n", "\tby: CN\n", 10, "tab is used for indentation"),
    ("wrong type", "title: US shelves the 100% tariff", "title: 100", 16, "expected text"),
    ("impossible date", "expires: 2026-11-10", "expires: 2025-13-45", 12, "not a real date"),
    ("non-ISO date", "expires: 2026-11-10", "expires: 20251026", 12, "YYYY-MM-DD"),
    ("unknown key", "actor: Li Chenggang", "actr: Li Chenggang", 21, "did you mean 'actor'"),
    ("duplicate key", "    to: CN\n", "    to: CN\n    to: US\n", 19, "duplicate key 'to'"),
    ("missing id", "  - id: tariff\n", "  - name: tariff\n", 15, "missing the required key 'id'"),
    ("duplicate id", "  - id: tariff\n", "  - id: rare-earths\n", 15, "duplicate commitment id"),
    (
        "unknown commitment",
        "commitment: tariff, event: consensus_reached",
        "commitment: tarif, event: consensus_reached",
        22,
        "unknown commitment 'tarif'",
    ),
    ("link to unknown", "{reciprocal: tariff}", "{reciprocal: tarif}", 14, "links to unknown"),
    # A link's own faults point at the link, as an unknown target does.
    ("link to itself", "{reciprocal: tariff}", "{reciprocal: rare-earths}", 14, "links to itself"),
    (
        "link declared twice",
        "      - {reciprocal: tariff}\n",
        "      - {reciprocal: tariff}\n"
        "      - {conditional_on: tariff}\n"
        "      - {reciprocal: tariff}\n",
        16,
        "declares the reciprocal link to 'tariff' twice",
    ),
    ("undeclared party", "    by: US\n", "    by: EU\n", 17, "party 'EU' (by)"),
    ("unknown event kind", "event: extended", "event: prolonged", 23, "not a valid EventKind"),
    ("unknown lapse reason", "reason: voided", "reason: bored", 24, "not a valid LapseReason"),
    (
        "reason without lapse",
        "event: extended, expires",
        "event: approved, reason: voided, expires",
        23,
        "goes only with a 'lapsed' event",
    ),
    ("extension without date", ", expires: 2026-11-11}", "}", 23, "needs a new deadline"),
    ("version", "negotrack: 1", "negotrack: 2", 1, "unsupported format version 2"),
    ("no version", "negotrack: 1\n", "", 1, "missing the format version"),
    (
        "python object tag",
        "title: Kuala Lumpur framework",
        "title: !!python/object/apply:os.system [echo]",
        3,
        "tag",
    ),
    (
        "links not a list",
        "    links:\n      - {reciprocal: tariff}\n",
        "    links: tariff\n",
        13,
        "links must be a list",
    ),
]
