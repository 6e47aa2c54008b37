"""The `negotrack` commands that look back: timeline, changes (and what became known), disputes.

Like `negotrack._cli.commands`, each takes the parsed arguments and the stream to print to, and
returns the exit status; what they print is made by `negotrack._cli.steps`.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TextIO

from negotrack import _words
from negotrack._checks import iso
from negotrack._status import Anomaly, Transition

from . import inputs, text
from . import steps as words
from .commands import EXIT_OK, forward
from .inputs import UsageError
from .sheets import print_csv


def changes(args: argparse.Namespace, out: TextIO) -> int:
    if args.known_since is not None:
        return _learned(args, out)
    if args.since is None:
        raise UsageError(
            "negotrack changes: give --since DATE (what changed after it) or --known-since "
            "DATE (what became known after it) (see negotrack changes --help)"
        )
    tracker, _, path = inputs.open_source(args)
    since: date = args.since
    until: date = args.until or args.today
    forward("changes", since, args.until)
    party: str | None = args.according_to
    with tracker:
        if args.format == "csv":
            return print_csv("changes", tracker, args, out)
        found = tracker.changes(since, until, known_by=args.known_by, according_to=party)
        scenario_id = inputs.scenario_id(tracker, path)
    if args.json:
        text.print_json(
            {
                "scenario": scenario_id,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "known_by": iso(args.known_by),
                **text.lens(party),
                "changes": [words.change_json(c) for c in found],
            },
            out,
        )
        return EXIT_OK
    print(
        f"{_words.safe(scenario_id)}: changes after {since.isoformat()} up to "
        f"{until.isoformat()}, {_words.knowledge(args.known_by, party)}\n",
        file=out,
    )
    if not found:
        print("nothing changed", file=out)
        return EXIT_OK
    text.table(words.change_rows(found), out)
    return EXIT_OK


def _learned(args: argparse.Namespace, out: TextIO) -> int:
    """`changes --known-since D`: what became known after D, whatever its own date."""
    if args.since is not None or args.until is not None:
        raise UsageError(
            "negotrack changes: --known-since lists what became known after a date, whatever "
            "the date it happened; give it without --since and --until (see negotrack "
            "changes --help)"
        )
    if args.format == "csv":
        raise UsageError(
            "negotrack changes: --known-since has no CSV form yet; use --json (see negotrack "
            "changes --help)"
        )
    tracker, _, path = inputs.open_source(args)
    known_since: date = args.known_since
    known_by: date | None = args.known_by
    party: str | None = args.according_to
    if known_by is not None and known_by < known_since:
        raise UsageError(
            f"negotrack changes: --known-by {known_by.isoformat()} is before --known-since "
            f"{known_since.isoformat()}; give a later --known-by, or leave it out"
        )
    with tracker:
        found = tracker.learned(known_since, known_by=known_by, according_to=party)
        scenario_id = inputs.scenario_id(tracker, path)
    if args.json:
        text.print_json(
            {
                "scenario": scenario_id,
                "known_since": known_since.isoformat(),
                "known_by": iso(known_by),
                **text.lens(party),
                "changes": [words.change_json(c, learned=True) for c in found],
            },
            out,
        )
        return EXIT_OK
    print(
        f"{_words.safe(scenario_id)}: what became known after {known_since.isoformat()}, "
        f"{_words.knowledge(known_by, party)}\n",
        file=out,
    )
    if not found:
        print("nothing became known", file=out)
        return EXIT_OK
    text.table(words.change_rows(found, learned=True), out)
    return EXIT_OK


def disputes(args: argparse.Namespace, out: TextIO) -> int:
    """`negotrack disputes`: the commitments the parties' accounts disagree on, each side shown."""
    tracker, _, path = inputs.open_source(args)
    as_of: date = args.as_of  # today unless given: the parser reads the clock
    known_by: date | None = args.known_by
    with tracker:
        found = tracker.disputes(on=as_of, known_by=known_by)
        titles = {c.id: c.title for c in tracker.commitments()}
        scenario_id = inputs.scenario_id(tracker, path)
    if args.json:
        text.print_json(
            {
                "scenario": scenario_id,
                "as_of": as_of.isoformat(),
                "known_by": iso(known_by),
                "disputes": [words.dispute_json(d, titles[d.commitment]) for d in found],
            },
            out,
        )
        return EXIT_OK
    print(f"{_words.safe(scenario_id)}: disputes {_words.as_of(as_of, known_by)}\n", file=out)
    if not found:
        print("no disputes: where the parties gave their own accounts, they agree", file=out)
        return EXIT_OK
    for number, dispute in enumerate(found):
        cid = dispute.commitment
        print(
            f"{'' if number == 0 else chr(10)}{_words.safe(cid)}: {_words.safe(titles[cid])}",
            file=out,
        )
        text.table(words.dispute_rows(dispute), out)
    return EXIT_OK


def timeline(args: argparse.Namespace, out: TextIO) -> int:
    since: date | None = args.since
    until: date | None = args.until
    forward("timeline", since, until)
    tracker, _, path = inputs.open_source(args)
    known_by: date | None = args.known_by
    party: str | None = args.according_to
    as_of: date | None = args.as_of

    def wanted_on(commitment: str, on: date) -> bool:
        return (
            (wanted is None or commitment in wanted)
            and (since is None or on >= since)
            and (until is None or on <= until)
        )

    with tracker:
        if args.format == "csv":
            return print_csv("timeline", tracker, args, out)
        wanted = inputs.commitment_ids(tracker, args.commitment, "timeline")
        steps: list[Transition | Anomaly] = [
            step
            for step in tracker.timeline(known_by=known_by, according_to=party)
            if wanted_on(step.commitment, step.on)
        ]
        if as_of is not None:  # the anomalies in place, in date order (steps first on a day)
            found = tracker.anomalies(on=as_of, known_by=known_by, according_to=party)
            steps += [a for a in found if wanted_on(a.commitment, a.on)]
            steps.sort(key=lambda s: (s.on, isinstance(s, Anomaly)))
        scenario_id = inputs.scenario_id(tracker, path)
    if args.json:
        text.print_json(
            {
                "scenario": scenario_id,
                "known_by": iso(known_by),
                **text.lens(party),
                **({} if as_of is None else {"as_of": as_of.isoformat()}),
                "transitions": [words.transition_json(t, as_of) for t in steps],
            },
            out,
        )
        return EXIT_OK
    if not steps:
        print("no steps", file=out)
        return EXIT_OK
    text.table(words.timeline_rows(steps, as_of), out)
    return EXIT_OK
