"""The catalogue as a service: cached site data per store generation, and the page/RDF answers
that both the live server (``routes``) and the static build (``build``) use.
"""

from __future__ import annotations

import calendar
import threading
import time
from collections.abc import Callable, Sequence

import pyoxigraph as ox

from . import i18n, incremental, pages, rdf
from .pages import Desc, View
from .queries import C, OWL, SH, SiteData, graph_of, load_site_data
from .render import SECTIONS, render_page
from .search import SEARCH_TYPES, SearchIndex
from .urls import IriMap

TERM_TYPES = {OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
              "http://www.w3.org/2000/01/rdf-schema#Class", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"}
CONCEPT_TYPES = {C + "Sector", C + "FieldOfStudy", C + "OutcomeType", C + "Dimension", C + "CreditSystem",
                 C + "OrganisationRole", "http://www.w3.org/2004/02/skos/core#Concept"}


# page kind by the item's page type (ontology documents are told apart by their content, below)
KIND_BY_TYPE = {
    C + "Unit": "unit", C + "CompetencyStandard": "standard", C + "FunctionalArea": "area",
    C + "QualificationsFramework": "framework", C + "FrameworkLevel": "level", C + "Organisation": "organisation",
    C + "Achievement": "achievement", C + "TransferRule": "transfer_rule",
    C + "Qualification": "qualification", C + "Occupation": "occupation",
    SH + "NodeShape": "shape", SH + "PropertyShape": "shape",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": "scheme",
    **{t: "term" for t in TERM_TYPES}, **{t: "concept" for t in CONCEPT_TYPES},
}


def kind_of(site: SiteData, iri: str, desc: Desc) -> str:
    """Which page shows ``iri``."""
    t = site.page_type(iri)
    if t == OWL + "Ontology":
        return "shapes" if desc.subjects_of_type(SH + "NodeShape") else "ontology"
    return KIND_BY_TYPE.get(t, "generic")


def _plain(build: Callable[[View, str, Desc], dict]):
    return lambda v, iri, desc, t, shapes_desc, page_no: build(v, iri, desc)


#: page kind -> (template, builder(v, iri, desc, t, shapes_desc, page_no)): THE table of item pages
PAGE_KINDS: dict[str, tuple[str, Callable[..., dict]]] = {
    "unit": ("unit.html", _plain(pages.unit_page)),
    "standard": ("standard.html", _plain(pages.standard_page)),
    "area": ("area.html", _plain(pages.area_page)),
    "framework": ("framework.html", _plain(pages.framework_page)),
    "level": ("level.html", lambda v, iri, desc, t, sd, page_no: pages.level_page(v, iri, desc, page_no)),
    "scheme": ("scheme.html", _plain(pages.scheme_page)),
    "concept": ("concept.html", _plain(pages.concept_page)),
    "organisation": ("organisation.html", _plain(pages.organisation_page)),
    "achievement": ("achievement.html", _plain(pages.achievement_page)),
    "transfer_rule": ("transfer_rule.html", _plain(pages.transfer_rule_page)),
    "qualification": ("qualification.html", _plain(pages.qualification_page)),
    "occupation": ("occupation.html", _plain(pages.occupation_page)),
    "ontology": ("ontology.html", lambda v, iri, desc, t, sd, n: pages.ontology_page(v, iri, desc, sd, t)),
    "term": ("term.html", lambda v, iri, desc, t, sd, n: pages.term_page(v, iri, desc, sd, t)),
    "shapes": ("shapes.html", lambda v, iri, desc, t, sd, n: pages.shapes_page(v, iri, desc, t)),
    "shape": ("shape.html", lambda v, iri, desc, t, sd, n: pages.shape_page(v, iri, desc, t)),
    "generic": ("generic.html", _plain(pages.generic_page)),
}
#: page kind -> template
TEMPLATES = {kind: template for kind, (template, _) in PAGE_KINDS.items()}


def build_page(kind: str, v: View, iri: str, desc: Desc, t, *, shapes_desc: Desc | None = None, page_no: int = 1) -> dict:
    """The template context ``p`` of an item page of ``kind`` (an unknown kind: the generic page)."""
    _, build = PAGE_KINDS.get(kind, PAGE_KINDS["generic"])
    return build(v, iri, desc, t, shapes_desc, page_no)


def resolve_crumbs(crumbs, v: View, urls, t) -> list[dict]:
    out = []
    for target, label in crumbs or ():
        if target.startswith(("http://", "https://")):
            out.append(pages.D(href=urls.iri(target), label=label or v.label(target)))
        else:
            out.append(pages.D(href=urls.page(target), label=label or t(SECTIONS.get(target, "nav.home"))))
    return out


def item_context(site: SiteData, kind: str, page: dict, iri: str, rdf_triples: Sequence[ox.Triple], urls, v: View,
                 t, context_url: str, *, embed_jsonld: bool = True) -> dict:
    """Everything a template needs besides ``p``."""
    alternates = [(urls.iri(iri, suffix), mt) for suffix, mt in rdf.SUFFIXES.items()] if urls.data_files else []
    return {
        "p": page, "kind": kind,
        "here": urls.iris.path_of(iri) or "",
        "crumbs": resolve_crumbs(page.get("crumbs"), v, urls, t),
        "alternates": alternates,
        "jsonld": rdf.compact_jsonld(rdf_triples, iri, context_url) if embed_jsonld else None,
    }


class Catalogue:
    """Site data and search index cached per store generation, plus the answers of every catalogue route.

    After a write the cache is brought up to date per changed graph (``incremental``: the store's
    change journal, ``RegistryStore.changed_graphs``, names them); it is rebuilt whole only when the
    change set is unknown (another kind of store, a bulk load, a journal gap) or the update cannot
    be exact. ``rebuilds`` counts both kinds (for tests and monitoring)."""

    def __init__(self, store, base_iri: str, default_lang: str = "zh"):
        self.store = store
        self.iris = IriMap(base_iri)
        self.default_lang = default_lang
        self._lock = threading.Lock()
        self._site: SiteData | None = None
        self._index: SearchIndex | None = None
        #: how often the cache was rebuilt whole ("full") or updated per changed item ("incremental")
        self.rebuilds = {"full": 0, "incremental": 0}

    @property
    def context_url(self) -> str:
        return self.iris.base + "context.jsonld"

    def site(self) -> SiteData:
        gen = self.store.generation()
        site = self._site
        if site is None or site.generation != gen:
            with self._lock:
                site = self._site
                if site is None or site.generation != gen:
                    site = self._refresh(site, gen)
        return site

    def _refresh(self, old: SiteData | None, gen: int) -> SiteData:
        """(under the lock) the site data and search index of generation ``gen``."""
        if old is not None:
            changed = self.store.changed_graphs(old.generation)
            update = incremental.update_site_data(old, self.store, changed, gen) if changed is not None else None
            if update is not None:
                site, affected = update
                if self._index is not None and self._index.site is old:
                    reindex = affected | incremental.search_dependents(old, affected) \
                        | incremental.search_dependents(site, affected)
                    self._index = self._index.updated(site, reindex)
                else:
                    self._index = None
                self._site = site
                self.rebuilds["incremental"] += 1
                return site
        site = load_site_data(self.store)
        site.generation = gen  # a write during the scan is applied by the next refresh
        warm(site)
        self._index = None
        self._site = site
        self.rebuilds["full"] += 1
        return site

    def search_index(self) -> SearchIndex:
        site = self.site()
        index = self._index
        if index is None or index.site is not site:
            with self._lock:
                index = self._index
                if index is None or index.site is not site:
                    site = self._site
                    index = self._index = SearchIndex(site, self.iris.base)
        return index

    # --- items -----------------------------------------------------------------
    def locate(self, iri: str) -> tuple[str, list[ox.Triple], list[ox.Triple]] | None:
        """(graph, graph triples, triples describing ``iri``) or None when the IRI is unknown."""
        site = self.site()
        if iri in site.graphs:
            triples = self.store.graph_triples(iri)
            return (iri, triples, triples) if triples else None
        graph = graph_of(self.store, iri)
        if graph is None:
            return None
        triples = self.store.graph_triples(graph)
        return graph, triples, rdf.describe(triples, iri)

    def last_modified(self, iri: str, graph: str) -> float:
        site = self.site()
        d = site.last_changed(iri) or site.last_changed(graph)
        if d:
            try:
                return float(calendar.timegm(time.strptime(d[:10], "%Y-%m-%d")))
            except ValueError:
                pass
        return site.built_at

    def item_html(self, iri: str, graph_triples, rdf_triples, lang: str, urls, page_no: int = 1) -> str:
        site = self.site()
        v = View(site, lang)
        t = i18n.translator(lang)
        desc = Desc(graph_triples)
        kind = kind_of(site, iri, desc)
        shapes_desc = None
        if kind in ("ontology", "term"):
            shapes_desc = Desc(self.store.graph_triples(self.iris.base + "shapes"))
        page = build_page(kind, v, iri, desc, t, shapes_desc=shapes_desc, page_no=page_no)
        ctx = item_context(site, kind, page, iri, rdf_triples, urls, v, t, self.context_url)
        return render_page(TEMPLATES[kind], lang=lang, urls=urls, **ctx)

    def item_rdf(self, iri: str, rdf_triples, media_type: str) -> bytes:
        return rdf.serialize(rdf_triples, media_type, main=iri, context_url=self.context_url)

    # --- catalogue pages -----------------------------------------------------------
    def home_context(self, v: View, urls) -> dict:
        return home_context(v, urls)

    def not_found_html(self, lang: str, urls, missing: str | None) -> str:
        other = "en" if lang == "zh" else "zh"
        return render_page("notfound.html", lang=lang, urls=urls, missing=missing, other_t=i18n.translator(other),
                           suggestion=(missing or "").rstrip("/").rsplit("/", 1)[-1])


#: classes whose member lists (``SiteData.of_type``) the home page, listings and facets read
WARM_CLASSES = (C + "Unit", C + "CompetencyStandard", C + "FrameworkLevel", C + "QualificationsFramework",
                C + "Organisation", C + "Achievement", C + "TransferRule", C + "Sector",
                "http://www.w3.org/2004/02/skos/core#ConceptScheme")


def warm(site: SiteData) -> None:
    """Compute the derived lists pages read, once per full rebuild: an incremental update then
    patches them for the changed subjects (``incremental._patch_memo``) instead of leaving the
    first request after a change to recompute them over the whole registry."""
    site.units_of_area()
    site.units_of_level()
    site.areas_of_standard()
    site.standard_levels()
    site.dated_graphs()
    for cls in WARM_CLASSES:
        site.of_type(cls)


def home_context(v: View, urls) -> dict:
    s = v.site
    fws = [f for f in s.of_type(C + "QualificationsFramework") if f.startswith(urls.iris.base)]
    gdleqf = urls.iris.base + "framework/gdleqf"
    units_href = urls.iri(gdleqf if gdleqf in fws else fws[0]) if fws else urls.page("standards")
    counts = [
        ("count.units", len(s.of_type(C + "Unit")), units_href),
        ("count.standards", len(s.of_type(C + "CompetencyStandard")), urls.page("standards")),
        ("count.levels", len(s.of_type(C + "FrameworkLevel")), urls.page("frameworks")),
        ("count.schemes", len(_schemes(s)), urls.page("vocabularies")),
        ("count.organisations", len(s.of_type(C + "Organisation")), urls.page("organisations")),
        ("count.achievements", len(s.of_type(C + "Achievement")), urls.page("achievements")),
        ("count.transfer_rules", len(s.of_type(C + "TransferRule")), urls.page("transfer-rules")),
    ]
    dated = []  # the 12 most recently changed items under the base (newest first)
    for d, iri in reversed(s.dated_graphs()):
        if iri.startswith(urls.iris.base):
            dated.append((d, iri))
            if len(dated) == 12:
                break
    t = i18n.translator(v.lang)
    latest = [{"date": d[:10], "ref": v.ref(i), "type": (type_name(t, s.page_type(i)), v.lang),
               "status": v.status(i)} for d, i in dated]
    frameworks = v.refs(s.of_type(C + "QualificationsFramework"))
    return {"p": {"counts": [{"key": k, "n": n, "href": h} for k, n, h in counts], "latest": latest,
                  "frameworks": [f for f in frameworks if f["iri"].startswith(urls.iris.base)]},
            "kind": "home", "here": ""}


def _schemes(s: SiteData) -> list[str]:
    return [x for x in s.of_type("http://www.w3.org/2004/02/skos/core#ConceptScheme")
            if C + "QualificationsFramework" not in s.types.get(x, ())]


LIST_SECTIONS = {
    # path: (class or special, heading key)
    "frameworks": (C + "QualificationsFramework", "framework.list"),
    "vocabularies": ("schemes", "vocabularies.title"),
    "organisations": (C + "Organisation", "organisations.title"),
    "achievements": (C + "Achievement", "achievements.title"),
    "transfer-rules": (C + "TransferRule", "transfer_rules.title"),
}


def list_context(v: View, section: str, page_no: int, base: str) -> dict:
    cls, key = LIST_SECTIONS[section]
    s = v.site
    members = _schemes(s) if cls == "schemes" else s.of_type(cls)
    members = [m for m in members if m.startswith(base)]
    items = v.refs(members, by_code=True)
    show_count = cls == "schemes"
    if show_count:
        counts: dict[str, int] = {}
        for c, sch in s.in_scheme.items():
            counts[sch] = counts.get(sch, 0) + 1
        for r in items:
            r["count"] = counts.get(r["iri"], 0)
    for r in items:
        st = v.status(r["iri"])
        r["status_label"] = st["label"] if st else None
    pg = pages.paginate(items, page_no)
    return {"p": {"list": pg, "show_count": show_count}, "heading_text": i18n.translator(v.lang)(key),
            "kind": "list", "here": section}


def search_context(cat_index: SearchIndex, v: View, urls, q: str, filters: dict, page_no: int = 1) -> dict:
    results = cat_index.search(q, lang=v.lang, **filters) if q else []
    total = len(results)
    pg = pages.paginate(results, page_no, 50)
    query = {"q": q, **{k: x for k, x in filters.items() if x}}
    shown = []
    for r in pg["rows"]:
        r = dict(r)
        r["href"] = urls.iri(r["iri"])
        r["type_label"] = _type_label(v, r["type"])
        if r["status"]:
            st = v.status(r["iri"])
            r["status_label"] = st["label"] if st else None
        shown.append(r)
    pager = {"page": pg["page"], "pages": pg["pages"], "total": total,
             "prev": urls.page("search", page=pg["page"] - 1, query=query) if pg["page"] > 1 else None,
             "next": urls.page("search", page=pg["page"] + 1, query=query) if pg["page"] < pg["pages"] else None}
    return {"p": {"q": q, "results": shown, "total": total, "pager": pager,
                  "filters": {k: filters.get(k) or "" for k in ("type", "level", "sector", "status")},
                  "facets": facets(cat_index, v)}, "kind": "search", "here": "search", "query": query}


def _type_label(v: View, short: str) -> str:
    return i18n.translator(v.lang)("type." + short) if ("type." + short) in i18n.STRINGS else short


def type_name(t, cls: str | None) -> str:
    """Interface name of a class IRI (for type columns)."""
    short = SEARCH_TYPES.get(cls or "") or ("Ontology" if (cls or "").endswith("#Ontology") else None)
    return t("type." + short) if short else (cls or "").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def facets(index: SearchIndex, v: View) -> dict:
    f = index.facets()
    site = v.site
    levels = {site.notation.get(lv): lv for lv in site.of_type(C + "FrameworkLevel")
              if site.in_scheme.get(lv, "").endswith("/gdleqf")}
    sectors = {site.notation.get(sc): sc for sc in site.of_type(C + "Sector")}
    statuses = {k: iri for iri, k in pages.STATUS_KEYS.items()}
    return {
        "type": [{"value": x, "label": _type_label(v, x)} for x in f["type"]],
        "level": [{"value": x, "label": v.label(levels[x])[0] if x in levels else x} for x in f["level"]],
        "sector": [{"value": x, "label": v.label(sectors[x])[0] if x in sectors else ""} for x in f["sector"]],
        "status": [{"value": x, "label": v.label(statuses[x])[0] if x in statuses else x} for x in f["status"]],
    }
