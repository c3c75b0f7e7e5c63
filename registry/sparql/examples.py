"""Example queries about this registry, shown on the query page (and tested to run)."""

from __future__ import annotations

from ..namespaces import GDLEQF

_P = """PREFIX cb: <https://w3id.org/gdlecb/def/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

EXAMPLES: list[dict[str, str]] = [
    {
        "id": "units-by-level",
        "zh": "各级别的能力单元数",
        "en": "Units per framework level",
        "query": _P + f"""SELECT ?level ?notation (COUNT(?unit) AS ?units) WHERE {{
  ?unit a cb:Unit ; cb:level ?level .
  ?level skos:notation ?notation ; skos:inScheme <{GDLEQF}> .
}} GROUP BY ?level ?notation ORDER BY ?notation""",
    },
    {
        "id": "units-of-level",
        "zh": "第3级的能力单元（按编号，分页）",
        "en": "Units of level 3, by code (paged)",
        "query": _P + f"""SELECT ?unit ?code ?label WHERE {{
  ?unit a cb:Unit ; cb:level <{GDLEQF}/level/3> ; skos:notation ?code ; skos:prefLabel ?label .
  FILTER(lang(?label) = "zh")
}} ORDER BY ?code LIMIT 50 OFFSET 0""",
    },
    {
        "id": "unit-outcomes",
        "zh": "某能力单元的学习成果",
        "en": "Learning outcomes of a unit",
        "query": _P + """SELECT ?code ?outcome ?text WHERE {
  ?unit a cb:Unit ; skos:notation ?code ; cb:learningOutcome ?outcome .
  ?outcome skos:prefLabel ?text .
} ORDER BY ?code LIMIT 20""",
    },
    {
        "id": "credits-per-sector",
        "zh": "各行业、各学分制度的单元数与学分合计",
        "en": "Units and credits per sector and credit system",
        # credits of different systems are never added together; each unit counts once per sector
        "query": _P + """SELECT ?sector ?creditSystem (COUNT(?unit) AS ?units) (SUM(?credits) AS ?totalCredits) WHERE {
  SELECT DISTINCT ?sector ?creditSystem ?unit ?credits WHERE {
    ?unit a cb:Unit ; cb:functionalArea/cb:standard/cb:sector ?sector ;
          cb:creditValue [ cb:creditSystem ?creditSystem ; cb:creditAmount ?credits ] .
  }
} GROUP BY ?sector ?creditSystem ORDER BY ?sector ?creditSystem""",
    },
    {
        "id": "standards-per-sector",
        "zh": "各行业的能力标准",
        "en": "Competency standards per sector",
        "query": _P + """SELECT ?sector ?sectorLabel (COUNT(?std) AS ?standards) WHERE {
  ?std a cb:CompetencyStandard ; cb:sector ?sector .
  OPTIONAL { ?sector skos:prefLabel ?sectorLabel FILTER(lang(?sectorLabel) = "en") }
} GROUP BY ?sector ?sectorLabel ORDER BY ?sector""",
    },
    {
        "id": "items-by-class",
        "zh": "注册项（命名图）按类别统计",
        "en": "Registered items (named graphs) per class",
        "query": """SELECT ?class (COUNT(DISTINCT ?g) AS ?items) WHERE {
  GRAPH ?g { ?g a ?class }
} GROUP BY ?class ORDER BY DESC(?items)""",
    },
    {
        "id": "unit-description",
        "zh": "一个能力单元的全部陈述",
        "en": "Everything about one unit",
        "query": """DESCRIBE ?unit WHERE { ?unit a <https://w3id.org/gdlecb/def/Unit> } LIMIT 1""",
    },
]
