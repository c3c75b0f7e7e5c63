"""The change feed: JSON pages with ``Link: rel="next"`` and an Atom feed.

Events are numbered (``id``); ``since`` is the id of the last event a client has
seen (or an ISO date-time: events after it). Other registries keep in sync by
following the ``next`` links until a page is empty.

Absolute links (``next``, the Atom ``self`` and ``next``) are built from the configured public
base URL (``Settings.public_base()``: setting ``public_url``, env ``REGISTRY_PUBLIC_URL``), never
from the request's ``Host`` header, which any client can forge (issue 14, defect 3).
"""

from __future__ import annotations

from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from . import rdf

ATOM = "http://www.w3.org/2005/Atom"
#: where the feeds are served, below the public base URL
CHANGES_PATH = "/api/changes"
ATOM_PATH = "/api/changes.atom"


def feed_link(public_base: str, path: str, query: dict | None = None) -> str:
    """An absolute link to ``path`` on this registry: ``public_base`` (no trailing slash) + path + query."""
    url = public_base.rstrip("/") + path
    return url + "?" + urlencode(query) if query else url

EVENT_WORDS = {"create": ("新建", "created"), "update": ("更新", "updated"), "status": ("状态变更", "status changed")}


def event_json(e: dict) -> dict:
    return {"id": e["id"], "time": e["time"], "type": e["type"], "item": e["item"], "version": e["version"],
            "version_iri": rdf.version_iri(e["item"], e["version"]), "status": e["status"],
            "status_name": rdf.STATUS_NAMES.get(e["status"], e["status"]),
            "org": e["org_id"], "org_iri": e["org_iri"]}


def atom(events: list[dict], *, feed_url: str, title: str, updated: str, next_url: str | None = None) -> bytes:
    """An Atom 1.0 document for ``events`` (newest first); text is escaped by ElementTree."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_url
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url)
    if next_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="next", href=next_url)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "广东终身教育学分银行 Guangdong Lifelong Education Credit Bank"
    for e in events:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        zh, en = EVENT_WORDS.get(e["type"], (e["type"], e["type"]))
        status = rdf.STATUS_NAMES.get(e["status"], e["status"])
        vi = rdf.version_iri(e["item"], e["version"])
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{vi}#event-{e['id']}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{zh} {en}: {e['item']} v{e['version']} ({status})"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = e["time"]
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=e["item"])
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=vi)
        if e.get("org_iri"):
            a = ET.SubElement(entry, f"{{{ATOM}}}author")
            ET.SubElement(a, f"{{{ATOM}}}name").text = e.get("org_id") or e["org_iri"]
            ET.SubElement(a, f"{{{ATOM}}}uri").text = e["org_iri"]
        ET.SubElement(entry, f"{{{ATOM}}}category", term=e["type"])
        ET.SubElement(entry, f"{{{ATOM}}}category", term=e["status"], label=status)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = (
            f"{e['item']} {zh}，版本 {e['version']}，状态 {status}。 / {e['item']} {en}, version {e['version']}, status {status}.")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
