"""Reading RDF: one parser with positions, the pre-parse checks, file discovery and suffixes.

Used by the loader (``registry/loader.py``), the validator and its reference data
(``registry/validation``), and the server's untrusted bodies (``registry.validation.parse_rdf``,
which adds the worker-process isolation of ``registry/validation/isolation.py`` on top).

* Errors are :class:`RdfSyntaxError`, ``str(e)`` = ``source:line:column: message`` (1-based),
  from pyoxigraph's positions (``SyntaxError.lineno``/``offset``, or its message text).
* Every text is checked before it is parsed (issue 14): a UTF-8 byte-order mark is dropped
  (editors on Windows write one), and a text nested deeper than ``REGISTRY_MAX_NESTING_DEPTH``
  is refused with its line and column, because pyoxigraph's JSON-LD parser recurses and a
  deep enough body overflows the stack of the whole process.
* Formats come from the one table, ``registry/formats.py`` (suffixes, media types, tokens).

Nesting limits
--------------
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

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from . import formats
from .errors import InvalidInput

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


# -- errors with positions ---------------------------------------------------------------------------

class _Text(str):
    """The error's text; also callable as ``RegistryError.message(lang)``."""

    def __new__(cls, text: str, zh: str, en: str):
        self = super().__new__(cls, text)
        self._zh, self._en = zh, en
        return self

    def __call__(self, lang: str = "zh") -> str:
        return self._en if lang == "en" else self._zh


class RdfSyntaxError(InvalidInput, ValueError):
    """RDF that cannot be parsed; ``str(e)`` is ``source:line:column: message`` (1-based positions).

    ``zh``/``en`` hold the message in each language where the registry wrote it (limits,
    crashes); pyoxigraph's own messages are English only and go in both. ``message`` is the
    text after the position (and, called with a language, the message in that language).
    """

    def __init__(self, source: str, line: int, column: int, message: str, *,
                 zh: str | None = None, en: str | None = None):
        super().__init__(zh or message, en or message, source=source, line=line, column=column)
        self.source = source
        self.line = line
        self.column = column
        self.message = _Text(message, self.zh, self.en)  # type: ignore[assignment]

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


# pyoxigraph: "Parser error at line 3 column 11: ..." or "... between line 3 column 11 and line 4 column 1: ..."
#: (or "at line 1 between columns 1 and 4: ..."); the one position pattern of the package
_POSITION = re.compile(r"^Parser error (?:at|between) line (\d+)(?: column (\d+)| between columns (\d+))?[^:]*:\s*")


def syntax_error(source: str, e: SyntaxError) -> RdfSyntaxError:
    """The :class:`RdfSyntaxError` of a pyoxigraph ``SyntaxError`` (its position, its text without it)."""
    text = str(e.msg if e.msg is not None else e)
    m = _POSITION.match(text)
    line, column = e.lineno, e.offset
    if m and line is None:
        line, column = int(m.group(1)), int(m.group(2) or m.group(3) or 1)
    return RdfSyntaxError(source, line or 1, column or 1, text[m.end():] if m else text)


# -- formats and settings -----------------------------------------------------------------------------

def rdf_format(fmt: str | None, source: str = "") -> ox.RdfFormat:
    """The pyoxigraph format for a name, suffix or media type; by ``source``'s suffix when ``fmt`` is None.

    Turtle when nothing says otherwise; ``ValueError`` for a ``fmt`` that names no RDF syntax.
    """
    if fmt is None:
        found = formats.by_suffix(Path(source).suffix)
        return found.ox if found else ox.RdfFormat.TURTLE
    key = formats.bare_media_type(fmt).lstrip(".")
    found = (formats.by_token(key) or formats.by_suffix(key) or formats.by_media_type(key)
             or next((f for f in formats.FORMATS if f.label.lower() == key), None))
    if found is not None:
        return found.ox
    other = ox.RdfFormat.from_media_type(key) or ox.RdfFormat.from_extension(key)
    if other is None:
        raise ValueError(f"unknown RDF format {fmt!r} (use Turtle, JSON-LD, N-Triples or RDF/XML)")
    return other


@functools.lru_cache(maxsize=1)
def _settings() -> tuple[int, bool]:
    """(max nesting depth, parse untrusted bytes in a worker) from the REGISTRY_* settings."""
    try:
        from .config import Settings

        s = Settings()
        return int(s.max_nesting_depth), bool(s.parse_in_worker)
    except Exception:  # unreadable settings must not make parsing unsafe: keep the defaults
        return DEFAULT_MAX_DEPTH, True


def max_nesting_depth() -> int:
    """The nesting limit in force (``REGISTRY_MAX_NESTING_DEPTH``; 0 disables it)."""
    return _settings()[0]


def parse_in_worker() -> bool:
    """Whether untrusted bytes are parsed in a worker process (``REGISTRY_PARSE_IN_WORKER``)."""
    return _settings()[1]


# -- parsing ------------------------------------------------------------------------------------------

def prepare(data: bytes, *, source: str, fmt: ox.RdfFormat, max_depth: int | None = None) -> bytes:
    """``data`` without a UTF-8 BOM, after checking its nesting depth; raises :class:`RdfSyntaxError`."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    limit = max_nesting_depth() if max_depth is None else max_depth
    try:
        check_depth(data, fmt, limit)
    except NestingTooDeep as e:
        line, column = position(data, e.offset)
        zh = (f"嵌套层数超过上限 {limit}（{e.what.split(' / ')[-1]}），为保护服务器已拒绝解析；"
              f"请减少嵌套层次（上限由 REGISTRY_MAX_NESTING_DEPTH 设置）")
        en = (f"nested deeper than the limit of {limit} levels ({e.what.split(' / ')[0]}); refused "
              f"before parsing to protect the server: flatten the data (limit: REGISTRY_MAX_NESTING_DEPTH)")
        raise RdfSyntaxError(source, line, column, f"{zh} · {en}", zh=zh, en=en) from None
    return data


def parse_quads(data: bytes, *, source: str, fmt: ox.RdfFormat, max_depth: int | None = None) -> list[ox.Quad]:
    """The quads of ``data``, parsed in this process after :func:`prepare`; raises :class:`RdfSyntaxError`."""
    data = prepare(data, source=source, fmt=fmt, max_depth=max_depth)
    try:
        return list(ox.parse(data, format=fmt))
    except SyntaxError as e:
        raise syntax_error(source, e) from None


def parse_bytes(data: bytes | str, *, source: str, fmt: ox.RdfFormat | str | None = None,
                max_depth: int | None = None) -> list[ox.Triple]:
    """Triples of ``data`` (graph names of quad formats dropped), parsed in this process."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(fmt, ox.RdfFormat):
        fmt = rdf_format(fmt, source)
    return [q.triple for q in parse_quads(data, source=source, fmt=fmt, max_depth=max_depth)]


def parse_file(path: str | Path, fmt: str | None = None, *, quads: bool = False) -> list:
    """Triples of one file (format from its suffix unless ``fmt`` is given; unknown suffixes: Turtle).

    ``quads=True`` returns pyoxigraph's quads as they come (no copy into triples: the
    loader's trusted bulk path; graph names are still to be ignored by the caller).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RdfSyntaxError(str(path), 1, 1, f"cannot read the file: {e.strerror or e}") from None
    fmt_ = rdf_format(fmt, str(path))
    found = parse_quads(data, source=str(path), fmt=fmt_)
    return found if quads else [q.triple for q in found]


# -- file discovery -----------------------------------------------------------------------------------

#: suffixes that name RDF only when a file is given by name: a folder search skips them
#: (``package.json``, ``pom.xml`` … are not RDF)
GENERIC_SUFFIXES = frozenset({"json", "xml"})
#: the suffixes a folder search picks up (from ``registry/formats.py``)
RDF_SUFFIXES = frozenset("." + s for f in formats.FORMATS for s in f.suffixes if s not in GENERIC_SUFFIXES)


class NoSuchPath(InvalidInput, ValueError):
    """A path given to :func:`rdf_files` does not exist."""


def rdf_files(paths: Iterable[str | Path], *, missing_ok: bool = False) -> list[Path]:
    """The RDF files named by ``paths`` (folders are searched recursively), in a stable order.

    A file given by name is taken whatever its suffix. A missing path raises
    :class:`NoSuchPath` (``path: no such file or folder``) unless ``missing_ok``.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in RDF_SUFFIXES and f.is_file()))
        elif p.is_file():
            out.append(p)
        elif not missing_ok:
            raise NoSuchPath(f"{p}：文件或文件夹不存在", f"{p}: no such file or folder", path=str(p))
    return out
