"""Validate submissions against ``shapes/gdlecb-shapes.ttl`` (+ ``gdlecb-shapes-sparql.ttl``) with pyshacl.

Only submitted items are checked, and the data graph handed to pyshacl holds
the submission plus the reference triples it needs (see ``context.py``), so the
cost of one submission does not depend on the size of the registry. pyshacl
always gets an in-memory rdflib graph (never an Oxigraph-backed one, which
makes it quadratic; see /work/shared/performance.md). pyshacl gets only the shapes
whose targets can match the data graph (``_ShapesPlan``), harvested once per set of
matching shapes and answering repeated shape lookups from memory (``_MemoGraph``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.validator import Validator as PyshaclValidator
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import Path as Path_
from rdflib.plugins.sparql import prepareQuery

from .. import resources
from ..items import ItemSplitError, split_items
from ..namespaces import PREFIXES, XSD_NS, curie
from ..namespaces import SKOS_NS as SKOS
from ..store import RegistryStore
from .context import context_triples, reference_store
from .report import ValidationReport, ValidationResult, filtered_report_graph

DEFAULT_SHAPES = resources.shapes_file()  # packaged or the checkout's (registry/resources.py)
DEFAULT_REFERENCE = resources.reference_paths()

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
XSD_STRING = XSD_NS + "string"
PREF_LABEL = SKOS + "prefLabel"
NOTATION = SKOS + "notation"

class _ParameterList(list):
    """pyshacl's list of constraint parameters with set-speed membership.

    pyshacl 0.40 tests every predicate of a shape against this ~40-item list with
    ``p in list`` (a Python-level ``URIRef.__eq__`` per item) on EVERY shape evaluation:
    for 100 units ~2.9 M comparisons, about half of all validation time (issue 14,
    defect 5). The same items, the same order, the same answers, found by hash.
    """

    def __init__(self, items):
        super().__init__(items)
        self._set = frozenset(items)

    def __contains__(self, item) -> bool:
        return item in self._set


def _speed_up_pyshacl() -> None:
    import pyshacl.shape as shape_module
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    if not isinstance(getattr(shape_module, "CONSTRAINT_PARAMS", (None,))[0], _ParameterList):
        shape_module.CONSTRAINT_PARAMS = (_ParameterList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


_speed_up_pyshacl()

_shapes_cache: dict[Path, Graph] = {}
_shapes_lock = threading.Lock()


def load_shapes(path: Path = DEFAULT_SHAPES) -> Graph:
    """The shapes graph, parsed once per process: the Core shapes file ``path`` together with its
    SHACL-SPARQL companion ``{stem}-sparql.ttl`` when there is one (``resources.sparql_shapes_file``),
    so validation applies both (the two files together are the registry's shapes graph)."""
    path = Path(path).resolve()
    with _shapes_lock:
        if path not in _shapes_cache:
            graph = Graph().parse(path, format="turtle")
            companion = resources.sparql_shapes_file(path)
            if companion is not None:
                graph.parse(companion, format="turtle")
            _shapes_cache[path] = graph
        return _shapes_cache[path]


_plans: dict[int, "_ShapesPlan"] = {}  # id(shapes graph) -> its plan (which holds the graph, so ids stay unique)
_run_lock = threading.Lock()

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_CLASS_TYPES = (RDFS.Class, OWL.Class)


class _MemoGraph(Graph):
    """An rdflib graph that remembers the answer to each triple pattern until it changes.

    pyshacl re-reads a shape's parameters from the shapes graph every time it checks the
    shape on a value node (each nested ``sh:node``/``sh:property`` check builds its
    constraint components afresh): ~10k pattern lookups for one unit, each paying the
    Memory store's context bookkeeping. The shapes graph does not change once harvested,
    so the same patterns are answered from a dict. Any ``add``/``remove`` forgets them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._memo: dict = {}

    def triples(self, triple):
        if isinstance(triple[1], Path_):
            return super().triples(triple)
        found = self._memo.get(triple)
        if found is None:
            found = self._memo[triple] = tuple(super().triples(triple))
        return iter(found)

    def add(self, triple):
        self._memo.clear()
        return super().add(triple)

    def addN(self, quads):  # noqa: N802 (rdflib's name)
        self._memo.clear()
        return super().addN(quads)

    def remove(self, triple):
        self._memo.clear()
        return super().remove(triple)


class _ShapesPlan:
    """Which part of one shapes graph a data graph can need, and pyshacl's harvested shapes for it.

    pyshacl looks for the focus nodes of every shape that has a target (~700 with ours) on
    every run, although a submission holds a handful of classes. A shape with targets (a
    *root*) can only produce results when its targets can match the data graph: an instance
    of its ``sh:targetClass`` (or, for an implicit class target, of the shape itself) or of
    a subclass of it per the data's ``rdfs:subClassOf``; a subject/object of its
    ``sh:targetSubjectsOf``/``sh:targetObjectsOf`` predicate. ``sh:targetNode`` and
    ``sh:target`` roots always count. A shape without targets is only checked through a
    reference (``sh:node``, ``sh:property``, ``sh:qualifiedValueShape``, ``sh:or`` …
    lists, ``sh:sparql``): so pyshacl gets the shapes graph without the nodes reachable
    ONLY from roots that cannot match, which gives the same results. Reachability follows
    every object that is described in the shapes graph (a superset of the references
    pyshacl follows). Works on any shapes graph (one file or several merged): nothing here
    knows our shapes.
    """

    CACHE = 32  # harvested reduced shapes graphs kept (one per set of matching roots)

    def __init__(self, shapes: Graph):
        self.shapes = shapes
        class_types = set(_CLASS_TYPES) | set(shapes.subjects(RDFS.subClassOf, RDFS.Class))
        #: root -> (target classes, subjects-of predicates, objects-of predicates, always)
        self.roots: dict = {}
        for root in set(shapes.subjects(None, None)):
            explicit = any(True for p in _TARGETS if (root, p, None) in shapes)
            implicit = any(t in class_types for t in shapes.objects(root, RDF.type)) and (
                (root, RDF.type, SH.NodeShape) in shapes or (root, RDF.type, SH.PropertyShape) in shapes)
            if not explicit and not implicit:
                continue
            classes = set(shapes.objects(root, SH.targetClass)) | ({root} if implicit else set())
            always = (root, SH.targetNode, None) in shapes or (root, SH.target, None) in shapes
            self.roots[root] = (frozenset(classes), frozenset(shapes.objects(root, SH.targetSubjectsOf)),
                                frozenset(shapes.objects(root, SH.targetObjectsOf)), always)
        self._reach: dict = {root: self._reachable(root) for root in self.roots}
        self._harvested: OrderedDict[frozenset, ShapesGraph] = OrderedDict()
        self.full: ShapesGraph | None = None

    def _reachable(self, start) -> frozenset:
        seen = {start}
        todo = [start]
        while todo:
            node = todo.pop()
            for o in self.shapes.objects(node, None):
                if isinstance(o, Literal) or o in seen:
                    continue
                if (o, None, None) in self.shapes:
                    seen.add(o)
                    todo.append(o)
        return frozenset(seen)

    def matching_roots(self, data: Graph) -> frozenset:
        """The roots whose targets can match ``data``."""
        classes = set(data.objects(None, RDF.type))
        todo = list(classes)
        while todo:  # upwards along the data's rdfs:subClassOf, as pyshacl's class targets go downwards
            for sup in data.objects(todo.pop(), RDFS.subClassOf):
                if sup not in classes:
                    classes.add(sup)
                    todo.append(sup)
        predicates = set(data.predicates(None, None))
        return frozenset(
            root for root, (tcs, subj_of, obj_of, always) in self.roots.items()
            if always or not tcs.isdisjoint(classes) or not subj_of.isdisjoint(predicates)
            or not obj_of.isdisjoint(predicates)
        )

    def reduced_graph(self, roots: frozenset) -> Graph:
        """The shapes graph without the nodes reachable only from roots outside ``roots``."""
        keep: set = set()
        for root in roots:
            keep |= self._reach[root]
        drop: set = set()
        for root, reach in self._reach.items():
            if root not in roots:
                drop |= reach - keep
        graph = _MemoGraph()
        for prefix, ns in self.shapes.namespaces():
            graph.bind(prefix, ns, override=True)
        for t in self.shapes:
            if t[0] not in drop:
                graph.add(t)
        return graph

    def harvested(self, runner: PyshaclValidator, data: Graph | None) -> ShapesGraph:
        """pyshacl's shapes for ``data`` (all of them when ``data`` is None), harvested once per root set."""
        if data is None:
            if self.full is None:
                self.full = runner.shacl_graph
            return self.full
        key = self.matching_roots(data)
        found = self._harvested.get(key)
        if found is None:
            found = ShapesGraph(self.reduced_graph(key), runner.shacl_graph.debug, runner.shacl_graph.logger)
            self._harvested[key] = found
            if len(self._harvested) > self.CACHE:
                self._harvested.popitem(last=False)
        else:
            self._harvested.move_to_end(key)
        return found


def _run_pyshacl(data: Graph, shapes: Graph, *, reduce: bool = True) -> tuple[bool, Graph]:
    """Run pyshacl on an in-memory graph, reusing the harvested shapes between runs.

    ``pyshacl.validate`` rebuilds its ShapesGraph (~400 shapes) on every call, about
    two thirds of the cost of checking one unit; here it is built once per shapes
    graph and, with ``reduce``, once per set of shapes that can match the data
    (:class:`_ShapesPlan`). Runs are serialised (pyshacl is pure Python: threads would
    not run in parallel anyway, and the shared ShapesGraph is not documented as
    thread-safe).
    """
    with _run_lock:
        plan = _plans.get(id(shapes))
        if plan is None or plan.shapes is not shapes:
            plan = _plans[id(shapes)] = _ShapesPlan(shapes)
        runner = PyshaclValidator(
            DataGraph.from_rdflib(data), shacl_graph=shapes,
            options={"inplace": True, "advanced": False, "inference": "none", "allow_warnings": True},
        )
        runner.shacl_graph = plan.harvested(runner, data if reduce else None)
        conforms, results_graph, _ = runner.run()
    return conforms, results_graph


def to_rdflib(term, bnode_prefix: str):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(bnode_prefix + term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


@contextlib.contextmanager
def _quiet_rdflib_literals():
    """rdflib logs a traceback for every ill-formed literal (e.g. "2024-13-45"^^xsd:date); the shapes
    report those in words, so silence the log while the data graph is built."""
    log = logging.getLogger("rdflib.term")
    old = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(old)


@functools.lru_cache(maxsize=256)
def _prepared(sparql: str):
    return prepareQuery(sparql)


class _DataGraph(Graph):
    """An in-memory rdflib graph that parses each distinct SPARQL text once.

    pyshacl sends the same text for a SHACL-SPARQL constraint on every focus
    node (``$this`` goes in as a binding); rdflib would re-parse it each time
    (~25 ms, most of the cost of a SPARQL constraint).
    """

    def query(self, query_object, *args, **kwargs):
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


class _MemoDataGraph(_MemoGraph, _DataGraph):
    """The data graph of the fast path: pyshacl does not change it while it validates (in place, no
    inference), and its core and SPARQL checks ask the same patterns again and again (the
    100-unit standard: about a third of the run)."""


@dataclass
class _Subject:
    source: str
    item: str | None
    term: object  # the pyoxigraph term


class _LineFinder:
    """Finds the line where a subject is first described in a Turtle text (best effort)."""

    PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.prefixes = {}
        for line in self.lines:
            m = self.PREFIX.match(line)
            if m:
                self.prefixes[m.group(1) or ""] = m.group(2)

    def find(self, iri: str) -> int | None:
        tokens = [f"<{iri}>"]
        for p, ns in self.prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns):]
                tokens.append(f"{p}:{local}")
                tokens.append(f"{p}:{local.replace('/', chr(92) + '/')}")
        pattern = re.compile(r"^\s*(?:" + "|".join(re.escape(t) for t in tokens) + r")(?:\s|$)")
        for n, line in enumerate(self.lines, 1):
            if pattern.match(line):
                return n
        return None


class Validator:
    """Validates submissions; shapes and the reference context are loaded once.

    ``extra_reference``: more RDF files or folders to use as context (the CLI's
    ``--with``). ``reference_paths``: replaces the default context (the shipped
    ``ontology/`` and ``vocabularies/``); ``[]`` means none. ``reduce_shapes=False``
    hands pyshacl every shape on every run and a plain data graph (no memoised lookups): the
    reference the fast path is tested against.
    """

    def __init__(
        self,
        extra_reference: Iterable[str | Path] = (),
        *,
        shapes_path: str | Path = DEFAULT_SHAPES,
        reference_paths: Iterable[str | Path] | None = None,
        reduce_shapes: bool = True,
    ):
        self.reduce_shapes = reduce_shapes
        self.shapes = load_shapes(Path(shapes_path))
        extra = [Path(p) for p in extra_reference]
        base = list(DEFAULT_REFERENCE if reference_paths is None else map(Path, reference_paths))
        self.reference = reference_store(base + extra)
        self.extra_store = reference_store(extra) if extra else None
        self._labels = self._property_labels()
        #: the size of the last data graph handed to pyshacl (for tests and benchmarks)
        self.last_data_graph_size = 0

    # -- labels ------------------------------------------------------------------------------------
    def _property_labels(self) -> dict[str, dict[str, str]]:
        labels: dict[str, dict[str, str]] = {}
        # generic names from the shapes (e.g. cbs:UnitShape-prefLabel names skos:prefLabel "名称")
        for shape, path in self.shapes.subject_objects(SH.path):
            if not isinstance(path, URIRef) or not isinstance(shape, URIRef):
                continue
            local = re.split(r"[#/]", str(path))[-1]
            if not str(shape).endswith("-" + local):
                continue
            entry = labels.setdefault(str(path), {})
            for name in self.shapes.objects(shape, SH.name):
                if isinstance(name, Literal) and name.language and name.language not in entry:
                    entry[name.language] = str(name)
        # the ontology's rdfs:label wins where it has one
        for row in self.reference.select(
            f"SELECT ?p ?l WHERE {{ ?p <{RDFS.label}> ?l FILTER(STRSTARTS(STR(?p), \"{PREFIXES['cb']}\")) }}"
        ):
            lit = row["l"]
            lang = getattr(lit, "language", None) or ""
            labels.setdefault(row["p"].value, {})[lang] = lit.value
        return labels

    @staticmethod
    def _load(sources, data: Graph):
        """Add ``sources`` to ``data``; map each subject to its source and item."""
        subjects: dict = {}  # rdflib term -> _Subject
        objects_of: dict = {}  # rdflib object term -> subject that references it
        submission: list[ox.Triple] = []
        split_problems: list[ValidationResult] = []
        for i, (name, triples) in enumerate(sources.items()):
            prefix = f"s{i}x"
            try:
                owner = {}
                for item, ts in split_items(triples).items():
                    for t in ts:
                        owner.setdefault(t.subject, item)
            except ItemSplitError as e:
                owner = {}
                for s in e.subjects:
                    s = s[1:-1] if s.startswith("<") and s.endswith(">") else s
                    split_problems.append(ValidationResult(
                        severity="Violation", source=name, focus=s, item=None, code=None,
                        message={
                            "zh": "无法判断该主语属于哪个条目。请为它写明类型（如 a cb:Unit），或用 skos:inScheme、"
                                  "cb:standard、rdfs:isDefinedBy 把它连到所属条目。",
                            "en": "Cannot tell which item this subject belongs to. Give it a type (e.g. a cb:Unit), "
                                  "or link it to its item with skos:inScheme, cb:standard or rdfs:isDefinedBy.",
                        },
                        constraint="ItemSplit",
                    ))
            for t in triples:
                s, p, o = (to_rdflib(t.subject, prefix), to_rdflib(t.predicate, prefix), to_rdflib(t.object, prefix))
                data.add((s, p, o))
                if s not in subjects:
                    item = owner.get(t.subject)
                    if item is None and isinstance(t.subject, ox.NamedNode):
                        item = t.subject.value if not owner else None
                    subjects[s] = _Subject(name, item, t.subject)
                if not isinstance(o, Literal):
                    objects_of.setdefault(o, s)
            submission.extend(triples)

        return subjects, objects_of, submission, split_problems

    # -- validation --------------------------------------------------------------------------------
    def validate(
        self,
        sources: Mapping[str, Sequence[ox.Triple]],
        *,
        store: RegistryStore | None = None,
        texts: Mapping[str, str] | None = None,
    ) -> ValidationReport:
        """Validate ``sources`` ({name: triples}) together; only their subjects are reported.

        The context comes from ``store`` when given (plus the ``extra_reference``
        files), otherwise from the reference files. ``texts`` ({name: Turtle text})
        lets results carry the line of the focus node.
        """
        data = _MemoDataGraph() if self.reduce_shapes else _DataGraph()
        with _quiet_rdflib_literals():
            subjects, objects_of, submission, split_problems = self._load(sources, data)
        contexts: list[RegistryStore] = [store] if store is not None else [self.reference]
        if store is not None and self.extra_store is not None:
            contexts.append(self.extra_store)
        context = context_triples(contexts, submission)
        described_in_context = set()
        for t in context:
            s = to_rdflib(t.subject, "ctx")
            described_in_context.add(s)
            data.add((s, to_rdflib(t.predicate, "ctx"), to_rdflib(t.object, "ctx")))
        self.last_data_graph_size = len(data)

        conforms, results_graph = _run_pyshacl(data, self.shapes, reduce=self.reduce_shapes)

        finders = {name: _LineFinder(text) for name, text in (texts or {}).items()}
        for problem in split_problems:
            if problem.source in finders:
                problem.line = finders[problem.source].find(problem.focus)
        kept_nodes = []
        results: list[ValidationResult] = list(split_problems)
        for r in results_graph.objects(None, SH.result, unique=True):  # not the nested sh:detail results
            focus = results_graph.value(r, SH.focusNode)
            subj = subjects.get(focus)
            if subj is None:
                # a node only referenced by the submission (e.g. an outcome IRI with no description)
                ref = objects_of.get(focus)
                if ref is None or focus in described_in_context:
                    continue
                subj = subjects[ref]
            kept_nodes.append(r)
            results.append(self._result(results_graph, r, focus, subj, data, finders))
        results.sort(key=lambda x: (x.source, x.line or 0, x.code or "", x.severity != "Violation",
                                    x.path or "", x.focus, x.constraint, x.shape or "", x.value or ""))
        graph = filtered_report_graph(results_graph, kept_nodes,
                                      not any(x.severity == "Violation" for x in results))
        return ValidationReport(results=results, report_graph=graph)

    def _result(self, rg: Graph, r, focus, subj: _Subject, data: Graph, finders) -> ValidationResult:
        severity = str(rg.value(r, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        path = rg.value(r, SH.resultPath)
        value = rg.value(r, SH.value)
        shape = rg.value(r, SH.sourceShape)
        messages = self._messages(rg, r, shape)
        component = str(rg.value(r, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1]

        item_node = URIRef(subj.item) if subj.item else None
        code = self._notation(data, focus) or (self._notation(data, item_node) if item_node else None)
        label = self._pref_labels(data, focus) or (self._pref_labels(data, item_node) if item_node else {})
        line = None
        finder = finders.get(subj.source)
        if finder is not None:
            if isinstance(focus, URIRef):
                line = finder.find(str(focus))
            if line is None and subj.item:
                line = finder.find(subj.item)
        path_iri = str(path) if isinstance(path, URIRef) else None
        if isinstance(value, URIRef):
            value_text = str(value)
        elif isinstance(value, Literal):
            value_text = str(value)
        elif isinstance(value, BNode):
            value_text = ""
        else:
            value_text = None
        return ValidationResult(
            severity=severity,
            source=subj.source,
            focus=str(focus) if isinstance(focus, URIRef) else f"_:{focus}",
            item=subj.item,
            code=code,
            label=label,
            path=path_iri,
            path_label=dict(self._labels.get(path_iri, {})) if path_iri else {},
            path_curie=curie(path_iri) if path_iri else None,
            value=value_text,
            value_is_iri=isinstance(value, URIRef),
            message=messages,
            constraint=component,
            shape=str(shape) if isinstance(shape, URIRef) else None,
            line=line,
        )

    def _messages(self, rg: Graph, r, shape) -> dict[str, str]:
        """The result's messages by language.

        pyshacl 0.40 drops the language tag of a SHACL-SPARQL message when it fills
        in ``{?var}`` and adds the property shape's own messages beside it; so a
        SPARQL result keeps only the constraint's messages, tagged zh when they
        contain Chinese characters, else en (ours are written that way).
        """
        found = list(rg.objects(r, SH.resultMessage))
        if rg.value(r, SH.sourceConstraint) is not None and shape is not None:
            own = set(self.shapes.objects(shape, SH.message))
            kept = [m for m in found if m not in own]
            if kept:
                for m in found:
                    if m in own:
                        rg.remove((r, SH.resultMessage, m))
                found = kept
        messages: dict[str, str] = {}
        for m in found:
            lang = getattr(m, "language", None) or ("zh" if _CJK.search(str(m)) else "en")
            if lang != getattr(m, "language", None):
                rg.remove((r, SH.resultMessage, m))
                rg.add((r, SH.resultMessage, Literal(str(m), lang=lang)))
            messages.setdefault(lang.split("-")[0], str(m))
        return messages

    @staticmethod
    def _notation(g: Graph, node) -> str | None:
        for o in g.objects(node, URIRef(NOTATION)):
            return str(o)
        return None

    @staticmethod
    def _pref_labels(g: Graph, node) -> dict[str, str]:
        out: dict[str, str] = {}
        for o in g.objects(node, URIRef(PREF_LABEL)):
            if isinstance(o, Literal):
                out.setdefault((o.language or "").split("-")[0], str(o))
        return out


_default: Validator | None = None
_default_lock = threading.Lock()


def default_validator() -> Validator:
    """A process-wide validator with the shipped shapes and reference data."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Validator()
        return _default
