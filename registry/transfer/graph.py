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


def load_graph(store) -> TransferGraph:
    """Read the rule/qualification graph from ``store`` (any :class:`~registry.store.RegistryStore`)."""
    gen = store.generation()
    sel = lambda q: store.select(PREFIXES + q)  # noqa: E731

    levels = {_v(r, "l"): int(_v(r, "o")) for r in sel("SELECT ?l ?o WHERE { ?l cb:levelOrder ?o }")
              if _v(r, "o") and _v(r, "o").lstrip("-").isdigit()}

    targets: dict[str, Target] = {}
    for r in sel("""SELECT ?u ?code ?status ?sys ?amt ?level ?area ?std WHERE {
            ?u a cb:Unit .
            OPTIONAL { ?u skos:notation ?code } OPTIONAL { ?u reg:status ?status }
            OPTIONAL { ?u cb:creditValue ?cv . ?cv cb:creditSystem ?sys ; cb:creditAmount ?amt }
            OPTIONAL { ?u cb:level ?level } OPTIONAL { ?u cb:functionalArea ?area . OPTIONAL { ?area cb:standard ?std } } }"""):
        iri = _v(r, "u")
        if iri in targets:
            continue
        credit = Credit(_v(r, "sys"), _dec(_v(r, "amt"))) if _v(r, "sys") and _dec(_v(r, "amt")) is not None else None
        targets[iri] = Target(iri, "unit", _v(r, "code") or "", _v(r, "status") or "", credit,
                              levels.get(_v(r, "level")), _v(r, "area") or "", _v(r, "std") or "")
    for r in sel("""SELECT ?u ?code ?q ?status ?sys ?amt ?level WHERE {
            ?u a cb:QualificationComponent .
            OPTIONAL { ?u skos:notation ?code } OPTIONAL { ?u cb:componentOf ?q OPTIONAL { ?q reg:status ?status } }
            OPTIONAL { ?u cb:creditValue ?cv . ?cv cb:creditSystem ?sys ; cb:creditAmount ?amt }
            OPTIONAL { ?u cb:level ?level } }"""):
        iri = _v(r, "u")
        if iri in targets:
            continue
        credit = Credit(_v(r, "sys"), _dec(_v(r, "amt"))) if _v(r, "sys") and _dec(_v(r, "amt")) is not None else None
        targets[iri] = Target(iri, "component", _v(r, "code") or "", _v(r, "status") or "", credit,
                              levels.get(_v(r, "level")), qualification=_v(r, "q") or "")

    achievements: dict[str, dict] = {}
    for r in sel("SELECT ?a ?status ?code WHERE { ?a a cb:Achievement OPTIONAL { ?a reg:status ?status } "
                 "OPTIONAL { ?a skos:notation ?code } }"):
        achievements.setdefault(_v(r, "a"), {"status": _v(r, "status") or "", "code": _v(r, "code") or "", "labels": {}})

    # rules: one generic row per (rule, property, value), assembled here
    rules: dict[str, Rule] = {}
    versions: dict[str, str] = {}
    for r in sel("SELECT ?r ?v WHERE { ?r a cb:TransferRule ; dcterms:hasVersion ?v }"):
        rule, v = _v(r, "r"), _v(r, "v")
        if _version_number(v) > _version_number(versions.get(rule, "")):
            versions[rule] = v
    rows = sel("""SELECT ?r ?p ?o WHERE { ?r a cb:TransferRule ; ?p ?o .
                  VALUES ?p { cb:fromAchievement cb:fromUnit cb:toUnit cb:toComponent cb:sourceCombination reg:status
                              skos:notation cb:validFrom cb:validUntil cb:minScore cb:minGrade cb:withinYears
                              cb:evidenceRequired cb:topUpAssessment cb:conditions dcterms:isReplacedBy
                              cb:recognitionBody cb:receivingOrganisation } }""")
    multi: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        multi[_v(r, "r")][r["p"].value].append(r["o"])
    for iri, props in multi.items():
        one = lambda p: (props.get(p) or [None])[0]  # noqa: E731
        val = lambda p: (one(p).value if one(p) is not None else None)  # noqa: E731
        rule = Rule(iri, versions.get(iri, iri))
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
        rules[iri] = rule
    for r in sel("SELECT ?r ?sys ?amt WHERE { ?r a cb:TransferRule ; cb:creditValue ?cv . "
                 "?cv cb:creditSystem ?sys ; cb:creditAmount ?amt }"):
        rule = rules.get(_v(r, "r"))
        if rule is not None and rule.credit is None and _dec(_v(r, "amt")) is not None:
            rule.credit = Credit(_v(r, "sys"), _dec(_v(r, "amt")))

    qualifications = _load_qualifications(sel, levels)
    conversions: dict[tuple[str, str], Conversion] = {}
    for r in sel("""SELECT ?c ?f ?t ?x ?s ?status WHERE { ?c a cb:CreditConversion ; cb:fromCreditSystem ?f ;
                    cb:toCreditSystem ?t ; cb:conversionFactor ?x ; cb:conversionStatus ?s OPTIONAL { ?c reg:status ?status } }
                    ORDER BY ?c"""):
        if (_v(r, "status") or "") in WITHDRAWN or _dec(_v(r, "x")) is None:
            continue
        key = (_v(r, "f"), _v(r, "t"))
        prev = conversions.get(key)
        conv = Conversion(_v(r, "c"), key[0], key[1], _dec(_v(r, "x")), _v(r, "s"))
        if prev is None or (prev.status != "official" and conv.status == "official"):
            conversions[key] = conv  # an official conversion wins over an indicative one

    # labels of everything an answer names
    system_labels: dict[str, dict] = defaultdict(dict)
    label_rows = sel("""SELECT ?s ?l WHERE { VALUES ?t { cb:Unit cb:QualificationComponent cb:Achievement cb:TransferRule
                        cb:Qualification cb:CreditSystem cb:CreditConversion } ?s a ?t ; skos:prefLabel ?l }""")
    for r in label_rows:
        s = _v(r, "s")
        lang, text = _lang_text(r["l"])
        lang = lang.split("-")[0]
        holder = (targets.get(s) or rules.get(s) or qualifications.get(s))
        if holder is not None:
            holder.labels.setdefault(lang, text)
        elif s in achievements:
            achievements[s]["labels"].setdefault(lang, text)
        else:
            system_labels[s].setdefault(lang, text)
    for key, conv in conversions.items():
        conv.labels = dict(system_labels.get(conv.iri, {}))

    g = TransferGraph(gen, targets, achievements, rules, qualifications, conversions, levels, dict(system_labels))
    g.index()
    return g


def _pairs(terms) -> list[dict]:
    """Language-tagged texts paired up into [{zh, en}] in order (by a leading number where present)."""
    zh = sorted((t.value for t in terms if (getattr(t, "language", "") or "").startswith("zh")))
    en = sorted((t.value for t in terms if (getattr(t, "language", "") or "").startswith("en")))
    n = max(len(zh), len(en))
    return [{"zh": zh[i] if i < len(zh) else (en[i] if i < len(en) else ""),
             "en": en[i] if i < len(en) else (zh[i] if i < len(zh) else "")} for i in range(n)]


def _load_qualifications(sel, levels) -> dict[str, Qualification]:
    quals: dict[str, Qualification] = {}
    top: dict[str, str] = {}
    for r in sel("""SELECT ?q ?p ?o WHERE { ?q a cb:Qualification ; ?p ?o .
                    VALUES ?p { skos:notation reg:status cb:usesCreditSystem cb:awardingBody cb:requirement
                                cb:maxTransferCredits cb:maxTransferShare cb:creditShelfLife } }"""):
        q = quals.setdefault(_v(r, "q"), Qualification(_v(r, "q")))
        p, o = r["p"].value, r["o"]
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
    # the requirement trees: every node reachable from a qualification, with its properties
    nodes: dict[str, Requirement] = {}
    parts: dict[str, list[str]] = defaultdict(list)
    for r in sel("""SELECT ?n ?p ?o WHERE { ?q a cb:Qualification ; cb:requirement/cb:part* ?n . ?n ?p ?o }"""):
        n = str(r["n"])
        req = nodes.setdefault(n, Requirement(n, ""))
        p, o = r["p"].value, r["o"]
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
