"""Descriptions of the endpoint and the dataset, built as pyoxigraph triples.

* ``service_description``: the SPARQL 1.1 Service Description (``sd:``) answered
  by ``GET /sparql`` with an RDF ``Accept``.
* ``dataset_description``: VoID + DCAT at ``/.well-known/void``: triples, item
  graphs, entities per class (``void:classPartition``), the endpoint, and the
  dumps as ``void:dataDump`` and ``dcat:distribution``. Counts come from one
  aggregate query and are cached per store generation.
"""

from __future__ import annotations

import threading

import pyoxigraph as ox

from ..namespaces import BASE
from ..namespaces import DCAT_NS as DCAT, DCT_NS as DCT, RDF_TYPE_NODE as RDF_TYPE, SD_NS as SD  # noqa: I001

VOID = "http://rdfs.org/ns/void#"
XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
FORMATS = "http://www.w3.org/ns/formats/"

TITLE = ("广东终身教育学分银行 标准注册库", "Guangdong Lifelong Education Credit Bank Standards Registry")
DESCRIPTION = ("学分银行发布的资历框架、行业能力标准、能力单元及代码表（关联数据）。",
               "Qualifications frameworks, industry competency standards, units and code lists published by the "
               "credit bank, as linked data.")

#: the publisher of the dataset (the credit bank's centre, described in vocabularies/organisations.ttl)
PUBLISHER = BASE + "org/gdlecb-centre"
#: the licence the dataset is published under (docs/deployment.md); change it here if the centre decides otherwise
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
#: profile dumps: file name -> profile token (the whole registry in that profile's view, Turtle)
PROFILE_DUMPS = {f"registry-{token}.ttl.gz": token for token in ("cb", "skos", "elm", "ctdl")}
#: dumps offered: file name -> (media type of the uncompressed content, pyoxigraph format name)
DUMPS = {
    "registry.nq.gz": ("application/n-quads", "N_QUADS"),
    "registry.trig.gz": ("application/trig", "TRIG"),
    "registry.ttl.gz": ("text/turtle", "TURTLE"),
    "registry.nt.gz": ("application/n-triples", "N_TRIPLES"),
    **{name: ("text/turtle", "TURTLE") for name in PROFILE_DUMPS},
}

_RESULT_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                   "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads"]


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lit(text: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INT)


def service_description(endpoint: str, base_url: str, *, federation: bool, stats: dict | None = None) -> list[ox.Triple]:
    svc = _n(endpoint)
    ds = ox.BlankNode()
    dg = ox.BlankNode()
    t = [
        ox.Triple(svc, RDF_TYPE, _n(SD + "Service")),
        ox.Triple(svc, _n(SD + "endpoint"), svc),
        ox.Triple(svc, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        ox.Triple(svc, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        ox.Triple(svc, _n(DCT + "title"), _lit(TITLE[0] + " SPARQL 端点", "zh")),
        ox.Triple(svc, _n(DCT + "title"), _lit(TITLE[1] + " SPARQL endpoint", "en")),
        ox.Triple(svc, _n(SD + "defaultDataset"), ds),
        ox.Triple(ds, RDF_TYPE, _n(SD + "Dataset")),
        ox.Triple(ds, _n(SD + "defaultGraph"), dg),
        ox.Triple(dg, RDF_TYPE, _n(SD + "Graph")),
        ox.Triple(ds, _n(VOID + "sparqlEndpoint"), svc),
        ox.Triple(ds, _n(DCT + "description"),
                  _lit("默认图为全部命名图（每个注册项一个）的并集。", "zh")),
        ox.Triple(ds, _n(DCT + "description"),
                  _lit("The default graph is the union of all named graphs (one per registered item).", "en")),
        ox.Triple(svc, _n("http://www.w3.org/2000/01/rdf-schema#seeAlso"), _n(base_url + "/.well-known/void")),
    ]
    if federation:
        t.append(ox.Triple(svc, _n(SD + "feature"), _n(SD + "BasicFederatedQuery")))
    for f in _RESULT_FORMATS:
        t.append(ox.Triple(svc, _n(SD + "resultFormat"), _n(FORMATS + f)))
    if stats:
        t.append(ox.Triple(dg, _n(VOID + "triples"), _int(stats["triples"])))
        t.append(ox.Triple(dg, _n(VOID + "graphs"), _int(stats["graphs"])))
    return t


_STATS_QUERY = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?class } } GROUP BY ?class ORDER BY ?class
"""


# an entity (void:entities) is a typed resource; one that has several types (or is typed in several
# graphs) counts once, which the sum of the class partitions does not
_ENTITIES_QUERY = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?class } }"
_MODIFIED_QUERY = """
SELECT (MAX(STR(?d)) AS ?m) WHERE { GRAPH ?g { ?s <http://purl.org/dc/terms/modified> ?d } }
"""


class StatsCache:
    """Counts for the descriptions, recomputed when the store generation changes."""

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._gen = None
        self._stats = None

    def get(self) -> dict:
        gen = self.store.generation()
        with self._lock:
            if self._gen == gen and self._stats is not None:
                return self._stats
            classes = [(r["class"].value, int(r["n"].value)) for r in self.store.select(_STATS_QUERY)
                       if isinstance(r.get("class"), ox.NamedNode)]
            triples = int(self.store.select(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"].value)
            graphs = int(self.store.select(
                "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p [] } }")[0]["n"].value)
            entities = int(self.store.select(_ENTITIES_QUERY)[0]["n"].value)
            mod = self.store.select(_MODIFIED_QUERY)
            modified = mod[0].get("m") if mod else None
            self._stats = {"classes": classes, "triples": triples, "graphs": graphs, "entities": entities,
                           "modified": modified.value if isinstance(modified, ox.Literal) else None,
                           "generation": gen}
            self._gen = gen
            return self._stats


def dataset_description(base_url: str, stats: dict) -> list[ox.Triple]:
    ds = _n(base_url + "/.well-known/void#registry")
    t = [
        ox.Triple(ds, RDF_TYPE, _n(VOID + "Dataset")),
        ox.Triple(ds, RDF_TYPE, _n(DCAT + "Dataset")),
        ox.Triple(ds, _n(DCT + "title"), _lit(TITLE[0], "zh")),
        ox.Triple(ds, _n(DCT + "title"), _lit(TITLE[1], "en")),
        ox.Triple(ds, _n(DCT + "description"), _lit(DESCRIPTION[0], "zh")),
        ox.Triple(ds, _n(DCT + "description"), _lit(DESCRIPTION[1], "en")),
        ox.Triple(ds, _n(VOID + "uriSpace"), _lit(BASE)),
        ox.Triple(ds, _n(VOID + "sparqlEndpoint"), _n(base_url + "/sparql")),
        ox.Triple(ds, _n(VOID + "triples"), _int(stats["triples"])),
        ox.Triple(ds, _n(VOID + "entities"), _int(stats["entities"])),
        ox.Triple(ds, _n(DCT + "license"), _n(LICENSE)),
        ox.Triple(ds, _n(DCT + "publisher"), _n(PUBLISHER)),
        ox.Triple(ds, _n(VOID + "classes"), _int(len(stats["classes"]))),
        ox.Triple(ds, _n(VOID + "vocabulary"), _n(BASE + "def/")),
    ]
    if stats.get("modified"):
        t.append(ox.Triple(ds, _n(DCT + "modified"), ox.Literal(stats["modified"][:10], datatype=XSD_DATE)))
    svc = _n(base_url + "/sparql")
    t += [
        ox.Triple(ds, _n(DCAT + "distribution"), _n(base_url + "/sparql#distribution")),
        ox.Triple(_n(base_url + "/sparql#distribution"), RDF_TYPE, _n(DCAT + "Distribution")),
        ox.Triple(_n(base_url + "/sparql#distribution"), _n(DCAT + "accessService"), svc),
        ox.Triple(_n(base_url + "/sparql#distribution"), _n(DCAT + "accessURL"), svc),
        ox.Triple(svc, RDF_TYPE, _n(DCAT + "DataService")),
        ox.Triple(svc, _n(DCAT + "endpointURL"), svc),
        ox.Triple(svc, _n(DCT + "conformsTo"), _n("https://www.w3.org/TR/sparql11-protocol/")),
        ox.Triple(svc, _n(DCAT + "servesDataset"), ds),
    ]
    for name, (media, _fmt) in DUMPS.items():
        url = _n(f"{base_url}/dumps/{name}")
        t += [
            ox.Triple(ds, _n(VOID + "dataDump"), url),
            ox.Triple(ds, _n(DCAT + "distribution"), _n(f"{base_url}/dumps/{name}#distribution")),
            ox.Triple(_n(f"{base_url}/dumps/{name}#distribution"), RDF_TYPE, _n(DCAT + "Distribution")),
            ox.Triple(_n(f"{base_url}/dumps/{name}#distribution"), _n(DCAT + "downloadURL"), url),
            ox.Triple(_n(f"{base_url}/dumps/{name}#distribution"), _n(DCAT + "mediaType"),
                      _n("https://www.iana.org/assignments/media-types/" + media)),
            ox.Triple(_n(f"{base_url}/dumps/{name}#distribution"), _n(DCAT + "compressFormat"),
                      _n("https://www.iana.org/assignments/media-types/application/gzip")),
        ]
        if name in PROFILE_DUMPS:
            from ..profiles import PROFILES

            t.append(ox.Triple(_n(f"{base_url}/dumps/{name}#distribution"), _n(DCT + "conformsTo"),
                               _n(PROFILES[PROFILE_DUMPS[name]].iri)))
    for i, (cls, n) in enumerate(stats["classes"]):
        part = ox.BlankNode(f"class{i}")
        t += [
            ox.Triple(ds, _n(VOID + "classPartition"), part),
            ox.Triple(part, _n(VOID + "class"), _n(cls)),
            ox.Triple(part, _n(VOID + "entities"), _int(n)),
        ]
    return t
