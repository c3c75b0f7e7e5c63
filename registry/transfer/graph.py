"""The rules and qualifications of the registry as compact Python structures, read once per store generation.

Everything an evaluation needs is read here with a handful of SPARQL queries (pyoxigraph, over the
public union graph) and kept in plain dataclasses indexed by source and by target, so an evaluation is
pure in-memory work. :class:`TransferGraphCache` rebuilds the structures when the store's generation
changes.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from ..namespaces import CB, REG
from ..namespaces import DCT_NS as DCT, SKOS_NS as SKOS  # noqa: I001

C = str(CB)
R = str(REG)

PREFIXES = (f"PREFIX cb: <{C}>\nPREFIX reg: <{R}>\nPREFIX skos: <{SKOS}>\nPREFIX dcterms: <{DCT}>\n")

#: statuses under which an item takes part in no evaluation
WITHDRAWN = frozenset({R + "statusRetired", R + "statusInvalid"})
#: statuses a rule must have to apply (superseded rules apply within their own validity, see engine)
LIVE_RULE = frozenset({R + "statusStable", R + "statusExperimental", R + "statusSuperseded"})
SUPERSEDED = R + "statusSuperseded"

REQ_KINDS = {C + "AllOfRequirement": "all-of", C + "AnyOfRequirement": "any-of", C + "UnitsRequirement": "units",
             C + "CreditRequirement": "credits", C + "ChoiceRequirement": "choice"}


@dataclass(slots=True)
class Credit:
    system: str
    amount: Decimal


@dataclass(slots=True)
class Target:
    """A unit or a qualification's course: what a rule grants and a requirement counts."""

    iri: str
    kind: str  # "unit" | "component"
    code: str = ""
    status: str = ""
    credit: Credit | None = None
    level_order: int | None = None
    area: str = ""
    standard: str = ""
    qualification: str = ""  # components: the qualification they belong to
    labels: dict = field(default_factory=dict)


@dataclass(slots=True)
class Rule:
    iri: str
    version: str
    code: str = ""
    status: str = ""
    from_achievements: tuple = ()
    from_units: tuple = ()
    combination: str = "all-of"
    to_targets: tuple = ()
    credit: Credit | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    min_score: Decimal | None = None
    min_grade: str | None = None
    within_years: int | None = None
    evidence: list = field(default_factory=list)  # [{zh, en}]
    top_up: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    replaced_by: str = ""
    recognition_body: str = ""
    receiving_organisation: str = ""
    labels: dict = field(default_factory=dict)

    @property
    def sources(self) -> tuple:
        return self.from_achievements + self.from_units


@dataclass(slots=True)
class Requirement:
    node: str
    kind: str
    labels: dict = field(default_factory=dict)
    parts: list = field(default_factory=list)
    units: list = field(default_factory=list)  # requiredUnit / option
    min_credits: Decimal | None = None
    choose: int | None = None
    standards: list = field(default_factory=list)
    areas: list = field(default_factory=list)
    min_level: int | None = None


@dataclass(slots=True)
class Qualification:
    iri: str
    code: str = ""
    status: str = ""
    system: str = ""
    awarding_body: str = ""
    requirement: Requirement | None = None
    max_transfer_credits: Decimal | None = None
    max_transfer_share: Decimal | None = None
    shelf_life: int | None = None
    labels: dict = field(default_factory=dict)


@dataclass(slots=True)
class Conversion:
    iri: str
    source: str
    target: str
    factor: Decimal
    status: str  # official | indicative
    labels: dict = field(default_factory=dict)


@dataclass
class TransferGraph:
    generation: int
    targets: dict[str, Target]
    achievements: dict[str, dict]  # iri -> {status, labels, code}
    rules: dict[str, Rule]
    qualifications: dict[str, Qualification]
    conversions: dict[tuple[str, str], Conversion]
    levels: dict[str, int]
    system_labels: dict[str, dict]
    by_source: dict[str, list[Rule]] = field(default_factory=dict)
    by_target: dict[str, list[Rule]] = field(default_factory=dict)
    units_by_standard: dict[str, list[str]] = field(default_factory=dict)
    units_by_area: dict[str, list[str]] = field(default_factory=dict)
    area_standard: dict[str, str] = field(default_factory=dict)
    #: the store the graph was read from (for :meth:`lookup_units`); None for a graph built by hand
    store: object = None

    def lookup_units(self, iris) -> dict[str, Target]:
        """Units/courses among ``iris`` that the graph does not hold (no rule or requirement names
        them): read from the store for this request only, never kept (they come from a learner's record)."""
        missing = [i for i in iris if i not in self.targets]
        if not missing or self.store is None:
            return {}
        return load_units(self.store, missing, self.levels, self.area_standard)

    def index(self) -> None:
        by_source, by_target = defaultdict(list), defaultdict(list)
        for r in sorted(self.rules.values(), key=lambda r: r.iri):
            for s in r.sources:
                by_source[s].append(r)
            for t in r.to_targets:
                by_target[t].append(r)
        self.by_source, self.by_target = dict(by_source), dict(by_target)
        std, area = defaultdict(list), defaultdict(list)
        for t in sorted(self.targets.values(), key=lambda t: t.iri):
            if t.standard:
                std[t.standard].append(t.iri)
            if t.area:
                area[t.area].append(t.iri)
        self.units_by_standard, self.units_by_area = dict(std), dict(area)

    def label(self, iri: str, lang: str) -> str:
        for table in (self.targets, self.rules, self.qualifications):
            obj = table.get(iri)
            if obj is not None:
                return pick(obj.labels, lang) or iri
        a = self.achievements.get(iri)
        if a is not None:
            return pick(a["labels"], lang) or iri
        if iri in self.system_labels:
            return pick(self.system_labels[iri], lang) or iri
        return iri


def pick(labels: dict, lang: str) -> str:
    """Label fallback: chosen language, the other of zh/en, untagged."""
    other = "en" if lang == "zh" else "zh"
    return labels.get(lang) or labels.get(other) or labels.get("") or ""


def _v(row, key):
    t = row.get(key)
    return None if t is None else t.value


def _date(text):
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _dec(text):
    try:
        return Decimal(text) if text is not None else None
    except ArithmeticError:
        return None


def _lang_text(term) -> tuple[str, str]:
    return (getattr(term, "language", None) or "", term.value)


def _version_number(iri: str) -> int:
    m = re.search(r"/v/(\d+)$", iri)
    return int(m.group(1)) if m else -1


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
P_LABEL, P_NOTATION, P_STATUS, P_CREDIT = SKOS + "prefLabel", SKOS + "notation", R + "status", C + "creditValue"
#: at most this many IRIs in one VALUES block
VALUES_CHUNK = 2000


def _rows(store, q: str):
    """Solutions as tuples (no per-row dicts: the loader reads hundreds of thousands of them)."""
    return store.query(PREFIXES + q)


def _values(iris) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _credit_nodes(store, subjects: list[str]) -> dict[str, Credit]:
    """subject -> its credit value, for ``subjects`` (bulk, chunked VALUES)."""
    out: dict[str, Credit] = {}
    for i in range(0, len(subjects), VALUES_CHUNK):
        chunk = subjects[i:i + VALUES_CHUNK]
        for s, sys_, amt in _rows(store, f"""SELECT ?s ?sys ?amt WHERE {{ VALUES ?s {{ {_values(chunk)} }}
                ?s cb:creditValue ?cv . ?cv cb:creditSystem ?sys ; cb:creditAmount ?amt }}"""):
            a = _dec(amt.value)
            if a is not None and s.value not in out:
                out[s.value] = Credit(sys_.value, a)
    return out


def load_units(store, iris, levels: dict[str, int], area_standard: dict[str, str]) -> dict[str, Target]:
    """The units and courses among ``iris`` (bulk: subject-first VALUES queries, chunked)."""
    iris = sorted(set(iris))
    props: dict[str, dict[str, list]] = {}
    for i in range(0, len(iris), VALUES_CHUNK):
        chunk = iris[i:i + VALUES_CHUNK]
        for s, p, o in _rows(store, f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {_values(chunk)} }} ?s ?p ?o }}"):
            props.setdefault(s.value, {}).setdefault(p.value, []).append(o)
    out: dict[str, Target] = {}
    with_credit = []
    for iri, pr in props.items():
        types = {o.value for o in pr.get(RDF_TYPE, ())}
        if C + "Unit" in types:
            kind = "unit"
        elif C + "QualificationComponent" in types:
            kind = "component"
        else:
            continue
        one = lambda p: (pr.get(p) or [None])[0]  # noqa: E731
        code = min((o.value for o in pr.get(P_NOTATION, ())), default="")
        level = one(C + "level")
        area = one(C + "functionalArea")
        t = Target(iri, kind, code, one(P_STATUS).value if one(P_STATUS) is not None else "", None,
                   levels.get(level.value) if level is not None else None)
        if kind == "unit":
            t.area = area.value if area is not None else ""
            t.standard = area_standard.get(t.area, "")
        else:
            q = one(C + "componentOf")
            t.qualification = q.value if q is not None else ""
        for o in pr.get(P_LABEL, ()):
            lang, text = _lang_text(o)
            t.labels.setdefault(lang.split("-")[0], text)
        if pr.get(P_CREDIT):
            with_credit.append(iri)
        out[iri] = t
    for iri, credit in _credit_nodes(store, with_credit).items():
        out[iri].credit = credit
    if out:
        # a component's status is its qualification's
        quals = sorted({t.qualification for t in out.values() if t.qualification})
        status = {}
        for i in range(0, len(quals), VALUES_CHUNK):
            for q, st in _rows(store, f"SELECT ?q ?s WHERE {{ VALUES ?q {{ {_values(quals[i:i + VALUES_CHUNK])} }} ?q reg:status ?s }}"):
                status[q.value] = st.value
        for t in out.values():
            if t.kind == "component":
                t.status = status.get(t.qualification, "")
    return out


def load_graph(store) -> TransferGraph:
    """Read the rule/qualification graph from ``store`` (any :class:`~registry.store.RegistryStore`).

    Only what rules and qualifications touch is read, in a few bulk queries: the rules' and
    qualifications' own triples (one subject-predicate scan each, filtered here rather than with a
    ``VALUES ?p`` join, which Oxigraph evaluates slowly), the achievements, and the units and courses
    the rules and requirements name (subject-first ``VALUES`` lookups). A held unit no rule or
    requirement names is looked up per request (:meth:`TransferGraph.lookup_units`).
    """
    gen = store.generation()
    levels = {}
    for lv, o in _rows(store, "SELECT ?l ?o WHERE { ?l cb:levelOrder ?o }"):
        if o.value.lstrip("-").isdigit():
            levels[lv.value] = int(o.value)
    area_standard = {a.value: s.value for a, s in _rows(store, "SELECT ?a ?s WHERE { ?a cb:standard ?s }")}

    achievements: dict[str, dict] = {}
    for a, p, o in _rows(store, "SELECT ?a ?p ?o WHERE { ?a a cb:Achievement ; ?p ?o }"):
        entry = achievements.get(a.value)
        if entry is None:
            entry = achievements[a.value] = {"status": "", "code": "", "labels": {}}
        pv = p.value
        if pv == P_STATUS:
            entry["status"] = o.value
        elif pv == P_NOTATION:
            entry["code"] = entry["code"] or o.value
        elif pv == P_LABEL:
            lang, text = _lang_text(o)
            entry["labels"].setdefault(lang.split("-")[0], text)

    # rules: every triple of every rule, assembled here
    multi: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r, p, o in _rows(store, "SELECT ?r ?p ?o WHERE { ?r a cb:TransferRule ; ?p ?o }"):
        if p.value in RULE_PROPS:
            multi[r.value][p.value].append(o)
    rules: dict[str, Rule] = {}
    with_credit = []
    for iri, props in multi.items():
        one = lambda p: (props.get(p) or [None])[0]  # noqa: E731
        val = lambda p: (one(p).value if one(p) is not None else None)  # noqa: E731
        version = max((o.value for o in props.get(DCT + "hasVersion", ())), key=_version_number, default=iri)
        rule = Rule(iri, version)
        rule.code = val(SKOS + "notation") or ""
        rule.status = val(R + "status") or ""
        rule.from_achievements = tuple(sorted(t.value for t in props.get(C + "fromAchievement", [])))
        rule.from_units = tuple(sorted(t.value for t in props.get(C + "fromUnit", [])))
        rule.combination = val(C + "sourceCombination") or "all-of"
        rule.to_targets = tuple(sorted({t.value for t in props.get(C + "toUnit", []) + props.get(C + "toComponent", [])}))
        rule.valid_from = _date(val(C + "validFrom"))
        rule.valid_until = _date(val(C + "validUntil"))
        rule.min_score = _dec(val(C + "minScore"))
        rule.min_grade = val(C + "minGrade")
        wy = val(C + "withinYears")
        rule.within_years = int(wy) if wy and wy.isdigit() else None
        rule.evidence = _pairs(props.get(C + "evidenceRequired", []))
        rule.top_up = _pairs(props.get(C + "topUpAssessment", []))
        rule.conditions = _pairs(props.get(C + "conditions", []))
        rule.replaced_by = val(DCT + "isReplacedBy") or ""
        rule.recognition_body = val(C + "recognitionBody") or ""
        rule.receiving_organisation = val(C + "receivingOrganisation") or ""
        for o in props.get(P_LABEL, ()):
            lang, text = _lang_text(o)
            rule.labels.setdefault(lang.split("-")[0], text)
        if props.get(P_CREDIT):
            with_credit.append(iri)
        rules[iri] = rule
    for iri, credit in _credit_nodes(store, with_credit).items():
        rules[iri].credit = credit

    qualifications = _load_qualifications(store, levels)
    # the units and courses rules and requirements name, and the units of the standards and areas
    # a credit requirement counts from
    named: set[str] = set()
    for rule in rules.values():
        named.update(rule.to_targets)
        named.update(rule.from_units)
    stds, areas = set(), set()
    for q in qualifications.values():
        stack = [q.requirement] if q.requirement else []
        while stack:
            req = stack.pop()
            named.update(req.units)
            stds.update(req.standards)
            areas.update(req.areas)
            stack += req.parts
    areas.update(a for a, s in area_standard.items() if s in stds)
    for a in sorted(areas):
        named.update(u.value for (u,) in _rows(store, f"SELECT ?u WHERE {{ ?u cb:functionalArea <{a}> }}"))
    named.update(c.value for c, _ in _rows(store, "SELECT ?c ?q WHERE { ?c cb:componentOf ?q }"))
    targets = load_units(store, named, levels, area_standard)

    conversions: dict[tuple[str, str], Conversion] = {}
    system_labels: dict[str, dict] = defaultdict(dict)
    conv_rows = defaultdict(dict)
    for c, p, o in _rows(store, "SELECT ?c ?p ?o WHERE { ?c a cb:CreditConversion ; ?p ?o }"):
        conv_rows[c.value].setdefault(p.value, o)
        if p.value == P_LABEL:
            lang, text = _lang_text(o)
            system_labels[c.value].setdefault(lang.split("-")[0], text)
    for c in sorted(conv_rows):
        pr = conv_rows[c]
        f, t, x, st = (pr.get(C + k) for k in ("fromCreditSystem", "toCreditSystem", "conversionFactor", "conversionStatus"))
        status = pr.get(P_STATUS)
        if f is None or t is None or x is None or st is None or _dec(x.value) is None:
            continue
        if status is not None and status.value in WITHDRAWN:
            continue
        key = (f.value, t.value)
        prev = conversions.get(key)
        conv = Conversion(c, key[0], key[1], _dec(x.value), st.value)
        if prev is None or (prev.status != "official" and conv.status == "official"):
            conversions[key] = conv  # an official conversion wins over an indicative one
    for s, lab in _rows(store, "SELECT ?s ?l WHERE { ?s a cb:CreditSystem ; skos:prefLabel ?l }"):
        lang, text = _lang_text(lab)
        system_labels[s.value].setdefault(lang.split("-")[0], text)
    for conv in conversions.values():
        conv.labels = dict(system_labels.get(conv.iri, {}))

    g = TransferGraph(gen, targets, achievements, rules, qualifications, conversions, levels, dict(system_labels))
    g.area_standard = area_standard
    g.store = store
    g.index()
    return g


RULE_PROPS = frozenset({C + "fromAchievement", C + "fromUnit", C + "toUnit", C + "toComponent", C + "sourceCombination",
                        R + "status", SKOS + "notation", C + "validFrom", C + "validUntil", C + "minScore", C + "minGrade",
                        C + "withinYears", C + "evidenceRequired", C + "topUpAssessment", C + "conditions",
                        DCT + "isReplacedBy", C + "recognitionBody", C + "receivingOrganisation", DCT + "hasVersion",
                        P_LABEL, P_CREDIT})


def _pairs(terms) -> list[dict]:
    """Language-tagged texts paired up into [{zh, en}] in order (by a leading number where present)."""
    zh = sorted((t.value for t in terms if (getattr(t, "language", "") or "").startswith("zh")))
    en = sorted((t.value for t in terms if (getattr(t, "language", "") or "").startswith("en")))
    n = max(len(zh), len(en))
    return [{"zh": zh[i] if i < len(zh) else (en[i] if i < len(en) else ""),
             "en": en[i] if i < len(en) else (zh[i] if i < len(zh) else "")} for i in range(n)]


def _load_qualifications(store, levels) -> dict[str, Qualification]:
    quals: dict[str, Qualification] = {}
    top: dict[str, str] = {}
    for qi, p, o in _rows(store, "SELECT ?q ?p ?o WHERE { ?q a cb:Qualification ; ?p ?o }"):
        q = quals.setdefault(qi.value, Qualification(qi.value))
        p = p.value
        if p == SKOS + "notation":
            q.code = o.value
        elif p == R + "status":
            q.status = o.value
        elif p == C + "usesCreditSystem":
            q.system = o.value
        elif p == C + "awardingBody":
            q.awarding_body = o.value
        elif p == C + "requirement":
            top[q.iri] = str(o)
        elif p == C + "maxTransferCredits":
            q.max_transfer_credits = _dec(o.value)
        elif p == C + "maxTransferShare":
            q.max_transfer_share = _dec(o.value)
        elif p == C + "creditShelfLife" and o.value.isdigit():
            q.shelf_life = int(o.value)
        elif p == P_LABEL:
            lang, text = _lang_text(o)
            q.labels.setdefault(lang.split("-")[0], text)
    # the requirement trees: every node reachable from a qualification, with its properties
    nodes: dict[str, Requirement] = {}
    parts: dict[str, list[str]] = defaultdict(list)
    for nn, p, o in _rows(store, "SELECT ?n ?p ?o WHERE { ?q a cb:Qualification ; cb:requirement/cb:part* ?n . ?n ?p ?o }"):
        n = str(nn)
        req = nodes.setdefault(n, Requirement(n, ""))
        p = p.value
        if p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and o.value in REQ_KINDS:
            req.kind = REQ_KINDS[o.value]
        elif p == C + "part":
            parts[n].append(str(o))
        elif p in (C + "requiredUnit", C + "option"):
            req.units.append(o.value)
        elif p == C + "minCredits":
            req.min_credits = _dec(o.value)
        elif p == C + "chooseCount" and o.value.isdigit():
            req.choose = int(o.value)
        elif p == C + "fromStandard":
            req.standards.append(o.value)
        elif p == C + "fromArea":
            req.areas.append(o.value)
        elif p == C + "minLevel":
            req.min_level = levels.get(o.value)
        elif p == SKOS + "prefLabel":
            lang, text = _lang_text(o)
            req.labels.setdefault(lang.split("-")[0], text)

    def order_key(n: str):
        req = nodes[n]
        return (pick(req.labels, "en"), req.kind, sorted(req.units), n)

    for n, ps in parts.items():
        nodes[n].parts = [nodes[p] for p in sorted(set(ps), key=order_key) if p in nodes]
    for req in nodes.values():
        req.units = sorted(set(req.units))
        req.standards, req.areas = sorted(set(req.standards)), sorted(set(req.areas))
    for q in quals.values():
        q.requirement = nodes.get(top.get(q.iri, ""))
    return quals


class TransferGraphCache:
    """One :class:`TransferGraph` per store generation, shared by every request of a process."""

    def __init__(self, store):
        self.store = store
        self._graph: TransferGraph | None = None
        self._lock = threading.Lock()

    def get(self) -> TransferGraph:
        gen = self.store.generation()
        g = self._graph
        if g is not None and g.generation == gen:
            return g
        with self._lock:
            g = self._graph
            if g is None or g.generation != self.store.generation():
                g = load_graph(self.store)
                self._graph = g
            return g
