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
from collections import defaultdict
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


# --- page-level dependency tracking (incremental rebuilds) -------------------------------------------
#
# While an item's pages and data files are rendered, every fact the page code reads from ``SiteData``
# is recorded as a key: ``i:IRI`` (any plain fact of IRI: labels, code, status, types, level, area, …,
# read through the tracked dicts below or ``View.label``), ``u:IRI`` (what uses IRI), ``t:CLASS``,
# ``ua:AREA``, ``ul:LEVEL``, ``sl:STANDARD`` (the derived lists), ``p:PATH`` (whether PATH has a page,
# which decides whether a link is relative or the IRI itself). The manifest keeps, per item, its keys
# and files, and a digest of every key's value. A rebuild re-renders an item only if its graph was
# written since the generation the manifest records, or a key's digest differs; everything else is
# left as it is. So a page is rendered again exactly when something it read changed.

_SEEN: set = set()   # i: keys of the item being rendered (IRIs, no prefix: the hot path)
_AGG: set = set()    # every other key, prefixed

PLAIN_FIELDS = ("types", "labels", "rdfs_labels", "other_labels", "notation", "status", "issued", "modified",
                "successor", "version", "in_scheme", "level_order", "unit_level", "unit_area", "unit_credit",
                "area_standard", "area_order", "links")


class _TDict(defaultdict):
    """A ``SiteData`` fact dict that records which IRIs are looked up (into ``_SEEN``)."""

    __slots__ = ()

    def get(self, k, d=None):
        _SEEN.add(k)
        return defaultdict.get(self, k, d)

    def __getitem__(self, k):
        _SEEN.add(k)
        return defaultdict.__getitem__(self, k)

    def __contains__(self, k):
        _SEEN.add(k)
        return defaultdict.__contains__(self, k)


class _TSet(set):
    __slots__ = ()

    def __contains__(self, k):
        _SEEN.add(k)
        return set.__contains__(self, k)


class _TKeyed(defaultdict):
    """A derived mapping (``used_by``, ``units_of_area()``, …) whose lookups are recorded as ``PREFIX + key``."""

    __slots__ = ("prefix",)

    def get(self, k, d=None):
        _AGG.add(self.prefix + k)
        return defaultdict.get(self, k, d)

    def __getitem__(self, k):
        _AGG.add(self.prefix + k)
        return defaultdict.__getitem__(self, k)

    def __contains__(self, k):
        _AGG.add(self.prefix + k)
        return defaultdict.__contains__(self, k)


def _keyed(prefix: str, d: dict) -> _TKeyed:
    out = _TKeyed(getattr(d, "default_factory", None), d)
    out.prefix = prefix
    return out


class _TPaths(frozenset):
    """``StaticUrls.known``: which paths have a page; lookups recorded as ``p:PATH``."""

    def __contains__(self, k):
        _AGG.add("p:" + k)
        return frozenset.__contains__(self, k)


class _TView(View):
    """``View`` whose cached labels still record the IRI they are of."""

    def label(self, iri: str):
        _SEEN.add(iri)
        return View.label(self, iri)


def track(site: SiteData) -> SiteData:
    """Make ``site`` record the reads of whatever renders from it (see above). Same values, same behaviour."""
    for name in PLAIN_FIELDS:
        d = getattr(site, name)
        setattr(site, name, _TDict(getattr(d, "default_factory", None), d))
    site.graphs = _TSet(site.graphs)
    site.used_by = _keyed("u:", site.used_by)
    for meth, prefix in (("units_of_area", "ua:"), ("units_of_level", "ul:"), ("standard_levels", "sl:")):
        def derived(_orig=getattr(site, meth), _prefix=prefix, _key=meth):
            v = site._memo.get(("tracked", _key))
            if v is None:
                v = site._memo[("tracked", _key)] = _keyed(_prefix, _orig())
            return v
        setattr(site, meth, derived)
    orig_of_type = site.of_type

    def of_type(cls: str, _orig=orig_of_type):
        _AGG.add("t:" + cls)
        return _orig(cls)
    site.of_type = of_type
    return site


def key_digest(site: SiteData, known: frozenset, key: str) -> str:
    """A short digest of the value a dependency key stands for."""
    kind, _, arg = key.partition(":")
    if kind == "i":
        vals = [dict.get(getattr(site, f), arg) for f in PLAIN_FIELDS[:-1]]
        links = dict.get(site.links, arg)
        vals.append(sorted(links.items()) if links else None)
        vals.append(set.__contains__(site.graphs, arg) if isinstance(site.graphs, set) else arg in site.graphs)
        val = repr(vals)
    elif kind == "u":
        val = repr(dict.get(site.used_by, arg))
    elif kind == "t":
        val = repr(site.of_type(arg))
    elif kind == "ua":
        val = repr(dict.get(site.units_of_area(), arg))
    elif kind == "ul":
        val = repr(dict.get(site.units_of_level(), arg))
    elif kind == "sl":
        v = dict.get(site.standard_levels(), arg)
        val = repr(sorted(v) if v is not None else None)
    else:  # p
        val = "1" if frozenset.__contains__(known, arg) else "0"
    return hashlib.blake2b(val.encode("utf-8"), digest_size=8).hexdigest()


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
    rendered: int = 0       # items (with all their pages and data files) rendered; the others were unaffected

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


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


class Output:
    """The output folder and its manifest (``.build-manifest.json``: every file the build wrote, with a
    hash of its content, and what each item's pages read, see "dependency tracking" above). A file
    whose content has the hash the previous build recorded is not rewritten; files of the previous
    build that this one did not produce are removed. So a build over an existing output leaves exactly
    what a build into an empty folder writes (manifest included)."""

    MANIFEST = ".build-manifest.json"
    VERSION = 2

    def __init__(self, root: Path):
        self.root = root
        self.prefix = len(str(root)) + 1
        self.old: dict[str, str] = {}
        self.doc: dict = {}
        try:
            doc = json.loads((root / self.MANIFEST).read_text("utf-8"))
            if isinstance(doc, dict) and isinstance(doc.get("files"), dict):
                self.old = dict(doc["files"])
                if doc.get("version") == self.VERSION and isinstance(doc.get("jobs"), dict):
                    self.doc = doc
                    for entry in doc["jobs"].values():
                        self.old.update(entry[3])
        except (OSError, ValueError, TypeError, IndexError, AttributeError):
            self.old, self.doc = {}, {}
        self.new: dict[str, str] = {}
        self.written = 0
        self.current: dict[str, str] | None = None  # the files of the item being rendered

    def write(self, path: Path | str, data: bytes) -> None:
        path = os.fspath(path)
        name = path[self.prefix:]
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        self.new[name] = digest
        if self.current is not None:
            self.current[name] = digest
        if self.old.get(name) == digest and os.path.isfile(path):
            return
        # os-level calls: same file as open(path, "wb").write(data), minus io's buffer objects
        fd = os.open(path, _CREATE, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        self.written += 1

    def finish(self, *, generation: int = 0, code: str = "", settings: str = "", jobs: dict | None = None,
               digests: dict | None = None) -> int:
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
        jobs = jobs or {}
        in_jobs = set()
        for entry in jobs.values():
            in_jobs.update(entry[3])
        keys = sorted(digests or {})
        index = {k: i for i, k in enumerate(keys)}
        doc = {"version": self.VERSION, "generation": generation, "code": code, "settings": settings,
               "keys": keys, "digests": [digests[k] for k in keys],
               "jobs": {iri: [e[0], e[1], e[2], dict(sorted(e[3].items())), sorted(index[k] for k in e[4])]
                        for iri, e in sorted(jobs.items())},
               "files": dict(sorted((k, v) for k, v in self.new.items() if k not in in_jobs))}
        with open(self.root / self.MANIFEST, "wb") as f:
            f.write(json.dumps(doc, separators=(",", ":")).encode("utf-8"))
        return removed


def _write(path: Path, data: bytes) -> None:
    _STATE["output"].write(path, data)


def _render_jobs(indexes: list[int]) -> tuple[int, int, int, dict, dict, int, dict]:
    """Render the given jobs; returns counts, the files written and, per item, ``[graph, kind, pages,
    {file: hash}, [dependency keys]]``."""
    st = _STATE
    output: Output = st["output"]
    done_before, written_before = output.new, output.written
    output.new, output.written = {}, 0
    site: SiteData = st["site"]
    out: Path = st["out"]
    out_s = os.fspath(out)
    iris: IriMap = st["iris"]
    langs: list[str] = st["langs"]
    default_lang: str = st["default_lang"]
    formats: bool = st["formats"]
    graphs: dict = st["graphs"]
    jobs: list[Job] = st["jobs"]
    shapes_desc: Desc | None = st["shapes_desc"]
    views = {lang: _TView(site, lang) for lang in langs}
    ts = {lang: i18n.translator(lang) for lang in langs}
    context_url = iris.base + "context.jsonld"
    n_pages = n_data = n_bytes = 0
    by_kind: dict = {}
    info: dict = {}
    desc_cache: tuple = (None, None, None)
    for i in indexes:
        job = jobs[i]
        _SEEN.clear()
        _AGG.clear()
        files = output.current = {}
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
                _write(f"{out_s}/{StaticUrls.file_of(path, fmt=suffix)}", data)
                n_data += 1
                n_bytes += len(data)
        for lang in langs:
            v, t = views[lang], ts[lang]
            root = out_s if lang == default_lang else f"{out_s}/{lang}"
            for page_no in range(1, job.pages + 1):
                urls = StaticUrls(iris, lang, path, default_lang=default_lang, current_page=page_no,
                                  data_files=formats)
                page = build_page(job.kind, v, job.iri, desc, t, shapes_desc=shapes_desc, page_no=page_no)
                ctx = item_context(site, job.kind, page, job.iri, rdf_triples, urls, v, t, context_url,
                                   embed_jsonld=False)
                ctx["jsonld"] = jsonld_html
                html = render_page(TEMPLATES[job.kind], lang=lang, urls=urls, **ctx).encode("utf-8")
                _write(f"{root}/{StaticUrls.file_of(path, page=page_no)}", html)
                n_pages += 1
                n_bytes += len(html)
                by_kind[job.kind] = by_kind.get(job.kind, 0) + 1
        deps = ["i:" + k for k in _SEEN if isinstance(k, str)]
        deps.extend(k for k in _AGG if isinstance(k, str))
        info[job.iri] = [job.graph, job.kind, job.pages, files, deps]
    output.current = None
    files, written = output.new, output.written
    output.new, output.written = done_before, written_before
    return n_pages, n_data, n_bytes, by_kind, files, written, info


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


def code_digest() -> str:
    """A digest of the code and templates a build runs (``registry/`` and ``site/``): when they change,
    what the previous build recorded about its pages says nothing, so everything is rendered again."""
    h = hashlib.blake2b(digest_size=16)
    here = Path(__file__).resolve().parent.parent  # registry/
    for top in (here, STATIC.parent):
        for p in sorted(top.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(top)).encode("utf-8") + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def build_site(store, out: str | Path, *, base_iri: str, langs: tuple[str, ...] = ("zh", "en"),
               default_lang: str = "zh", formats: bool = True, workers: int | None = None,
               log: Callable[[str], None] | None = None, profiles: tuple[str, ...] = ("cb",),
               incremental: bool = True) -> BuildStats:
    """Write the static catalogue of ``store`` to ``out``; returns what was written and how fast.

    Over the output of a previous build (its manifest), only the items whose pages read something that
    changed since are rendered (``incremental=False``: render everything, still writing only changed
    files). Everything is rendered when the store cannot say which graphs changed since that build, or
    the code, templates or build settings differ."""
    log = log or (lambda m: None)
    t0 = time.perf_counter()
    c0 = os.times()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    iris = IriMap(base_iri)
    stats = BuildStats()
    output = Output(out)
    code = code_digest()
    settings = hashlib.blake2b(json.dumps([iris.base, list(langs), default_lang, formats, list(profiles)]).encode(),
                               digest_size=16).hexdigest()
    generation = store.generation()  # before the scan: what a later write adds is rendered next time
    prev = output.doc
    changed: frozenset | None = None
    if incremental and prev and prev.get("code") == code and prev.get("settings") == settings:
        try:
            changed = store.changed_graphs(int(prev.get("generation", -1)))
        except (TypeError, ValueError):
            changed = None
    site = load_site_data(store, keep_graphs=True)  # ONE bulk query: every page is rendered from it
    graphs: dict[str, list[ox.Triple]] = site.graph_triples or {}
    site.graph_triples = None
    shapes_iri = iris.base + "shapes"
    shapes_desc = Desc(graphs[shapes_iri]) if shapes_iri in graphs else None
    if changed is not None and shapes_iri in changed:
        changed = None  # the shapes are shown on every ontology page: not tracked per page
    stats.query_seconds = time.perf_counter() - t0
    stats.units = len(site.of_type(C + "Unit"))
    log(f"queried the store in {stats.query_seconds:.2f} s ({len(graphs)} item graphs, {stats.units} units)")

    jobs = plan_jobs(site, graphs, iris)
    track(site)
    known = _TPaths(iris.path_of(j.iri) for j in jobs)
    StaticUrls.known = known
    digests: dict[str, str] = {}
    carried: dict[str, list] = {}
    todo = list(range(len(jobs)))
    if changed is not None:
        keys = prev.get("keys", [])
        old_digests = prev.get("digests", [])
        stale = set()
        for k, d in zip(keys, old_digests):
            nd = digests[k] = key_digest(site, known, k)
            if nd != d:
                stale.add(k)
        stale_ix = {i for i, k in enumerate(keys) if k in stale}
        old_jobs = prev["jobs"]
        todo = []
        for i, j in enumerate(jobs):
            o = old_jobs.get(j.iri)
            if (o is None or j.graph in changed or o[0] != j.graph or o[1] != j.kind or o[2] != j.pages
                    or any(k in stale_ix for k in o[4]) or not all(os.path.isfile(out / f) for f in o[3])):
                todo.append(i)
            else:
                carried[j.iri] = [o[0], o[1], o[2], o[3], [keys[k] for k in o[4]]]
                output.new.update(o[3])
        log(f"{len(changed)} graphs changed since generation {prev.get('generation')}: "
            f"{len(stale)} of {len(keys)} facts read by pages differ; rendering {len(todo)} of {len(jobs)} items")
    elif prev and incremental:
        log("rendering everything (the store cannot say what changed, or the code or settings differ)")
    # folders, once
    roots = [out if lang == default_lang else out / lang for lang in langs]
    dirs = {os.path.dirname(StaticUrls.file_of(iris.path_of(jobs[i].iri))) for i in todo}
    for root in roots:
        for d in dirs:
            (root / d).mkdir(parents=True, exist_ok=True)
    # assets, context and search index
    _STATE["output"] = output
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

    # catalogue pages (few; always rendered) in this process
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
    chunks = [todo[i::workers] for i in range(workers)]
    # fork shares the fetched data without copying it; it is only safe while this process runs no
    # other threads (a server in the same process, as in the browser tests, means one process)
    parallel = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and len(todo) > 200 and parallel:
        gc.freeze()  # keep the shared data out of the workers' GC passes (no copy-on-write of it)
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_render_jobs, chunks)
    else:
        results = [_render_jobs(todo)]
    _STATE.clear()
    gc.unfreeze()
    StaticUrls.known = None
    job_info = carried
    for n_pages, n_data, n_bytes, by_kind, files, written, info in results:
        output.new.update(files)
        output.written += written
        stats.pages += n_pages
        stats.data_files += n_data
        stats.bytes += n_bytes
        for k, v in by_kind.items():
            stats.by_kind[k] = stats.by_kind.get(k, 0) + v
        job_info.update(info)
    for entry in job_info.values():
        for k in entry[4]:
            if k not in digests:
                digests[k] = key_digest(site, known, k)
    # profiles, sitemap, robots, host rules; profiles other than cb read labels of what an item links
    # to from the store (not tracked per item): written for every item
    stats.data_files += static_extras.write_extras(
        store, out, site=site, iris=iris, tokens=profiles if formats else (),
        items=static_extras.job_items(jobs, graphs, iris), write=output.write)
    stats.removed = output.finish(generation=generation, code=code, settings=settings, jobs=job_info,
                                  digests={k: digests[k] for e in job_info.values() for k in e[4]})
    stats.written = output.written
    stats.rendered = len(todo)
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
