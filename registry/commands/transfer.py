"""``registry transfer evaluate|batch`` and ``registry rules check``: credit transfer from the command line."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import time
from decimal import Decimal

import click

from ..config import DEFAULT_STORE
from ..store import StoreError, open_store
from ..transfer.check import check_rules
from ..transfer.engine import evaluate
from ..transfer.graph import load_graph
from ..transfer.service import TransferInputError, evaluate_request, parse_json_text, parse_request, record_from_csv, serialize_result

store_option = click.option("--store", "store_spec", envvar="REGISTRY_STORE", default=DEFAULT_STORE, show_default=True,
                            help="Store folder or sparql:QUERY_URL… (env REGISTRY_STORE).")


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8-sig") as f:
        return f.read()


def _body_from(path: str) -> dict:
    text = _read(path)
    if path.lower().endswith(".csv") or (not text.lstrip().startswith("{")):
        records = record_from_csv(text)
        return records.get("", {"achievements": [], "units": []})
    return parse_json_text(text)


def _fail(e: TransferInputError, lang: str) -> None:
    click.echo(f"{e.field}: {e.zh if lang == 'zh' else e.en}", err=True)
    sys.exit(2)


def render_text(result: dict, lang: str) -> str:
    zh = lang == "zh"
    lines = [("评估日期 " if zh else "As at ") + result["at"], "", "已认定 / recognised:" if zh else "Recognised:"]
    for e in result["recognised"]:
        credits = ", ".join(f"{c['amount']} {c['system'].rsplit('/', 1)[-1]}" for c in e["credits"])
        lines.append(f"  {e['code'] or e['unit']}  {e['label']}  [{credits}]")
        for r in e["rules"]:
            lines.append(f"      ← {r}")
        for c in e["requires"]:
            lines.append(f"      ! {c[lang]}")
    lines += ["", "未适用的规则 / rules not applied:" if zh else "Rules not applied:"]
    for n in result["not_applied"]:
        lines.append(f"  {n['rule']}")
        for r in n["reasons"]:
            lines.append(f"      - {r[lang]}")
    lines += ["", "合计 / totals:" if zh else "Totals:"]
    for t in result["totals"]:
        lines.append(f"  {t['amount']}  {t['label']}")
    for c in result.get("conversions", []):
        lines.append(f"  ≈ {c['amount']} {c['to'].rsplit('/', 1)[-1]} ({c['status']}: {c['conversion']})")
    tg = result.get("target")
    if tg:
        lines += ["", f"{tg['label']}: " + (("已满足" if tg["met"] else "未满足") if zh else ("met" if tg["met"] else "not met"))]
        for row in tg["requirements"]:
            mark = "✓" if row["met"] else "✗"
            lines.append("  " + "  " * row["depth"] + f"{mark} {row['labels'][lang]}")
            for m in row["missing"]:
                lines.append("  " + "  " * row["depth"] + f"    - {m[lang]}")
            for s in row["suggestions"]:
                via = "; ".join(v["rule"] for v in s["via"]) or ("直接评价" if zh else "direct assessment")
                lines.append("  " + "  " * row["depth"] + f"    → {s['code']} {s['label']} ({via})")
    return "\n".join(lines) + "\n"


@click.group("transfer")
def transfer_group() -> None:
    """学分转换评估 · Evaluate learner records against the transfer rules."""


@transfer_group.command("evaluate")
@click.argument("record")
@click.option("--target", default=None, help="IRI of a target qualification.")
@click.option("--at", "at", default=None, help="Date of assessment YYYY-MM-DD (default today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@store_option
@click.option("--server", envvar="REGISTRY_SERVER", default=None, help="Evaluate on a registry server instead (env REGISTRY_SERVER).")
def evaluate_command(record, target, at, fmt, lang, store_spec, server) -> None:
    """Evaluate RECORD (JSON as the API takes, or CSV achievement,date,grade; - for stdin).

    Nothing about the learner is written anywhere.
    """
    try:
        body = _body_from(record)
        if isinstance(body, dict):
            if target:
                body["target"] = target
            if at:
                body["at"] = at
            body.setdefault("lang", lang)
        if server:
            import httpx

            r = httpx.post(server.rstrip("/") + "/api/transfer/evaluate", json=body, timeout=60)
            if r.status_code == 422:
                err = r.json()["error"]
                raise TransferInputError(err.get("field", "body"), err["message"]["zh"], err["message"]["en"])
            r.raise_for_status()
            result = r.json()
        else:
            with open_store(store_spec) as store:
                result = evaluate_request(body, load_graph(store))
    except TransferInputError as e:
        _fail(e, lang)
    except (StoreError, OSError) as e:
        click.echo(str(e), err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    elif fmt == "turtle":
        sys.stdout.buffer.write(serialize_result(result, "turtle"))
    else:
        click.echo(render_text(result, lang), nl=False)


@transfer_group.command("batch")
@click.argument("records")
@click.option("--target", default=None, help="IRI of a target qualification.")
@click.option("--at", "at", default=None, help="Date of assessment YYYY-MM-DD (default today).")
@click.option("--out", "out_path", default="-", help="Output CSV (default stdout).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@store_option
def batch_command(records, target, at, out_path, lang, store_spec) -> None:
    """Evaluate many learners: RECORDS.csv with columns learner,achievement,date,grade[,expires].

    Writes one CSV row per learner and recognised unit (learner,unit,code,system,credits,rules), and a row
    with an empty unit for a learner nothing is recognised for (or whose record is refused, with the reason).
    """
    start = time.perf_counter()
    try:
        learners = record_from_csv(_read(records), learner_column=True)
        # the store stays open while learners are evaluated: a held unit no rule names is read per record
        with open_store(store_spec) as store:
            g = load_graph(store)
            out = sys.stdout if out_path == "-" else open(out_path, "w", encoding="utf-8", newline="")
            try:
                _write_batch(csv.writer(out), learners, g, target, at, lang)
            finally:
                if out is not sys.stdout:
                    out.close()
    except TransferInputError as e:
        _fail(e, lang)
    except (StoreError, OSError) as e:
        click.echo(str(e), err=True)
        sys.exit(2)
    click.echo(f"{len(learners)} learner(s) in {time.perf_counter() - start:.2f} s", err=True)


def _write_batch(w, learners: dict, g, target, at, lang) -> None:
    """One CSV row per learner and recognised unit (one row for a learner with none or a refused record)."""
    w.writerow(["learner", "unit", "code", "system", "credits", "rules", "target_met", "error"])
    for who in sorted(learners):
        body = learners[who]
        body["lang"] = lang
        if target:
            body["target"] = target
        if at:
            body["at"] = at
        try:
            record, tgt, day, lg = parse_request(body, g)
            result = evaluate(g, record, target=tgt, at=day, lang=lg)
        except TransferInputError as e:
            w.writerow([who, "", "", "", "", "", "", f"{e.field}: {e.zh if lang == 'zh' else e.en}"])
            continue
        met = "" if result["target"] is None else ("yes" if result["target"]["met"] else "no")
        if not result["recognised"]:
            w.writerow([who, "", "", "", "", "", met, ""])
        for e in result["recognised"]:
            c = e["credits"][0] if e["credits"] else {"system": "", "amount": ""}
            w.writerow([who, e["unit"], e["code"], c["system"], c["amount"], " ".join(e["rules"]), met, ""])


@click.group("rules")
def rules_group() -> None:
    """学分转换规则 · Transfer rule maintenance."""


@rules_group.command("check")
@store_option
@click.option("--at", "at", default=None, help="Reference date YYYY-MM-DD (default today).")
@click.option("--days", default=90, show_default=True, help="Report rules expiring within this many days.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def check_command(store_spec, at, days, fmt, lang) -> None:
    """Report rule quality: retired/superseded references, credit inflation, duplicates and overlaps,
    rules expiring soon, qualifications no registered path can complete. Exit 1 when anything is found."""
    try:
        day = dt.date.fromisoformat(at) if at else None
    except ValueError:
        click.echo(f"--at: {'日期格式应为 YYYY-MM-DD' if lang == 'zh' else 'the date must be YYYY-MM-DD'}", err=True)
        sys.exit(2)
    with open_store(store_spec) as store:
        findings = check_rules(load_graph(store), day, expiring_days=days)
    if fmt == "json":
        click.echo(json.dumps(findings, ensure_ascii=False, indent=2))
    else:
        for f in findings:
            click.echo(f"{f['kind']:<26} {f['item']}\n    {f[lang]}")
        click.echo(f"{len(findings)} finding(s)")
    sys.exit(1 if findings else 0)


commands = [transfer_group, rules_group]
