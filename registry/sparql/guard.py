"""Checks on a query's text before it runs: updates and SERVICE calls.

pyoxigraph does not expose the parsed algebra, so this is a small lexer: it
skips comments, string literals and IRIs (where the words below may appear
harmlessly), then looks at keywords.

* An update (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD, WITH
  after the prologue) is refused: the public endpoint never writes.
* ``SERVICE <iri>`` is allowed only for IRIs in ``sparql_service_allowlist``;
  ``SERVICE ?var`` is always refused (the target would be data-dependent, a
  server-side request forgery risk).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<lstring>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040\u00C0-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*)?:(?:[\w\-.:%\u00B7\u00C0-\uFFFF]|\\.)*)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


class QueryRefused(ValueError):
    """The query may not run here; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def tokens(query: str):
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        yield kind, m.group()


_PASSED: dict = {}


def check_query(query: str, service_allowlist: list[str] | tuple[str, ...] = ()) -> None:
    """Raise :class:`QueryRefused` for an update or a SERVICE call not in the allow-list.

    Queries that passed are remembered (a bounded cache keyed by the text and the allow-list).
    """
    key = (query, tuple(service_allowlist))
    if key in _PASSED:
        return
    _check(query, service_allowlist)
    if len(_PASSED) > 1024:
        _PASSED.clear()
    _PASSED[key] = True


def _check(query: str, service_allowlist) -> None:
    toks = list(tokens(query))
    prefixes: dict[str, str] = {}
    base = ""
    i = 0
    # prologue
    while i < len(toks):
        kind, text = toks[i]
        up = text.upper()
        if kind == "word" and up == "PREFIX" and i + 2 < len(toks):
            prefixes[toks[i + 1][1][:-1] if toks[i + 1][1].endswith(":") else toks[i + 1][1]] = toks[i + 2][1][1:-1]
            i += 3
            continue
        if kind == "word" and up == "BASE" and i + 1 < len(toks):
            base = toks[i + 1][1][1:-1]
            i += 2
            continue
        break
    if i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() in UPDATE_KEYWORDS:
        raise QueryRefused(403, "只读端点，不接受更新 · This endpoint is read-only: SPARQL Update is not accepted "
                                "(changes go through the registry's submission workflow).")
    allowed = {a.rstrip("/") for a in service_allowlist}
    for j in range(i, len(toks)):
        kind, text = toks[j]
        if kind != "word" or text.upper() != "SERVICE":
            continue
        k = j + 1
        if k < len(toks) and toks[k][0] == "word" and toks[k][1].upper() == "SILENT":
            k += 1
        if k >= len(toks):
            return  # the parser will report the syntax error
        tkind, target = toks[k]
        if tkind == "iri":
            iri = urljoin(base, target[1:-1]) if base else target[1:-1]
        elif tkind == "pname":
            prefix, _, local = target.partition(":")
            iri = prefixes.get(prefix, "\0") + local
        else:
            raise QueryRefused(403, "不允许以变量指定 SERVICE · SERVICE with a variable endpoint is not allowed here.")
        if iri.rstrip("/") not in allowed:
            raise QueryRefused(403, f"不允许的联邦查询端点 · SERVICE <{iri}> is not allowed: this endpoint only "
                                    "federates to the endpoints in its allow-list (settings: sparql_service_allowlist).")
