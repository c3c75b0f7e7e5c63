"""Nesting-depth limits checked BEFORE an RDF text reaches a parser.

pyoxigraph's JSON-LD parser recurses once per nested JSON object: a body nested a few
thousand objects deep overflows the native stack and kills the whole process (issue 14,
defect 1). Turtle, TriG and RDF/XML parse iteratively, but a deep text still becomes a
deep graph of blank nodes that every later step has to walk. So every text format the
registry reads is scanned first, and a text nested deeper than the limit is refused with
its line and column.

The scanners are linear and safe themselves: no recursion, one pass of compiled regular
expressions (C loops) that step over strings, IRIs, comments, escapes, CDATA sections
and attribute values, so brackets inside them are not counted. Only the structure a
parser would nest on is counted:

* JSON / JSON-LD: arrays ``[ ]`` and objects ``{ }``;
* Turtle, TriG, N-Triples, N-Quads (and their RDF 1.2 forms): collections ``( )``,
  blank-node property lists ``[ ]``, graph blocks and annotations ``{ }`` / ``{| |}``,
  quoted triples and triple terms ``<< >>``;
* RDF/XML (any XML): element depth.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

#: the default limit (the ``REGISTRY_MAX_NESTING_DEPTH`` setting); real standards nest 2–5 levels
DEFAULT_MAX_DEPTH = 64
UTF8_BOM = b"\xef\xbb\xbf"


class NestingTooDeep(ValueError):
    """The text nests deeper than allowed; ``offset`` is the byte offset of the opener that went over."""

    def __init__(self, offset: int, limit: int, what: str):
        self.offset = offset
        self.limit = limit
        self.what = what
        super().__init__(f"nesting deeper than {limit} levels ({what}) at byte {offset}")


# -- Turtle family ---------------------------------------------------------------------------------
# alternatives are tried in order at each position; whatever matches none is skipped by the C search
_TURTLE = re.compile(
    rb'"""(?:[^"\\]+|\\(?:.|\Z)|"(?!""))*(?:"""|\Z)'    # long strings (an unterminated one ends the scan)
    rb"|'''(?:[^'\\]+|\\(?:.|\Z)|'(?!''))*(?:'''|\Z)"
    rb'|"(?:[^"\\\n\r]|\\.)*"'                        # short strings (no raw line breaks)
    rb"|'(?:[^'\\\n\r]|\\.)*'"
    rb'|<[^<>"{}|^`\\\x00-\x20]*>'                     # IRIs (not "<<")
    rb"|\#[^\n\r]*"                                     # comments
    rb"|\\."                                             # escapes in local names (ex:a\(b)
    rb"|(?P<open><<|\{\||[\[\(\{])"
    rb"|(?P<close>>>|\|\}|[\]\)\}])",
    re.S,
)

# -- JSON --------------------------------------------------------------------------------------------
_JSON = re.compile(rb'"(?:[^"\\]+|\\(?:.|\Z))*(?:"|\Z)|(?P<open>[\[\{])|(?P<close>[\]\}])', re.S)

# -- XML ---------------------------------------------------------------------------------------------
# every construct, once started, runs to its end or to the end of the text: no token is retried
# from a later position, which keeps the scan linear on unterminated input
_XML = re.compile(
    rb"<!--.*?(?:-->|\Z)"                                  # comments
    rb"|<!\[CDATA\[.*?(?:\]\]>|\Z)"                       # CDATA sections
    rb"|<\?.*?(?:\?>|\Z)"                                 # processing instructions, the XML declaration
    rb"|<!(?:[^\[>]|\[[^\]]*(?:\]|\Z))*(?:>|\Z)"          # DOCTYPE (with an internal subset)
    rb"|(?P<close></[^>]*(?:>|\Z))"
    rb"|(?P<open><[^\s/>!?](?:\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z)|[^'\">])*(?:>|\Z))",
    re.S,
)


def _scan(pattern: re.Pattern, data: bytes, limit: int, what: str, empty: bool = False) -> int:
    """The deepest nesting in ``data``; raises :class:`NestingTooDeep` past ``limit``.

    ``empty``: an opener ending in ``/>`` closes itself (XML).
    """
    depth = deepest = 0
    for m in pattern.finditer(data):
        kind = m.lastgroup
        if kind == "open":
            if empty and m.group().endswith(b"/>"):
                continue  # <element/> opens and closes
            depth += 1
            if depth > limit:
                raise NestingTooDeep(m.start(), limit, what)
            if depth > deepest:
                deepest = depth
        elif kind == "close":
            if depth:
                depth -= 1
    return deepest


_SCANNERS = {
    ox.RdfFormat.JSON_LD: (_JSON, "JSON arrays and objects / JSON 数组和对象"),
    ox.RdfFormat.RDF_XML: (_XML, "XML elements / XML 元素"),
}
_TURTLE_SCAN = (_TURTLE, "collections ( ), blank nodes [ ], { } and << >> / 集合 ( )、空白节点 [ ]、{ } 与 << >>")


def check_depth(data: bytes, fmt: ox.RdfFormat, limit: int) -> int:
    """Raise :class:`NestingTooDeep` when ``data`` in format ``fmt`` nests deeper than ``limit``.

    Returns the deepest nesting found. ``limit <= 0`` disables the check.
    """
    if limit <= 0:
        return 0
    pattern, what = _SCANNERS.get(fmt, _TURTLE_SCAN)
    return _scan(pattern, data, limit, what, empty=pattern is _XML)


def position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column in characters) of byte ``offset`` in UTF-8 ``data``."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", "replace")) + 1
    return line, column
