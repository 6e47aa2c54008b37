"""Telling a PostgreSQL store from a file, and naming it without its password.

Nothing here imports psycopg: `negotrack.open` must recognise a URL, and name it in a message,
even where the driver is not installed. A name shows the user, host, port and database only;
never the password, whether it was given in the URL, as ``password=``, or in a query string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, unquote

SHOWN = ("user", "host", "port", "dbname")  # the only parameters a name ever shows

_URL = re.compile(r"^\s*(postgres(?:ql)?)://", re.IGNORECASE)
_ANY_URL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://([^?#]*)")
_KEYWORDS = re.compile(r"(?:^|\s)(?:dbname|host)\s*=")
_PAIR = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)")


def is_postgres(location: str) -> bool:
    """True for a PostgreSQL URL or a libpq ``key=value`` string naming a database or host."""
    return bool(_URL.match(location) or _KEYWORDS.search(location))


def other_url(location: str) -> str | None:
    """How to name a URL that is not PostgreSQL's (``mysql://``, a typo), without its password.

    None for anything else: a PostgreSQL URL, a ``key=value`` string or a path.
    """
    found = _ANY_URL.match(location)
    if found is None or _URL.match(location):
        return None
    scheme, rest = found.groups()
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


def name(params: Mapping[str, object]) -> str:
    """A URL for `params` with the user, host, port and database, and nothing else.

    A host that is a socket folder (or several hosts) goes in the query string, as libpq
    writes it, so that the name can be given back to `negotrack.open` (the password then
    comes from ``PGPASSWORD`` or ``~/.pgpass``).
    """
    shown = {key: str(params[key]) for key in SHOWN if str(params.get(key) or "").strip(",")}
    user = quote(shown["user"], safe="") + "@" if "user" in shown else ""
    host = shown.get("host", "")
    query: dict[str, str] = {}
    if host.startswith("/") or "," in host:
        query["host"] = host
        host = ""
    elif ":" in host:  # an IPv6 address
        host = f"[{host}]"
    if "port" in shown:
        if host:
            host += f":{shown['port']}"
        else:
            query["port"] = shown["port"]
    dbname = quote(shown.get("dbname", ""), safe="")
    tail = "&".join(f"{key}={quote(value, safe='/,')}" for key, value in query.items())
    return f"postgresql://{user}{host}/{dbname}" + (f"?{tail}" if tail else "")


def rough_params(text: str) -> dict[str, str]:
    """The shown parameters of a connection string, read without libpq, for messages only.

    It is used when the string cannot be parsed (or psycopg is missing): it takes the user
    from before the first ``:`` of a URL's user part, and nothing after it, so that even a
    malformed string never puts its password in a message.
    """
    found: dict[str, str] = {}
    url = _URL.match(text)
    if url is None:
        for key, value in _PAIR.findall(text):
            if key in SHOWN:
                found[key] = value.strip("'")
        return found
    rest, _, query = text[url.end() :].partition("?")
    if "@" in rest:
        userinfo, rest = rest.rsplit("@", 1)
        found["user"] = unquote(userinfo.split(":", 1)[0])
    hostport, _, dbname = rest.partition("/")
    if hostport.startswith("["):
        host, _, port = hostport[1:].partition("]")
        port = port.lstrip(":")
    else:
        host, _, port = hostport.partition(":")
    found.update(host=unquote(host), port=port, dbname=unquote(dbname))
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in SHOWN:
            found[key] = value
    return {key: value for key, value in found.items() if value}
