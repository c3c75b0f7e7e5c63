"""What a status change touches: the transfer rules and qualifications that reference an item.

Used when a registrar retires or supersedes an item (``registry/workflow/service.py``): the answer
names every rule that takes the item as a source or a target, and every qualification whose
requirements name it (directly, or through the functional area or standard a unit belongs to, or as
one of its courses). One SPARQL query each, over the public union graph.
"""

from __future__ import annotations

from .graph import PREFIXES, pick

_RULES = """SELECT DISTINCT ?r ?code ?l ?role WHERE {
  VALUES (?p ?role) { (cb:fromAchievement "source") (cb:fromUnit "source") (cb:toUnit "target") (cb:toComponent "target") }
  ?r ?p <ITEM> ; a cb:TransferRule .
  OPTIONAL { ?r skos:notation ?code } OPTIONAL { ?r skos:prefLabel ?l } }"""

_QUALS = """SELECT DISTINCT ?q ?code ?l ?how WHERE {
  { ?q a cb:Qualification ; cb:requirement/cb:part* ?n . ?n cb:requiredUnit|cb:option|cb:fromStandard|cb:fromArea <ITEM> .
    BIND("requirement" AS ?how) }
  UNION { <ITEM> cb:functionalArea ?a . ?q a cb:Qualification ; cb:requirement/cb:part* ?n .
          { ?n cb:fromArea ?a } UNION { ?a cb:standard ?s . ?n cb:fromStandard ?s } BIND("set" AS ?how) }
  UNION { <ITEM> cb:componentOf ?q . ?q a cb:Qualification . BIND("component" AS ?how) }
  UNION { ?q a cb:Qualification ; cb:awardingBody <ITEM> . BIND("awarding-body" AS ?how) }
  OPTIONAL { ?q skos:notation ?code } OPTIONAL { ?q skos:prefLabel ?l } }"""


def _collect(rows, key: str) -> list[dict]:
    out: dict[str, dict] = {}
    for iri, code, label, how in rows:
        e = out.setdefault(iri.value, {"iri": iri.value, "code": code.value if code is not None else "",
                                       "labels": {}, key: set()})
        if label is not None:
            e["labels"].setdefault((label.language or "").split("-")[0], label.value)
        e[key].add(how.value)
    return [dict(e, label={"zh": pick(e["labels"], "zh") or e["iri"], "en": pick(e["labels"], "en") or e["iri"]},
                 **{key: sorted(e[key])}) for e in (out[k] for k in sorted(out))]


def affected_by(store, item: str) -> dict:
    """``{"rules": [{iri, code, label: {zh, en}, roles: [source|target]}], "qualifications": [{iri, code,
    label, via: [requirement|set|component|awarding-body]}]}`` for ``item`` (an IRI already checked)."""
    rules = _collect(store.query(PREFIXES + _RULES.replace("ITEM", item)), "roles")
    quals = _collect(store.query(PREFIXES + _QUALS.replace("ITEM", item)), "via")
    for e in rules + quals:
        e.pop("labels", None)
    for e in quals:
        e["via"] = e.pop("via")
    return {"rules": rules, "qualifications": quals}


def describe_affected(affects: dict, lang: str = "en") -> list[str]:
    """One line per affected rule and qualification (the CLI's text)."""
    lines = []
    for r in affects.get("rules", []):
        lines.append(f"  rule / 规则 {r['code'] or '-'}\t{r['label'][lang]}\t{r['iri']}\t({', '.join(r['roles'])})")
    for q in affects.get("qualifications", []):
        lines.append(f"  qualification / 资历 {q['code'] or '-'}\t{q['label'][lang]}\t{q['iri']}\t({', '.join(q['via'])})")
    return lines
