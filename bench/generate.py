"""A seeded generator of synthetic registries in the project's own model (docs/model.md).

``generate(n_units, seed)`` writes one Turtle file (or N-Quads with one named
graph per item, ``fmt="nq"``) and returns its path. Content: competency
standards (``cb:CompetencyStandard``) with sectors, a developer and the GD
framework; functional areas (``cb:FunctionalArea``); units (``cb:Unit``) with
the 8-field template, a level of ``framework/gdleqf``, a credit value
(``unit/{CODE}/credit``) and a learning outcome (``unit/{CODE}/outcome/1``).
About 22 triples per unit. Referenced vocabulary IRIs (levels, sectors, credit
systems, dimensions, organisations) are those the shipped vocabularies define;
the file itself holds only standards, areas and units, so it can be loaded on
its own (benchmarks) or next to the shipped vocabularies.

Same ``(n_units, seed)`` → byte-identical file. Files are cached under
``bench/.data/`` unless ``out`` is given.

Command line: ``python -m bench.generate 10000 [--seed 1] [--format ttl|nq] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

BASE = "https://w3id.org/gdlecb/"
DATA_DIR = Path(__file__).resolve().parent / ".data"

UNITS_PER_AREA = 50  # spread over the 7 levels, serials 01..
AREAS_PER_STANDARD = 10
SECTORS = "ABCDEFGHIJKLMNOPQRST"  # GB/T 4754-2017 sections
DIMENSIONS = ("knowledge", "skills", "competence")
ORGS = ("gdou", "gdcp", "scut", "gdrta")
TOPICS_ZH = ("数据分析", "软件开发", "网络运维", "汽车检测", "物流管理", "电子商务", "护理服务", "烹饪工艺",
             "财务会计", "工业机器人", "建筑施工", "市场营销", "幼儿照护", "文物保护", "智能制造", "跨境贸易")
TOPICS_EN = ("data analysis", "software development", "network operations", "vehicle inspection",
             "logistics management", "e-commerce", "care services", "culinary craft", "financial accounting",
             "industrial robotics", "building construction", "marketing", "early childhood care",
             "heritage conservation", "smart manufacturing", "cross-border trade")

PREFIXES = """@prefix cb: <https://w3id.org/gdlecb/def/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix reg: <http://purl.org/linked-data/registry#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

"""


def _lit(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _std_code(i: int) -> str:
    return f"S{i:05d}"  # ^[A-Z][A-Z0-9]{1,7}$


def _area_code(j: int) -> str:
    return f"A{j:02d}"  # ^[A-Z][A-Z0-9]{1,3}$


def iter_items(n_units: int, seed: int = 1):
    """Yield ``(item IRI, Turtle block)`` for a registry of ``n_units`` units (deterministic for ``seed``)."""
    rnd = random.Random(seed)
    per_std = UNITS_PER_AREA * AREAS_PER_STANDARD
    n_std = max(1, -(-n_units // per_std))
    made = 0
    for i in range(n_std):
        code = _std_code(i + 1)
        std = f"{BASE}standard/{code}"
        t = rnd.randrange(len(TOPICS_ZH))
        sectors = sorted(set(rnd.sample(SECTORS, rnd.choice((1, 1, 2)))))
        year = 2018 + rnd.randrange(7)
        lines = [
            f"<{std}> a cb:CompetencyStandard ;",
            f'  skos:prefLabel {_lit(f"{TOPICS_ZH[t]}行业能力标准 {code}")}@zh , {_lit(f"{TOPICS_EN[t]} competency standard {code}")}@en ;',
            f"  skos:notation {_lit(code)} ;",
            f'  dcterms:description {_lit(f"合成的{TOPICS_ZH[t]}行业能力标准（基准测试数据）。")}@zh ;',
            f"  cb:framework <{BASE}framework/gdleqf> ;",
            "  cb:sector " + " , ".join(f"<{BASE}vocab/sector/{s}>" for s in sectors) + " ;",
            f"  cb:developer <{BASE}org/{rnd.choice(ORGS)}> ;",
            f'  dcterms:issued "{year}-0{1 + rnd.randrange(9)}-1{rnd.randrange(10)}"^^xsd:date ;',
            "  reg:status reg:statusStable .",
        ]
        for j in range(AREAS_PER_STANDARD):
            if made >= n_units:
                break
            acode = _area_code(j + 1)
            area = f"{std}/area/{acode}"
            lines += [
                f"<{area}> a cb:FunctionalArea ;",
                f'  skos:prefLabel {_lit(f"职能范畴 {acode}")}@zh , {_lit(f"Functional area {acode}")}@en ;',
                f"  skos:notation {_lit(acode)} ; cb:standard <{std}> ; cb:order {j + 1} .",
            ]
        yield std, "\n".join(lines) + "\n"
        for j in range(AREAS_PER_STANDARD):
            acode = _area_code(j + 1)
            area = f"{std}/area/{acode}"
            for k in range(UNITS_PER_AREA):
                if made >= n_units:
                    return
                level = 1 + rnd.randrange(7)
                ucode = f"{code}-{acode}-{level}{k + 1:02d}"
                unit = f"{BASE}unit/{ucode}"
                credits = rnd.choice(("0.5", "1", "1.5", "2", "3", "4", "6"))
                hours = int(float(credits) * 10)
                dim = DIMENSIONS[rnd.randrange(3)]
                block = (
                    f"<{unit}> a cb:Unit ;\n"
                    f'  skos:prefLabel {_lit(f"{TOPICS_ZH[t]}能力单元 {ucode}")}@zh , {_lit(f"{TOPICS_EN[t]} unit {ucode}")}@en ;\n'
                    f"  skos:notation {_lit(ucode)} ;\n"
                    f'  cb:range {_lit(f"适用于{TOPICS_ZH[t]}岗位的第{level}级工作情境。")}@zh ;\n'
                    f"  cb:level <{BASE}framework/gdleqf/level/{level}> ;\n"
                    f"  cb:creditValue <{unit}/credit> ;\n"
                    f'  cb:competencyStatement {_lit(f"能够在第{level}级要求下完成{TOPICS_ZH[t]}相关任务。")}@zh ;\n'
                    f'  cb:assessmentCriteria {_lit("能说明任务的要求和步骤。")}@zh , {_lit("能独立完成任务并检查结果。")}@zh ;\n'
                    f"  cb:learningOutcome <{unit}/outcome/1> ;\n"
                    f"  cb:functionalArea <{area}> ;\n"
                    f"  reg:status reg:statusStable ;\n"
                    f'  dcterms:issued "{year}-06-01"^^xsd:date .\n'
                    f"<{unit}/credit> a cb:CreditValue ; cb:creditSystem <{BASE}vocab/credit-system/gd-credit> ;\n"
                    f'  cb:creditAmount "{credits}"^^xsd:decimal ; cb:notionalHours "{hours}"^^xsd:decimal .\n'
                    f"<{unit}/outcome/1> a cb:LearningOutcome ;\n"
                    f'  skos:prefLabel {_lit(f"掌握{TOPICS_ZH[t]}第{level}级的核心方法。")}@zh ;\n'
                    f"  cb:dimension <{BASE}vocab/dimension/{dim}> .\n"
                )
                made += 1
                yield unit, block


def generate(n_units: int, seed: int = 1, *, fmt: str = "ttl", out: str | Path | None = None) -> Path:
    """Write a synthetic registry of ``n_units`` units; returns the file path (cached when ``out`` is None)."""
    if fmt not in ("ttl", "nq"):
        raise ValueError("fmt must be 'ttl' or 'nq'")
    path = Path(out) if out else DATA_DIR / f"synthetic-{n_units}-s{seed}.{fmt}"
    if out is None and path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    if fmt == "ttl":
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(PREFIXES)
            for _, block in iter_items(n_units, seed):
                f.write(block)
    else:
        import pyoxigraph as ox

        with open(tmp, "wb") as f:
            for item, block in iter_items(n_units, seed):
                g = ox.NamedNode(item)
                quads = (ox.Quad(t.subject, t.predicate, t.object, g)
                         for t in ox.parse(PREFIXES + block, format=ox.RdfFormat.TURTLE))
                ox.serialize(quads, f, ox.RdfFormat.N_QUADS)
    tmp.replace(path)
    return path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("units", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=("ttl", "nq"), default="ttl")
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    print(generate(a.units, a.seed, fmt=a.format, out=a.out))


if __name__ == "__main__":
    main()
