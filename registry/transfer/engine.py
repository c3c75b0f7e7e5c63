"""Evaluate a learner record against the transfer rules and, optionally, a target qualification.

Pure, deterministic, in-memory work over a :class:`~registry.transfer.graph.TransferGraph`: the same
record, target and date give the same answer, and nothing about the learner is kept. Every decision
names the rule version it used (the latest ``dcterms:hasVersion`` of the rule, or the rule IRI when it
has not been changed through the workflow). See docs/transfer.md for the semantics.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .graph import LIVE_RULE, SUPERSEDED, WITHDRAWN, Qualification, Requirement, Rule, TransferGraph, pick

# ordinal grade scales (higher index = better); a grade is compared only within its own scale
GRADE_SCALES = (("不及格", "及格", "中等", "良好", "优秀"), ("F", "D", "C", "B", "A"))
MAX_SUGGESTIONS = 10


@dataclass(frozen=True)
class HeldAchievement:
    iri: str
    date: dt.date
    grade: str | None = None
    expires: dt.date | None = None


@dataclass
class Record:
    achievements: list[HeldAchievement] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    #: held units no rule or requirement names (looked up for this record only, see TransferGraph.lookup_units)
    extra_units: dict = field(default_factory=dict)


def reason(code: str, zh: str, en: str, **extra) -> dict:
    return {"code": code, "zh": zh, "en": en, **extra}


def fmt(amount: Decimal) -> str:
    s = format(amount.normalize(), "f")
    return s


def num(amount: Decimal) -> float | int:
    """JSON number for a credit amount (integers stay integers)."""
    a = amount.normalize()
    return int(a) if a == a.to_integral_value() else float(a)


def years_before(at: dt.date, years: int) -> dt.date:
    try:
        return at.replace(year=at.year - years)
    except ValueError:  # 29 February
        return at.replace(year=at.year - years, day=28)


def grade_meets(grade: str | None, min_score: Decimal | None, min_grade: str | None) -> dict | None:
    """None when the grade meets the rule's minimum, else a reason."""
    if min_score is not None:
        if grade is None or grade == "":
            return reason("condition-unmet", f"规则要求成绩不低于 {fmt(min_score)} 分，记录中没有成绩。",
                          f"The rule needs a score of at least {fmt(min_score)}; the record gives none.")
        try:
            score = Decimal(str(grade))
        except ArithmeticError:
            return reason("condition-unmet", f"规则要求成绩不低于 {fmt(min_score)} 分，成绩“{grade}”不是分数，无法比较。",
                          f"The rule needs a score of at least {fmt(min_score)}; the grade \"{grade}\" is not a score and cannot be compared.")
        if not score.is_finite() or score < min_score:
            return reason("condition-unmet", f"成绩 {grade} 低于规则要求的 {fmt(min_score)} 分。",
                          f"The score {grade} is below the {fmt(min_score)} the rule needs.")
    if min_grade is not None:
        scale = next((s for s in GRADE_SCALES if min_grade in s), None)
        g = (grade or "").strip().upper() if grade and grade.strip().upper() in GRADE_SCALES[1] else (grade or "").strip()
        if scale is None or g not in scale:
            return reason("condition-unmet", f"规则要求成绩等级不低于“{min_grade}”，成绩“{grade or ''}”无法在该等级制中比较。",
                          f"The rule needs a grade of at least \"{min_grade}\"; the grade \"{grade or ''}\" cannot be compared on that scale.")
        if scale.index(g) < scale.index(min_grade):
            return reason("condition-unmet", f"成绩等级“{g}”低于规则要求的“{min_grade}”。",
                          f"The grade \"{g}\" is below the \"{min_grade}\" the rule needs.")
    return None


class Evaluation:
    def __init__(self, g: TransferGraph, record: Record, at: dt.date, lang: str = "zh"):
        self.g, self.record, self.at, self.lang = g, record, at, lang
        # one entry per achievement IRI: the most favourable record wins (latest date, then best grade text)
        self.held: dict[str, HeldAchievement] = {}
        for a in sorted(record.achievements, key=lambda a: (a.iri, a.date, str(a.grade))):
            self.held[a.iri] = a
        self.held_units = set(record.units)
        self.extra_units = record.extra_units

    def target(self, iri: str):
        """A unit or course: the graph's, or one of the record's own held units."""
        t = self.g.targets.get(iri)
        return t if t is not None else self.extra_units.get(iri)

    # -- rules ----------------------------------------------------------------------------------
    def candidate_rules(self) -> list[Rule]:
        seen: dict[str, Rule] = {}
        for s in list(self.held) + sorted(self.held_units):
            for r in self.g.by_source.get(s, ()):
                seen[r.iri] = r
        return [seen[k] for k in sorted(seen)]

    def valid_on(self, r: Rule, day: dt.date) -> bool:
        return (r.valid_from is None or r.valid_from <= day) and (r.valid_until is None or day <= r.valid_until)

    def rule_obstacles(self, r: Rule) -> tuple[list[dict], list[str]]:
        """Why ``r`` does not apply (empty when it does) and the sources it uses when it does."""
        L = self.g.label
        out: list[dict] = []
        if r.status in WITHDRAWN or (r.status and r.status not in LIVE_RULE):
            out.append(reason("rule-withdrawn", "规则已废止或未发布，不再适用。", "The rule is retired or not published; it no longer applies."))
        if r.valid_from is not None and self.at < r.valid_from:
            out.append(reason("not-yet-valid", f"规则自 {r.valid_from.isoformat()} 起生效，评估日期 {self.at.isoformat()} 尚未生效。",
                              f"The rule applies from {r.valid_from.isoformat()}; on {self.at.isoformat()} it is not yet valid."))
        if r.valid_until is not None and self.at > r.valid_until:
            out.append(reason("expired", f"规则已于 {r.valid_until.isoformat()} 失效。", f"The rule expired on {r.valid_until.isoformat()}."))
        if r.status == SUPERSEDED and r.replaced_by:
            succ = self.g.rules.get(r.replaced_by)
            if succ is not None and succ.status not in WITHDRAWN and self.valid_on(succ, self.at):
                out.append(reason("replaced", f"规则已被 <{succ.version}> 替代，该规则在评估日期有效。",
                                  f"The rule was replaced by <{succ.version}>, which is valid on the date.", rule=succ.version))
        for t in r.to_targets:
            target = self.g.targets.get(t)
            if target is None or target.status in WITHDRAWN:
                out.append(reason("target-retired", f"转入的“{L(t, 'zh')}”已废止或不在注册库中。",
                                  f"The target \"{L(t, 'en')}\" is retired or not in the registry.", item=t))
        # sources and their conditions
        used: list[str] = []
        source_reasons: list[dict] = []
        for s in r.sources:
            if s in self.g.achievements and self.g.achievements[s]["status"] in WITHDRAWN:
                source_reasons.append(reason("source-retired", f"来源成果“{L(s, 'zh')}”已废止。", f"The source \"{L(s, 'en')}\" is retired.", item=s))
                continue
            if s in self.held_units:
                used.append(s)
                continue
            held = self.held.get(s)
            if held is None:
                source_reasons.append(reason("source-missing", f"记录中没有来源“{L(s, 'zh')}”。",
                                             f"The record does not hold the source \"{L(s, 'en')}\".", item=s))
                continue
            problems = self.achievement_problems(r, held)
            if problems:
                source_reasons += problems
            else:
                used.append(s)
        if r.combination == "any-of":
            if not used:
                out += source_reasons
        elif len(used) < len(r.sources):
            out += source_reasons
        if out:
            used = []
        return out, used

    def achievement_problems(self, r: Rule, held: HeldAchievement) -> list[dict]:
        out = []
        if held.date > self.at:
            out.append(reason("condition-unmet", f"成果取得日期 {held.date.isoformat()} 晚于评估日期。",
                              f"The achievement was obtained on {held.date.isoformat()}, after the date of assessment.", item=held.iri))
        if held.expires is not None and held.expires < self.at:
            out.append(reason("condition-unmet", f"证书已于 {held.expires.isoformat()} 过期。",
                              f"The certificate expired on {held.expires.isoformat()}.", item=held.iri))
        if r.within_years is not None and held.date < years_before(self.at, r.within_years):
            out.append(reason("condition-unmet", f"规则要求在评估日期前 {r.within_years} 年内取得，成果取得于 {held.date.isoformat()}。",
                              f"The rule needs the achievement within {r.within_years} years before the date; it was obtained on {held.date.isoformat()}.",
                              item=held.iri))
        g = grade_meets(held.grade, r.min_score, r.min_grade)
        if g is not None:
            g["item"] = held.iri
            out.append(g)
        return out

    def run(self) -> dict:
        recognised: dict[str, dict] = {}
        not_applied: list[dict] = []
        for r in self.candidate_rules():
            obstacles, used = self.rule_obstacles(r)
            new_targets = [t for t in r.to_targets if t not in self.held_units]
            if not obstacles and not new_targets:
                obstacles = [reason("already-held", "规则的全部目标已在记录中。", "Every target of the rule is already in the record.")]
            if obstacles:
                not_applied.append({"rule": r.version, "code": r.code, "reasons": obstacles})
                continue
            dates = [self.held[s].date for s in used if s in self.held]
            for t in new_targets:
                target = self.g.targets[t]
                entry = recognised.get(t)
                if entry is None:
                    entry = recognised[t] = {"unit": t, "code": target.code, "label": pick(target.labels, self.lang) or t,
                                             "kind": target.kind, "credits": self.credits_for(r, target),
                                             "rules": [], "requires": [], "obtained": None}
                entry["rules"].append(r.version)
                for cond in r.evidence:
                    entry["requires"].append({"kind": "evidence", "rule": r.version, **cond})
                for cond in r.top_up:
                    entry["requires"].append({"kind": "top-up-assessment", "rule": r.version, **cond})
                if dates:
                    d = min(dates).isoformat()
                    entry["obtained"] = d if entry["obtained"] is None else max(entry["obtained"], d)
        rec = [recognised[k] for k in sorted(recognised, key=lambda k: (recognised[k]["code"], k))]
        totals: dict[str, Decimal] = {}
        for e in rec:
            for c in e["credits"]:
                totals[c["system"]] = totals.get(c["system"], Decimal(0)) + Decimal(str(c["amount"]))
        out = {
            "at": self.at.isoformat(),
            "recognised": rec,
            "not_applied": not_applied,
            "totals": [{"system": s, "label": self.g.label(s, self.lang), "amount": num(a)} for s, a in sorted(totals.items())],
            "conversions": self.conversions(totals),
        }
        return out

    def credits_for(self, r: Rule, target) -> list[dict]:
        """The credit a target carries (counted once, whichever rules reach it); a single-target rule
        granting less than the target carries in the same system gives only that."""
        if target.credit is None:
            if r.credit is not None and len(r.to_targets) == 1:
                return [{"system": r.credit.system, "amount": num(r.credit.amount)}]
            return []
        amount = target.credit.amount
        if r.credit is not None and len(r.to_targets) == 1 and r.credit.system == target.credit.system:
            amount = min(amount, r.credit.amount)
        return [{"system": target.credit.system, "amount": num(amount)}]

    def conversions(self, totals: dict[str, Decimal]) -> list[dict]:
        out = []
        for (src, dst), conv in sorted(self.g.conversions.items()):
            if src in totals:
                out.append({"from": src, "to": dst, "amount": num((totals[src] * conv.factor).quantize(Decimal("0.01"))),
                            "status": conv.status, "conversion": conv.iri})
        return out


# -- target qualification ------------------------------------------------------------------------

class TargetCheck:
    def __init__(self, ev: Evaluation, q: Qualification, result: dict):
        self.ev, self.g, self.q = ev, ev.g, q
        shelf_from = years_before(ev.at, q.shelf_life) if q.shelf_life else None
        self.obtained: dict[str, dict] = {}  # iri -> {credit: Credit|None, transferred: bool}
        self.excluded: list[dict] = []
        for u in sorted(ev.held_units):
            t = ev.target(u)
            self.obtained[u] = {"credit": t.credit if t else None, "transferred": False}
        for e in result["recognised"]:
            if shelf_from and e["obtained"] and e["obtained"] < shelf_from.isoformat():
                self.excluded.append(reason("shelf-life", f"“{e['label']}”所依据的成果早于 {q.shelf_life} 年的学分有效年限，不计入该资历。",
                                            f"\"{e['label']}\" rests on an achievement older than the {q.shelf_life}-year credit shelf life; it does not count.",
                                            item=e["unit"]))
                continue
            t = self.g.targets[e["unit"]]
            c = e["credits"][0] if e["credits"] else None
            from .graph import Credit
            self.obtained[e["unit"]] = {"credit": Credit(c["system"], Decimal(str(c["amount"]))) if c else None, "transferred": True}
        total_req = self._total_requirement(q.requirement)
        caps = []
        if q.max_transfer_credits is not None:
            caps.append(q.max_transfer_credits)
        if q.max_transfer_share is not None and total_req is not None:
            caps.append((q.max_transfer_share * total_req).quantize(Decimal("0.01")))
        self.cap = min(caps) if caps else None
        self.rows: list[dict] = []

    def _total_requirement(self, req: Requirement | None) -> Decimal | None:
        best = None
        stack = [req] if req else []
        while stack:
            r = stack.pop()
            if r.kind == "credits" and not (r.standards or r.areas or r.units or r.min_level):
                best = r.min_credits if best is None else max(best, r.min_credits)
            stack += r.parts
        return best

    def credit_in_system(self, credit) -> tuple[Decimal | None, dict | None]:
        """(amount in the qualification's system, conversion used) or (None, None) when not convertible."""
        if credit is None:
            return None, None
        if credit.system == self.q.system:
            return credit.amount, None
        conv = self.g.conversions.get((credit.system, self.q.system))
        if conv is None:
            return None, None
        return (credit.amount * conv.factor).quantize(Decimal("0.01")), {"conversion": conv.iri, "status": conv.status}

    def in_set(self, iri: str, req: Requirement) -> bool:
        if not (req.standards or req.areas or req.units or req.min_level):
            return True
        t = self.ev.target(iri)
        if t is None:
            return False
        if req.standards or req.areas or req.units:
            if not (t.standard in req.standards or t.area in req.areas or iri in req.units):
                return False
        if req.min_level is not None and (t.level_order is None or t.level_order < req.min_level):
            return False
        return True

    def label(self, req: Requirement) -> dict:
        if req.labels:
            return {"zh": pick(req.labels, "zh"), "en": pick(req.labels, "en")}
        names = {"all-of": ("全部满足", "all of"), "any-of": ("任一满足", "any of"), "units": ("必修单元", "required units"),
                 "credits": (f"至少 {fmt(req.min_credits or Decimal(0))} 学分", f"at least {fmt(req.min_credits or Decimal(0))} credits"),
                 "choice": (f"{len(req.units)} 选 {req.choose}", f"{req.choose} of {len(req.units)}")}
        zh, en = names.get(req.kind, ("要求", "requirement"))
        return {"zh": zh, "en": en}

    def suggestions_for(self, units: list[str]) -> list[dict]:
        out = []
        for u in units:
            if u in self.obtained:
                continue
            t = self.g.targets.get(u)
            if t is None or t.status in WITHDRAWN:
                continue
            via = []
            for r in self.g.by_target.get(u, ()):
                if r.status in WITHDRAWN or not self.ev.valid_on(r, self.ev.at):
                    continue
                via.append({"rule": r.version, "code": r.code, "combination": r.combination,
                            "sources": [{"id": s, "label": self.g.label(s, self.ev.lang),
                                         "type": "achievement" if s in self.g.achievements else "unit",
                                         "held": s in self.ev.held or s in self.ev.held_units} for s in r.sources]})
            credit = [{"system": t.credit.system, "amount": num(t.credit.amount)}] if t.credit else []
            out.append({"unit": u, "code": t.code, "label": pick(t.labels, self.ev.lang) or u, "credits": credit, "via": via})
            if len(out) >= MAX_SUGGESTIONS:
                break
        return out

    def check(self, req: Requirement, depth: int = 0) -> bool:
        row = {"label": self.label(req)[self.ev.lang], "labels": self.label(req), "kind": req.kind, "depth": depth,
               "met": False, "missing": [], "suggestions": []}
        self.rows.append(row)
        if req.kind in ("all-of", "any-of"):
            results = [self.check(p, depth + 1) for p in req.parts]
            met = all(results) if req.kind == "all-of" else any(results)
            if not met:
                n = sum(1 for x in results if not x)
                row["missing"].append(reason("parts", f"{n} 项组成要求未满足。" if req.kind == "all-of" else "组成要求均未满足。",
                                             f"{n} part(s) not met." if req.kind == "all-of" else "None of the parts is met."))
        elif req.kind == "units":
            lacking = [u for u in req.units if u not in self.obtained]
            met = not lacking
            for u in lacking:
                row["missing"].append(reason("unit", f"缺少“{self.g.label(u, 'zh')}”。", f"Missing \"{self.g.label(u, 'en')}\".", item=u))
            row["suggestions"] = self.suggestions_for(lacking)
        elif req.kind == "choice":
            have = [u for u in req.units if u in self.obtained]
            need = (req.choose or 1) - len(have)
            met = need <= 0
            if not met:
                row["missing"].append(reason("choice", f"还须从所列 {len(req.units)} 项中再获得 {need} 项。",
                                             f"{need} more of the {len(req.units)} listed are needed."))
                row["suggestions"] = self.suggestions_for([u for u in req.units if u not in self.obtained])
        elif req.kind == "credits":
            own, moved, uncounted = Decimal(0), Decimal(0), []
            for iri, o in sorted(self.obtained.items()):
                if not self.in_set(iri, req):
                    continue
                amount, conv = self.credit_in_system(o["credit"])
                if amount is None:
                    if o["credit"] is not None:
                        uncounted.append((iri, o["credit"]))
                    continue
                if conv is not None and conv["status"] != "official":
                    row.setdefault("indicative_conversions", []).append({"unit": iri, **conv})
                if o["transferred"]:
                    moved += amount
                else:
                    own += amount
            counted_moved = moved if self.cap is None else min(moved, self.cap)
            have = own + counted_moved
            need = req.min_credits or Decimal(0)
            met = have >= need
            row["credits"] = {"have": num(have), "need": num(need), "system": self.q.system}
            if counted_moved < moved:
                row["missing"].append(reason("cap", f"转入学分以 {fmt(self.cap)} 学分为上限，{fmt(moved - counted_moved)} 学分未计入。",
                                             f"Transferred credit is capped at {fmt(self.cap)}; {fmt(moved - counted_moved)} credits are not counted."))
            for iri, c in uncounted:
                row["missing"].append(reason("no-conversion", f"“{self.g.label(iri, 'zh')}”的 {fmt(c.amount)} 学分属于其他学分制度，且没有已发布的换算，不计入。",
                                             f"The {fmt(c.amount)} credits of \"{self.g.label(iri, 'en')}\" are in another credit system with no published conversion; they do not count.",
                                             item=iri))
            if not met:
                row["missing"].insert(0, reason("credits", f"还差 {fmt(need - have)} 学分（已有 {fmt(have)}，需 {fmt(need)}）。",
                                                f"{fmt(need - have)} more credits needed (have {fmt(have)}, need {fmt(need)})."))
                row["suggestions"] = self.suggestions_for(self.candidates(req))
        else:
            met = False
        row["met"] = met
        return met

    def candidates(self, req: Requirement) -> list[str]:
        """Units/courses in a credit requirement's set that a registered rule leads to, largest credit first."""
        if req.units:
            pool = list(req.units)
        elif req.standards or req.areas:
            pool = [u for s in req.standards for u in self.g.units_by_standard.get(s, ())]
            pool += [u for a in req.areas for u in self.g.units_by_area.get(a, ())]
        else:  # the total: the qualification's own courses, then whatever its requirements name
            pool = [t for t in self.scope()]
        pool = [u for u in dict.fromkeys(pool) if u not in self.obtained and self.in_set(u, req) and u in self.g.by_target]

        def key(u):
            t = self.g.targets.get(u)
            amount, _ = self.credit_in_system(t.credit if t else None)
            return (-(amount or 0), u)

        return sorted(pool, key=key)[:MAX_SUGGESTIONS]

    def scope(self) -> list[str]:
        comps = [t for t in self.g.by_target if self.g.targets.get(t) and self.g.targets[t].qualification == self.q.iri]
        named: list[str] = []
        stack = [self.q.requirement] if self.q.requirement else []
        while stack:
            r = stack.pop()
            named += r.units
            named += [u for s in r.standards for u in self.g.units_by_standard.get(s, ())]
            named += [u for a in r.areas for u in self.g.units_by_area.get(a, ())]
            stack += r.parts
        return sorted(comps) + sorted(set(named))

    def in_qualification_scope(self, iri: str) -> bool:
        t = self.g.targets.get(iri)
        if t is None:
            return False
        if t.kind == "component":
            return t.qualification == self.q.iri
        return t.credit is not None and t.credit.system == self.q.system

    def run(self) -> dict:
        met = self.check(self.q.requirement, 0) if self.q.requirement else False
        return {"qualification": self.q.iri, "code": self.q.code, "label": pick(self.q.labels, self.ev.lang) or self.q.iri,
                "system": self.q.system, "met": met, "requirements": self.rows,
                "transfer_cap": None if self.cap is None else num(self.cap), "excluded": self.excluded}


def evaluate(g: TransferGraph, record: Record, *, target: str | None = None, at: dt.date | None = None,
             lang: str = "zh") -> dict:
    """The answer for one learner record (see docs/transfer.md for every key)."""
    at = at or dt.date.today()
    ev = Evaluation(g, record, at, lang)
    result = ev.run()
    result["target"] = None
    if target:
        result["target"] = TargetCheck(ev, g.qualifications[target], result).run()
    return result
