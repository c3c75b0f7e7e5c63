"""Reading a SPARQL 1.1 Protocol query request (https://www.w3.org/TR/sparql11-protocol/#query-operation).

Three forms: ``GET ?query=``, ``POST`` with ``application/x-www-form-urlencoded``
(``query=`` in the body) and ``POST`` with ``application/sparql-query`` (the body
is the query). ``default-graph-uri`` and ``named-graph-uri`` may repeat, in the
URL (GET, direct POST) or the form body. Everything is UTF-8. Violations raise
:class:`ProtocolError` with the kind of refusal (the web layer maps it to a 4xx status).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import parse_qsl

from pyoxigraph import NamedNode
from starlette.requests import Request

from ..errors import TooLarge
from ..web import read_body
from .errors import Kind, ProtocolError


@dataclass
class ProtocolRequest:
    query: str | None
    default_graph: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    format: str | None
    timeout: float | None


READ_ONLY = ("只读端点，不接受更新 · This endpoint is read-only: SPARQL Update is not accepted "
             "(changes go through the registry's submission workflow).")


def _charset_ok(content_type: str) -> bool:
    for part in content_type.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == "charset" and v.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


async def read_request(request: Request, max_bytes: int) -> ProtocolRequest:
    method = request.method
    if method not in ("GET", "HEAD", "POST"):
        raise ProtocolError(Kind.NOT_ALLOWED, f"不支持的方法 · Method {method} is not allowed here; use GET or POST.")
    fields: list[tuple[str, str]] = list(request.query_params.multi_items())
    body_query: str | None = None
    if method == "POST":
        raw_ct = request.headers.get("content-type", "")
        ctype = raw_ct.split(";")[0].strip().lower()
        try:  # a form body carries a little more than the query itself
            body = await read_body(request, max_bytes + 4096)
        except TooLarge:
            raise ProtocolError(Kind.TOO_LARGE, f"请求过大 · The request body is larger than {max_bytes} bytes.") from None
        if ctype == "application/x-www-form-urlencoded":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ProtocolError(Kind.BAD_REQUEST, f"请求不是 UTF-8 · The form body is not valid UTF-8: {e}") from None
            try:
                fields += parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
            except (ValueError, UnicodeDecodeError) as e:
                raise ProtocolError(Kind.BAD_REQUEST, f"表单无法解析 · The form body cannot be parsed: {e}") from None
        elif ctype == "application/sparql-query":
            if not _charset_ok(raw_ct):
                raise ProtocolError(Kind.UNSUPPORTED_MEDIA_TYPE, "查询须为 UTF-8 · A direct POST query must be UTF-8 (charset=utf-8).")
            try:
                body_query = body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ProtocolError(Kind.BAD_REQUEST, f"查询不是 UTF-8 · The query is not valid UTF-8: {e}") from None
            if any(k == "query" for k, _ in fields):
                raise ProtocolError(Kind.BAD_REQUEST, "请求中有两个查询 · Both a query parameter and a query body were sent.")
        elif ctype == "application/sparql-update":
            raise ProtocolError(Kind.FORBIDDEN, READ_ONLY)
        elif ctype == "" and not body:
            pass  # parameters in the URL of an empty POST (some federating clients do this)
        else:
            raise ProtocolError(Kind.UNSUPPORTED_MEDIA_TYPE, f"不支持的内容类型 · Content-Type {raw_ct or '(none)'} is not accepted; use "
                                     "application/x-www-form-urlencoded or application/sparql-query.")
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in fields):
        raise ProtocolError(Kind.FORBIDDEN, READ_ONLY)
    queries = [v for k, v in fields if k == "query"]
    if body_query is not None:
        queries.append(body_query)
    if len(queries) > 1:
        raise ProtocolError(Kind.BAD_REQUEST, "请求中有多个查询 · More than one query was sent; send exactly one.")
    query = queries[0] if queries else None
    if query is None and method == "POST":
        raise ProtocolError(Kind.BAD_REQUEST, "缺少查询 · The request has no query (send query=... or a SPARQL body).")
    if query is not None:
        if not query.strip():
            raise ProtocolError(Kind.BAD_REQUEST, "查询为空 · The query is empty.")
        if len(query.encode("utf-8")) > max_bytes:
            raise ProtocolError(Kind.TOO_LARGE, f"查询过长 · The query is longer than {max_bytes} bytes.")
    dg = tuple(v for k, v in fields if k == "default-graph-uri")
    ng = tuple(v for k, v in fields if k == "named-graph-uri")
    for name, values in (("default-graph-uri", dg), ("named-graph-uri", ng)):
        for v in values:
            try:
                NamedNode(v)
            except ValueError:
                raise ProtocolError(Kind.BAD_REQUEST, f"{name} 不是有效的 IRI · {name} {v[:200]!r} is not a valid absolute "
                                         "IRI.") from None
    formats = [v for k, v in fields if k in ("format", "output")]
    timeout = None
    for k, v in fields:
        if k == "timeout":
            try:
                timeout = float(v)
                if not math.isfinite(timeout) or timeout <= 0:  # "1e999" is inf, "nan" compares false
                    raise ValueError
            except ValueError:
                raise ProtocolError(Kind.BAD_REQUEST, f"timeout 参数无效 · Invalid timeout {v!r}: give seconds > 0.") from None
    return ProtocolRequest(query, dg or None, ng or None, formats[0] if formats else None, timeout)
