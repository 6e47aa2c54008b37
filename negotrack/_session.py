"""The unit of work between a tracker's event log and its store.

A `Session` keeps the log in step with a recorder (`negotrack._recorder`). The log always
holds exactly the store's records up to the session's cursor, plus, inside a transaction, the
changes not yet written. A change is applied to the log, checked, and appended after the cursor
in one transaction; if another writer appended first, the change is undone, checked again
against what that writer appended, and retried. If anything fails, the log goes back to where
it was: memory is never ahead of the store. A tracker without a store has a session too, with
no recorder: changes are applied and undone the same way, and nothing is written.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import time
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter
from typing import Any, TypeVar

from . import _packs, _records
from ._collector import collector_paused
from ._commitments import Commitment
from ._events import Event
from ._exceptions import StoreBusy, StoreError
from ._log import EventLog, Mark
from ._recorder import Recorder, Stale, Stored
from ._scenario import Scenario
from ._views import Views

T = TypeVar("T")

# What a change keeps: (record kind, the value, its given id), encoded only for a store.
Write = tuple[str, object, "str | None"]

RECORD_CLASSES: dict[str, type[Any]] = {
    "scenario": Scenario,
    "commitment": Commitment,
    "event": Event,
}
_CHUNK = 20_000  # records read from a store per select


class Session:
    """A tracker's unit of work (see the module docstring)."""

    def __init__(self, log: EventLog, views: Views, recorder: Recorder | None) -> None:
        self._log = log
        self._views = views
        self.recorder = recorder
        self._cursor = 0  # the store position up to which the log holds the store's records
        self._packed = 0  # the store position up to which the store has packs (as far as known)
        self._unpacked = False  # whether the first refresh has looked for packs
        self._closed = False
        self._batch: list[Write] | None = None  # an open transaction's changes

    @property
    def location(self) -> str:
        """What to name in messages: the store, or "the tracker" without one."""
        return "the tracker" if self.recorder is None else self.recorder.location

    def write(self, change: Callable[[list[Write]], T]) -> T:
        """Apply `change` to the log and append the records it lists, or undo it all.

        `change` checks and applies one change to the log, and lists what keeps it. With a
        store, the session first takes in what others appended and appends after exactly
        that; if another writer got in between, it undoes the change, reads what that
        writer appended, and tries again, until the store's timeout.
        """
        recorder = self.recorder
        if self._batch is not None or recorder is None:
            mark = self._log.mark()
            try:
                return change(self._batch if self._batch is not None else [])
            except BaseException:
                self._rollback(mark)
                raise
        deadline = time.monotonic() + recorder.timeout
        pause = 0.001
        while True:
            self.refresh()
            mark = self._log.mark()
            changes: list[Write] = []
            try:
                result = change(changes)
                appended = self._append(recorder, changes) if changes else None
            except Stale as stale:
                self._rollback(mark)
                if time.monotonic() + pause > deadline:
                    raise StoreBusy(stale.path, stale.problem) from None
            except BaseException:
                self._rollback(mark)
                raise
            else:
                # Committed: from here on nothing may undo the change in the log.
                if appended is not None:
                    self._pack_appended(recorder, *appended)
                return result
            # Another writer got in first: back off a little, at random, and try again.
            time.sleep(pause * (1 + random.random()))
            pause = min(pause * 2, 0.05)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Collect the changes made inside, and append them together at the end."""
        if self._batch is not None:
            yield  # joins the transaction already open
            return
        self.refresh()
        mark = self._log.mark()
        self._batch = []
        appended = None
        try:
            yield
            if self._batch and self.recorder is not None:
                appended = self._append(self.recorder, self._batch)
        except Stale:
            self._rollback(mark)
            raise StoreBusy(
                self.location,
                "another process wrote to the store during this transaction; nothing was "
                "written: run the transaction again",
            ) from None
        except BaseException:
            self._rollback(mark)
            raise
        finally:
            self._batch = None
        if appended is not None and self.recorder is not None:  # committed: see `write`
            self._pack_appended(self.recorder, *appended)

    def refresh(self) -> bool:
        """Take in what the store holds after the cursor; True if there was anything.

        The first refresh takes in the store's packs first (`negotrack._packs`); a refresh
        that reads at least `_packs.SIZE` records right after the last pack packs them.
        """
        recorder = self.recorder
        if recorder is None or self._batch is not None:
            return False
        if self._closed:
            raise StoreError(recorder.location, "the store is closed; open it again")
        took = False
        # Reading a store allocates a few objects per record, none in a cycle: the collector
        # would only walk everything the tracker holds, again and again.
        with collector_paused():
            if not self._unpacked:
                self._unpacked = True
                took = self._unpack(recorder)
            unpacked: list[Stored] | None = [] if self._cursor == self._packed else None
            after = self._cursor
            held: list[Stored] = []
            while True:
                records = recorder.select(after=after, limit=_CHUNK)
                full = len(records) == _CHUNK
                if records:
                    after = records[-1].position
                batch, held = _whole(held + records, more=full)
                if batch:
                    self._adopt(batch)
                    self._cursor = batch[-1].position
                    took = True
                    if unpacked is not None:
                        unpacked += batch
                        if len(unpacked) >= _packs.SIZE:
                            last = unpacked[-1].position
                            self._keep(recorder, unpacked, last)
                            # Not kept: the next pack would not start right after the
                            # last one; leave the packing to a later reader.
                            unpacked = [] if self._packed == last else None
                if not full:
                    return took

    def _unpack(self, recorder: Recorder) -> bool:
        """Take in the packs that follow the cursor, each checked; True if there was one.

        A pack that fails its checks, will not parse or breaks the log's rules is set aside
        (nothing of it is taken in): its records are read instead, and checked one by one.
        """
        took = False
        while (pack := recorder.pack(after=self._cursor)) is not None:
            ends = recorder.select(after=pack.last - 1, limit=1)
            if _packs.problem(pack, ends[0] if ends else None) is not None:
                break
            try:
                self._take_in(_packs.runs(pack, RECORD_CLASSES))
            except (ValueError, StoreError):  # will not parse, or breaks the log's rules
                break
            self._cursor = self._packed = pack.last
            took = True
        return took

    def _keep(self, recorder: Recorder, records: Sequence[Stored], last: int) -> None:
        """Keep a pack of `records`, those after the last pack up to position `last`.

        A pack is a cache: when it cannot be kept, nothing else changes.
        """
        with contextlib.suppress(StoreError):
            if recorder.keep(_packs.make(records, self._packed + 1, last)):
                self._packed = last

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for another writer, then take in what it appended."""
        if self.refresh():
            return True
        recorder = self.recorder
        if (
            recorder is not None
            and timeout > 0
            and recorder.wait(after=self._cursor, timeout=timeout)
        ):
            return self.refresh()
        return False

    def close(self) -> None:
        """Close the store, once."""
        if self.recorder is not None and not self._closed:
            self._closed = True
            self.recorder.close()

    def _append(self, recorder: Recorder, changes: list[Write]) -> tuple[int, list[Stored]] | None:
        """Encode `changes` and append them after the cursor (see `Recorder.append`).

        Returns what to pack once the change is settled (`_pack_appended`), or None.
        """
        try:
            records = [_records.encode(kind, value, given) for kind, value, given in changes]
        except UnicodeEncodeError as err:
            bad = err.object[err.start : err.end]
            raise StoreError(
                recorder.location,
                f"cannot store text that is not valid Unicode ({bad!r}: {err.reason}); "
                "fix the text and try again",
            ) from None
        before = self._cursor
        self._cursor = recorder.append(records, after=before)
        if (
            before == self._packed
            and len(records) >= _packs.SIZE
            and self._cursor - before == len(records)
        ):
            return before, records
        return None

    def _pack_appended(self, recorder: Recorder, before: int, records: list[Stored]) -> None:
        """Pack `records`, which this session appended right after the last pack.

        They stand at consecutive positions from `before` + 1; the next reader need not read
        them one by one. Called once the change is settled, so that nothing here can undo it.
        """
        start, count = 0, len(records)
        while start < count:
            end = min(start + _packs.SIZE, count)
            while end < count and records[end - 1].kind == records[end].kind == "commitment":
                end += 1  # a batch of commitments is packed whole (see `_whole`)
            self._keep(recorder, records[start:end], before + end)
            if self._packed != before + end:
                break
            start = end

    def _rollback(self, mark: Mark) -> None:
        self._views.changed(self._log.rollback(mark))

    def _adopt(self, records: Sequence[Stored]) -> None:
        """Take in records read from the store, all or none, each checked as it comes.

        A record that is not what negotrack wrote, or that breaks the log's rules (an event of
        an unknown commitment, say), is damage: a StoreError, with nothing taken in.
        """
        try:
            runs = [
                (kind, _records.decode_many(list(run), RECORD_CLASSES))
                for kind, run in itertools.groupby(records, key=attrgetter("kind"))
            ]
        except Exception as err:
            raise self._damage(err) from None
        self._take_in(runs)

    def _take_in(self, runs: Sequence[tuple[str, list[Any]]]) -> None:
        """Take in verified values, run by run, all or none (see `_adopt`)."""
        mark = self._log.mark()
        try:
            for kind, values in runs:
                if kind == "event":
                    # A store's events are known to be new and checked: each one is a
                    # record of its own, verified, under a unique id.
                    self._log.take(values, trusted=True)
                elif kind == "commitment":
                    self._log.add(values)
                else:
                    self._log.scenario = values[-1]
        except Exception as err:
            self._rollback(mark)
            raise self._damage(err) from None
        self._views.changed_by(self._log.events[mark.events :], self._log.ids[mark.commitments :])

    def _damage(self, err: Exception) -> StoreError:
        return StoreError(
            self.location,
            f"{err}; the store was changed outside negotrack: restore it from a copy",
        )


def _whole(records: list[Stored], *, more: bool) -> tuple[list[Stored], list[Stored]]:
    """`records` split where they can be taken in, and the rest, held for what follows.

    A commitment may link to one added with it, later in its batch: when `more` records
    follow, the run of commitments `records` ends with is held back, so that a batch is
    never taken in (or packed) in two parts.
    """
    if not more:
        return records, []
    cut = len(records)
    while cut and records[cut - 1].kind == "commitment":
        cut -= 1
    return records[:cut], records[cut:]
