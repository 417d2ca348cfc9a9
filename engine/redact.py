"""Secrets out of everything printed, logged or stored: one redaction for URLs, messages and env vars.

A database or store URL may carry a password twice: in its userinfo (``u:pw@host``) and in a
query parameter (``?password=...``, ``?sslpassword=...``, ``?aws_secret_access_key=...``). Driver
and parser exceptions quote the URL they choked on, and libpq-style messages quote ``password=...``
pairs. Every place that shows a URL or an exception's text goes through this module, so there is
exactly one list of what counts as secret:

* the password of a URL's userinfo (the user name stays: it is needed to diagnose a login);
* the value of any query or fragment parameter, ``NAME=value`` pair in text, or environment
  variable whose name contains (case-insensitively) one of ``SECRET_WORDS``.

Redacted values read ``***``. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

MASK = "***"
SECRET_WORDS = ("password", "passwd", "pwd", "secret", "token", "key", "credential", "signature")
# in free text a name ending in ``key`` counts only as a word of its own (key=, api_key=, sslkey=), and
# not for the pipeline's own non-secret keys (config_key=square8_2p, cache_key=...)
_TEXT_KEY_RE = re.compile(r"(^|[_.\-]|api|ssl)key$")
_NOT_SECRET_KEY_RE = re.compile(r"(config|cache|sort|pointer|object|manifest|idempotency|partition)[_\-]?key$")

_URL_RE = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")
# NAME=value in free text (libpq DSNs, repr of a dict of options, command lines)
_PAIR_RE = re.compile(r"""(?P<name>[A-Za-z_][\w.\-]*)(?P<sep>\s*=\s*)(?P<value>'[^']*'|"[^"]*"|[^\s&,;'")\]}]+)""")
# "name": "value" in JSON-ish text
_JSON_PAIR_RE = re.compile(r"""(?P<name>["'][A-Za-z_][\w.\-]*["'])(?P<sep>\s*:\s*)(?P<value>"[^"]*"|'[^']*')""")


def is_secret_name(name: str, *, in_text: bool = False) -> bool:
    """Whether a parameter / variable called ``name`` holds a secret (``PGPASSWORD``, ``api_key``...).

    ``in_text``: a ``NAME=value`` pair in free text, where ``key`` counts only as a word of its own
    (``key``, ``api_key``, ``sslkey``), not inside ``monkey`` nor in ``config_key``/``cache_key``."""
    low = unquote_plus(name).lower()
    if any(w in low for w in SECRET_WORDS if w != "key"):
        return True
    if not in_text:
        return "key" in low
    return bool(_TEXT_KEY_RE.search(low)) and not _NOT_SECRET_KEY_RE.search(low)


def _redact_params(text: str) -> str:
    """``a=1&password=x`` -> ``a=1&password=***`` (order and encoding of the rest kept)."""
    out = []
    for part in text.split("&"):
        name, eq, _value = part.partition("=")
        out.append(f"{name}={MASK}" if eq and is_secret_name(name) else part)
    return "&".join(out)


def redact_url(url: str) -> str:
    """``url`` with the userinfo password and every secret-named query/fragment parameter masked.

    Everything else is kept byte for byte (``sqlite:///x`` stays ``sqlite:///x``); anything without
    ``://`` (a plain path) is returned as is."""
    if not isinstance(url, str) or "://" not in url:
        return url
    scheme, _, tail = url.partition("://")
    cut = min((i for i in (tail.find(c) for c in "/?#") if i >= 0), default=len(tail))
    netloc, rest = tail[:cut], tail[cut:]
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _pw = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if colon else netloc
    rest, hash_, fragment = rest.partition("#")
    path, q, query = rest.partition("?")
    query = _redact_params(query) if query else query
    fragment = _redact_params(fragment) if "=" in fragment else fragment
    return f"{scheme}://{netloc}{path}{q}{query}{hash_}{fragment}"


def _redact_pairs(text: str) -> str:
    def pair(m: re.Match) -> str:
        if not is_secret_name(m.group("name").strip("\"'"), in_text=True):
            return m.group(0)
        v = m.group("value")
        q = v[0] if v[:1] in ("'", '"') else ""
        return f"{m.group('name')}{m.group('sep')}{q}{MASK}{q}"

    return _JSON_PAIR_RE.sub(pair, _PAIR_RE.sub(pair, text))


def redact_text(text: object) -> str:
    """Any message (an exception's text, a log line, a command line) with the secrets of every URL
    in it and every secret-named ``NAME=value`` pair masked."""
    s = str(text)
    s = _URL_RE.sub(lambda m: redact_url(m.group(0)), s)
    return _redact_pairs(s)


def redact_exception(e: BaseException) -> str:
    """``Type: message`` of an exception, redacted (for one-line CLI errors and stored metrics)."""
    msg = str(e)
    return redact_text(f"{type(e).__name__}: {msg}" if msg else type(e).__name__)


def redact_env(name: str, value: str) -> str:
    """An environment variable's value as safe to show: masked whole when its name says secret,
    else with any URL or pair inside redacted (``RINGRIFT_DB_URL=postgresql://u:***@...``)."""
    if value and is_secret_name(name):
        return MASK
    return redact_text(value)


__all__ = ["MASK", "SECRET_WORDS", "is_secret_name", "redact_env", "redact_exception", "redact_text", "redact_url"]
