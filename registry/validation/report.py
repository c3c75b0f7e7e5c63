"""Validation results in words a standards developer can act on, in zh or en."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

SEVERITY_WORDS = {
    "zh": {"Violation": "违规", "Warning": "警告", "Info": "提示"},
    "en": {"Violation": "Violation", "Warning": "Warning", "Info": "Info"},
}
WORDS = {
    "zh": {"property": "属性", "value": "值", "blank": "（空白节点）", "ok": "通过：没有发现问题。",
           "summary": "共 {v} 项违规、{w} 项警告、{i} 项提示。", "conforms": "符合约束（警告不影响提交）。",
           "fails": "不符合约束：请修正违规项后再提交。", "item": "条目"},
    "en": {"property": "property", "value": "value", "blank": "(blank node)", "ok": "Conforms: no problems found.",
           "summary": "{v} violation(s), {w} warning(s), {i} info.", "conforms": "Conforms (warnings do not block a submission).",
           "fails": "Does not conform: fix the violations before submitting.", "item": "item"},
}
LANGS = ("zh", "en")


def pick(texts: dict[str, str], lang: str) -> str:
    """Chosen language → the other of zh/en → untagged (docs/model.md display fallback)."""
    for key in (lang, *(x for x in LANGS if x != lang), ""):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


@dataclass
class ValidationResult:
    severity: str  # 'Violation' | 'Warning' | 'Info'
    source: str  # file or submission name
    focus: str  # IRI, or "_:id" for a blank node
    item: str | None  # the registrable item the focus node belongs to
    code: str | None  # skos:notation of the focus node or of its item
    label: dict[str, str] = field(default_factory=dict)  # prefLabel by language
    path: str | None = None  # property IRI
    path_label: dict[str, str] = field(default_factory=dict)
    path_curie: str | None = None
    value: str | None = None
    value_is_iri: bool = False
    message: dict[str, str] = field(default_factory=dict)
    constraint: str = ""  # constraint component local name, e.g. "MinCountConstraintComponent"
    shape: str | None = None  # source shape IRI
    line: int | None = None  # line of the focus node's (or its item's) first triple, when known

    def to_dict(self, lang: str = "zh") -> dict:
        return {
            "severity": self.severity,
            "source": self.source,
            "line": self.line,
            "item": self.item,
            "focus": self.focus,
            "code": self.code,
            "label": pick(self.label, lang) or None,
            "path": self.path,
            "pathLabel": pick(self.path_label, lang) or self.path_curie,
            "value": self.value,
            "message": pick(self.message, lang),
            "constraint": self.constraint,
            "shape": self.shape,
        }

    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def to_text(self, lang: str = "zh") -> str:
        w = WORDS[lang]
        head = [SEVERITY_WORDS[lang].get(self.severity, self.severity), self.location()]
        who = " ".join(x for x in (self.code, pick(self.label, lang)) if x)
        head.append(who or self.item or self.focus)
        lines = ["  ".join(head)]
        detail = []
        if self.path:
            name = pick(self.path_label, lang)
            curie = self.path_curie or self.path
            detail.append(f"{w['property']}: {name} ({curie})" if name else f"{w['property']}: {curie}")
        if self.value is not None:
            detail.append(f"{w['value']}: {self.value if self.value != '' else w['blank']}")
        if detail:
            lines.append("    " + "  ".join(detail))
        lines.append("    " + pick(self.message, lang))
        return "\n".join(lines)


@dataclass
class ValidationReport:
    results: list[ValidationResult]
    report_graph: Graph

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def to_dict(self, lang: str = "zh") -> dict:
        return {
            "conforms": self.conforms,
            "violations": self.count("Violation"),
            "warnings": self.count("Warning"),
            "infos": self.count("Info"),
            "results": [r.to_dict(lang) for r in self.results],
        }

    def to_json(self, lang: str = "zh") -> str:
        return json.dumps(self.to_dict(lang), ensure_ascii=False, indent=2)

    def to_text(self, lang: str = "zh") -> str:
        w = WORDS[lang]
        if not self.results:
            return w["ok"]
        parts = [r.to_text(lang) for r in self.results]
        summary = w["summary"].format(v=self.count("Violation"), w=self.count("Warning"), i=self.count("Info"))
        sep = "" if lang == "zh" else " "
        parts.append(summary + sep + (w["conforms"] if self.conforms else w["fails"]))
        return "\n\n".join(parts)

    def to_turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")


def filtered_report_graph(pyshacl_graph: Graph, kept: list[URIRef | BNode], conforms: bool) -> Graph:
    """A SHACL validation report holding only the ``kept`` result nodes of ``pyshacl_graph``."""
    g = Graph()
    for prefix, ns in pyshacl_graph.namespaces():
        g.bind(prefix, ns, replace=True)
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(conforms)))
    seen: set = set()

    def copy(node):
        if node in seen:
            return
        seen.add(node)
        for p, o in pyshacl_graph.predicate_objects(node):
            g.add((node, p, o))
            if isinstance(o, BNode):
                copy(o)

    for r in kept:
        g.add((report, SH.result, r))
        copy(r)
    return g
