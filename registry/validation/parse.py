"""Parsing untrusted RDF (what the server and stdin hand over): ``registry/rdfio.py`` plus isolation.

The parser, its positions, the BOM and nesting checks and the format look-up are
``registry/rdfio.py`` (shared with the loader). What this module adds is the worker-process
isolation for untrusted bytes (``isolation.py``): when ``REGISTRY_PARSE_IN_WORKER`` is on,
the parser runs in a worker process; if it crashes anyway, the request gets a 422 and the
server lives on.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..rdfio import (
    RdfSyntaxError,
    max_nesting_depth,
    parse_bytes,
    parse_file,
    parse_in_worker,
    prepare,
    rdf_format,
    syntax_error,
)

__all__ = ["RdfSyntaxError", "max_nesting_depth", "parse_rdf", "parse_rdf_file", "parse_trusted", "prepare",
           "rdf_format"]

#: the worker's crash, as the client sees it
_CRASHED_ZH = "解析器无法处理此内容（解析进程异常终止），已拒绝；请检查内容是否完整、嵌套是否过深"
_CRASHED_EN = ("the parser could not handle this content (the parsing process stopped abnormally); "
               "refused: check that the content is complete and not nested too deeply")


def parse_trusted(data: bytes, *, source: str, fmt: ox.RdfFormat, max_depth: int | None = None) -> list[ox.Triple]:
    """Parse in this process (local files); the BOM and depth checks still apply."""
    return parse_bytes(data, source=source, fmt=fmt, max_depth=max_depth)


def parse_rdf(data: bytes | str, *, source: str, fmt: str | None = None,
              isolate: bool | None = None, max_depth: int | None = None) -> list[ox.Triple]:
    """Parse ``data`` (Turtle unless ``fmt`` says otherwise) into triples.

    Quad formats (TriG, N-Quads) are accepted; their graph names are dropped.
    Raises :class:`RdfSyntaxError` with the position pyoxigraph reports. Turtle,
    N-Triples and JSON text errors have one; RDF/XML errors and JSON-LD errors that
    are not about the JSON text itself carry none and are reported at 1:1.

    ``data`` is treated as untrusted (a client's body, stdin): a leading BOM is dropped,
    the nesting depth is checked first (``max_depth``; default ``REGISTRY_MAX_NESTING_DEPTH``)
    and, when ``isolate`` (default ``REGISTRY_PARSE_IN_WORKER``), the parser runs in a
    worker process whose crash becomes an :class:`RdfSyntaxError`.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    rdf_fmt = rdf_format(fmt, source)
    if isolate is None:
        isolate = parse_in_worker()
    if not isolate:
        return parse_bytes(data, source=source, fmt=rdf_fmt, max_depth=max_depth)
    from .isolation import ParserCrashed, parse_isolated

    data = prepare(data, source=source, fmt=rdf_fmt, max_depth=max_depth)
    try:
        return parse_isolated(data, fmt=rdf_fmt)
    except SyntaxError as e:
        raise syntax_error(source, e) from None
    except ParserCrashed:
        raise RdfSyntaxError(source, 1, 1, f"{_CRASHED_ZH} · {_CRASHED_EN}", zh=_CRASHED_ZH, en=_CRASHED_EN) from None


def parse_rdf_file(path, fmt: str | None = None) -> list[ox.Triple]:
    """Parse one file; the format comes from its suffix unless ``fmt`` is given."""
    return parse_file(path, fmt)
