"""negotrack: track negotiated commitments from proposal to lapse, date by date.

Everything a user needs is importable from here; the modules behind it are private.
"""

from ._changes import Change as Change
from ._changes import ChangeKind as ChangeKind
from ._changes import Due as Due
from ._changes import DueKind as DueKind
from ._changes import Revision as Revision
from ._commitments import Commitment as Commitment
from ._commitments import Link as Link
from ._commitments import LinkKind as LinkKind
from ._engine import diagram as diagram
from ._events import ConflictingEvent as ConflictingEvent
from ._events import Event as Event
from ._events import InvalidTransition as InvalidTransition
from ._exceptions import DuplicateCommitment as DuplicateCommitment
from ._exceptions import InvalidDefinition as InvalidDefinition
from ._exceptions import InvalidValue as InvalidValue
from ._exceptions import NegotrackError as NegotrackError
from ._exceptions import ScenarioError as ScenarioError
from ._exceptions import StoreBusy as StoreBusy
from ._exceptions import StoreError as StoreError
from ._exceptions import UnknownCommitment as UnknownCommitment
from ._files import dump as dump
from ._files import load as load
from ._learned import Dispute as Dispute
from ._lifecycle import LIFECYCLE as LIFECYCLE
from ._lifecycle import EventKind as EventKind
from ._lifecycle import LapseReason as LapseReason
from ._lifecycle import Lifecycle as Lifecycle
from ._lifecycle import Name as Name
from ._lifecycle import Rule as Rule
from ._lifecycle import Stage as Stage
from ._lifecycle import TimeLimit as TimeLimit
from ._lifecycles import LEGISLATION as LEGISLATION
from ._lifecycles import LIFECYCLES as LIFECYCLES
from ._lifecycles import TREATY as TREATY
from ._report import report as report
from ._scenario import Scenario as Scenario
from ._scenario import Source as Source
from ._status import Anomaly as Anomaly
from ._status import Snapshot as Snapshot
from ._status import Status as Status
from ._status import Transition as Transition
from ._store import open as open
from ._targets import Period as Period
from ._targets import Progress as Progress
from ._targets import Target as Target
from ._tracker import Tracker as Tracker

__version__ = "0.1.0.dev0"

__all__ = [
    "LEGISLATION",
    "LIFECYCLE",
    "LIFECYCLES",
    "TREATY",
    "Anomaly",
    "Change",
    "ChangeKind",
    "Commitment",
    "ConflictingEvent",
    "Dispute",
    "Due",
    "DueKind",
    "DuplicateCommitment",
    "Event",
    "EventKind",
    "InvalidDefinition",
    "InvalidTransition",
    "InvalidValue",
    "LapseReason",
    "Lifecycle",
    "Link",
    "LinkKind",
    "Name",
    "NegotrackError",
    "Period",
    "Progress",
    "Revision",
    "Rule",
    "Scenario",
    "ScenarioError",
    "Snapshot",
    "Source",
    "Stage",
    "Status",
    "StoreBusy",
    "StoreError",
    "Target",
    "TimeLimit",
    "Tracker",
    "Transition",
    "UnknownCommitment",
    "__version__",
    "diagram",
    "dump",
    "load",
    "open",
    "report",
]
