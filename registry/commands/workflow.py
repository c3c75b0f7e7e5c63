"""Workflow commands.

Local (they open the workflow database next to the store; no server needed):
``registry orgs add|list``, ``registry users add|list|token``, ``registry csv-to-ttl``.

Client (they call a running server's ``/api`` with ``--server`` and ``--token``,
or ``REGISTRY_SERVER`` and ``REGISTRY_TOKEN``): ``registry submit``,
``registry submissions``, ``registry review accept|reject``, ``registry status``,
``registry history``, ``registry diff``, ``registry changes``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import httpx

from ..config import DEFAULT_STORE, Settings
from ..transfer.impact import describe_affected

SERVER_ENV = "REGISTRY_SERVER"
TOKEN_ENV = "REGISTRY_TOKEN"
DEFAULT_SERVER = "http://127.0.0.1:8000"

MEDIA_BY_SUFFIX = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".json": "application/ld+json",
                   ".nt": "application/n-triples", ".csv": "text/csv"}


# --- local management -------------------------------------------------------------------------

def _db(store: str, state_dir: str | None):
    from ..workflow.state import StateDB

    settings = Settings(store=store, state_dir=state_dir)
    return StateDB(settings.state_path())


store_option = click.option("--store", default=DEFAULT_STORE, envvar="REGISTRY_STORE", show_default=True,
                            help="store folder (or sparql:…); the workflow state lives next to it")
state_option = click.option("--state-dir", default=None, envvar="REGISTRY_STATE_DIR",
                            help="folder of the workflow database (default: the store folder)")


@click.group("orgs")
def orgs() -> None:
    """Organisations and the standard codes they own (机构)."""


@orgs.command("add")
@store_option
@state_option
@click.option("--id", "org_id", required=True, help="short id, e.g. gdou")
@click.option("--name", required=True, help="name (中文 / English)")
@click.option("--iri", default=None, help="the organisation's IRI in the registry, e.g. https://w3id.org/gdlecb/org/gdou")
@click.option("--codes", default="", help="comma-separated standard codes the organisation owns, e.g. ICT,AUTO")
def orgs_add(store, state_dir, org_id, name, iri, codes):
    """Add (or update) an organisation."""
    from ..workflow.auth import WorkflowInputError, add_org

    try:
        org = add_org(_db(store, state_dir), org_id, name, iri, [c.strip() for c in codes.split(",") if c.strip()])
    except WorkflowInputError as e:
        raise click.UsageError(str(e)) from None
    click.echo(f"organisation {org.id}: {org.name}; codes: {', '.join(org.codes) or '-'}")


@orgs.command("list")
@store_option
@state_option
def orgs_list(store, state_dir):
    """List organisations."""
    from ..workflow.auth import list_orgs

    for o in list_orgs(_db(store, state_dir)):
        click.echo(f"{o.id}\t{o.name}\t{o.iri or '-'}\t{','.join(o.codes) or '-'}")


@click.group("users")
def users() -> None:
    """Users, roles and API tokens (用户与令牌)."""


@users.command("add")
@store_option
@state_option
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["author", "registrar", "admin"]), required=True)
@click.option("--org", "org_id", default=None, help="the author's organisation id")
def users_add(store, state_dir, name, role, org_id):
    """Add a user and print its API token (shown once; only its hash is kept)."""
    from ..workflow.auth import WorkflowInputError, add_user

    try:
        user, token = add_user(_db(store, state_dir), name, role, org_id)
    except WorkflowInputError as e:
        raise click.UsageError(str(e)) from None
    click.echo(f"user {user.name} ({user.role}{', ' + user.org.id if user.org else ''}) created.", err=True)
    click.echo("API token (shown once, keep it secret) / API 令牌（只显示一次）:", err=True)
    click.echo(token)


@users.command("token")
@store_option
@state_option
@click.option("--name", required=True)
@click.option("--revoke-others", is_flag=True, help="revoke the user's other tokens")
def users_token(store, state_dir, name, revoke_others):
    """Issue a new API token for a user (printed once)."""
    from ..workflow.auth import WorkflowInputError, new_user_token

    try:
        click.echo(new_user_token(_db(store, state_dir), name, revoke_others=revoke_others))
    except WorkflowInputError as e:
        raise click.UsageError(str(e)) from None


@users.command("list")
@store_option
@state_option
def users_list(store, state_dir):
    """List users (never their tokens)."""
    from ..workflow.auth import list_users

    for u in list_users(_db(store, state_dir)):
        click.echo(f"{u.name}\t{u.role}\t{u.org.id if u.org else '-'}")


@click.command("csv-to-ttl")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="write here instead of stdout")
def csv_to_ttl(csv_file, output):
    """Convert the unit CSV template (one row per unit) to Turtle."""
    from ..workflow.csvconv import CsvError, csv_to_turtle

    try:
        ttl = csv_to_turtle(Path(csv_file).read_bytes())
    except CsvError as e:
        for err in e.errors:
            click.echo(f"{csv_file}: {err['en']} / {err['zh']}", err=True)
        sys.exit(1)
    if output:
        Path(output).write_text(ttl, encoding="utf-8")
    else:
        click.echo(ttl)


# --- API client ------------------------------------------------------------------------------

server_option = click.option("--server", envvar=SERVER_ENV, default=DEFAULT_SERVER, show_default=True,
                             help=f"registry server (or {SERVER_ENV})")
token_option = click.option("--token", envvar=TOKEN_ENV, default=None, help=f"API token (or {TOKEN_ENV})")


def _client(server: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=120)


def _show(resp: httpx.Response, *, ok=(200, 201)) -> dict:
    """Print the JSON answer; on a refusal print the message and the report, and exit 1."""
    try:
        data = resp.json()
    except ValueError:
        data = {"text": resp.text}
    if resp.status_code not in ok:
        err = data.get("error", {}) if isinstance(data, dict) else {}
        m = err.get("message", {})
        click.echo(f"HTTP {resp.status_code}: {m.get('en', '')} / {m.get('zh', '')}".rstrip(" /"), err=True)
        report = data.get("report") if isinstance(data, dict) and "report" in data else (
            data if isinstance(data, dict) and "items" in data else None)
        if report:
            _print_report(report)
        sys.exit(1)
    return data


def _print_report(report: dict) -> None:
    for r in report.get("results", []):
        click.echo(f"  [{r['severity']}] {r['message']['en']} / {r['message']['zh']}", err=True)
    for item in report.get("items", []):
        for r in item.get("results", []):
            where = f" ({r['path']})" if r.get("path") else ""
            click.echo(f"  [{r['severity']}] {item['item']}{where}: {r['message']['en']} / {r['message']['zh']}", err=True)


def _item_path(server_base: str | None, iri: str) -> str:
    """The path of an item IRI under the served root (IRIs under the base IRI; paths pass through)."""
    from ..namespaces import BASE

    base = server_base or BASE
    if iri.startswith(base):
        return iri[len(base):]
    if iri.startswith("http://") or iri.startswith("https://"):
        raise click.UsageError(f"{iri} is not under the registry's base IRI {base}")
    return iri.strip("/")


@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@server_option
@token_option
@click.option("--dry-run", is_flag=True, help="only validate (POST /api/validate)")
def submit(file, server, token, dry_run):
    """Submit a Turtle, JSON-LD or CSV file for review."""
    path = Path(file)
    media = MEDIA_BY_SUFFIX.get(path.suffix.lower(), "text/turtle")
    with _client(server, token) as c:
        resp = c.post("/api/validate" if dry_run else "/api/submissions", content=path.read_bytes(),
                      headers={"Content-Type": media})
    data = _show(resp)
    if dry_run:
        _print_report(data)
        click.echo(f"conforms / 通过校验: {len(data['items'])} item(s)")
    else:
        _print_report(data.get("report", {}))
        click.echo(f"submission {data['id']}: {data['status']} ({len(data['items'])} item(s))")
        for i in data["items"]:
            click.echo(f"  {i}")


@click.command("submissions")
@server_option
@token_option
@click.option("--status", default=None, help="submitted, accepted, rejected or withdrawn")
@click.option("--show", "show_id", type=int, default=None, help="print one submission with its Turtle")
def submissions(server, token, status, show_id):
    """List the submissions you may see (or show one)."""
    with _client(server, token) as c:
        if show_id is not None:
            data = _show(c.get(f"/api/submissions/{show_id}"))
            click.echo(json.dumps({k: v for k, v in data.items() if k != "turtle"}, ensure_ascii=False, indent=2))
            # what the review must see: every subject the submission makes statements about
            for item, subjects in (data.get("subjects") or {}).items():
                click.echo(f"subjects of / 主语 {item}: {', '.join(subjects)}")
            if data.get("foreign_subjects"):
                click.echo("WARNING / 警告: subjects outside their item / 不属于所在条目的主语: "
                           + ", ".join(data["foreign_subjects"]), err=True)
            click.echo(data.get("turtle", ""))
            return
        data = _show(c.get("/api/submissions", params={"status": status} if status else None))
    for s in data["submissions"]:
        click.echo(f"{s['id']}\t{s['status']}\t{s['org'] or '-'}\t{s['submitted_by']}\t{s['created'][:19]}\t{len(s['items'])} item(s)")


@click.group("review")
def review() -> None:
    """Accept or reject submissions (registrars) (审核)."""


@review.command("accept")
@click.argument("submission_id", type=int)
@click.option("--status", type=click.Choice(["stable", "experimental"]), default="stable", show_default=True)
@click.option("--note", default=None)
@server_option
@token_option
def review_accept(submission_id, status, note, server, token):
    """Publish a submission as stable or experimental."""
    with _client(server, token) as c:
        data = _show(c.post(f"/api/submissions/{submission_id}/accept", json={"status": status, "note": note}))
    for v in data["versions"]:
        click.echo(f"{v['event']}\t{v['version_iri']}\t{v['status']}")


@review.command("reject")
@click.argument("submission_id", type=int)
@click.option("--reason", required=True)
@server_option
@token_option
def review_reject(submission_id, reason, server, token):
    """Reject a submission (status invalid) with a reason."""
    with _client(server, token) as c:
        data = _show(c.post(f"/api/submissions/{submission_id}/reject", json={"reason": reason}))
    click.echo(f"submission {data['id']}: {data['status']} ({data['reason']})")


@click.command("status")
@click.argument("item")
@click.option("--stable", "target", flag_value="stable", help="experimental → stable")
@click.option("--retire", "target", flag_value="retired", help="→ retired")
@click.option("--supersede-by", "successor", default=None, help="→ superseded by this successor item IRI")
@click.option("--invalidate", "target", flag_value="invalid", help="experimental → invalid")
@click.option("--reason", default=None)
@click.option("--base-iri", default=None, help="the server's base IRI, when not the default")
@server_option
@token_option
def status(item, target, successor, reason, base_iri, server, token):
    """Change the status of a published item (registrars)."""
    if successor:
        target = "superseded"
    if not target:
        raise click.UsageError("say what to do: --stable, --retire, --invalidate or --supersede-by IRI")
    with _client(server, token) as c:
        data = _show(c.post(f"/api/items/{_item_path(base_iri, item)}/status",
                            json={"status": target, "successor": successor, "reason": reason}))
    click.echo(f"{data['item']}: {data['from']} → {data['status']} ({data['versions'][0]['version_iri']})")
    affects = data.get("affects")
    if affects is not None:
        if affects["rules"] or affects["qualifications"]:
            click.echo(f"affects / 影响: {len(affects['rules'])} transfer rule(s) / 条转换规则, "
                       f"{len(affects['qualifications'])} qualification(s) / 项资历")
            for line in describe_affected(affects):
                click.echo(line)
        else:
            click.echo("affects / 影响: no transfer rule or qualification / 无转换规则或资历引用")


@click.command("history")
@click.argument("item")
@click.option("--base-iri", default=None)
@server_option
def history(item, base_iri, server):
    """List the versions of an item."""
    with _client(server, None) as c:
        data = _show(c.get(f"/api/items/{_item_path(base_iri, item)}/history"))
    for v in data["versions"]:
        click.echo(f"v{v['version']}\t{v['time'][:19]}\t{v['status_name']}\t{v['org'] or '-'}\t{v['iri']}")


@click.command("diff")
@click.argument("item")
@click.argument("from_version", type=int)
@click.argument("to_version", type=int)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@click.option("--triples", is_flag=True, help="also print the added/removed triples")
@click.option("--base-iri", default=None)
@server_option
def diff(item, from_version, to_version, lang, triples, base_iri, server):
    """Show what changed between two versions of an item."""
    with _client(server, None) as c:
        data = _show(c.get(f"/api/items/{_item_path(base_iri, item)}/diff",
                           params={"from": from_version, "to": to_version}))
    for ch in data["changes"]:
        click.echo(ch[lang])
    if triples:
        for line in data["removed"]:
            click.echo(f"- {line}")
        for line in data["added"]:
            click.echo(f"+ {line}")


@click.command("changes")
@click.option("--since", default=None, help="last event id seen, or an ISO date-time")
@click.option("--limit", type=int, default=100)
@server_option
def changes(since, limit, server):
    """Print the change feed (follows the next links)."""
    with _client(server, None) as c:
        url, params = "/api/changes", {"limit": limit, **({"since": since} if since else {})}
        for _ in range(10_000):
            resp = c.get(url, params=params)
            data = _show(resp)
            for e in data["events"]:
                click.echo(f"{e['id']}\t{e['time'][:19]}\t{e['type']}\t{e['item']}\tv{e['version']}\t{e['status_name']}\t{e['org'] or '-'}")
            nxt = resp.links.get("next", {}).get("url")
            if not data["events"] or not nxt:
                break
            url, params = nxt, None


commands = [orgs, users, csv_to_ttl, submit, submissions, review, status, history, diff, changes]
