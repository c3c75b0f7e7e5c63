"""Checks on a public query before it runs: nesting depth, updates, SERVICE calls, cost class.

Two levels, cheapest first (``analyse`` runs in the server process on every query):

1. A small lexer (skipping comments, string literals and IRIs, where the words
   and brackets below may appear harmlessly) gives
   * the **nesting depth** of ``{ ( [``: deeper than ``sparql_max_nesting``
     (default 100) is refused with 400 before any parser sees the query (a
     20,000-deep ``{{{…`` used to kill a query worker, and recursive parsers
     overflow on them);
   * **update refusal**: INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE,
     ADD or WITH after the prologue is refused with 400 as a malformed query (the endpoint never
     writes; the store is opened read-only in the workers as well);
   * a **cost class** (``cheap``): a query shown bounded by its shape alone
     (see :func:`_is_cheap`) may use the reserved fast lane of the executor.
2. **SERVICE is decided on the parsed query, never on the text.** Oxigraph
   reads ``SERVICE`` as a keyword even glued to what follows (``SERVICE:x``,
   ``SERVICEe:x``, ``SERVICESILENT:x``), so no word-based test is sound. Instead:
   * *pre-check* (hot path): a query whose text — raw, and after decoding the
     SPARQL codepoint escapes ``\\uXXXX``/``\\UXXXXXXXX`` of §19.2 — does not
     contain the letters ``service`` (any case) cannot contain the keyword;
     nothing more is done for it;
   * otherwise :func:`check_services` parses the query with rdflib
     (``parseQuery`` + ``translateQuery``: PREFIX and BASE resolved) and walks
     the algebra for every ``ServiceGraphPattern``: a variable endpoint is
     refused, an IRI not in ``sparql_service_allowlist`` is refused (403). A
     query rdflib cannot parse, or whose text holds more SERVICE-like words
     than the algebra holds SERVICE nodes (the two parsers might disagree), is
     refused rather than guessed at. That check runs inside the executor (in the
     killable worker processes for the on-disk store, so a pathological parse
     is bounded by the time limit too); decisions are cached (bounded).

The query workers of the on-disk store additionally run without network access
when the allow-list is empty (see ``executor.py``), so even a SERVICE that got
past this module cannot reach anything.
"""

from __future__ import annotations

import re
import sys
import threading

# imported once here, not on a first query in an executor thread (a big import there shifted
# garbage collection onto other threads, where pyoxigraph objects must not be dropped)
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

from ..config import Settings
from .errors import Kind, QueryRefused

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<lstring>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040\u00C0-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*)?:(?:[\w\-.:%\u00B7\u00C0-\uFFFF]|\\.)*)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
OPEN, CLOSE = "{([", "})]"
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
#: "service" where a keyword could start (not inside a longer name)
_SERVICE_WORD = re.compile(r"(?<![\w\-.:%\u00B7\u00C0-\uFFFF])service", re.IGNORECASE)

#: the deepest nesting a query may have unless told otherwise: the setting's default (one place)
DEFAULT_MAX_NESTING: int = Settings.model_fields["sparql_max_nesting"].default




class Bound:
    """Why a cheap query's work is bounded, for the executor's in-process fast path.

    ``subject``: the absolute IRI of the constant subject of ``SELECT … { <s> p o }``: the
    answer has at most as many rows as ``<s>`` has quads, and the evaluation reads only that
    subject's index range (the executor counts that range, capped, before it runs the query).
    ``None``: ``ASK { s p o }`` (one pattern, no repeated variable): one index seek, the
    answer is the first match.

    ``streamed``: the query is ``SELECT`` of the one pattern with neither DISTINCT/REDUCED,
    ORDER BY, OFFSET nor a repeated variable, so each solution is one quad of the index range,
    produced in index order as the result is read (Oxigraph's union default graph keeps
    duplicates across graphs: one row per quad). Reading (serialising) at most ``k`` rows
    then reads at most ``k`` quads: the executor needs no count first, it stops the
    serialisation past its bound instead.
    """

    __slots__ = ("subject", "streamed")

    def __init__(self, subject: str | None, streamed: bool = False):
        self.subject = subject
        self.streamed = streamed

    def __repr__(self):
        return f"Bound(subject={self.subject!r}, streamed={self.streamed!r})"


class Analysis:
    """What the server process learned about a query's text (see :func:`analyse`).

    ``bound`` is set only for cheap queries whose work the executor may bound itself
    (:class:`Bound`); it is None when the text holds escapes, BASE, an unresolvable prefix …
    """

    __slots__ = ("needs_service_check", "cheap", "bound")

    def __init__(self, needs_service_check: bool, cheap: bool, bound: Bound | None = None):
        self.needs_service_check = needs_service_check
        self.cheap = cheap
        self.bound = bound if cheap else None


def tokens(query: str):
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        yield kind, m.group()


def token_spans(query: str):
    """``(kind, text, start, end)`` of every token but whitespace and comments (dataset clauses, ``dataset.py``)."""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        yield kind, m.group(), m.start(), m.end()


def decode_escapes(text: str) -> str:
    """SPARQL 1.1 §19.2: ``\\uXXXX`` and ``\\UXXXXXXXX`` stand for the code point (invalid ones stay)."""
    def rep(m):
        cp = int(m.group(1) or m.group(2), 16)
        return chr(cp) if cp <= 0x10FFFF else m.group()
    return _ESCAPE.sub(rep, text) if "\\" in text else text


def mentions_service(query: str) -> bool:
    """False only when neither the text nor its escape-decoded form contains ``service`` (any case)."""
    return "service" in query.lower() or "service" in decode_escapes(query).lower()


_ANALYSED: dict = {}
_ANALYSED_MAX = 2048
_CACHE_MAX_CHARS = 4096


def analyse(query: str, max_nesting: int = DEFAULT_MAX_NESTING) -> Analysis:
    """Nesting depth and update refusal (raise :class:`QueryRefused`); SERVICE pre-check; cost class."""
    key = (query, max_nesting)
    hit = _ANALYSED.get(key)
    if hit is not None:
        return hit
    result = _analyse(query, max_nesting)
    if len(query) > _CACHE_MAX_CHARS:  # bounded memory: only short (typical, repeated) queries are kept
        return result
    if len(_ANALYSED) >= _ANALYSED_MAX:
        _ANALYSED.clear()
    _ANALYSED[key] = result
    return result


def nesting_depth(toks) -> int:
    depth = deepest = 0
    for kind, text in toks:
        if kind == "other":
            if text in OPEN:
                depth += 1
                if depth > deepest:
                    deepest = depth
            elif text in CLOSE:
                depth -= 1
    return deepest


def _analyse(query: str, max_nesting: int) -> Analysis:
    # escapes first (§19.2): "\u007B" is a "{" for a conforming parser
    decoded = decode_escapes(query)
    toks = list(tokens(query))
    depth = nesting_depth(toks)
    if decoded is not query:
        depth = max(depth, nesting_depth(tokens(decoded)))
    if depth > max_nesting:
        raise QueryRefused(Kind.BAD_REQUEST, f"查询嵌套过深 · The query nests brackets {{ ( [ {depth} levels deep; this endpoint "
                                f"accepts at most {max_nesting} levels (setting sparql_max_nesting).")
    i = 0
    prefixes: dict[str, str] | None = {}  # None: a BASE (relative IRIs: no fast path)
    while i < len(toks):  # prologue
        kind, text = toks[i]
        up = text.upper()
        if kind == "word" and up == "PREFIX":
            if prefixes is not None and i + 2 < len(toks) and toks[i + 1][0] == "pname" \
                    and toks[i + 1][1].endswith(":") and toks[i + 2][0] == "iri":
                prefixes[toks[i + 1][1][:-1]] = toks[i + 2][1][1:-1]
            else:
                prefixes = None
            i += 3
        elif kind == "word" and up == "BASE":
            prefixes = None
            i += 2
        else:
            break
    if i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() in UPDATE_KEYWORDS:
        # SPARQL 1.1 Protocol: an update in the query operation is a malformed query (400, nothing runs)
        raise QueryRefused(Kind.BAD_REQUEST, "查询格式错误：这是 SPARQL 更新，而本端点只读 · Malformed query: this is a SPARQL "
                                "Update, not a query; this endpoint is read-only (changes go through the registry's "
                                "submission workflow).")
    needs = mentions_service(query)
    if needs:
        return Analysis(True, False)
    shape = _cheap_shape(toks[i:])
    if shape is None:
        return Analysis(False, False)
    bound = None
    if "\\" not in query and prefixes is not None:  # no escapes, no BASE: the subject is what it says
        kind, text, streamed = shape
        if kind is None:
            bound = Bound(None)
        elif kind == "iri":
            bound = Bound(text[1:-1], streamed)
        elif kind == "pname" and "\\" not in text:
            ns, _, local = text.partition(":")
            if ns in prefixes:
                bound = Bound(prefixes[ns] + local, streamed)
    return Analysis(False, True, bound)


# -- the cost class --------------------------------------------------------------------------------

_TERM = {"var", "iri", "pname", "string", "lstring", "number"}


def _is_cheap(toks) -> bool:
    """True for a query whose work is bounded by its shape (see :func:`_cheap_shape`)."""
    return _cheap_shape(toks) is not None


def _cheap_shape(toks):
    """For a query whose work is bounded by its shape (no statistics needed): ``(token kind,
    text, streamed)`` of its constant subject, ``(None, None, False)`` for ASK; None for any
    other query (``streamed``: see :class:`Bound`).

    * ``ASK { s p o }`` — one triple pattern, no repeated variable, no path: the
      answer is the first match of one index lookup;
    * ``SELECT [DISTINCT|REDUCED] (* | ?v ...) [WHERE] { <s> p o [.] }`` with a
      constant subject, optionally ``ORDER BY ?v ...``, ``LIMIT n``, ``OFFSET n``:
      one index range of that subject, bounded by its out-degree.

    No FROM, no FILTER, no functions, no sub-groups, no property paths (any such
    token makes the shape different). Cheap queries still run under the same
    time limit, result caps and read-only store as every other query.
    """
    if not toks:
        return None
    form = toks[0][1].upper() if toks[0][0] == "word" else ""
    j = 1
    modifier = False  # DISTINCT/REDUCED, ORDER BY or OFFSET: rows are not quads in index order
    if form == "SELECT":
        if j < len(toks) and toks[j][0] == "word" and toks[j][1].upper() in ("DISTINCT", "REDUCED"):
            modifier = True
            j += 1
        if j < len(toks) and toks[j] == ("other", "*"):
            j += 1
        else:
            start = j
            while j < len(toks) and toks[j][0] == "var":
                j += 1
            if j == start:
                return None
    elif form != "ASK":
        return None
    if j < len(toks) and toks[j][0] == "word" and toks[j][1].upper() == "WHERE":
        j += 1
    if j >= len(toks) or toks[j] != ("other", "{"):
        return None
    j += 1
    pattern = []
    while j < len(toks) and toks[j] != ("other", "}"):
        pattern.append(toks[j])
        j += 1
    if j >= len(toks):
        return None
    j += 1
    if pattern and pattern[-1] == ("other", "."):
        pattern.pop()
    if len(pattern) != 3:
        return None
    (sk, sv), (pk, pv), (ok, ov) = pattern
    if not (sk in ("var", "iri", "pname") and (pk in ("var", "iri", "pname") or (pk, pv) == ("word", "a"))
            and ok in _TERM):
        return None
    variables = [v.lstrip("?$") for k, v in pattern if k == "var"]
    rest = toks[j:]
    if form == "ASK":
        return (None, None, False) if len(set(variables)) == len(variables) and not rest else None
    if sk == "var":
        return None
    k = 0
    if k + 1 < len(rest) and rest[k][1].upper() == "ORDER" and rest[k + 1][1].upper() == "BY":
        modifier = True
        k += 2
        start = k
        while k < len(rest) and rest[k][0] == "var":
            k += 1
        if k == start:
            return None
    while k + 1 < len(rest) and rest[k][0] == "word" and rest[k][1].upper() in ("LIMIT", "OFFSET") \
            and rest[k + 1][0] == "number" and rest[k + 1][1].isdigit():
        if rest[k][1].upper() == "OFFSET":
            modifier = True
        k += 2
    if k != len(rest):
        return None
    return sk, sv, not modifier and len(set(variables)) == len(variables)


# -- SERVICE, on the parsed query ------------------------------------------------------------------

_SERVICE_DECISIONS: dict = {}
_DECISIONS_MAX = 1024
_decisions_lock = threading.Lock()


def check_services(query: str, service_allowlist=(), *, deep: bool = False) -> int:
    """Parse ``query`` with rdflib and refuse any SERVICE not in ``service_allowlist``.

    Returns the number of SERVICE nodes (all allowed). Raises :class:`QueryRefused`
    (403 for a forbidden endpoint, 400 for a query that cannot be checked).
    ``deep``: the caller is a query worker process that may raise the recursion limit
    (rdflib's parser and algebra translation are recursive); elsewhere a query too
    deep for the current limit is refused with 400.
    """
    allowed = tuple(sorted({a.rstrip("/") for a in service_allowlist}))
    key = (query, allowed)
    with _decisions_lock:
        outcome = _SERVICE_DECISIONS.get(key)
    if outcome is None:
        try:
            outcome = _decide(query, set(allowed), deep)
        except QueryRefused as e:
            outcome = (e.kind, str(e))  # plain data: no traceback (and its frames) kept in the cache
        if len(query) <= _CACHE_MAX_CHARS:  # bounded memory: only short (typical, repeated) queries are kept
            with _decisions_lock:
                if len(_SERVICE_DECISIONS) >= _DECISIONS_MAX:
                    _SERVICE_DECISIONS.clear()
                _SERVICE_DECISIONS[key] = outcome
    if isinstance(outcome, tuple):
        raise QueryRefused(*outcome)
    return outcome


def _parse_services(query: str):
    found = []
    stack = [translateQuery(parseQuery(query)).algebra]
    while stack:  # iterative walk: no recursion on deep algebra
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                found.append(node.get("term"))
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return found


_DEEP_RECURSION = 200_000
_deep_lock = threading.Lock()


def _parse_in_thread(query: str, deep: bool):
    """Run the rdflib parse in a fresh thread (with a large stack and, if ``deep``, a raised recursion limit).

    A thread of its own also keeps the parse away from the caller's frames: pyparsing's packrat
    cache keeps the exceptions of its backtracking, whose tracebacks would otherwise reach up
    into ``run_job`` and keep a pyoxigraph result alive until another thread drops it. The cache
    is cleared after each parse.
    """
    from pyparsing import ParserElement

    box: dict = {}

    def target():
        try:
            box["ok"] = _parse_services(query)
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            box["err"] = type(e), str(e)
        finally:
            ParserElement.reset_cache()

    with _deep_lock:  # one parse at a time (pyparsing's caches are process-wide)
        if deep and sys.getrecursionlimit() < _DEEP_RECURSION:
            sys.setrecursionlimit(_DEEP_RECURSION)
        old = threading.stack_size()
        threading.stack_size(1024 * 1024 * 1024 if deep else 64 * 1024 * 1024)  # virtual; touched pages only
        try:
            t = threading.Thread(target=target, name="sparql-service-check", daemon=True)
            t.start()
        finally:
            threading.stack_size(old)
        t.join()
    if "err" in box:
        kind, message = box["err"]
        raise (RecursionError if issubclass(kind, RecursionError) else ValueError)(f"{kind.__name__}: {message}")
    return box["ok"]


def _decide(query: str, allowed: set[str], deep: bool) -> int:
    try:
        services = _parse_in_thread(query, deep)
    except RecursionError:
        raise QueryRefused(Kind.BAD_REQUEST, "查询过于复杂，无法检查 · The query is too deeply structured to check its SERVICE "
                                "clauses; simplify it.") from None
    except Exception as e:  # noqa: BLE001 - any parser failure: refuse rather than guess
        raise QueryRefused(Kind.BAD_REQUEST, "含 SERVICE 字样的查询无法解析 · The query mentions \"service\" but cannot be "
                                f"parsed to check its SERVICE clauses ({str(e).split(':')[0]}); write SERVICE as a "
                                "separate word followed by an IRI.") from None
    # more SERVICE-like words in the text than SERVICE nodes: the parsers may read it differently
    text = " ".join(t for k, t in tokens(query) if k not in ("string", "lstring", "iri", "var"))
    words = len(_SERVICE_WORD.findall(text))
    decoded = decode_escapes(text)
    if decoded is not text:
        words = max(words, len(_SERVICE_WORD.findall(decoded)))
    if words > len(services):
        raise QueryRefused(Kind.FORBIDDEN, "不允许的 SERVICE 写法 · The query contains the word SERVICE where it is not a "
                                "plain SERVICE clause (e.g. glued to a name: SERVICE:x); federated calls need "
                                "\"SERVICE <iri> { ... }\" with an allow-listed IRI.")
    for term in services:
        if not isinstance(term, URIRef):
            raise QueryRefused(Kind.FORBIDDEN, "不允许以变量指定 SERVICE · SERVICE with a variable endpoint is not allowed here.")
        iri = str(term)
        if iri.rstrip("/") not in allowed:
            raise QueryRefused(Kind.FORBIDDEN, f"不允许的联邦查询端点 · SERVICE <{iri}> is not allowed: this endpoint only "
                                    "federates to the endpoints in its allow-list (settings: sparql_service_allowlist).")
    return len(services)


def check_query(query: str, service_allowlist=(), max_nesting: int = DEFAULT_MAX_NESTING) -> Analysis:
    """Every check at once, in this thread (tools and tests; the endpoint splits them, see above)."""
    analysis = analyse(query, max_nesting)
    if analysis.needs_service_check:
        check_services(query, service_allowlist)
    return analysis
