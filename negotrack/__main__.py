"""`python -m negotrack`: the same as the `negotrack` command."""

from ._cli import entry

if __name__ == "__main__":
    entry()
