"""``registry rules check``: the quality of the transfer rules over the whole registry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .engine import Evaluation, Record, TargetCheck, fmt
from .graph import LIVE_RULE, SUPERSEDED, WITHDRAWN, TransferGraph


def _finding(kind: str, item: str, zh: str, en: str, **extra) -> dict:
    return {"kind": kind, "item": item, "zh": zh, "en": en, **extra}


def check_rules(g: TransferGraph, at: dt.date | None = None, *, expiring_days: int = 90) -> list[dict]:
    at = at or dt.date.today()
    out: list[dict] = []
    live = [r for r in sorted(g.rules.values(), key=lambda r: r.iri) if r.status in LIVE_RULE and r.status != SUPERSEDED]
    for r in live:
        for ref in r.sources + r.to_targets:
            status = (g.targets.get(ref).status if ref in g.targets else g.achievements.get(ref, {}).get("status"))
            if status is None:
                out.append(_finding("dangling", r.iri, f"规则引用了注册库中没有的 <{ref}>。", f"The rule refers to <{ref}>, which is not in the registry.", ref=ref))
            elif status in WITHDRAWN or status == SUPERSEDED:
                word = ("已被替代", "superseded") if status == SUPERSEDED else ("已废止", "retired")
                out.append(_finding("retired-reference", r.iri, f"规则引用的 <{ref}> {word[0]}。", f"The rule refers to <{ref}>, which is {word[1]}.", ref=ref))
        if r.credit is not None:
            same = [g.targets[t].credit.amount for t in r.to_targets
                    if t in g.targets and g.targets[t].credit and g.targets[t].credit.system == r.credit.system]
            if same and r.credit.amount > sum(same, Decimal(0)):
                out.append(_finding("credit-inflation", r.iri, f"规则给予 {fmt(r.credit.amount)} 学分，多于目标学分合计 {fmt(sum(same, Decimal(0)))}。",
                                    f"The rule grants {fmt(r.credit.amount)} credits, more than its targets carry ({fmt(sum(same, Decimal(0)))})."))
        if r.valid_until is not None and at <= r.valid_until <= at + dt.timedelta(days=expiring_days):
            out.append(_finding("expiring", r.iri, f"规则将于 {r.valid_until.isoformat()} 失效（{expiring_days} 天内）。",
                                f"The rule expires on {r.valid_until.isoformat()} (within {expiring_days} days)."))
    # duplicates / overlaps: same sources, shared targets, overlapping validity
    by_sources: dict[tuple, list] = {}
    for r in live:
        by_sources.setdefault((r.sources, r.combination), []).append(r)
    for group in by_sources.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                shared = set(a.to_targets) & set(b.to_targets)
                lo = max(a.valid_from or dt.date.min, b.valid_from or dt.date.min)
                hi = min(a.valid_until or dt.date.max, b.valid_until or dt.date.max)
                if shared and lo <= hi:
                    kind = "duplicate" if set(a.to_targets) == set(b.to_targets) else "overlap"
                    out.append(_finding(kind, a.iri, f"规则与 <{b.iri}> 来源相同、目标重叠且有效期重叠。",
                                        f"The rule has the same sources as <{b.iri}>, shared targets and overlapping validity.", other=b.iri))
    # qualifications no registered path can complete (transfer alone, no cap)
    reachable = sorted({t for r in live if (r.valid_until is None or r.valid_until >= at) for t in r.to_targets})
    for q in sorted(g.qualifications.values(), key=lambda q: q.iri):
        if q.requirement is None or q.status in WITHDRAWN:
            continue
        ev = Evaluation(g, Record(units=[u for u in reachable if u in g.targets]), at, "en")
        tc = TargetCheck(ev, q, {"recognised": []})
        tc.cap = None
        if not tc.check(q.requirement):
            unmet = [row["labels"]["en"] for row in tc.rows if not row["met"]]
            out.append(_finding("unreachable-qualification", q.iri,
                                f"没有一条已登记的转换路径能满足该资历的全部要求：{'；'.join(row['labels']['zh'] for row in tc.rows if not row['met'])}。",
                                f"No registered transfer path meets all of the qualification's requirements: {'; '.join(unmet)}."))
    return sorted(out, key=lambda f: (f["kind"], f["item"], f.get("ref", ""), f.get("other", "")))
