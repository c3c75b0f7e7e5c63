"""The transfer service: check a request, evaluate it, render the answer (JSON or a PROV graph).

The web route and the CLI both call :func:`evaluate_request`; nothing about the learner is stored or
logged (the request lives only in the call).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from ..errors import InvalidInput
from .engine import HeldAchievement, Record, evaluate
from .graph import TransferGraph

REQUEST_KEYS = {"achievements", "units", "target", "at", "lang"}
ACHIEVEMENT_KEYS = {"id", "date", "grade", "expires"}
MAX_ACHIEVEMENTS = 1000
MAX_UNITS = 5000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class TransferInputError(InvalidInput):
    """A request the service refuses (422); ``field`` names the offending part (e.g. ``achievements[2].date``)."""

    def __init__(self, field: str, zh: str, en: str):
        super().__init__(zh, en, field=field)
        self.field = field

    def __str__(self) -> str:  # the CLI's one-line message
        return f"{self.field}: {self.en}"


def parse_date(value, field: str, *, required: bool) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise TransferInputError(field, f"缺少日期（{field}），请写成 YYYY-MM-DD。", f"The date ({field}) is missing; write YYYY-MM-DD.")
        return None
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise TransferInputError(field, f"日期（{field}）格式不对，请写成 YYYY-MM-DD，例如 2025-06-30。",
                                 f"The date ({field}) is malformed; write YYYY-MM-DD, e.g. 2025-06-30.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise TransferInputError(field, f"日期（{field}）不存在：{value}。", f"The date ({field}) does not exist: {value}.") from None


def parse_request(body, g: TransferGraph) -> tuple[Record, str | None, dt.date | None, str]:
    """Check a request body (already decoded JSON) against the registry; raise :class:`TransferInputError`."""
    if not isinstance(body, dict):
        raise TransferInputError("body", "请求体必须是 JSON 对象。", "The request body must be a JSON object.")
    unknown = sorted(set(body) - REQUEST_KEYS)
    if unknown:
        raise TransferInputError(unknown[0], f"未知字段：{', '.join(unknown)}（可用：{', '.join(sorted(REQUEST_KEYS))}）。",
                                 f"Unknown field(s): {', '.join(unknown)} (allowed: {', '.join(sorted(REQUEST_KEYS))}).")
    lang = body.get("lang") or "zh"
    if lang not in ("zh", "en"):
        raise TransferInputError("lang", "语言（lang）必须是 zh 或 en。", "The language (lang) must be zh or en.")
    achievements = body.get("achievements") or []
    if not isinstance(achievements, list):
        raise TransferInputError("achievements", "achievements 必须是列表。", "achievements must be a list.")
    if len(achievements) > MAX_ACHIEVEMENTS:
        raise TransferInputError("achievements", f"成果最多 {MAX_ACHIEVEMENTS} 项。", f"At most {MAX_ACHIEVEMENTS} achievements.")
    held = []
    for i, a in enumerate(achievements):
        f = f"achievements[{i}]"
        if not isinstance(a, dict):
            raise TransferInputError(f, f"{f} 必须是对象 {{\"id\": …, \"date\": …}}。", f"{f} must be an object {{\"id\": …, \"date\": …}}.")
        extra = sorted(set(a) - ACHIEVEMENT_KEYS)
        if extra:
            raise TransferInputError(f"{f}.{extra[0]}", f"{f} 含未知字段：{', '.join(extra)}。", f"{f} has unknown field(s): {', '.join(extra)}.")
        iri = a.get("id")
        if not isinstance(iri, str) or iri not in g.achievements:
            raise TransferInputError(f"{f}.id", f"{f}.id 不是注册库中已登记的资历成果：{iri!r}。",
                                     f"{f}.id is not a registered learning achievement: {iri!r}.")
        grade = a.get("grade")
        if grade is not None and not isinstance(grade, (str, int, float)) or isinstance(grade, bool):
            raise TransferInputError(f"{f}.grade", f"{f}.grade 必须是分数或等级文字。", f"{f}.grade must be a score or a grade.")
        if isinstance(grade, str) and len(grade) > 20:
            raise TransferInputError(f"{f}.grade", f"{f}.grade 过长。", f"{f}.grade is too long.")
        held.append(HeldAchievement(iri, parse_date(a.get("date"), f"{f}.date", required=True),
                                    None if grade is None or grade == "" else str(grade),
                                    parse_date(a.get("expires"), f"{f}.expires", required=False)))
    units = body.get("units") or []
    if not isinstance(units, list):
        raise TransferInputError("units", "units 必须是 IRI 列表。", "units must be a list of IRIs.")
    if len(units) > MAX_UNITS:
        raise TransferInputError("units", f"单元最多 {MAX_UNITS} 个。", f"At most {MAX_UNITS} units.")
    extra = g.lookup_units([u for u in units if isinstance(u, str) and u not in g.targets])
    for i, u in enumerate(units):
        if not isinstance(u, str) or (u not in g.targets and u not in extra):
            raise TransferInputError(f"units[{i}]", f"units[{i}] 不是注册库中已登记的单元或课程：{u!r}。",
                                     f"units[{i}] is not a registered unit or course: {u!r}.")
    target = body.get("target")
    if target is not None and (not isinstance(target, str) or target not in g.qualifications):
        raise TransferInputError("target", f"target 不是注册库中已登记的资历：{target!r}。",
                                 f"target is not a registered qualification: {target!r}.")
    at = parse_date(body.get("at"), "at", required=False)
    return Record(held, sorted(set(units)), extra), target, at, lang


def evaluate_request(body, g: TransferGraph) -> dict:
    record, target, at, lang = parse_request(body, g)
    return evaluate(g, record, target=target, at=at, lang=lang)


def parse_json_text(text: str | bytes):
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise TransferInputError("body", f"请求体不是有效的 JSON：{e}", f"The request body is not valid JSON: {e}") from None


# -- CSV records ------------------------------------------------------------------------------------

def record_from_csv(text: str, *, learner_column: bool = False) -> dict[str, dict]:
    """``achievement,date,grade`` rows (optional ``expires``; with ``learner_column`` a ``learner`` column
    first) → ``{learner: request body}`` (learner "" without the column). Unit IRIs may be given in the
    achievement column too (they go to ``units``)."""
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    need = (["learner"] if learner_column else []) + ["achievement", "date"]
    if fields[: len(need)] != need:
        raise TransferInputError("csv", f"CSV 的表头必须以 {','.join(need)} 开头（可选 grade、expires）。",
                                 f"The CSV header must start with {','.join(need)} (optional grade, expires).")
    out: dict[str, dict] = {}
    for n, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        who = row.get("learner", "") if learner_column else ""
        body = out.setdefault(who, {"achievements": [], "units": []})
        iri = row.get("achievement", "")
        if "/unit/" in iri or "/component/" in iri:
            body["units"].append(iri)
            continue
        a = {"id": iri, "date": row.get("date", "")}
        if row.get("grade"):
            a["grade"] = row["grade"]
        if row.get("expires"):
            a["expires"] = row["expires"]
        body["achievements"].append(a)
    return out


# -- PROV graph -----------------------------------------------------------------------------------

def result_graph(result: dict, request_id: str = "urn:gdlecb:transfer-evaluation") -> list:
    """The answer as a PROV-based graph (pyoxigraph triples): the evaluation is a prov:Activity that
    used the rules (versions) and generated one recognition entity per unit or course."""
    import pyoxigraph as ox

    from ..namespaces import CB, PROV, RDF, RDFS, XSD

    N, L = ox.NamedNode, ox.Literal
    act = N(request_id)
    t = [ox.Triple(act, N(str(RDF.type)), N(str(PROV.Activity))),
         ox.Triple(act, N(str(PROV.endedAtTime)), L(result["at"], datatype=N(str(XSD.date)))),
         ox.Triple(act, N(str(RDFS.label)), L("学分转换评估", language="zh")),
         ox.Triple(act, N(str(RDFS.label)), L("Credit transfer evaluation", language="en"))]
    for i, e in enumerate(result["recognised"]):
        ent = N(f"{request_id}/recognised/{i + 1}")
        t += [ox.Triple(ent, N(str(RDF.type)), N(str(PROV.Entity))),
              ox.Triple(ent, N(str(PROV.wasGeneratedBy)), act),
              ox.Triple(ent, N(str(PROV.specializationOf)), N(e["unit"]))]
        for r in e["rules"]:
            t += [ox.Triple(ent, N(str(PROV.wasDerivedFrom)), N(r)), ox.Triple(act, N(str(PROV.used)), N(r))]
        for j, c in enumerate(e["credits"]):
            cv = ox.BlankNode()
            t += [ox.Triple(ent, N(str(CB.creditValue)), cv), ox.Triple(cv, N(str(RDF.type)), N(str(CB.CreditValue))),
                  ox.Triple(cv, N(str(CB.creditSystem)), N(c["system"])),
                  ox.Triple(cv, N(str(CB.creditAmount)), L(str(c["amount"]), datatype=N(str(XSD.decimal))))]
    for i, na in enumerate(result["not_applied"]):
        inv = N(f"{request_id}/not-applied/{i + 1}")
        t += [ox.Triple(inv, N(str(RDF.type)), N(str(PROV.Entity))), ox.Triple(inv, N(str(PROV.wasGeneratedBy)), act),
              ox.Triple(inv, N(str(PROV.wasDerivedFrom)), N(na["rule"]))]
        for r in na["reasons"]:
            t += [ox.Triple(inv, N(str(RDFS.comment)), L(r["zh"], language="zh")),
                  ox.Triple(inv, N(str(RDFS.comment)), L(r["en"], language="en"))]
    if result.get("target"):
        tg = result["target"]
        t.append(ox.Triple(act, N(str(PROV.used)), N(tg["qualification"])))
    return t


def serialize_result(result: dict, fmt: str) -> bytes:
    """``fmt``: "turtle" or "jsonld"."""
    import pyoxigraph as ox

    from ..namespaces import PREFIXES

    triples = result_graph(result)
    rdf_format = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.JSON_LD
    kw = {"prefixes": {k: PREFIXES[k] for k in ("cb", "prov", "rdfs", "xsd")}} if fmt == "turtle" else {}
    return ox.serialize(triples, format=rdf_format, **kw)
