"""``registry build-site``: the whole catalogue as static files with relative links.

Output layout (``OUT/``):

* ``index.html``, ``standards.html``, ``search.html``, … and one ``{path}.html`` per IRI
  (``unit/ICT-SD-301.html``), in the default language; the other language under ``en/`` (or ``zh/``);
* ``{path}.ttl .jsonld .rdf .nt`` for every item and sub-resource page (written once);
* ``search-index.json`` (client-side search, same ranking as the server), ``context.jsonld``,
  ``static/`` (CSS, JS), ``404.html``;
* ``_headers``: the security headers of the live server (CSP, nosniff, no framing, no referrer)
  in the format Netlify and Cloudflare Pages read (docs/deployment.md has the nginx lines).

Speed: everything comes from ONE bulk query (all quads of the public dataset, grouped by named
graph, see ``queries.load_site_data``), never one query per page; rendering is split over worker
processes (fork) that share the fetched data.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import i18n, pages, rdf, static_extras
from .pages import Desc, View
from .queries import C, SiteData, load_site_data
from .render import STATIC, environment, ld_markup, render_page
from .search import SearchIndex
from .service import (LIST_SECTIONS, TEMPLATES, build_page, home_context, item_context, kind_of, list_context,
                      search_context)
from .urls import IriMap, StaticUrls, _UNIT_PART



@dataclass
class BuildStats:
    pages: int = 0          # HTML files
    data_files: int = 0     # RDF files
    bytes: int = 0
    seconds: float = 0.0
    query_seconds: float = 0.0
    render_seconds: float = 0.0
    cpu_seconds: float = 0.0  # user + system CPU of this process and its workers (machine-load independent)
    system_seconds: float = 0.0  # the kernel's part of cpu_seconds (mostly creating files; varies with the disk)
    units: int = 0
    by_kind: dict = field(default_factory=dict)
    written: int = 0        # files (re)written: all of them into an empty folder, the changed ones over a previous build
    removed: int = 0        # files of the previous build that this one no longer produces

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass
class Job:
    iri: str
    graph: str
    kind: str
    pages: int = 1  # paged pages (levels)


# state shared with forked workers (set before the pool starts)
_STATE: dict = {}


class Output:
    """The output folder and its manifest (``.build-manifest.json``: every file the build wrote, with a
    hash of its content). A file whose content has the hash the previous build recorded is not
    rewritten; files of the previous build that this one did not produce are removed. So a build
    over an existing output leaves exactly what a build into an empty folder writes."""

    MANIFEST = ".build-manifest.json"

    def __init__(self, root: Path):
        self.root = root
        self.prefix = len(str(root)) + 1
        self.old: dict[str, str] = {}
        try:
            doc = json.loads((root / self.MANIFEST).read_text("utf-8"))
            if isinstance(doc, dict) and isinstance(doc.get("files"), dict):
                self.old = doc["files"]
        except (OSError, ValueError):
            pass
        self.new: dict[str, str] = {}
        self.written = 0

    def write(self, path: Path, data: bytes) -> None:
        name = str(path)[self.prefix:]
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        self.new[name] = digest
        if self.old.get(name) == digest and path.is_file():
            return
        with open(path, "wb") as f:
            f.write(data)
        self.written += 1

    def finish(self) -> int:
        """Remove what the previous build wrote and this one did not; write the manifest. Returns
        how many files were removed."""
        removed = 0
        folders = set()
        for name in self.old.keys() - self.new.keys():
            path = self.root / name
            try:
                path.unlink()
                removed += 1
                folders.add(path.parent)
            except FileNotFoundError:
                pass
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            while folder != self.root and folder.is_relative_to(self.root):
                try:
                    folder.rmdir()  # only when empty
                except OSError:
                    break
                folder = folder.parent
        doc = {"version": 1, "files": dict(sorted(self.new.items()))}
        with open(self.root / self.MANIFEST, "wb") as f:
            f.write(json.dumps(doc, separators=(",", ":")).encode("utf-8"))
        return removed


def _write(path: Path, data: bytes) -> None:
    _STATE["output"].write(path, data)


def _render_jobs(indexes: list[int]) -> tuple[int, int, int, dict, dict, int]:
    st = _STATE
    output: Output = st["output"]
    done_before, written_before = output.new, output.written
    output.new, output.written = {}, 0
    site: SiteData = st["site"]
    out: Path = st["out"]
    iris: IriMap = st["iris"]
    langs: list[str] = st["langs"]
    default_lang: str = st["default_lang"]
    formats: bool = st["formats"]
    graphs: dict = st["graphs"]
    jobs: list[Job] = st["jobs"]
    shapes_desc: Desc | None = st["shapes_desc"]
    views = {lang: View(site, lang) for lang in langs}
    ts = {lang: i18n.translator(lang) for lang in langs}
    context_url = iris.base + "context.jsonld"
    n_pages = n_data = n_bytes = 0
    by_kind: dict = {}
    desc_cache: tuple = (None, None, None)
    for i in indexes:
        job = jobs[i]
        triples = graphs[job.graph]
        if job.iri == job.graph:
            rdf_triples = triples
            desc = Desc(triples) if desc_cache[0] != job.graph else desc_cache[1]
        else:
            if desc_cache[0] != job.graph:
                desc_cache = (job.graph, Desc(triples), rdf.subject_index(triples))
            desc = desc_cache[1]
            rdf_triples = rdf.describe(triples, job.iri, desc_cache[2])
        path = iris.path_of(job.iri)
        jsonld = rdf.compact_jsonld(rdf_triples, job.iri, context_url)
        jsonld_text = rdf.jsonld_text(jsonld)  # serialised once: the .jsonld file and the page's script
        jsonld_html = ld_markup(jsonld, jsonld_text)
        if formats:
            for suffix, mt in rdf.SUFFIXES.items():
                if mt == rdf.JSONLD:
                    data = jsonld_text.encode("utf-8")
                else:
                    data = rdf.serialize(rdf_triples, mt, main=job.iri, context_url=context_url)
                _write(out / StaticUrls.file_of(path, fmt=suffix), data)
                n_data += 1
                n_bytes += len(data)
        for lang in langs:
            v, t = views[lang], ts[lang]
            root = out if lang == default_lang else out / lang
            for page_no in range(1, job.pages + 1):
                urls = StaticUrls(iris, lang, path, default_lang=default_lang, current_page=page_no,
                                  data_files=formats)
                page = build_page(job.kind, v, job.iri, desc, t, shapes_desc=shapes_desc, page_no=page_no)
                ctx = item_context(site, job.kind, page, job.iri, rdf_triples, urls, v, t, context_url,
                                   embed_jsonld=False)
                ctx["jsonld"] = jsonld_html
                html = render_page(TEMPLATES[job.kind], lang=lang, urls=urls, **ctx).encode("utf-8")
                _write(root / StaticUrls.file_of(path, page=page_no), html)
                n_pages += 1
                n_bytes += len(html)
                by_kind[job.kind] = by_kind.get(job.kind, 0) + 1
    files, written = output.new, output.written
    output.new, output.written = done_before, written_before
    return n_pages, n_data, n_bytes, by_kind, files, written


def plan_jobs(site: SiteData, graphs: dict[str, list[ox.Triple]], iris: IriMap) -> list[Job]:
    """One job per IRI that gets a page: each item and the sub-resources its graph describes
    (parts of a unit — outcomes, credit — are shown on the unit page)."""
    jobs: list[Job] = []
    per_level = site.units_of_level()
    for g in sorted(graphs):
        if iris.path_of(g) is None:
            continue  # e.g. labels republished for external IRIs
        triples = graphs[g]
        subjects = sorted({t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)})
        gdesc = None
        for s in subjects:
            path = iris.path_of(s)
            if path is None or not path or _UNIT_PART.match(path):
                continue
            if s != g and not s.startswith(iris.base):
                continue
            if gdesc is None:
                gdesc = Desc(triples)
            kind = kind_of(site, s, gdesc)
            n = 1
            if kind == "level":
                n = max(1, -(-len(per_level.get(s, ())) // pages.PAGE_SIZE))
            jobs.append(Job(s, g, kind, n))
    return jobs


def static_headers() -> str:
    """``_headers`` (Netlify / Cloudflare Pages): the live server's security headers for every file."""
    from ..security import SECURITY_HEADERS

    return "/*\n" + "".join(f"  {k}: {v}\n" for k, v in SECURITY_HEADERS.items())


def build_site(store, out: str | Path, *, base_iri: str, langs: tuple[str, ...] = ("zh", "en"),
               default_lang: str = "zh", formats: bool = True, workers: int | None = None,
               log: Callable[[str], None] | None = None, profiles: tuple[str, ...] = ("cb",)) -> BuildStats:
    """Write the static catalogue of ``store`` to ``out``; returns what was written and how fast."""
    log = log or (lambda m: None)
    t0 = time.perf_counter()
    c0 = os.times()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    iris = IriMap(base_iri)
    stats = BuildStats()
    site = load_site_data(store, keep_graphs=True)  # ONE bulk query: every page is rendered from it
    graphs: dict[str, list[ox.Triple]] = site.graph_triples or {}
    site.graph_triples = None
    shapes_iri = iris.base + "shapes"
    shapes_desc = Desc(graphs[shapes_iri]) if shapes_iri in graphs else None
    stats.query_seconds = time.perf_counter() - t0
    stats.units = len(site.of_type(C + "Unit"))
    log(f"queried the store in {stats.query_seconds:.2f} s ({len(graphs)} item graphs, {stats.units} units)")

    jobs = plan_jobs(site, graphs, iris)
    StaticUrls.known = frozenset(iris.path_of(j.iri) for j in jobs)
    # folders, once
    roots = [out if lang == default_lang else out / lang for lang in langs]
    dirs = {os.path.dirname(StaticUrls.file_of(iris.path_of(j.iri))) for j in jobs}
    for root in roots:
        for d in dirs:
            (root / d).mkdir(parents=True, exist_ok=True)
    # assets, context and search index
    output = _STATE["output"] = Output(out)
    for src in sorted(STATIC.rglob("*")):
        if src.is_file():
            dst = out / "static" / src.relative_to(STATIC)
            dst.parent.mkdir(parents=True, exist_ok=True)
            _write(dst, src.read_bytes())
    _write(out / "context.jsonld", json.dumps(rdf.context_document(), ensure_ascii=False, indent=1).encode("utf-8"))
    _write(out / "_headers", static_headers().encode("utf-8"))
    index = SearchIndex(site, iris.base)
    index_doc = index.to_json(lambda iri: _page_path(iris, iri))
    _write(out / "search-index.json", json.dumps(index_doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    # catalogue pages (few) in this process
    env = environment()
    for name in set(TEMPLATES.values()) | {"home.html", "list.html", "standards.html", "search.html", "notfound.html"}:
        env.get_template(name)
    for lang, root in zip(langs, roots):
        stats.pages += _catalogue_pages(site, index, iris, lang, default_lang, root)

    # item pages in worker processes
    t1 = time.perf_counter()
    _STATE.update(output=output, site=site, out=out, iris=iris, langs=list(langs), default_lang=default_lang, formats=formats,
                  graphs=graphs, jobs=jobs, shapes_desc=shapes_desc)
    workers = workers or os.cpu_count() or 1
    chunks = [list(range(i, len(jobs), workers)) for i in range(workers)]
    # fork shares the fetched data without copying it; it is only safe while this process runs no
    # other threads (a server in the same process, as in the browser tests, means one process)
    parallel = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and len(jobs) > 200 and parallel:
        gc.freeze()  # keep the shared data out of the workers' GC passes (no copy-on-write of it)
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_render_jobs, chunks)
    else:
        results = [_render_jobs(list(range(len(jobs))))]
    _STATE.clear()
    gc.unfreeze()
    StaticUrls.known = None
    for n_pages, n_data, n_bytes, by_kind, files, written in results:
        output.new.update(files)
        output.written += written
        stats.pages += n_pages
        stats.data_files += n_data
        stats.bytes += n_bytes
        for k, v in by_kind.items():
            stats.by_kind[k] = stats.by_kind.get(k, 0) + v
    stats.data_files += static_extras.write_extras(  # profiles, sitemap, robots, host rules
        store, out, site=site, iris=iris, tokens=profiles if formats else (),
        items=static_extras.job_items(jobs, graphs, iris), write=output.write)
    stats.removed = output.finish()
    stats.written = output.written
    stats.render_seconds = time.perf_counter() - t1
    stats.seconds = time.perf_counter() - t0
    c1 = os.times()
    stats.system_seconds = (c1.system - c0.system) + (c1.children_system - c0.children_system)
    stats.cpu_seconds = (c1.user - c0.user) + (c1.children_user - c0.children_user) + stats.system_seconds
    log(f"wrote {stats.pages} pages and {stats.data_files} data files in {stats.seconds:.2f} s "
        f"({stats.pages_per_second:.0f} pages/s); {stats.written} files (re)written, {stats.removed} removed")
    return stats


def _page_path(iris: IriMap, iri: str) -> str:
    path = iris.path_of(iri) or iri
    m = _UNIT_PART.match(path)
    return m.group(1) if m else path


def _catalogue_pages(site: SiteData, index: SearchIndex, iris: IriMap, lang: str, default_lang: str, root: Path) -> int:
    v = View(site, lang)
    t = i18n.translator(lang)
    n = 0

    def write(path: str, template: str, ctx: dict, page_no: int = 1):
        nonlocal n
        urls = StaticUrls(iris, lang, path, default_lang=default_lang, current_page=page_no)
        ctx = dict(ctx)
        if callable(ctx.get("p")):
            ctx["p"] = ctx["p"](urls)
        html = render_page(template, lang=lang, urls=urls, **ctx)
        _write(root / StaticUrls.file_of(path, page=page_no), html.encode("utf-8"))
        n += 1

    root.mkdir(parents=True, exist_ok=True)
    urls0 = StaticUrls(iris, lang, "", default_lang=default_lang)
    write("", "home.html", home_context(v, urls0))
    write("standards", "standards.html", {"p": pages.standards_list(v), "kind": "standards", "here": "standards",
                                          "crumbs": [{"href": None, "label": t("nav.standards")}]})
    for section in LIST_SECTIONS:
        first = list_context(v, section, 1, iris.base)
        for page_no in range(1, first["p"]["list"]["pages"] + 1):
            c = list_context(v, section, page_no, iris.base)
            c["crumbs"] = [{"href": None, "label": c["heading_text"]}]
            write(section, "list.html", c, page_no)
    sc = search_context(index, v, urls0, "", {})
    sc["crumbs"] = [{"href": None, "label": t("nav.search")}]
    sc["search_index_url"] = urls0.root_up + "search-index.json"
    write("search", "search.html", sc)
    other = "en" if lang == "zh" else "zh"
    write("404", "notfound.html", {"missing": None, "other_t": i18n.translator(other), "kind": "notfound"})
    return n
