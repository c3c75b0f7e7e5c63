"""View models: what each page type shows, from an item's triples and the bulk ``SiteData``.

No SPARQL and no HTML here: ``queries`` fetches, this module shapes, templates render.
Every label goes through ``labels.pick`` (one fallback order everywhere).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from . import labels as L
from .queries import CB, C, DCT, OWL, RDFS, REG, SH, SKOS, SiteData
from .rdf import PREFIXES, _c

from ..namespaces import RDF_NS as RDF, RDF_TYPE  # noqa: E402,I001
PAGE_SIZE = 100

STATUS_KEYS = {REG + "status" + k.capitalize(): k for k in
               ("stable", "experimental", "submitted", "superseded", "retired", "invalid", "reserved")}
WARN_STATUSES = {"superseded", "retired", "invalid"}


class D(dict):
    """A dict whose keys templates read as attributes without Jinja's failed-getattr detour
    (Jinja tries ``getattr`` before ``[]``; on a plain dict that raises, which is slow)."""

    __slots__ = ()
    __getattr__ = dict.get


class Desc:
    """Triples indexed by subject and predicate."""

    __slots__ = ("by_s", "_rev")

    def __init__(self, triples: Iterable[ox.Triple]):
        by_s: dict = {}
        for t in triples:
            d = by_s.get(t.subject)
            if d is None:
                d = by_s[t.subject] = defaultdict(list)
            d[t.predicate.value].append(t.object)
        self.by_s = by_s
        self._rev = None

    def referrers(self, obj, p: str) -> list:
        """Subjects with ``obj`` as a value of ``p`` (reverse index, built once)."""
        if self._rev is None:
            rev: dict = defaultdict(list)
            for subj, d in self.by_s.items():
                for pred, objs in d.items():
                    for o in objs:
                        if not isinstance(o, ox.Literal):
                            rev[(o, pred)].append(subj)
            self._rev = rev
        key = ox.NamedNode(obj) if isinstance(obj, str) else obj
        return self._rev.get((key, p), [])

    def node(self, iri) -> dict:
        key = ox.NamedNode(iri) if isinstance(iri, str) else iri
        return self.by_s.get(key) or {}

    def subjects(self):
        return self.by_s.keys()

    def subjects_of_type(self, cls: str) -> list[str]:
        t = ox.NamedNode(cls)
        return sorted(s.value for s, d in self.by_s.items() if isinstance(s, ox.NamedNode) and t in d.get(RDF_TYPE, ()))

    def rdf_list(self, head) -> list:
        out, seen = [], set()
        while isinstance(head, (ox.BlankNode, ox.NamedNode)) and head.value != RDF + "nil" and head not in seen:
            seen.add(head)
            d = self.by_s.get(head) or {}
            out.extend(d.get(RDF + "first", ())[:1])
            rest = d.get(RDF + "rest")
            head = rest[0] if rest else None
        return out


def texts(node: dict, p: str) -> list[tuple[str, str]]:
    return [(o.value, o.language or "") for o in node.get(p, ()) if isinstance(o, ox.Literal)]


def iris(node: dict, p: str) -> list[str]:
    return [o.value for o in node.get(p, ()) if isinstance(o, ox.NamedNode)]


def first(node: dict, p: str):
    v = node.get(p)
    return v[0] if v else None


def number(value: str | None) -> str:
    """Format a decimal as the author meant it (Oxigraph canonicalises "5.0" to "5")."""
    if value is None:
        return ""
    try:
        f = float(value)
    except ValueError:
        return value
    if math.isfinite(f) and f == int(f):
        return str(int(f))
    return ("%.2f" % f).rstrip("0").rstrip(".")


class View:
    """Label and link helpers for one language over ``SiteData`` (used by builders and templates)."""

    def __init__(self, site: SiteData, lang: str):
        self.site = site
        self.lang = lang
        self._labels: dict[str, tuple[str, str]] = {}

    def text(self, values: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
        return L.pick(values, self.lang)

    def texts(self, values: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        return sorted(L.pick_all(values, self.lang))

    def label(self, iri: str) -> tuple[str, str]:
        v = self._labels.get(iri)
        if v is None:
            v = L.pick(self.site.label_values(iri), self.lang)
            if v is None:
                n = self.site.notation.get(iri)
                v = (n, "") if n else (_c(iri) if iri.startswith(tuple(PREFIXES.values())) else iri.rstrip("/").rsplit("/", 1)[-1], "")
            self._labels[iri] = v
        return v

    def status_key(self, iri: str) -> str | None:
        s = self.site.status.get(iri)
        return STATUS_KEYS.get(s, s.rsplit("#", 1)[-1] if s else None) if s else None

    def status(self, iri: str) -> dict | None:
        s = self.site.status.get(iri)
        if not s:
            return None
        return D(key=self.status_key(iri), label=self.label(s), iri=s)

    def ref(self, iri: str) -> dict:
        """A link to a resource: label, code, status."""
        return D(iri=iri, label=self.label(iri), code=self.site.notation.get(iri), status=self.status_key(iri))

    def refs(self, iris_: Iterable[str], *, by_code: bool = False) -> list[dict]:
        rs = [self.ref(i) for i in dict.fromkeys(iris_)]
        if by_code:
            rs.sort(key=lambda r: (r["code"] or "", r["label"][0]))
        else:
            rs.sort(key=lambda r: (r["label"][0], r["iri"]))
        return rs

    def banner(self, iri: str) -> dict | None:
        key = self.status_key(iri)
        if key not in WARN_STATUSES:
            return None
        succ = self.site.successor.get(iri)
        return D(key=key, successor=self.ref(succ) if succ else None)

    def level_sort(self, iri: str):
        return (self.site.level_order.get(iri, 99), self.site.notation.get(iri, ""), iri)

    def type_label(self, cls: str | None) -> tuple[str, str]:
        return self.label(cls) if cls else ("", "")


def paginate(items: Sequence, page: int, size: int | None = None) -> dict:
    size = size or PAGE_SIZE
    total = len(items)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    return D(rows=items[(page - 1) * size: page * size], page=page, pages=pages, total=total)


def match_refs(v: "View", iri: str, n) -> list[dict]:
    """The SKOS mappings of ``iri``, each target labelled from the data we ship (never a live call).

    An external concept we map to with ``skos:exactMatch`` (the EU's ISCED-F IRIs, say) has no label of
    its own in the registry; being the same concept, it is shown with the label of ``iri`` itself."""
    out = []
    for p in MAPPING_PROPS:
        for o in iris(n, p):
            ref = v.ref(o)
            if p == SKOS + "exactMatch" and not v.site.label_values(o):
                ref = D(ref, label=v.label(iri))
            out.append({"relation": _c(p), "target": ref})
    return out


def item_meta(v: View, iri: str, node: dict) -> dict:
    """Common header facts of an item page."""
    s = v.site
    return D({
        "iri": iri,
        "title": v.text(texts(node, SKOS + "prefLabel") or texts(node, RDFS + "label")) or v.label(iri),
        "labels": sorted(texts(node, SKOS + "prefLabel") or texts(node, RDFS + "label"), key=lambda x: x[1] != v.lang),
        "alt": v.texts(texts(node, SKOS + "altLabel")),
        "code": s.notation.get(iri) or (first(node, SKOS + "notation").value if first(node, SKOS + "notation") else None),
        "status": v.status(iri),
        "banner": v.banner(iri),
        "version": s.version.get(iri),
        "issued": s.issued.get(iri),
        "modified": s.modified.get(iri),
        "type": v.site.page_type(iri),
        "definition": v.text(texts(node, SKOS + "definition")),
        "description": v.text(texts(node, DCT + "description")),
        "scope_note": v.text(texts(node, SKOS + "scopeNote")),
        "editorial_note": v.text(texts(node, SKOS + "editorialNote")),
        "note": v.text(texts(node, SKOS + "note")),
        "sources": iris(node, DCT + "source"),
        "license": iris(node, DCT + "license"),
        "publisher": v.refs(iris(node, DCT + "publisher")),
    })


# --- unit ---------------------------------------------------------------------------

def unit_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    s = v.site
    credit = None
    cv = first(n, C + "creditValue")
    if cv is not None:
        cn = desc.node(cv)
        amount = first(cn, C + "creditAmount")
        hours = first(cn, C + "notionalHours")
        system = first(cn, C + "creditSystem")
        credit = D(amount=number(amount.value) if amount else "", hours=number(hours.value) if hours else None,
                   system=v.ref(system.value) if isinstance(system, ox.NamedNode) else None, anchor="credit")
    outcomes = []
    for o in n.get(C + "learningOutcome", ()):
        on = desc.node(o)
        dim = first(on, C + "dimension")
        anchor = o.value.rsplit("/", 2)
        outcomes.append(D({
            "label": v.text(texts(on, SKOS + "prefLabel")) or ("", ""),
            "dimension": v.ref(dim.value) if isinstance(dim, ox.NamedNode) else None,
            "anchor": f"outcome-{anchor[-1]}" if isinstance(o, ox.NamedNode) and anchor[-2] == "outcome" else None,
            "iri": o.value if isinstance(o, ox.NamedNode) else None,
        }))
    outcomes.sort(key=lambda o: (o["anchor"] or "", o["label"][0]))
    area = first(n, C + "functionalArea")
    area_iri = area.value if isinstance(area, ox.NamedNode) else None
    std = s.area_standard.get(area_iri) if area_iri else None
    level = first(n, C + "level")
    level_iri = level.value if isinstance(level, ox.NamedNode) else None
    page = item_meta(v, iri, n)
    page.update({
        "kind": "unit",
        "range": v.text(texts(n, C + "range")),
        "level": v.ref(level_iri) if level_iri else None,
        "level_framework": s.in_scheme.get(level_iri) if level_iri else None,
        "credit": credit,
        "competency": v.text(texts(n, C + "competencyStatement")),
        "criteria": v.texts(texts(n, C + "assessmentCriteria")),
        "remarks": v.texts(texts(n, C + "remarks")),
        "outcomes": outcomes,
        "area": v.ref(area_iri) if area_iri else None,
        "standard": v.ref(std) if std else None,
    })
    page["recognition"] = recognition_section(v, iri)
    crumbs = [("standards", None)]
    if std:
        crumbs.append((std, None))
    if area_iri:
        crumbs.append((area_iri, None))
    page["crumbs"] = crumbs
    return page


# --- standards ----------------------------------------------------------------------

def standard_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    by_area = s.units_of_area()
    areas = []
    for a in desc.subjects_of_type(C + "FunctionalArea"):
        an = desc.node(a)
        units = by_area.get(a, [])
        areas.append({"ref": v.ref(a), "order": s.area_order.get(a, 999),
                      "description": v.text(texts(an, DCT + "description")),
                      "units": [D(v.ref(u), level=v.ref(s.unit_level[u]) if u in s.unit_level else None,
                                     credit=number(s.unit_credit.get(u))) for u in units]})
    areas.sort(key=lambda a: (a["order"], a["ref"]["code"] or ""))
    levels = s.standard_levels().get(iri, set())
    page.update({
        "kind": "standard",
        "framework": v.refs(iris(n, C + "framework")),
        "sectors": v.refs(iris(n, C + "sector"), by_code=True),
        "fields": v.refs(iris(n, C + "fieldOfStudy"), by_code=True),
        "developers": v.refs(iris(n, C + "developer")),
        "outcome_types": v.refs(iris(n, C + "applicableOutcomeType")),
        "areas": areas,
        "unit_count": sum(len(a["units"]) for a in areas),
        "levels": [v.ref(lv) for lv in sorted(levels, key=v.level_sort)],
        "crumbs": [("standards", None)],
    })
    return page


def area_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    std = s.area_standard.get(iri)
    units = s.units_of_area().get(iri, [])
    page.update({"kind": "area", "standard": v.ref(std) if std else None,
                 "units": [D(v.ref(u), level=v.ref(s.unit_level[u]) if u in s.unit_level else None,
                                credit=number(s.unit_credit.get(u))) for u in units],
                 "crumbs": [("standards", None)] + ([(std, None)] if std else [])})
    return page


def standards_list(v: View, sector: str | None = None, level: str | None = None, status: str | None = None) -> dict:
    s = v.site
    levels_of = s.standard_levels()
    rows = []
    all_sectors, all_levels = set(), set()
    for std in s.of_type(C + "CompetencyStandard"):
        sectors = s.links.get(std, {}).get(C + "sector", [])
        lvls = levels_of.get(std, set())
        all_sectors.update(sectors)
        all_levels.update(lvls)
        if sector and sector not in sectors and sector not in {s.notation.get(x) for x in sectors}:
            continue
        if level and level not in lvls and level not in {s.notation.get(x) for x in lvls}:
            continue
        if status and v.status_key(std) != status:
            continue
        rows.append(D(v.ref(std), sectors=v.refs(sectors, by_code=True),
                         levels=[v.ref(x) for x in sorted(lvls, key=v.level_sort)],
                         sector_codes=" ".join(s.notation.get(x, x) for x in sectors),
                         level_codes=" ".join(s.notation.get(x, x) for x in sorted(lvls, key=v.level_sort))))
    rows.sort(key=lambda r: (r["code"] or "", r["label"][0]))
    return {"kind": "standards", "rows": rows,
            "sectors": v.refs(all_sectors, by_code=True),
            "levels": [v.ref(x) for x in sorted(all_levels, key=v.level_sort)],
            "selected": {"sector": sector or "", "level": level or "", "status": status or ""}}


# --- frameworks and levels ------------------------------------------------------------

def _levels_of(v: View, desc: Desc, fw: str) -> list[str]:
    out = [s for s in desc.subjects_of_type(C + "FrameworkLevel")
           if fw in iris(desc.node(s), SKOS + "inScheme") or fw in iris(desc.node(s), SKOS + "topConceptOf")]
    return sorted(out, key=v.level_sort)


def _descriptors(v: View, desc: Desc, level: str) -> dict[str, dict]:
    """dimension IRI -> descriptor view for one level."""
    out = {}
    for d in iris(desc.node(level), C + "descriptor"):
        dn = desc.node(d)
        dim = first(dn, C + "dimension")
        out[dim.value if dim is not None else d] = {
            "iri": d, "text": v.text(texts(dn, C + "descriptorText")),
            "note": v.text(texts(dn, SKOS + "editorialNote"))}
    return out


MAPPING_PROPS = [SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "broadMatch", SKOS + "narrowMatch",
                 SKOS + "relatedMatch"]


def _mappings(v: View, desc: Desc, level: str) -> list[dict]:
    """Mappings of a level, grouped by target framework, then by relation, in a stable order."""
    n = desc.node(level)
    found = [(o.rsplit("/", 1)[0], i, o, p) for i, p in enumerate(MAPPING_PROPS) for o in iris(n, p)]
    return [{"relation": _c(p), "relation_label": v.label(p), "target": v.ref(o)} for _, _, o, p in sorted(found)]


def dimensions_of(v: View, used: Iterable[str]) -> list[dict]:
    order = {C.replace("/def/", "/vocab/dimension/") + k: i for i, k in enumerate(("knowledge", "skills", "competence"))}
    known = set(used) | set(v.site.of_type(C + "Dimension"))
    return [v.ref(d) for d in sorted(known, key=lambda d: (order.get(d, 9), d))]


def framework_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    levels = _levels_of(v, desc, iri)
    units_by_level = s.units_of_level()
    rows, dims_used, mapping_rows = [], set(), []
    for lv in levels:
        ds = _descriptors(v, desc, lv)
        dims_used.update(ds)
        maps = _mappings(v, desc, lv)
        rows.append({"ref": v.ref(lv), "order": s.level_order.get(lv), "descriptors": ds, "mappings": maps,
                     "units": len(units_by_level.get(lv, ())),
                     "scope_note": v.text(texts(desc.node(lv), SKOS + "scopeNote"))})
        for m in maps:
            mapping_rows.append(dict(m, level=v.ref(lv)))
    recorded = []
    for m in desc.subjects_of_type(C + "LevelMapping"):
        mn = desc.node(m)
        subj, obj, rel = first(mn, C + "mappingSubject"), first(mn, C + "mappingObject"), first(mn, C + "mappingRelation")
        recorded.append({"iri": m, "subject": v.ref(subj.value) if subj else None, "object": v.ref(obj.value) if obj else None,
                         "relation": _c(rel.value) if rel else "", "sources": iris(mn, DCT + "source") + iris(mn, "http://www.w3.org/ns/prov#wasDerivedFrom"),
                         "note": v.text(texts(mn, SKOS + "editorialNote"))})
    recorded.sort(key=lambda r: r["iri"])
    page.update({"kind": "framework", "levels": rows, "dimensions": dimensions_of(v, dims_used),
                 "mappings": mapping_rows, "recorded_mappings": recorded,
                 "notice": v.text(texts(n, SKOS + "editorialNote")),
                 "level_count": first(n, C + "levelCount").value if first(n, C + "levelCount") else len(levels),
                 "crumbs": [("frameworks", None)]})
    return page


def level_page(v: View, iri: str, desc: Desc, page_no: int = 1) -> dict:
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    fw = s.in_scheme.get(iri) or (iris(n, SKOS + "topConceptOf") or [None])[0]
    ds = _descriptors(v, desc, iri)
    units = s.units_of_level().get(iri, [])
    pg = paginate(units, page_no)
    pg["rows"] = [D(v.ref(u), credit=number(s.unit_credit.get(u)),
                        standard=v.ref(s.unit_standard(u)) if s.unit_standard(u) else None) for u in pg["rows"]]
    siblings = _levels_of(v, desc, fw) if fw else []
    i = siblings.index(iri) if iri in siblings else -1
    page.update({"kind": "level", "framework": v.ref(fw) if fw else None,
                 "descriptors": [{"dimension": d, "text": ds[d["iri"]]["text"] if d["iri"] in ds else None,
                                  "iri": ds[d["iri"]]["iri"] if d["iri"] in ds else None,
                                  "note": ds[d["iri"]]["note"] if d["iri"] in ds else None}
                                 for d in dimensions_of(v, ds)],
                 "mappings": _mappings(v, desc, iri),
                 "units": pg,
                 "achievements": v.refs(x for p, x in s.used_by.get(iri, ()) if C + "Achievement" in s.types.get(x, ())),
                 "prev": v.ref(siblings[i - 1]) if i > 0 else None,
                 "next": v.ref(siblings[i + 1]) if 0 <= i < len(siblings) - 1 else None,
                 "crumbs": [("frameworks", None)] + ([(fw, None)] if fw else [])})
    return page


# --- code lists and concepts ------------------------------------------------------------

def scheme_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    concepts = [c for c in (x.value for x in desc.subjects() if isinstance(x, ox.NamedNode))
                if iri in iris(desc.node(c), SKOS + "inScheme") or iri in iris(desc.node(c), SKOS + "topConceptOf")]
    cset = set(concepts)
    children: dict[str, list[str]] = defaultdict(list)
    roots = []
    for c in concepts:
        parents = [b for b in iris(desc.node(c), SKOS + "broader") if b in cset]
        if parents:
            children[parents[0]].append(c)
        else:
            roots.append(c)

    def tree(cs):
        return [D(v.ref(c), definition=v.text(texts(desc.node(c), SKOS + "definition")),
                     uses=len(s.used_by.get(c, ())), children=tree(children.get(c, [])))
                for c in sorted(cs, key=lambda c: _natural(s.notation.get(c) or v.label(c)[0]))]

    page.update({"kind": "scheme", "tree": tree(roots), "concept_count": len(concepts),
                 "crumbs": [("vocabularies", None)]})
    return page


def _natural(text: str):
    import re
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text or "")]


def concept_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    scheme = s.in_scheme.get(iri)
    narrower = set(iris(n, SKOS + "narrower"))
    for x in desc.subjects():
        if isinstance(x, ox.NamedNode) and iri in iris(desc.node(x), SKOS + "broader"):
            narrower.add(x.value)
    uses: dict[str, list[str]] = defaultdict(list)
    for p, x in s.used_by.get(iri, ()):
        uses[s.page_type(x) or ""].append(x)
    used = [{"type": v.label(t) if t else ("", ""), "members": v.refs(xs, by_code=True)} for t, xs in sorted(uses.items())]
    page.update({"kind": "concept", "scheme": v.ref(scheme) if scheme else None,
                 "broader": v.refs(iris(n, SKOS + "broader")), "narrower": v.refs(narrower, by_code=True),
                 "matches": match_refs(v, iri, n),
                 "used": used,
                 "crumbs": [("vocabularies", None)] + ([(scheme, None)] if scheme else [])})
    return page


# --- organisations, achievements, transfer rules ------------------------------------------

def organisation_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    uses: dict[str, list[str]] = defaultdict(list)
    for p, x in s.used_by.get(iri, ()):
        uses[p].append(x)
    page.update({"kind": "organisation", "roles": v.refs(iris(n, C + "organisationRole")),
                 "homepage": iris(n, "http://xmlns.com/foaf/0.1/homepage"),
                 "used": [{"relation": v.label(p), "members": v.refs(xs, by_code=True)} for p, xs in sorted(uses.items())],
                 "crumbs": [("organisations", None)]})
    return page


def achievement_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    page.update({"kind": "achievement", "outcome_type": v.refs(iris(n, C + "outcomeType")),
                 "awarding_body": v.refs(iris(n, C + "awardingBody")), "level": v.refs(iris(n, C + "level")),
                 "credit": _credit(v, desc, first(n, C + "creditValue")),
                 "rules": v.refs(x for p, x in s.used_by.get(iri, ()) if p == C + "fromAchievement"),
                 "crumbs": [("achievements", None)]})
    page["recognition"] = recognition_section(v, iri)
    return page


def _credit(v: View, desc: Desc, cv) -> dict | None:
    if cv is None:
        return None
    cn = desc.node(cv)
    amount, hours, system = first(cn, C + "creditAmount"), first(cn, C + "notionalHours"), first(cn, C + "creditSystem")
    return D(amount=number(amount.value) if amount else "", hours=number(hours.value) if hours else None,
             system=v.ref(system.value) if isinstance(system, ox.NamedNode) else None)


def transfer_rule_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    page = item_meta(v, iri, n)
    page.update({"kind": "transfer_rule", "from": v.refs(iris(n, C + "fromAchievement")),
                 "to": v.refs(iris(n, C + "toUnit"), by_code=True),
                 "credit": _credit(v, desc, first(n, C + "creditValue")),
                 "conditions": v.texts(texts(n, C + "conditions")),
                 "valid_from": (first(n, C + "validFrom").value if first(n, C + "validFrom") else None),
                 "valid_until": (first(n, C + "validUntil").value if first(n, C + "validUntil") else None),
                 "recognition_body": v.refs(iris(n, C + "recognitionBody")),
                 "crumbs": [("transfer-rules", None)]})
    return page


# --- recognition and transfer: rules both ways, qualifications, occupations -----------------

SOURCE_PREDICATES = (C + "fromAchievement", C + "fromUnit")
TARGET_PREDICATES = (C + "toUnit", C + "toComponent")


def _rule_row(v: View, rule: str, other_side: tuple[str, ...]) -> dict:
    links = v.site.links.get(rule, {})
    return D(v.ref(rule), others=v.refs((x for p in other_side for x in links.get(p, ())), by_code=True))


def recognition_section(v: View, iri: str) -> dict:
    """认定与转换: the rules that recognise ``iri`` (it is their target, with their sources) and the
    rules ``iri`` counts for (it is their source, with their targets)."""
    used = v.site.used_by.get(iri, ())
    into = sorted({x for p, x in used if p in TARGET_PREDICATES})
    out_of = sorted({x for p, x in used if p in SOURCE_PREDICATES})
    return D(recognised_by=[_rule_row(v, r, SOURCE_PREDICATES) for r in into],
             counts_for=[_rule_row(v, r, TARGET_PREDICATES) for r in out_of])


REQUIREMENT_KINDS = {C + "AllOfRequirement": "all", C + "AnyOfRequirement": "any", C + "UnitsRequirement": "units",
                     C + "CreditRequirement": "credits", C + "ChoiceRequirement": "choice"}


def _requirement(v: View, desc: Desc, node, depth: int = 0, seen=None) -> dict | None:
    seen = seen if seen is not None else set()
    if node in seen or depth > 12:
        return None
    seen.add(node)
    n = desc.node(node)
    kind = next((REQUIREMENT_KINDS[o.value] for o in n.get(RDF_TYPE, ()) if o.value in REQUIREMENT_KINDS), "other")
    mc, choose, lvl = first(n, C + "minCredits"), first(n, C + "chooseCount"), first(n, C + "minLevel")
    parts = [_requirement(v, desc, x, depth + 1, seen) for x in n.get(C + "part", ())]
    parts = sorted((x for x in parts if x), key=lambda x: (x["label"] or ("", ""))[0])
    return D(kind=kind, label=v.text(texts(n, SKOS + "prefLabel")),
             units=v.refs(iris(n, C + "requiredUnit") + iris(n, C + "option"), by_code=True),
             min_credits=number(mc.value) if mc is not None else None, choose=choose.value if choose is not None else None,
             standards=v.refs(iris(n, C + "fromStandard")), areas=v.refs(iris(n, C + "fromArea")),
             min_level=v.ref(lvl.value) if isinstance(lvl, ox.NamedNode) else None, parts=parts)


def qualification_page(v: View, iri: str, desc: Desc) -> dict:
    """A qualification: its requirements as a tree, its courses, the units it names and the rules leading into it."""
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    req = first(n, C + "requirement")
    tree = _requirement(v, desc, req) if req is not None else None
    components = sorted(x for p, x in s.used_by.get(iri, ()) if p == C + "componentOf")
    named: list[str] = []
    stack = [tree] if tree else []
    while stack:
        r = stack.pop()
        named += [u["iri"] for u in r["units"]]
        stack += r["parts"]
    reached = dict.fromkeys(components + sorted(set(named)))
    rules = sorted({x for t in reached for p, x in s.used_by.get(t, ()) if p in TARGET_PREDICATES})
    share, cap, shelf = first(n, C + "maxTransferShare"), first(n, C + "maxTransferCredits"), first(n, C + "creditShelfLife")
    system = first(n, C + "usesCreditSystem")
    page.update({"kind": "qualification", "tree": tree,
                 "awarding_body": v.refs(iris(n, C + "awardingBody")), "level": v.refs(iris(n, C + "level")),
                 "system": v.ref(system.value) if isinstance(system, ox.NamedNode) else None,
                 "max_transfer_share": number(str(float(share.value) * 100)) if share is not None else None,
                 "max_transfer_credits": number(cap.value) if cap is not None else None,
                 "shelf_life": shelf.value if shelf is not None else None,
                 "components": [D(v.ref(c), credit=_credit(v, desc, first(desc.node(c), C + "creditValue"))) for c in components],
                 "units": v.refs((u for u in named if u not in components), by_code=True),
                 "rules": [_rule_row(v, r, SOURCE_PREDICATES + TARGET_PREDICATES) for r in rules],
                 "crumbs": []})
    return page


def occupation_page(v: View, iri: str, desc: Desc) -> dict:
    """An occupation (职业): its code list entry and the units, standards and achievements leading to it."""
    n = desc.node(iri)
    s = v.site
    page = item_meta(v, iri, n)
    members = sorted(x for p, x in s.used_by.get(iri, ()) if p == C + "occupation")
    by_type = lambda cls: v.refs((m for m in members if cls in s.types.get(m, ())), by_code=True)  # noqa: E731
    scheme = s.in_scheme.get(iri)
    page.update({"kind": "occupation", "scheme": v.ref(scheme) if scheme else None,
                 "broader": v.refs(iris(n, SKOS + "broader")),
                 "matches": match_refs(v, iri, n),
                 "units": by_type(C + "Unit"), "standards": by_type(C + "CompetencyStandard"),
                 "achievements": by_type(C + "Achievement"),
                 "crumbs": [("vocabularies", None)] + ([(scheme, None)] if scheme else [])})
    return page


def simple_list(v: View, cls: str, *, by_code: bool = True, page_no: int = 1) -> dict:
    items = v.refs(v.site.of_type(cls), by_code=by_code)
    return {"kind": "list", "list": paginate(items, page_no)}


# --- ontology and shapes ----------------------------------------------------------------

def _path_text(v: View, desc: Desc, path) -> str:
    if isinstance(path, ox.NamedNode):
        return _c(path.value)
    node = desc.node(path)
    inv = first(node, SH + "inversePath")
    if inv is not None:
        return "^" + _path_text(v, desc, inv)
    alt = first(node, SH + "alternativePath")
    if alt is not None:
        return "(" + " | ".join(_path_text(v, desc, x) for x in desc.rdf_list(alt)) + ")"
    for key, mark in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
        x = first(node, SH + key)
        if x is not None:
            return _path_text(v, desc, x) + mark
    seq = desc.rdf_list(path)
    if seq:
        return "/".join(_path_text(v, desc, x) for x in seq)
    return "?"


def _term_text(v: View, o) -> str:
    if isinstance(o, ox.Literal):
        return o.value
    if isinstance(o, ox.NamedNode):
        lbl = v.label(o.value)
        return f"{lbl[0]} ({_c(o.value)})" if lbl[0] != _c(o.value) else _c(o.value)
    return "[…]"


def constraints_in_words(v: View, desc: Desc, shape, t) -> list[str]:
    """The constraints of one shape (node or property shape) as sentences in ``v.lang``."""
    n = desc.node(shape)
    out = []
    mn, mx = first(n, SH + "minCount"), first(n, SH + "maxCount")
    if mn is not None and mx is not None and mn.value == mx.value:
        out.append(t("c.exactly", n=mn.value))
    else:
        if mn is not None and mn.value != "0":
            out.append(t("c.min", n=mn.value))
        if mx is not None:
            out.append(t("c.max", n=mx.value))
    simple = [("pattern", "c.pattern"), ("class", "c.class"), ("datatype", "c.datatype"), ("nodeKind", "c.nodekind"),
              ("hasValue", "c.hasvalue"), ("minLength", "c.minlength"), ("maxLength", "c.maxlength"),
              ("minInclusive", "c.mininclusive"), ("maxInclusive", "c.maxinclusive"),
              ("minExclusive", "c.minexclusive"), ("maxExclusive", "c.maxexclusive"), ("node", "c.node"),
              ("lessThan", "c.lessthan"), ("lessThanOrEquals", "c.lessthanorequals")]
    for p, key in simple:
        for o in n.get(SH + p, ()):
            out.append(t(key, v=_term_text(v, o)))
    for o in n.get(SH + "in", ()):
        out.append(t("c.in", v=", ".join(_term_text(v, x) for x in desc.rdf_list(o))))
    for o in n.get(SH + "languageIn", ()):
        out.append(t("c.languagein", v=", ".join(x.value for x in desc.rdf_list(o))))
    if any(o.value == "true" for o in n.get(SH + "uniqueLang", ())):
        out.append(t("c.uniquelang"))
    for o in n.get(SH + "or", ()):
        alts = ["; ".join(constraints_in_words(v, desc, x, t)) or _term_text(v, x) for x in desc.rdf_list(o)]
        out.append(t("c.or", v=" | ".join(alts)))
    q = first(n, SH + "qualifiedValueShape")
    if q is not None:
        qm = first(n, SH + "qualifiedMinCount")
        inner = "; ".join(constraints_in_words(v, desc, q, t)) or _term_text(v, q)
        out.append(t("c.qualified", n=qm.value if qm else "1", v=inner))
    if n.get(SH + "sparql"):
        out.append(t("c.sparql"))
    if any(o.value == "true" for o in n.get(SH + "closed", ())):
        out.append(t("c.closed"))
    sev = first(n, SH + "severity")
    if sev is not None and sev.value != SH + "Violation":
        out.append(t("c.severity", v=sev.value.rsplit("#", 1)[-1]))
    return out


def shape_view(v: View, desc: Desc, shape: str, t) -> dict:
    n = desc.node(shape)
    props = []
    for ps in n.get(SH + "property", ()):
        pn = desc.node(ps)
        path = first(pn, SH + "path")
        pname = v.text(texts(pn, SH + "name"))
        props.append({
            "path": _path_text(v, desc, path) if path is not None else "?",
            "path_iri": path.value if isinstance(path, ox.NamedNode) else None,
            "name": pname or (v.label(path.value) if isinstance(path, ox.NamedNode) else None),
            "description": v.text(texts(pn, SH + "description")),
            "message": v.text(texts(pn, SH + "message")),
            "constraints": constraints_in_words(v, desc, ps, t),
            "anchor": ps.value if isinstance(ps, ox.NamedNode) else None,
        })
    props.sort(key=lambda p: (p["path"]))
    path = first(n, SH + "path")
    return {"ref": v.ref(shape), "targets": v.refs(iris(n, SH + "targetClass")),
            "path": _path_text(v, desc, path) if path is not None else None,
            "path_iri": path.value if isinstance(path, ox.NamedNode) else None,
            "users": v.refs(x.value for x in desc.referrers(shape, SH + "property") if isinstance(x, ox.NamedNode)),
            "description": v.text(texts(n, SH + "description") or texts(n, RDFS + "comment") or texts(n, SKOS + "definition")),
            "message": v.text(texts(n, SH + "message")),
            "constraints": constraints_in_words(v, desc, ox.NamedNode(shape), t),
            "properties": props}


def shapes_page(v: View, iri: str, desc: Desc, t) -> dict:
    page = item_meta(v, iri, desc.node(iri))
    shapes = [s.value for s in desc.subjects() if isinstance(s, ox.NamedNode)
              and ox.NamedNode(SH + "NodeShape") in desc.node(s).get(RDF_TYPE, ())]
    page.update({"kind": "shapes", "shapes": [shape_view(v, desc, s, t) for s in sorted(shapes)], "crumbs": []})
    return page


def shape_page(v: View, iri: str, desc: Desc, t) -> dict:
    page = item_meta(v, iri, desc.node(iri))
    shapes_iri = iris(desc.node(iri), RDFS + "isDefinedBy")
    page.update({"kind": "shape", "shape": shape_view(v, desc, iri, t),
                 "crumbs": [(shapes_iri[0], None)] if shapes_iri else []})
    return page


PROPERTY_CLASSES = (OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty", RDF + "Property")


def ontology_page(v: View, iri: str, desc: Desc, shapes_desc: Desc | None, t) -> dict:
    page = item_meta(v, iri, desc.node(iri))
    classes = desc.subjects_of_type(OWL + "Class")
    props = sorted({p for c in PROPERTY_CLASSES for p in desc.subjects_of_type(c)})
    by_domain: dict[str, list[str]] = defaultdict(list)
    for p in props:
        for d in iris(desc.node(p), RDFS + "domain"):
            by_domain[d].append(p)
    shapes_by_target: dict[str, list[dict]] = defaultdict(list)
    if shapes_desc is not None:
        for c in classes:
            for s in sorted(shapes_desc.referrers(c, SH + "targetClass"), key=str):
                if isinstance(s, ox.NamedNode):
                    shapes_by_target[c].append(shape_view(v, shapes_desc, s.value, t))
    page.update({
        "kind": "ontology",
        "classes": [dict(term_view(v, desc, c), properties=[term_view(v, desc, p) for p in by_domain.get(c, [])],
                         shapes=shapes_by_target.get(c, [])) for c in classes],
        "properties": [term_view(v, desc, p) for p in props],
        "crumbs": [],
    })
    return page


def term_view(v: View, desc: Desc, iri: str) -> dict:
    n = desc.node(iri)
    return {"ref": v.ref(iri), "curie": _c(iri), "definition": v.text(texts(n, SKOS + "definition") or texts(n, RDFS + "comment")),
            "domain": v.refs(iris(n, RDFS + "domain")), "range": v.refs(iris(n, RDFS + "range")),
            "super": v.refs(iris(n, RDFS + "subClassOf") + iris(n, RDFS + "subPropertyOf")),
            "anchor": iri.rsplit("/", 1)[-1]}


def term_page(v: View, iri: str, desc: Desc, shapes_desc: Desc | None, t) -> dict:
    page = item_meta(v, iri, desc.node(iri))
    tv = term_view(v, desc, iri)
    shapes = []
    used_in = []
    if shapes_desc is not None:
        for s in sorted(shapes_desc.referrers(iri, SH + "targetClass"), key=str):
            if isinstance(s, ox.NamedNode):
                shapes.append(shape_view(v, shapes_desc, s.value, t))
        for ps in sorted(shapes_desc.referrers(iri, SH + "path"), key=str):
            for owner in shapes_desc.referrers(ps, SH + "property") or [ps]:
                if isinstance(owner, ox.NamedNode):
                    used_in.append({"shape": v.ref(owner.value), "constraints": constraints_in_words(v, shapes_desc, ps, t),
                                    "message": v.text(texts(shapes_desc.node(ps), SH + "message"))})
    onto = iris(desc.node(iri), RDFS + "isDefinedBy")
    page.update({"kind": "term", "term": tv, "shapes": shapes, "used_in": used_in,
                 "properties": [term_view(v, desc, p) for c in PROPERTY_CLASSES for p in desc.subjects_of_type(c)
                                if iri in iris(desc.node(p), RDFS + "domain")],
                 "crumbs": [(onto[0], None)] if onto else []})
    return page


# --- anything else ------------------------------------------------------------------------

def property_rows(v: View, desc: Desc, subject, depth: int = 0) -> list[dict]:
    n = desc.node(subject)
    rows = []
    for p in sorted(n, key=lambda p: (p != RDF_TYPE, _c(p))):
        vals = []
        for o in n[p]:
            if isinstance(o, ox.Literal):
                vals.append({"text": (o.value, o.language or "")})
            elif isinstance(o, ox.NamedNode):
                vals.append({"ref": v.ref(o.value)})
            elif isinstance(o, ox.BlankNode) and depth < 3:
                vals.append({"rows": property_rows(v, desc, o, depth + 1)})
        rows.append({"iri": p, "curie": _c(p), "label": v.label(p), "values": vals})
    return rows


def generic_page(v: View, iri: str, desc: Desc) -> dict:
    n = desc.node(iri)
    page = item_meta(v, iri, n)
    parent = iri.rsplit("/", 1)[0]
    crumbs = []
    while parent.count("/") > 3:
        if parent in v.site.types or parent in v.site.graphs:
            crumbs.insert(0, (parent, None))
        parent = parent.rsplit("/", 1)[0]
    page.update({"kind": "generic", "rows": property_rows(v, desc, ox.NamedNode(iri)), "crumbs": crumbs})
    return page
