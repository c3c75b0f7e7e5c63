"""The unit CSV template: one row per unit, converted to the Turtle a person would write.

Columns are named after the unit template (docs/workflow.md, "CSV template");
a header cell may be the full ``名称/title`` form, its Chinese part or its English
part. Cells with several values (assessment criteria, learning outcomes, remarks)
separate them with ``|`` (a vertical bar; spaces around it are ignored). Quotes,
commas and line breaks inside cells follow RFC 4180 (Python's csv module); a
UTF-8 byte-order mark (Excel's "CSV UTF-8") is accepted. A cell holds at most
``REGISTRY_CSV_MAX_CELL_CHARS`` characters (default 100,000; a unit's longest field is a
few thousand): a longer one is refused naming its row and column.

The standard and the functional area are derived from the unit code
(``ICT-SD-301`` → standard ``ICT``, area ``SD``): both must already be published.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from ..errors import InvalidInput
from ..namespaces import BASE, CB, PREFIXES, REG

SEPARATOR = "|"
#: the default of ``REGISTRY_CSV_MAX_CELL_CHARS``
MAX_CELL_CHARS = 100_000
#: a credit system cell: a code of the shipped credit-system list, or an absolute IRI
CREDIT_SYSTEM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`\x00-\x1f]+$")
UNIT_CODE = re.compile(r"^([A-Z][A-Z0-9]{1,7})-([A-Z][A-Z0-9]{1,3})-([1-7])[0-9]{2}$")

#: (key, header, required, multi)
COLUMNS = [
    ("code", "编号/code", True, False),
    ("title", "名称/title", True, False),
    ("title_en", "英文名称/title (en)", False, False),
    ("area", "职能范畴/functional area", False, False),
    ("range", "应用范围/range", True, False),
    ("range_en", "英文应用范围/range (en)", False, False),
    ("level", "级别/level", True, False),
    ("credit", "学分/credit", True, False),
    ("credit_system", "学分制度/credit system", False, False),
    ("hours", "学时/notional hours", False, False),
    ("competency", "能力说明/competency statement", True, False),
    ("competency_en", "英文能力说明/competency statement (en)", False, False),
    ("outcomes", "学习成果/learning outcomes", True, True),
    ("outcomes_en", "英文学习成果/learning outcomes (en)", False, True),
    ("criteria", "评价标准/assessment criteria", True, True),
    ("criteria_en", "英文评价标准/assessment criteria (en)", False, True),
    ("remarks", "备注/remarks", False, True),
    ("remarks_en", "英文备注/remarks (en)", False, True),
    ("issued", "发布日期/issued", False, False),
]
HEADERS = [c[1] for c in COLUMNS]


class CsvError(InvalidInput):
    """Problems found in a CSV file; ``errors`` (also in ``details``) lists them (row, column, message zh/en)."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        first = errors[0]
        super().__init__(f"CSV 有 {len(errors)} 处错误，第一处：{first['zh']}",
                         f"the CSV has {len(errors)} error(s); first: {first['en']}", errors=errors)


def _header_key(cell: str) -> str | None:
    norm = cell.strip().lower()
    for key, header, *_ in COLUMNS:
        zh, _, en = header.partition("/")
        if norm in (header.lower(), zh.lower(), en.lower(), key):
            return key
    return None


def _split(cell: str) -> list[str]:
    return [p.strip() for p in cell.split(SEPARATOR) if p.strip()]


def max_cell_chars() -> int:
    try:
        from ..config import Settings

        return int(getattr(Settings(), "csv_max_cell_chars", MAX_CELL_CHARS))
    except Exception:
        return MAX_CELL_CHARS


def read_rows(data: bytes | str, max_cell: int | None = None) -> list[tuple[int, dict]]:
    """``[(line number, {column key: cell})]``; raises :class:`CsvError` on unknown or missing columns
    and on cells longer than ``max_cell`` characters (default ``REGISTRY_CSV_MAX_CELL_CHARS``)."""
    max_cell = max_cell_chars() if max_cell is None else max_cell
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise CsvError([{"row": None, "column": None, "zh": f"CSV 不是 UTF-8 编码（字节 {e.start}）",
                             "en": f"the CSV is not UTF-8 (byte {e.start}); save it as “CSV UTF-8”"}]) from None
    else:
        text = data.lstrip("\ufeff")
    # Python's csv refuses fields over its process-wide field_size_limit (131,072) with an error that
    # names neither row nor column: lift it to what this text can hold (the body size is already
    # bounded) and check cell sizes below, where row and column are known
    if csv.field_size_limit() <= len(text):
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError([{"row": 1, "column": None, "zh": "CSV 为空", "en": "the CSV is empty"}]) from None
    keys = []
    errors = []
    for i, cell in enumerate(header, 1):
        if len(cell) > 200:
            errors.append({"row": 1, "column": i, "zh": f"第 1 行第 {i} 列：列名过长（{len(cell)} 个字符）",
                           "en": f"row 1, column {i}: the column name is too long ({len(cell)} characters)"})
            keys.append(None)
            continue
        k = _header_key(cell)
        if k is None and cell.strip():
            errors.append({"row": 1, "column": cell, "zh": f"第 1 行第 {i} 列：未知列名 “{cell}”",
                           "en": f"row 1, column {i}: unknown column “{cell}” (see docs/examples/units-template.csv)"})
        keys.append(k)
    present = set(keys)
    for key, hdr, required, _ in COLUMNS:
        if required and key not in present:
            errors.append({"row": 1, "column": hdr, "zh": f"缺少必需的列 “{hdr}”", "en": f"missing required column “{hdr}”"})
    if errors:
        raise CsvError(errors)
    rows = []
    for line, record in enumerate(reader, 2):  # spreadsheet row numbers (the header is row 1)
        if not any(c.strip() for c in record):
            continue
        if len(record) > len(keys):
            errors.append({"row": line, "column": None, "zh": f"第 {line} 行的单元格多于列名",
                           "en": f"row {line} has more cells than the header (an unquoted comma?)"})
            continue
        too_long = [(i, k) for i, (k, v) in enumerate(zip(keys, record), 1) if len(v) > max_cell]
        for i, k in too_long:
            hdr = header[i - 1]
            errors.append({"row": line, "column": hdr, "zh": f"第 {line} 行第 {i} 列 “{hdr}”：单元格有 {len(record[i - 1])} 个字符，"
                                                            f"超过上限 {max_cell}",
                           "en": f"row {line}, column {i} “{hdr}”: the cell has {len(record[i - 1])} characters, "
                                 f"more than the limit of {max_cell}"})
        if too_long:
            continue
        rows.append((line, {k: v for k, v in zip(keys, record) if k}))
    if errors:
        raise CsvError(errors)
    return rows


def _decimal(text: str) -> Literal:
    """An xsd:decimal as Turtle writes it (``3`` → ``3.0``, ``2.50`` stays as typed)."""
    lex = str(Decimal(text))
    if "." not in lex:
        lex += ".0"
    return Literal(lex, datatype=XSD.decimal, normalize=False)


def csv_to_graph(data: bytes | str, base: str = BASE) -> Graph:
    """The units of a CSV file as an rdflib graph (raises :class:`CsvError` naming row and column)."""
    g = Graph()
    for p, iri in PREFIXES.items():
        g.bind(p, iri)
    ns = Namespace(base)
    errors = []
    cols = {key: (hdr, required, multi) for key, hdr, required, multi in COLUMNS}

    def err(line, key, zh, en):
        errors.append({"row": line, "column": cols[key][0], "zh": f"第 {line} 行 “{cols[key][0]}”：{zh}",
                       "en": f"row {line}, column “{cols[key][0]}”: {en}"})

    for line, row in read_rows(data):
        for key, (hdr, required, _) in cols.items():
            if required and not row.get(key, "").strip():
                err(line, key, "不能为空", "must not be empty")
        code = row.get("code", "").strip()
        m = UNIT_CODE.match(code)
        if code and not m:
            err(line, "code", f"编号 {code} 不符合 标准代码-职能代码-级别+序号（如 ICT-SD-301）",
                f"code {code} does not match STANDARD-AREA-LSS (e.g. ICT-SD-301)")
        if not m:
            continue
        std, area_code, level_digit = m.groups()
        area = row.get("area", "").strip() or area_code
        if area != area_code:
            err(line, "area", f"职能范畴 {area} 与编号中的 {area_code} 不一致", f"area {area} differs from {area_code} in the code")
        level = row.get("level", "").strip()
        if level and level not in "1234567":
            err(line, "level", f"级别应为 1–7，而不是 {level}", f"level must be 1–7, not {level}")
        elif level and level != level_digit:
            err(line, "level", f"级别 {level} 与编号中的级别 {level_digit} 不一致",
                f"level {level} differs from the level digit {level_digit} in the code")
        system = row.get("credit_system", "").strip()
        if system and not (CREDIT_SYSTEM_CODE.match(system) or ABSOLUTE_IRI.match(system)):
            err(line, "credit_system", f"学分制度应为代码（如 gd-credit）或完整的 IRI，而不是 “{system}”",
                f"the credit system must be a code (e.g. gd-credit) or a full IRI, not “{system}”")
        credit = row.get("credit", "").strip()
        hours = row.get("hours", "").strip()
        for key, value, minimum in (("credit", credit, "positive"), ("hours", hours, "zero")):
            if value:
                try:
                    d = Decimal(value)
                    if d < 0 or (minimum == "positive" and d == 0):
                        raise InvalidOperation
                except InvalidOperation:
                    err(line, key, f"应为{'正数' if minimum == 'positive' else '非负数'}：{value}",
                        f"must be a {'positive' if minimum == 'positive' else 'non-negative'} number: {value}")
        outcomes, outcomes_en = _split(row.get("outcomes", "")), _split(row.get("outcomes_en", ""))
        if outcomes_en and len(outcomes_en) != len(outcomes):
            err(line, "outcomes_en", f"英文学习成果有 {len(outcomes_en)} 条，中文有 {len(outcomes)} 条",
                f"{len(outcomes_en)} English learning outcomes for {len(outcomes)} Chinese ones")
        if errors and errors[-1]["row"] == line:
            continue

        unit = ns[f"unit/{code}"]
        g.add((unit, RDF.type, CB.Unit))
        g.add((unit, SKOS.notation, Literal(code)))
        g.add((unit, SKOS.prefLabel, Literal(row["title"].strip(), lang="zh")))
        if row.get("title_en", "").strip():
            g.add((unit, SKOS.prefLabel, Literal(row["title_en"].strip(), lang="en")))
        g.add((unit, CB.functionalArea, ns[f"standard/{std}/area/{area}"]))
        for key, prop in (("range", CB.range), ("competency", CB.competencyStatement)):
            g.add((unit, prop, Literal(row[key].strip(), lang="zh")))
            if row.get(key + "_en", "").strip():
                g.add((unit, prop, Literal(row[key + "_en"].strip(), lang="en")))
        g.add((unit, CB.level, ns[f"framework/gdleqf/level/{level}"]))
        cv = BNode()
        g.add((unit, CB.creditValue, cv))
        g.add((cv, RDF.type, CB.CreditValue))
        system = row.get("credit_system", "").strip() or "gd-credit"
        g.add((cv, CB.creditSystem, URIRef(system) if ":" in system else ns[f"vocab/credit-system/{system}"]))
        g.add((cv, CB.creditAmount, _decimal(credit)))
        if hours:
            g.add((cv, CB.notionalHours, _decimal(hours)))
        for key, prop in (("criteria", CB.assessmentCriteria), ("remarks", CB.remarks)):
            for v in _split(row.get(key, "")):
                g.add((unit, prop, Literal(v, lang="zh")))
            for v in _split(row.get(key + "_en", "")):
                g.add((unit, prop, Literal(v, lang="en")))
        for n, text in enumerate(outcomes, 1):
            lo = ns[f"unit/{code}/outcome/{n}"]
            g.add((unit, CB.learningOutcome, lo))
            g.add((lo, RDF.type, CB.LearningOutcome))
            g.add((lo, SKOS.prefLabel, Literal(text, lang="zh")))
            if outcomes_en:
                g.add((lo, SKOS.prefLabel, Literal(outcomes_en[n - 1], lang="en")))
        issued = row.get("issued", "").strip()
        if issued:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", issued):
                g.add((unit, DCTERMS.issued, Literal(issued, datatype=XSD.date)))
            else:
                err(line, "issued", f"日期格式应为 YYYY-MM-DD：{issued}", f"date must be YYYY-MM-DD: {issued}")
        g.add((unit, REG.status, REG.statusSubmitted))
    if errors:
        raise CsvError(errors)
    return g


def csv_to_turtle(data: bytes | str, base: str = BASE) -> str:
    """Turtle for the units of a CSV file."""
    g = csv_to_graph(data, base)
    if len(g) == 0:
        raise CsvError([{"row": None, "column": None, "zh": "CSV 中没有任何单元（只有表头）",
                         "en": "the CSV has no units (only a header)"}])
    return g.serialize(format="turtle")
