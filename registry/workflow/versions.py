"""Immutable versions of items: lookup, history, ``_versionAt`` and diffs.

Every accepted change (a reviewed submission or a status change) makes version
``n`` of an item, IRI ``{item}/v/{n}``; its snapshot (the complete published
item graph at that version) is kept in SQLite and never changes.

Other modules use :func:`version_at` (``?_versionAt=DATE``) and :func:`get_version`.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.compare import to_canonical_graph

from . import rdf
from .state import StateDB

#: words for the properties people change most (the unit template and common metadata)
PROPERTY_LABELS = {
    "http://www.w3.org/2004/02/skos/core#prefLabel": ("名称", "title"),
    "http://www.w3.org/2004/02/skos/core#altLabel": ("别名", "alternative label"),
    "http://www.w3.org/2004/02/skos/core#notation": ("编号", "code"),
    "http://www.w3.org/2004/02/skos/core#definition": ("定义", "definition"),
    "http://www.w3.org/2004/02/skos/core#scopeNote": ("适用说明", "scope note"),
    "http://www.w3.org/2004/02/skos/core#editorialNote": ("编辑说明", "editorial note"),
    "http://purl.org/dc/terms/description": ("描述", "description"),
    "http://purl.org/dc/terms/issued": ("发布日期", "issued"),
    "http://purl.org/dc/terms/modified": ("修改日期", "modified"),
    "http://purl.org/dc/terms/isReplacedBy": ("被替代为", "replaced by"),
    "http://purl.org/linked-data/registry#status": ("状态", "status"),
    "http://www.w3.org/2002/07/owl#versionInfo": ("版本", "version"),
    "http://purl.org/dc/terms/hasVersion": ("版本", "version"),
    "https://w3id.org/gdlecb/def/range": ("应用范围", "range"),
    "https://w3id.org/gdlecb/def/level": ("级别", "level"),
    "https://w3id.org/gdlecb/def/creditValue": ("学分", "credit"),
    "https://w3id.org/gdlecb/def/creditAmount": ("学分数", "credit amount"),
    "https://w3id.org/gdlecb/def/creditSystem": ("学分制度", "credit system"),
    "https://w3id.org/gdlecb/def/notionalHours": ("学时", "notional hours"),
    "https://w3id.org/gdlecb/def/competencyStatement": ("能力说明", "competency statement"),
    "https://w3id.org/gdlecb/def/assessmentCriteria": ("评价标准", "assessment criteria"),
    "https://w3id.org/gdlecb/def/remarks": ("备注", "remarks"),
    "https://w3id.org/gdlecb/def/learningOutcome": ("学习成果", "learning outcome"),
    "https://w3id.org/gdlecb/def/functionalArea": ("职能范畴", "functional area"),
}


def history(db: StateDB, item: str) -> list[dict]:
    """The versions of ``item``, oldest first (without their snapshots)."""
    return db.history(item)


def get_version(db: StateDB, item: str, n: int) -> list[ox.Triple] | None:
    """The snapshot of version ``n`` of ``item`` (None when there is no such version)."""
    nt = db.version_ntriples(item, n)
    return rdf.from_ntriples(nt) if nt is not None else None


def parse_when(when: str | datetime) -> str:
    """An ISO date or date-time (UTC when no zone) as the text form versions are stored with."""
    if isinstance(when, str):
        text = when.strip()
        try:
            if len(text) == 10:  # a date: the end of that day
                dt = datetime.fromisoformat(text).replace(hour=23, minute=59, second=59, microsecond=999999)
            else:
                dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"not an ISO 8601 date or date-time: {when!r} (e.g. 2026-01-31 or 2026-01-31T12:00:00Z)") from None
    else:
        dt = when
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def version_number_at(db: StateDB, item: str, when: str | datetime) -> int | None:
    return db.version_number_at(item, parse_when(when))


def version_at(db: StateDB, item: str, when: str | datetime) -> list[ox.Triple] | None:
    """The item graph as published at ``when`` (None when the item did not exist then)."""
    n = version_number_at(db, item, when)
    return None if n is None else get_version(db, item, n)


# --- diffs ---------------------------------------------------------------------------------

def _label(pred: str, store=None) -> tuple[str, str]:
    if pred in PROPERTY_LABELS:
        return PROPERTY_LABELS[pred]
    if store is not None:
        try:
            rows = store.select(f"SELECT ?l WHERE {{ <{pred}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}")
            by_lang = {r["l"].language: r["l"].value for r in rows if getattr(r["l"], "language", None)}
            if by_lang:
                return by_lang.get("zh", by_lang.get("en")), by_lang.get("en", by_lang.get("zh"))
        except Exception:  # noqa: BLE001 - labels are cosmetic
            pass
    local = pred.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]
    return local, local


def _show(term) -> str:
    if isinstance(term, Literal):
        return f"“{term}”" + (f"@{term.language}" if term.language else "")
    if isinstance(term, BNode):
        return "[…]"
    text = str(term)
    return STATUS_SHORT.get(text, text)


STATUS_SHORT = {v: f"reg:status{k.capitalize()}" for k, v in rdf.STATUSES.items()}


def _path_to(g, root: URIRef, node):
    """The property path (list of predicates) from the root to a blank node, for words."""
    seen = {node}
    path = []
    cur = node
    for _ in range(5):
        if cur == root or not isinstance(cur, BNode):
            break
        links = list(g.subject_predicates(cur))
        if not links:
            break
        s, p = links[0]
        path.insert(0, str(p))
        if s in seen:
            break
        seen.add(s)
        cur = s
    return path


def diff(db: StateDB, item: str, a: int, b: int, store=None) -> dict | None:
    """Differences from version ``a`` to version ``b``: triples added/removed and sentences (zh, en).

    Blank nodes (credit values, outcomes written as ``[ … ]``) are compared by
    structure: both graphs are canonicalised (rdflib.compare) first.
    """
    ta, tb = get_version(db, item, a), get_version(db, item, b)
    if ta is None or tb is None:
        return None
    ca, cb = to_canonical_graph(rdf.to_rdflib(ta)), to_canonical_graph(rdf.to_rdflib(tb))
    both = set(ca) & set(cb)
    only_a = [t for t in ca if t not in both]
    only_b = [t for t in cb if t not in both]
    # version bookkeeping is not a change a person made; leave it out of the words
    skip = {rdf.P_HAS_VERSION.value}
    root = URIRef(item)

    def key(g, s, p):
        if s == root:
            return (str(p),)
        if isinstance(s, BNode):
            return (*_path_to(g, root, s), str(p))
        short = str(s)[len(item) + 1:] if str(s).startswith(item + "/") else str(s)
        return ("node:" + short, str(p))

    changes: dict[tuple, dict] = {}
    for g, triples, side in ((ca, only_a, "removed"), (cb, only_b, "added")):
        for s, p, o in triples:
            if str(p) in skip or (isinstance(s, URIRef) and rdf.is_version_node(item, ox.NamedNode(str(s)))):
                continue
            if isinstance(o, BNode):
                continue  # described through its own properties
            changes.setdefault(key(g, s, p), {"removed": [], "added": []})[side].append(o)
    sentences = []
    for k, ch in sorted(changes.items()):
        if sorted(map(_show, ch["removed"])) == sorted(map(_show, ch["added"])):
            continue  # the same values on a rewritten blank node: not a change
        zh_parts, en_parts = [], []
        for x in k:
            if x.startswith("node:"):
                zh_parts.append(x[5:])
                en_parts.append(x[5:])
            else:
                lz, le = _label(x, store)
                zh_parts.append(lz)
                en_parts.append(le)
        zh, en = " › ".join(zh_parts), " › ".join(en_parts)
        old = "；".join(sorted(_show(o) for o in ch["removed"]))
        new = "；".join(sorted(_show(o) for o in ch["added"]))
        if ch["removed"] and ch["added"]:
            s_zh, s_en = f"{zh} 由 {old} 改为 {new}", f"{en} changed from {old} to {new}"
        elif ch["added"]:
            s_zh, s_en = f"新增{zh}：{new}", f"{en} added: {new}"
        else:
            s_zh, s_en = f"删除{zh}：{old}", f"{en} removed: {old}"
        sentences.append({"property": [x for x in k if not x.startswith("node:")], "zh": s_zh, "en": s_en,
                          "removed": sorted(_show(o) for o in ch["removed"]),
                          "added": sorted(_show(o) for o in ch["added"])})

    def nt(triples):
        return sorted(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in triples)

    return {"item": item, "from": a, "to": b, "from_iri": rdf.version_iri(item, a), "to_iri": rdf.version_iri(item, b),
            "changes": sentences, "added": nt(only_b), "removed": nt(only_a)}
