"""Checking a submission without storing it: parsing, splitting into items, namespace
ownership and admin-only items, registry checks (references resolve, codes unique,
unchanged items, items that may no longer change) and the SHACL shapes.

``analyse(store, settings, body, media_type, user, db)`` is the one code path used by both
``POST /api/validate`` (dry run) and ``POST /api/submissions``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import HTTP_STATUS, Kind
from ..items import ROOT_CLASSES, ItemSplitError, item_roots, split_items
from ..namespaces import CB
from ..validation import RdfSyntaxError, default_validator, parse_rdf
from . import rdf
from .auth import User
from .csvconv import CsvError, csv_to_turtle
from .state import StateDB

OWL_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"
CONCEPT_SCHEME = rdf.SKOS + "ConceptScheme"
ADMIN_ONLY = {OWL_ONTOLOGY, CONCEPT_SCHEME, str(CB.QualificationsFramework)}
REGISTRAR_ONLY = {str(CB.Organisation)}
#: units validated per pyshacl run (see _shacl)
SHACL_BATCH = 50
FINAL_STATUSES = {rdf.STATUSES["superseded"], rdf.STATUSES["retired"]}
#: percent-encoded octets that RFC 3986 normalisation would decode (unreserved characters, §6.2.2.2)
#: and "/" (which the server decodes in paths): an IRI carrying one names another path in disguise
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/\\")


def msg(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


@dataclass
class ItemReport:
    item: str
    type: str | None
    content: list = field(default_factory=list)  # normalised triples (status submitted)
    results: list = field(default_factory=list)
    unchanged: bool = False
    code: str | None = None
    exists: bool = False
    subjects: list = field(default_factory=list)  # IRI subjects of the item graph (review shows them)

    @property
    def conforms(self) -> bool:
        return not any(r["severity"] == "violation" for r in self.results)

    def add(self, kind: str, zh: str, en: str, *, severity: str = "violation", focus: str | None = None,
            path: str | None = None, source: str = "registry") -> None:
        self.results.append({"severity": severity, "kind": kind, "focus": focus or self.item, "path": path,
                             "message": msg(zh, en), "source": source})

    def to_dict(self) -> dict:
        return {"item": self.item, "type": self.type, "code": self.code, "new": not self.exists,
                "unchanged": self.unchanged, "conforms": self.conforms, "subjects": self.subjects,
                "results": self.results}


@dataclass
class Analysis:
    """The outcome of checking one submission; ``kind`` (a :class:`~registry.errors.Kind`) says
    why it is refused, None when it conforms."""

    items: dict[str, ItemReport] = field(default_factory=dict)
    results: list = field(default_factory=list)  # not tied to an item (syntax errors…)
    kind: str | None = None

    @property
    def conforms(self) -> bool:
        return self.kind is None

    @property
    def status(self) -> int:
        """The HTTP status of the outcome (200 when it conforms)."""
        return 200 if self.kind is None else HTTP_STATUS[self.kind]

    def refuse(self, kind: str) -> None:
        """Refused for ``kind``; of several reasons the one with the highest status is reported."""
        if self.kind is None or HTTP_STATUS[kind] > HTTP_STATUS[self.kind]:
            self.kind = kind

    def fail(self, kind: str, result: str, zh: str, en: str, **extra) -> None:
        """A violation not tied to an item (``result``: the result's kind, e.g. ``syntax``)."""
        self.results.append({"severity": "violation", "kind": result, "message": msg(zh, en), **extra})
        self.refuse(kind)

    def to_dict(self) -> dict:
        counts = {"items": len(self.items),
                  "violations": sum(1 for r in self.all_results() if r["severity"] == "violation"),
                  "warnings": sum(1 for r in self.all_results() if r["severity"] == "warning")}
        return {"conforms": self.conforms, "counts": counts, "results": self.results,
                "items": [i.to_dict() for i in self.items.values()]}

    def all_results(self):
        yield from self.results
        for i in self.items.values():
            yield from i.results


def _parse(body: bytes, media_type: str, an: Analysis) -> list[ox.Triple] | None:
    mt = media_type.split(";")[0].strip().lower()
    if mt == "text/csv":
        try:
            body = csv_to_turtle(body).encode("utf-8")
        except CsvError as e:
            an.fail(e.kind, "csv", e.zh, e.en, errors=e.errors)
            return None
        mt = "text/turtle"
    fmt = rdf.MEDIA_TYPES.get(mt)
    if fmt is None:
        an.fail(Kind.UNSUPPORTED_MEDIA_TYPE, "media-type", f"不支持的内容类型 {mt}：请发送 text/turtle、application/ld+json 或 text/csv",
                f"unsupported content type {mt}: send text/turtle, application/ld+json or text/csv")
        return None
    try:
        triples = list(parse_rdf(body, source="submission", fmt=mt))  # the shared parser (line:column messages)
    except (RdfSyntaxError, SyntaxError, ValueError) as e:
        an.fail(Kind.INVALID, "syntax", f"RDF 语法错误：{e}", f"RDF syntax error: {e}")
        return None
    triples = [t.triple if isinstance(t, ox.Quad) else t for t in triples]
    if not triples:
        an.fail(Kind.INVALID, "empty", "提交内容为空：没有任何三元组", "the submission is empty: no triples")
        return None
    return rdf.rename_blank_nodes(triples)


def _types_in_store(store, iris: list[str]) -> dict[str, set[str]]:
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    rows = store.select(f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}")
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["s"].value, set()).add(r["t"].value)
    return out


def _matching(store, iris: list[str], pattern: str) -> set[str]:
    """Which of ``iris``, bound to ``?x`` in turn (200 at a time), match the SPARQL ``pattern``."""
    found: set[str] = set()
    for i in range(0, len(iris), 200):
        values = " ".join(f"<{x}>" for x in iris[i:i + 200])
        rows = store.select(f"SELECT DISTINCT ?x WHERE {{ VALUES ?x {{ {values} }} {pattern} }}")
        found |= {r["x"].value for r in rows}
    return found


def existing_graphs(store, iris: list[str]) -> set[str]:
    """Which of ``iris`` name a graph in the store (published items)."""
    return _matching(store, iris, "GRAPH ?x { ?s ?p ?o }")


def _existing(store, iris: list[str]) -> set[str]:
    """Which of ``iris`` are described in the public registry."""
    return _matching(store, iris, "?x ?p ?o")


def iri_problem(iri: str) -> tuple[str, str] | None:
    """Why ``iri`` is not in normal form (RFC 3986 §6.2.2), as ``(zh, en)``, or ``None``.

    Submitted subject and item IRIs are checked *as written*: an IRI with dot-segments
    (``…/unit/ICT-X/../AUTO-SD-391``) or percent-encoded unreserved characters
    (``%2E%2E``, ``%41``) would pass a namespace check on its text and then name another
    organisation's item once a client or server normalises it. Such IRIs are refused
    rather than normalised, so what an author submits is exactly what is published.
    """
    rest = iri.split("://", 1)[1] if "://" in iri else iri.split(":", 1)[-1]
    path = re.split(r"[?#]", rest, maxsplit=1)[0]
    path = path.split("/", 1)[1] if "/" in path else ""
    segments = path.split("/")
    if any(seg in (".", "..") for seg in segments):
        return (f"IRI {iri} 含有点路径段（“.” 或 “..”）：请写出规范化后的 IRI",
                f"the IRI {iri} contains dot-segments (\".\" or \"..\"): write the normalised IRI")
    for m in _PCT.finditer(iri):
        ch = chr(int(m.group(1), 16))
        if ch in _UNRESERVED:
            return (f"IRI {iri} 含有百分号编码的非保留字符 {m.group(0)}（即 “{ch}”）：请直接写出该字符",
                    f"the IRI {iri} percent-encodes the unreserved character {m.group(0)} (\"{ch}\"): "
                    f"write the character itself")
    return None


def belongs_to(item: str, subject: str) -> bool:
    """Whether the named ``subject`` is part of ``item`` by its IRI: the item itself or under it."""
    return subject == item or subject.startswith(item + "/") or subject.startswith(item + "#")


def named_subjects(triples) -> list[str]:
    """The distinct IRI subjects of ``triples``, in order of appearance."""
    seen: dict[str, None] = {}
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            seen.setdefault(t.subject.value, None)
    return list(seen)


def _check_subjects(rep: ItemReport, subjects: list[str], severity: str = "violation") -> bool:
    """Every IRI subject of an item graph is the item or an IRI under it (``{item}/…``, ``{item}#…``).

    Triples about any other subject (another organisation's unit, a standard, an external
    IRI) would otherwise be stored in this item's graph, pass this item's permission check
    and then be published as statements about that other resource.
    """
    foreign = [s for s in subjects if not belongs_to(rep.item, s)]
    for s in foreign:
        rep.add("foreign-subject",
                f"主语 {s} 不属于条目 {rep.item}：提交中的每个主语都必须是所提交的条目本身或其下的 IRI"
                f"（{rep.item}/…）；关于其他条目的陈述请以该条目的名义单独提交",
                f"the subject {s} does not belong to the item {rep.item}: every subject of a submission must be "
                f"a submitted item or an IRI under it ({rep.item}/…); statements about another item must be "
                f"submitted as that item", severity=severity, focus=s)
    return not foreign


def _check_permission(base: str, user: User, rep: ItemReport) -> bool:
    """Namespace ownership and admin-only items; ``False`` (with a result) when refused."""
    if user.is_admin:
        return True
    if rep.type in ADMIN_ONLY:
        rep.add("forbidden", f"只有管理员可以提交本体、形状、资历框架和代码表：{rep.item}",
                f"only an admin may submit the ontology, shapes, frameworks and code lists: {rep.item}")
        return False
    if rep.type in REGISTRAR_ONLY:
        if not user.is_registrar:
            rep.add("forbidden", f"只有注册管理员可以登记机构：{rep.item}",
                    f"only a registrar may register organisations: {rep.item}")
            return False
        if rep.item.startswith(base) and re.fullmatch(r"org/[a-z0-9][a-z0-9-]{0,62}", rep.item[len(base):]):
            return True
        rep.add("forbidden", f"机构的 IRI 应为 {base}org/{{机构标识}}：{rep.item}",
                f"an organisation's IRI must be {base}org/{{id}}: {rep.item}")
        return False
    # authors and registrars alike: the item must be under the base IRI, in the registry's
    # IRI patterns, and of a standard code (or organisation id) of the submitter's organisation
    org = user.org
    codes = set(org.codes) if org else set()
    path = rep.item[len(base):] if rep.item.startswith(base) else None
    ok = False
    if path is not None:
        m = re.fullmatch(r"standard/([A-Z][A-Z0-9]{1,7})", path) or re.fullmatch(r"unit/([A-Z][A-Z0-9]{1,7})-.+", path)
        if m:
            ok = m.group(1) in codes
        elif org and re.fullmatch(rf"(achievement|transfer-rule)/{re.escape(org.id)}-[A-Za-z0-9._-]+", path):
            ok = True
    if not ok:
        owned = "、".join(sorted(codes)) or "无"
        rep.add("forbidden",
                f"{rep.item} 不在机构 {org.id if org else '?'} 的命名空间内（可用的标准代码：{owned}）",
                f"{rep.item} is outside the namespace of organisation {org.id if org else '?'} "
                f"(its standard codes: {', '.join(sorted(codes)) or 'none'})")
    return ok


def analyse(store, settings, body: bytes, media_type: str, user: User | None, db: StateDB, *,
            max_items: int | None = None) -> Analysis:
    """Everything a submission goes through before it is stored.

    ``max_items`` bounds the number of items checked (anonymous dry runs): more is refused
    with 413 before the expensive checks run.
    """
    an = Analysis()
    triples = _parse(body, media_type, an)
    if triples is None:
        return an
    try:
        grouped = split_items(triples)
    except ItemSplitError as e:
        an.fail(Kind.INVALID, "items", f"无法判断部分主语属于哪个条目：{', '.join(e.subjects[:10])}", str(e))
        return an
    if max_items is not None and len(grouped) > max_items:
        an.fail(Kind.TOO_LARGE, "too-many-items",
                f"试校验最多检查 {max_items} 个条目，本次有 {len(grouped)} 个：请分批校验，或使用 API 令牌",
                f"a dry run checks at most {max_items} items, this one has {len(grouped)}: "
                f"validate in parts, or with an API token", limit=max_items, items=len(grouped))
        return an
    roots = item_roots(triples)
    untyped = [i for i in grouped if i not in roots]
    stored_types = _types_in_store(store, untyped)

    for item, ts in grouped.items():
        typ = roots.get(item) or next((t for t in sorted(stored_types.get(item, ())) if t in ROOT_CLASSES), None)
        content = rdf.with_status(item, rdf.content_of(item, ts), rdf.STATUSES["submitted"])
        rep = ItemReport(item, typ, content)
        codes = [t.object.value for t in ts if t.subject == ox.NamedNode(item) and t.predicate == rdf.P_NOTATION]
        rep.code = codes[0] if codes else None
        rep.subjects = named_subjects(ts)
        an.items[item] = rep

    # 0. every subject IRI as written is in normal form (no dot-segments, no disguised characters)
    bad_form = False
    for rep in an.items.values():
        for s in rep.subjects:
            problem = iri_problem(s)
            if problem:
                rep.add("iri", *problem, focus=s)
                bad_form = True
    if bad_form:
        an.refuse(Kind.INVALID)
        return an

    # 1. who may submit what (403): each item, and each subject of its graph
    if user is not None:
        allowed = [_check_permission(settings.base_iri, user, rep) for rep in an.items.values()]
        if not user.is_admin:
            allowed += [_check_subjects(rep, rep.subjects) for rep in an.items.values()]
        if not all(allowed):
            an.refuse(Kind.FORBIDDEN)
            return an
    else:  # anonymous dry run: ownership is not known, but foreign subjects are reported early
        for rep in an.items.values():
            _check_subjects(rep, rep.subjects, severity="warning")

    # 2. the published versions of these items: unchanged or no longer changeable
    latest = db.latest_versions(list(an.items))
    in_store = existing_graphs(store, [i for i in an.items if i not in latest])
    for item, rep in an.items.items():
        v = latest.get(item)
        if v is not None:
            published_triples, label = rdf.from_ntriples(v["ntriples"]), f"第 {v['n']} 版|version {v['n']}"
        elif item in in_store:  # loaded with `registry load`, never changed through the workflow
            published_triples, label = store.graph_triples(item), "已发布版本|the published item"
        else:
            continue
        rep.exists = True
        status = rdf.status_of(item, published_triples)
        if status in FINAL_STATUSES:
            rep.add("final", f"{item} 的状态为 {rdf.STATUS_NAMES.get(status)}，不能再修改",
                    f"{item} is {rdf.STATUS_NAMES.get(status)} and can no longer change")
            continue
        published = rdf.content_of(item, published_triples)
        mine = rdf.content_of(item, rep.content)
        if rdf.same_graph(published, mine):
            rep.unchanged = True
            zh, en = label.split("|")
            rep.add("unchanged", f"{item} 与{zh}相同，未作修改", f"{item} is unchanged from {en}", severity="info")

    # 3. references to registry IRIs resolve (in the submission or in the registry)
    base = settings.base_iri
    subjects = {t.subject.value for ts in grouped.values() for t in ts if isinstance(t.subject, ox.NamedNode)}
    refs: dict[str, list[tuple[str, str]]] = {}
    for item, ts in grouped.items():
        for t in ts:
            o = t.object
            if (t.predicate != rdf.RDF_TYPE and isinstance(o, ox.NamedNode) and o.value.startswith(base)
                    and o.value not in subjects and not rdf.is_version_node(item, o)):
                refs.setdefault(o.value, []).append((item, t.predicate.value))
    missing = set(refs) - _existing(store, sorted(refs))
    for iri in sorted(missing):
        for item, pred in refs[iri]:
            an.items[item].add("reference", f"引用的 {iri} 在注册库中不存在（属性 {pred}）",
                               f"{iri} (property {pred}) does not exist in the registry", path=pred)

    # 4. codes are unique per class (within the submission and against the registry)
    by_key: dict[tuple, list[str]] = {}
    for rep in an.items.values():
        if rep.code and rep.type:
            by_key.setdefault((rep.type, rep.code), []).append(rep.item)
    for (typ, code), items in by_key.items():
        if len(items) > 1:
            for i in items:
                an.items[i].add("code", f"编号 {code} 在本次提交中重复：{', '.join(items)}",
                                f"code {code} is used twice in this submission: {', '.join(items)}")
    if by_key:
        values = " ".join(f'("{code}" <{typ}>)' for typ, code in by_key)
        rows = store.select(
            f"SELECT ?s ?code ?t WHERE {{ VALUES (?code ?t) {{ {values} }} ?s <{rdf.P_NOTATION.value}> ?code ; a ?t }}")
        for r in rows:
            code, typ, other = r["code"].value, r["t"].value, r["s"].value
            for i in by_key.get((typ, code), []):
                if i != other:
                    an.items[i].add("code", f"编号 {code} 已被 {other} 使用", f"code {code} is already used by {other}")

    # 5. the shapes
    text = body.decode("utf-8", "replace") if media_type.split(";")[0].strip().lower() in ("text/turtle", "application/x-turtle") else None
    _shacl(store, an, {"submission": text} if text else None)
    # the shapes check code uniqueness of units and standards too: keep one message per problem
    for rep in an.items.values():
        if any(r["source"] == "shacl" and r.get("path") == rdf.P_NOTATION.value for r in rep.results):
            rep.results = [r for r in rep.results if r["kind"] != "code"]

    if any(not rep.conforms for rep in an.items.values()):
        an.refuse(Kind.INVALID)
    elif an.items and all(rep.unchanged for rep in an.items.values()):
        an.fail(Kind.CONFLICT, "unchanged", "提交的条目与已发布版本完全相同，没有需要审核的修改",
                "every submitted item is identical to its published version: nothing to review")
    return an


def _shacl(store, an: Analysis, texts: dict | None = None) -> None:
    """Validate the changed items against the shapes; each result goes to its item's report."""
    todo = {i: rep for i, rep in an.items.items() if not rep.unchanged}
    if not todo:
        return
    # pyshacl's SPARQL constraints grow faster than linearly with the data graph, so large
    # submissions are validated in batches of units; every batch carries the submission's
    # other items (standards, areas…) that units may reference. Results are de-duplicated.
    units = [i for i, rep in todo.items() if rep.type == str(CB.Unit)]
    others = [t for i, rep in todo.items() if rep.type != str(CB.Unit) for t in rep.content]
    batches = [units[k:k + SHACL_BATCH] for k in range(0, len(units), SHACL_BATCH)] or [[]]
    seen = set()
    results = []
    for batch in batches:
        triples = others + [t for i in batch for t in todo[i].content]
        for r in default_validator().validate({"submission": triples}, store=store, texts=texts).results:
            key = (r.item, r.focus if not r.focus.startswith("_:") else None, r.path, r.constraint, r.value,
                   r.message.get("en"))
            if key not in seen:
                seen.add(key)
                results.append(r)
    for r in results:
        severity = {"Violation": "violation", "Warning": "warning"}.get(r.severity, "info")
        entry = {"severity": severity, "kind": "shape", "focus": r.focus, "path": r.path,
                 "path_label": r.path_label or None, "value": r.value, "line": r.line,
                 "message": {"zh": r.message.get("zh", ""), "en": r.message.get("en", "")},
                 "constraint": r.constraint, "source": "shacl"}
        if r.item in an.items:
            an.items[r.item].results.append(entry)
        else:
            an.results.append(entry)
            if severity == "violation":
                an.refuse(Kind.INVALID)
