"""Reconciliation over units, achievements, standards, organisations and occupations.

Scoring (0–100), from the catalogue's search index, best label or code of a candidate:

* the code (``skos:notation``) or a label equals the query (case, width and spacing ignored): 100;
* a label or the code starts with the query: 60–90, contains it: 40–70 (more of the text covered
  scores higher);
* otherwise token overlap (words for Latin script, character bigrams for Chinese): up to 60, by the
  share of the query's tokens found in the text (Dice coefficient).

Property values (``code``, ``level``, ``sector``) that disagree with a candidate halve its score.
``match`` is true for a candidate that scores 100, agrees with every property given and is the only
one scoring 100, as OpenRefine expects of an automatic match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..catalogue import labels as L
from ..catalogue.queries import C, SiteData
from ..catalogue.search import SearchIndex, norm
from ..errors import BadRequest

#: the types offered (class IRI → zh, en names)
TYPES: dict[str, tuple[str, str]] = {
    C + "Unit": ("能力单元", "Unit"),
    C + "Achievement": ("资历成果（课程、证书）", "Achievement"),
    C + "CompetencyStandard": ("行业能力标准", "Competency standard"),
    C + "Organisation": ("机构", "Organisation"),
    C + "Occupation": ("职业", "Occupation"),
}
#: properties for matching (id → zh, en names)
PROPERTIES: dict[str, tuple[str, str]] = {
    "code": ("编号（skos:notation）", "code (skos:notation)"),
    "level": ("级别（编号或 IRI）", "level (notation or IRI)"),
    "sector": ("行业（GB/T 4754 门类代码）", "sector (GB/T 4754 section code)"),
}
MAX_QUERIES = 100
MAX_LIMIT = 50
DEFAULT_LIMIT = 5
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-z]+")
_STOP = frozenset("a an and the of in for to with on by 和 与 及".split())


def tokens(text: str) -> set[str]:
    """Words of Latin script (no stop words) and character bigrams of Chinese runs (single characters
    for a one-character run)."""
    n = norm(text)
    out = {w for w in _WORD.findall(n) if w not in _STOP}
    for run in _CJK.findall(n):
        out |= {run[i:i + 2] for i in range(len(run) - 1)} if len(run) > 1 else {run}
    return out


def _text_score(q: str, text: str) -> float:
    nq, nt = norm(q), norm(text)
    if not nq or not nt:
        return 0.0
    if nq == nt:
        return 100.0
    ratio = len(nq) / len(nt)
    if nt.startswith(nq):
        return 60.0 + 30.0 * ratio
    if nq in nt:
        return 40.0 + 30.0 * ratio
    tq, tt = tokens(nq), tokens(nt)
    if not tq or not tt:
        return 0.0
    return 60.0 * 2 * len(tq & tt) / (len(tq) + len(tt))


@dataclass
class Candidate:
    iri: str
    types: list[str]
    code: str | None
    texts: list          # (text, lang, field)
    level: str | None
    sectors: list


def typed_entities(store) -> dict[str, list[str]]:
    """Every instance of a reconcilable type, with its types (one query; the catalogue's SiteData
    keeps only the classes it has pages for, which leaves out e.g. cb:Occupation)."""
    values = " ".join(f"<{t}>" for t in TYPES)
    out: dict[str, list[str]] = {}
    for row in store.query(f"SELECT DISTINCT ?s ?t WHERE {{ VALUES ?t {{ {values} }} GRAPH ?g {{ ?s a ?t }} }}"):
        out.setdefault(row["s"].value, []).append(row["t"].value)
    return out


class Reconciler:
    """Reconciliation of one store generation (built from its search index; cheap to make)."""

    def __init__(self, site: SiteData, index: SearchIndex, typed: dict[str, list[str]]):
        self.site = site
        self.index = index
        self.typed = typed  # IRI → its reconcilable types (``typed_entities``)
        self._by_iri = {e.iri: i for i, e in enumerate(index.entries)}

    def _candidate(self, i: int) -> Candidate | None:
        e = self.index.entries[i]
        types = self.typed.get(e.iri, [])
        if not types:
            return None
        return Candidate(e.iri, types, e.code, e.texts, e.level, e.sectors)

    def candidates(self, q: str) -> list[int]:
        """Index entries that contain the query, or any of its tokens."""
        found: dict[str, None] = {}
        for part in [q, *sorted(tokens(q))]:
            for hit in self.index.search(part):
                found.setdefault(hit["iri"])
        return [self._by_iri[iri] for iri in found if iri in self._by_iri]

    def score(self, c: Candidate, q: str) -> float:
        best = _text_score(q, c.code) if c.code else 0.0
        for text, _, field in c.texts:
            s = _text_score(q, text) * (1.0 if field == "pref" else 0.95 if field == "alt" else 0.9)
            if field != "pref" and s >= 95.0 and norm(q) == norm(text):
                s = 100.0  # an exact alternative name is as good as the name
            best = max(best, s)
        return best

    def _agrees(self, c: Candidate, pid: str, value: str) -> bool:
        v = norm(value)
        if pid == "code":
            return bool(c.code) and norm(c.code) == v
        if pid == "level":
            level_iri = next((i for i, n in self.site.notation.items() if n == c.level), None) if c.level else None
            return bool(c.level) and (norm(c.level) == v or (level_iri is not None and value == level_iri))
        if pid == "sector":
            return any(norm(s) == v for s in c.sectors)
        return True

    def name(self, iri: str, lang: str) -> str:
        return (L.pick(self.site.label_values(iri), lang) or (self.site.notation.get(iri) or iri, ""))[0]

    def type_refs(self, types: list[str], lang: str) -> list[dict]:
        return [{"id": t, "name": TYPES[t][1 if lang == "en" else 0]} for t in types]

    def reconcile(self, query: dict, lang: str) -> list[dict]:
        q = query["query"]
        wanted = set(query["types"])
        props = query["properties"]
        scored = []
        for i in self.candidates(q):
            c = self._candidate(i)
            if c is None or (wanted and not wanted & set(c.types)):
                continue
            s = self.score(c, q)
            if s <= 0:
                continue
            agrees = all(self._agrees(c, pid, v) for pid, v in props)
            if not agrees:
                s /= 2
            scored.append((-s, c.code or "", c.iri, c, agrees))
        scored.sort(key=lambda x: x[:3])
        top = [x for x in scored if -x[0] >= 100.0]
        out = []
        for neg_s, _, iri, c, agrees in scored[:query["limit"]]:
            s = round(-neg_s, 1)
            out.append({"id": iri, "name": self.name(iri, lang), "type": self.type_refs(c.types, lang),
                        "score": s, "match": s >= 100.0 and agrees and len(top) == 1,
                        **({"description": c.code} if c.code else {})})
        return out

    # --- suggest ------------------------------------------------------------------------------
    def suggest_entities(self, prefix: str, lang: str, types: set[str], limit: int, cursor: int = 0) -> list[dict]:
        out = []
        for hit in self.index.search(prefix, lang=lang):
            i = self._by_iri.get(hit["iri"])
            c = self._candidate(i) if i is not None else None
            if c is None or (types and not types & set(c.types)):
                continue
            out.append({"id": c.iri, "name": hit["label"], "description": c.code or "",
                        "type": self.type_refs(c.types, lang)})
        return out[cursor:cursor + limit]


def suggest_named(prefix: str, names: dict[str, tuple[str, str]], lang: str) -> list[dict]:
    """Types or properties whose id or name (zh or en) contains ``prefix``."""
    p = norm(prefix)
    return [{"id": k, "name": v[1 if lang == "en" else 0]} for k, v in names.items()
            if not p or p in norm(k) or any(p in norm(x) for x in v)]


def parse_queries(raw: object) -> dict[str, dict]:
    """The ``queries`` batch of the protocol, checked: ``{key: {query, types, limit, properties}}``."""
    if not isinstance(raw, dict) or not raw:
        raise BadRequest("queries 必须是非空的 JSON 对象，如 {\"q0\": {\"query\": \"软件开发\"}}",
                         "queries must be a non-empty JSON object, e.g. {\"q0\": {\"query\": \"Software development\"}}")
    if len(raw) > MAX_QUERIES:
        raise BadRequest(f"一次最多 {MAX_QUERIES} 个查询，收到 {len(raw)} 个",
                         f"at most {MAX_QUERIES} queries per batch, got {len(raw)}")
    out = {}
    for key, q in raw.items():
        if not isinstance(q, dict) or not isinstance(q.get("query"), str) or not q["query"].strip():
            raise BadRequest(f"查询 {key} 缺少非空字符串 query", f"query {key} has no non-empty string \"query\"")
        t = q.get("type", [])
        t = [t] if isinstance(t, str) else t
        if not isinstance(t, list) or not all(isinstance(x, str) for x in t):
            raise BadRequest(f"查询 {key} 的 type 必须是类型 IRI 或其列表", f"query {key}: type must be a type IRI or a list of them")
        unknown = [x for x in t if x not in TYPES]
        if unknown:
            raise BadRequest(f"查询 {key} 的类型未知：{unknown[0]}", f"query {key}: unknown type {unknown[0]}")
        limit = q.get("limit", DEFAULT_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise BadRequest(f"查询 {key} 的 limit 必须是正整数", f"query {key}: limit must be a positive integer")
        props = []
        for p in q.get("properties") or []:
            pid = p.get("pid") if isinstance(p, dict) else None
            v = p.get("v") if isinstance(p, dict) else None
            if isinstance(v, dict):  # {"id": …} values of reconciled columns
                v = v.get("id")
            if pid not in PROPERTIES or not isinstance(v, (str, int, float)) or isinstance(v, bool):
                raise BadRequest(f"查询 {key} 的属性无效（pid 须为 {', '.join(PROPERTIES)}，v 须为字符串）",
                                 f"query {key}: invalid property (pid must be one of {', '.join(PROPERTIES)}, v a string)")
            props.append((pid, str(v)))
        out[str(key)] = {"query": q["query"], "types": t, "limit": min(limit, MAX_LIMIT), "properties": props}
    return out


def preview_html(site: SiteData, iri: str, typed: list[str], lang: str, url: str | None) -> str:
    """A small HTML page about ``iri`` for OpenRefine's preview pane: every value escaped, no script
    and no inline style (the registry's Content-Security-Policy applies)."""
    from markupsafe import escape

    name = (L.pick(site.label_values(iri), lang) or (iri, ""))[0]
    code = site.notation.get(iri)
    types = [TYPES[t][1 if lang == "en" else 0] for t in typed]
    level = site.unit_level.get(iri)
    rows = [("编号" if lang == "zh" else "Code", code), ("类型" if lang == "zh" else "Type", "、".join(types) if lang == "zh" else ", ".join(types)),
            ("级别" if lang == "zh" else "Level", site.notation.get(level) if level else None)]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows if v)
    link = f'<p><a href="{escape(url)}" target="_blank" rel="noopener">{escape(iri)}</a></p>' if url else ""
    return (f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(name)}</title>'
            f'<link rel="stylesheet" href="/static/site.css"></head><body class="reconcile-preview">'
            f"<h1>{escape(name)}</h1><table>{body}</table>{link}</body></html>")


