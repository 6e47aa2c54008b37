"""The `negotrack` command: the one place faults become exit statuses.

Every fault in the input ends in lines on stderr that name the file and the line, and exit
status 2; never a traceback (a bug gives one line and exit 3). The commands themselves live in
`negotrack._cli.commands` and `negotrack._cli.history`, its arguments in `negotrack._cli.parser`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import NoReturn, TextIO

from negotrack._exceptions import NegotrackError

from . import parser, text
from .commands import EXIT_INVALID, EXIT_OK
from .inputs import UsageError

EXIT_BUG = 3


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = parser.build(date.today()).parse_args(argv)
        if getattr(args, "format", None) == "json":
            args.json = True
        run: Callable[[argparse.Namespace, TextIO], int] = args.run
        out = sys.stdout
        if out is None:  # started with its standard output closed (`>&-`)
            raise UsageError("negotrack: standard output is closed; nothing can be printed")
        return run(args, out)
    except UsageError as err:
        text.fail(str(err))
        return EXIT_INVALID
    except NegotrackError as err:
        # One line per problem (a scenario file's faults), each naming the command.
        text.fail("\n".join(f"negotrack: {line}" for line in str(err).splitlines()))
        return EXIT_INVALID
    except BrokenPipeError:
        raise
    except OSError as err:
        text.fail(f"negotrack: {err.filename or ''}{': ' if err.filename else ''}{err.strerror}")
        return EXIT_INVALID
    except KeyboardInterrupt:
        text.fail("negotrack: interrupted")
        return 130
    except Exception as err:  # a bug: still one line, but say how to see more
        if os.environ.get("NEGOTRACK_DEBUG"):
            raise
        text.fail(
            f"negotrack: internal error ({type(err).__name__}: {err}); "
            "rerun with NEGOTRACK_DEBUG=1 for details and please report it"
        )
        return EXIT_BUG


def entry() -> NoReturn:
    """Console-script entry point."""
    try:
        code = main()
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`negotrack timeline ... | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_OK
    raise SystemExit(code)
