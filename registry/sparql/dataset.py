"""The RDF dataset of a query, as SPARQL 1.1 Query §13.2 and the Protocol §2.1.4 define it.

Every store applies the same rules (``registry/store/embedded.py``, ``registry/store/remote.py``):

1. ``default-graph-uri`` / ``named-graph-uri`` in the request, when either is given, ARE the
   dataset: the query's own ``FROM``/``FROM NAMED`` are ignored, and a part the request leaves
   out is empty (only ``named-graph-uri``: an empty default graph; only ``default-graph-uri``:
   no named graphs).
2. Otherwise the query's ``FROM``/``FROM NAMED`` clauses are the dataset, with the same rule for
   the part they leave out (§13.2: FROM NAMED only gives an empty default graph; FROM only, no
   named graphs).
3. Otherwise (nothing in request or query) the registry's own dataset: the default graph is the
   union of the item graphs, every item graph is a named graph.

Relative IRIs in a query resolve against the endpoint's own URL (``settings.public_base() +
"/sparql"``) as base (and against the query's ``BASE``, itself resolved against that URL).

Why the registry decides and does not leave it to the server: on the servers we support the
rules differ (measured, see tests/sparql/test_sparql_dataset.py): Oxigraph server with
``--union-default-graph`` ignores ``FROM``; Virtuoso 7.2 keeps every graph as a named graph
next to ``FROM`` and merges ``default-graph-uri`` with the query's ``FROM`` instead of
replacing it. So a remote store sends the dataset it resolved here as protocol parameters,
with the query's dataset clauses taken out of the text (:func:`resolve`), and an empty part as
one graph that is never written (:data:`EMPTY_GRAPH`).

The dataset clauses are found with the guard's lexer (comments, strings and IRIs skipped): the
word ``FROM`` can only be a dataset clause outside brackets (SPARQL has no other ``FROM``, and a
subquery, which sits inside ``{ }``, cannot have one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from .guard import token_spans

#: stands for "no graph" where a protocol parameter cannot be empty (a remote server's empty
#: default graph or empty set of named graphs): no registry graph has this name
EMPTY_GRAPH = "urn:x-gdlecb:empty-graph"

_PN_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Dataset:
    """``default``/``named``: graph IRIs; ``None`` for both: the registry's own dataset (rule 3)."""

    default: tuple[str, ...] | None
    named: tuple[str, ...] | None

    @property
    def union(self) -> bool:
        return self.default is None and self.named is None


REGISTRY_DATASET = Dataset(None, None)


@dataclass(frozen=True)
class Resolved:
    """A query with its dataset: ``text`` has the query's own dataset clauses blanked out."""

    text: str
    dataset: Dataset
    #: the query text had FROM / FROM NAMED clauses
    has_clauses: bool


def _iri(token: str, kind: str, prefixes: dict[str, str], base: str | None) -> str | None:
    if kind == "iri":
        value = token[1:-1]
        return urljoin(base, value) if base else value
    prefix, _, local = token.partition(":")
    ns = prefixes.get(prefix)
    return None if ns is None else ns + _PN_ESCAPE.sub(r"\1", local)


def dataset_clauses(query: str, base: str | None = None) -> tuple[list[tuple[int, int]], list[str], list[str]]:
    """``(spans, from_iris, from_named_iris)`` of the query's ``FROM [NAMED] iri`` clauses.

    ``spans`` are the (start, end) character ranges of the clauses in ``query``; IRIs are
    resolved (prefixes of the prologue, ``BASE``, then ``base``). An unknown prefix or a clause
    without an IRI is left for the query parser to report.
    """
    toks = list(token_spans(query))
    prefixes: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    default: list[str] = []
    named: list[str] = []
    depth = 0
    i = 0
    while i < len(toks):
        kind, text, start, end = toks[i]
        up = text.upper() if kind == "word" else ""
        if kind == "other":
            if text in "{([":
                depth += 1
            elif text in "})]":
                depth -= 1
        elif depth == 0 and up == "BASE" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
            base = _iri(toks[i + 1][1], "iri", prefixes, base)
            i += 1
        elif depth == 0 and up == "PREFIX" and i + 2 < len(toks) and toks[i + 1][0] == "pname" \
                and toks[i + 2][0] == "iri":
            prefixes[toks[i + 1][1].rstrip(":").partition(":")[0]] = _iri(toks[i + 2][1], "iri", prefixes, base)
            i += 2
        elif depth == 0 and up == "FROM":
            j = i + 1
            is_named = j < len(toks) and toks[j][0] == "word" and toks[j][1].upper() == "NAMED"
            if is_named:
                j += 1
            if j < len(toks) and toks[j][0] in ("iri", "pname"):
                iri = _iri(toks[j][1], toks[j][0], prefixes, base)
                if iri is not None:
                    (named if is_named else default).append(iri)
                    spans.append((start, toks[j][3]))
                    i = j
        i += 1
    return spans, default, named


def resolve(query: str, default_graph: Sequence[str] | None, named_graphs: Sequence[str] | None,
            base: str | None = None) -> Resolved:
    """The dataset of ``query`` under the rules of the module docstring (protocol first)."""
    spans, froms, from_named = dataset_clauses(query, base) if "from" in query.lower() else ([], [], [])
    text = query
    for start, end in reversed(spans):  # blanks keep every other position (and error messages) in place
        text = text[:start] + re.sub(r"[^\n\r]", " ", text[start:end]) + text[end:]
    if default_graph is not None or named_graphs is not None:
        return Resolved(text, Dataset(tuple(default_graph or ()), tuple(named_graphs or ())), bool(spans))
    if spans:
        return Resolved(text, Dataset(tuple(froms), tuple(from_named)), True)
    return Resolved(text, REGISTRY_DATASET, False)


def has_dataset_clause(query: str) -> bool:
    """Whether ``query`` has a FROM or FROM NAMED clause of its own (a cheap lexer check)."""
    return "from" in query.lower() and bool(dataset_clauses(query)[0])


def with_base(query: str, base: str) -> str:
    """``query`` with ``base`` as its explicit base IRI, for servers that are sent the text.

    A query without BASE gets ``BASE <base>`` in front; the query's own BASE declarations are
    rewritten to their absolute IRIs (resolved against ``base``), since some servers (Virtuoso
    7.2) refuse a second BASE in the prologue.
    """
    toks = list(token_spans(query))
    out, last, current, found = [], 0, base, False
    i = 0
    while i < len(toks):  # the prologue only
        kind, text, start, end = toks[i]
        up = text.upper() if kind == "word" else ""
        if up == "PREFIX":
            i += 3
            continue
        if up != "BASE" or i + 1 >= len(toks) or toks[i + 1][0] != "iri":
            break
        _, iri, istart, iend = toks[i + 1]
        current = urljoin(current, iri[1:-1])
        out += [query[last:istart], f"<{current}>"]
        last, found = iend, True
        i += 2
    if not found:
        return f"BASE <{base}>\n{query}"
    return "".join(out) + query[last:]
