"""Load RDF files into the store, one named graph per item (used by ``registry load``).

``load_paths`` parses every file (errors name ``file:line:column``), validates
the whole input against the shapes (unless told not to), splits it into items
(``registry/items.py``) and replaces those item graphs in ONE atomic write.
Loading the same files twice gives the same store: item graphs are replaced as
a whole, never added to.

Trusted loads (``validate=False``, what ``registry load --no-validate`` does) are streamed, so
their memory does not grow with the input: a first parse learns which item every subject
belongs to and where each item's last triple is (:class:`registry.items.ItemScanner`, no
triples kept); a second parse hands each item over as soon as its last triple has been read,
in chunks, to the version recorder and, as N-Quads, to a spill file next to the store; the
store write then streams that file into the bulk loader. Items whose triples are contiguous in
the input (what exports and generators write) are held one at a time; scattered ones are held
until their last triple (correct for any order, only less frugal). Validated loads keep the
whole input in memory anyway (the validator needs it) and take the in-memory path.
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import rdfio
from .errors import InvalidInput, Kind
from .items import BlankKeys, ItemScanner, ItemSplitError, split_items
from .store import GraphWrite, RegistryStore

__all__ = ["LoadError", "LoadRefused", "LoadResult", "items_from_files", "load_files", "load_paths", "parse_file",
           "rdf_files"]

#: a streamed load hands items over in chunks of about this many triples
CHUNK_TRIPLES = 100_000
#: writes with more triples than this go through the store's bulk path
BULK_THRESHOLD = 5_000


class LoadError(InvalidInput, ValueError):
    """The input cannot be loaded; the message names the file and what is wrong.

    ``LoadError(en)`` or ``LoadError(en, zh)`` (``str(e)`` is both when they differ).
    """

    def __init__(self, en: str, zh: str | None = None, *, kind: str | None = None, **details):
        super().__init__(zh or en, en, kind=kind, **details)


class LoadRefused(LoadError):
    """The input does not conform to the shapes; ``report`` is the validation report."""

    def __init__(self, message: str, report=None, zh: str | None = None):
        super().__init__(message, zh)
        self.report = report


@dataclass
class LoadResult:
    files: list[Path]
    items: dict[str, int] = field(default_factory=dict)  # item IRI -> triple count

    @property
    def triples(self) -> int:
        return sum(self.items.values())


def parse_file(path: Path, *, shared: bool = True) -> list:
    """Triples of one RDF file (graph names in quad formats are ignored: items decide graphs).

    The one parser, ``registry/rdfio.py`` (BOM, nesting limit, format by suffix). Raises
    :class:`LoadError` as ``file:line:column: message``. ``shared=False`` returns pyoxigraph's
    default-graph quads as they come, without copying them into triples: what ``load_paths``
    uses on trusted (``--no-validate``) loads.
    """
    try:
        return rdfio.parse_file(path, quads=not shared)
    except rdfio.RdfSyntaxError as e:
        raise LoadError(str(e), f"{e.source}:{e.line}:{e.column}: {e.zh}",
                        source=e.source, line=e.line, column=e.column) from e


def rdf_files(paths: Iterable[str | Path]) -> list[Path]:
    """The RDF files named by ``paths`` (``registry.rdfio.rdf_files``); a missing path is a :class:`LoadError`."""
    try:
        return rdfio.rdf_files(paths)
    except rdfio.NoSuchPath as e:
        raise LoadError(e.en, e.zh, **e.details) from None


def _progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="", file=sys.stderr, leave=False)


def peak_rss_mb() -> float:
    """The peak resident memory of this process (and of waited-for children), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # Linux: kilobytes


class _Meter:
    """A progress line on stderr (triples, items, elapsed, memory) for streamed loads; silent when off."""

    STEP = 1 << 16  # triples between updates

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.start = time.perf_counter()
        self.bar = None

    def stage(self, desc: str, total: int | None = None):
        if not self.enabled:
            return
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(total=total, desc=desc, unit=" triples", unit_scale=True, file=sys.stderr, leave=False,
                        mininterval=0.5)

    def count(self, triples, items: int | None = None) -> None:
        if self.bar is not None:
            self.bar.update(triples)
            if items is not None:
                self.bar.set_postfix_str(f"{items} items, {peak_rss_mb():.0f} MB peak", refresh=False)

    def counted(self, iterable):
        """``iterable`` (quads), counted into the bar as it is consumed."""
        if self.bar is None:
            return iterable
        return self._counted(iterable)

    def _counted(self, iterable):
        n, step = 0, self.STEP
        for q in iterable:
            yield q
            n += 1
            if n == step:
                self.bar.update(n)
                n = 0
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _open_rdf(path: Path):
    """``(binary file positioned after any UTF-8 BOM, format)``; a file that cannot be read is a LoadError."""
    fmt = rdfio.rdf_format(None, str(path))
    try:
        fh = open(path, "rb")
    except OSError as e:
        raise LoadError(f"{path}:1:1: cannot read the file: {e.strerror or e}",
                        f"{path}:1:1: 无法读取文件：{e.strerror or e}") from None
    if fh.read(len(rdfio.UTF8_BOM)) != rdfio.UTF8_BOM:
        fh.seek(0)
    return fh, fmt


def _syntax(path: Path, e: SyntaxError) -> LoadError:
    err = rdfio.syntax_error(str(path), e)
    return LoadError(str(err), f"{err.source}:{err.line}:{err.column}: {err.zh}",
                     source=err.source, line=err.line, column=err.column)


def _load_streamed(store: RegistryStore, files: list[Path], progress: bool, say, recorder) -> LoadResult:
    """The streamed trusted load (module doc): two parses, chunks, a spill file, one store write."""
    meter = _Meter(progress)
    # pass 1: which item each subject belongs to, where each item ends (no triples kept)
    assignments: list[dict] = []
    last: dict[str, int] = {}
    n = 0
    meter.stage("parse")
    for f in files:
        fh, fmt = _open_rdf(f)
        with fh, _no_cyclic_gc():
            try:
                assignment, ends, count = ItemScanner.scan(meter.counted(ox.parse(fh, format=fmt)), n)
            except SyntaxError as e:
                raise _syntax(f, e) from None
            except ItemSplitError as e:
                raise LoadError(f"{f}: {e}", f"{f}: {e.zh}") from e
        assignments.append(assignment)
        last.update(ends)  # later files end later: an item in several files ends in the last one
        n += count
    meter.close()
    say(f"parsed {len(files)} file(s), {n} triples")
    graphs = list(last)
    say(f"{len(graphs)} item(s) → one named graph each")

    folder = getattr(store, "path", None)
    fd, spill_name = tempfile.mkstemp(prefix=".load-", suffix=".nq",
                                      dir=str(folder) if folder is not None and Path(folder).is_dir() else None)
    spill = Path(spill_name)
    counts: dict[str, int] = {}
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            try:
                _split_to_spill(files, assignments, last, recorder, out, counts, meter, n)
            except BaseException:
                if recorder is not None:
                    recorder.abort()
                raise
        assignments.clear()
        meter.close()
        if recorder is not None:
            recorder.commit(len(graphs))  # versions first (the outbox protocol), then the store write
        total = sum(counts.values())
        with open(spill, "rb") as fh:
            quads = ox.parse(fh, format=ox.RdfFormat.N_QUADS)
            if total > BULK_THRESHOLD:
                meter.stage("store", total)
                store.bulk_load_quads(meter.counted(quads), graphs, size_hint=total)
                meter.close()
            else:
                replace: dict[str, list] = {g: [] for g in graphs}
                for q in quads:
                    replace[q.graph_name.value].append(q.triple)
                store.write(GraphWrite(replace=replace))
    finally:
        meter.close()
        spill.unlink(missing_ok=True)
    return LoadResult(files, counts)


def _split_to_spill(files, assignments, last, recorder, out, counts, meter, n) -> None:
    """Pass 2: parse again, hand each item over when its last triple is read (in chunks)."""
    meter.stage("split", n)
    blank, default = ox.BlankNode, ox.DefaultGraph
    open_items: dict[str, list] = {}
    chunk: dict[str, list] = {}
    chunk_n = 0
    pos = 0
    for f, assignment in zip(files, assignments):
        fh, fmt = _open_rdf(f)
        datasets = fmt.supports_datasets
        key = BlankKeys()
        get_item, get_open = assignment.get, open_items.get
        with fh, _no_cyclic_gc():
            try:
                for t in ox.parse(fh, format=fmt):
                    s = t.subject
                    if type(s) is blank:
                        s = key(s)
                    if type(t.object) is blank:
                        key(t.object)  # the same blank-node keys as the first pass: same order
                    if datasets and type(t.graph_name) is not default:
                        t = t.triple  # graph names in quad formats are ignored: items decide graphs
                    item = get_item(s)
                    if item is None:
                        raise LoadError(f"{f} changed while it was being loaded; nothing was loaded",
                                        f"{f} 在载入过程中被修改；未载入任何内容")
                    ts = get_open(item)
                    if ts is None:
                        ts = open_items[item] = [t]
                    else:
                        ts.append(t)
                    if pos == last[item]:
                        chunk[item] = open_items.pop(item)
                        chunk_n += len(ts)
                        if chunk_n >= CHUNK_TRIPLES:
                            _flush(chunk, recorder, out, counts)
                            meter.count(chunk_n, len(counts))
                            chunk, chunk_n = {}, 0
                    pos += 1
            except SyntaxError as e:
                raise _syntax(f, e) from None
    if open_items or pos != n:
        bad = next(iter(open_items), None)
        raise LoadError(f"the input changed while it was being loaded ({bad or pos}); nothing was loaded",
                        f"输入在载入过程中被修改（{bad or pos}）；未载入任何内容")
    if chunk:
        _flush(chunk, recorder, out, counts)
        meter.count(chunk_n, len(counts))


def _flush(chunk: dict[str, list], recorder, out, counts: dict[str, int]) -> None:
    """One chunk of complete items: record their versions, append what the store gets to the spill."""
    if recorder is not None:
        records = recorder.record_chunk(chunk)
        for item, (content, text, meta) in records.items():
            out.write(text.replace(b" .\n", b" <" + item.encode() + b"> .\n"))
            counts[item] = len(content) + len(meta)
        return
    serialize, nt = ox.serialize, ox.RdfFormat.N_TRIPLES
    for item, ts in chunk.items():
        out.write(serialize(ts, format=nt).replace(b" .\n", b" <" + item.encode() + b"> .\n"))
        counts[item] = len(ts)


def load_paths(
    store: RegistryStore,
    paths: Iterable[str | Path],
    *,
    validate: bool = True,
    progress: bool | None = None,
    lang: str = "en",
    log: Callable[[str], None] | None = None,
    before_write: Callable[[dict[str, list]], None] | None = None,
) -> LoadResult:
    """Validate then load ``paths`` (files or folders) into ``store`` in one atomic write.

    ``validate=False`` skips SHACL validation (trusted bulk loads, e.g. benchmarks);
    syntax and item-splitting errors are still refused. ``progress=None`` shows
    bars on large inputs when stderr is a terminal. ``before_write(items)``, if given, is
    called with ``{item IRI: triples}`` just before the store write and may replace an
    item's triples (the workflow records versions there: registry/workflow/loads.py).
    """
    say = log or (lambda _m: None)
    files = rdf_files(paths)
    if not files:
        raise LoadError("no RDF files found in " + ", ".join(map(str, paths)),
                        "未找到 RDF 文件：" + "、".join(map(str, paths)))
    if progress is None:
        progress = sys.stderr.isatty()
    recorder = getattr(before_write, "__self__", None)
    if not validate and (before_write is None or hasattr(recorder, "record_chunk")):
        return _load_streamed(store, files, progress, say, recorder if before_write is not None else None)
    parsed: dict[str, list[ox.Triple]] = {}
    with _no_cyclic_gc():
        for f in _progress(files, len(files), "parse", progress and len(files) > 1):
            parsed[str(f)] = parse_file(f, shared=validate)
    n = sum(map(len, parsed.values()))
    say(f"parsed {len(files)} file(s), {n} triples")

    if validate:
        _validate(parsed, store, lang)
        say("validation: conforms")

    items: dict[str, list[ox.Triple]] = {}
    with _no_cyclic_gc():
        for source, triples in _progress(parsed.items(), len(parsed), "split", progress and len(parsed) > 1):
            try:
                for item, ts in split_items(triples).items():
                    items.setdefault(item, []).extend(ts)
            except ItemSplitError as e:
                raise LoadError(f"{source}: {e}") from e
    parsed.clear()
    if before_write is not None:
        before_write(items)
        n = sum(map(len, items.values()))
    result = LoadResult(files, {k: len(v) for k, v in items.items()})
    say(f"{len(items)} item(s) → one named graph each")

    if n > BULK_THRESHOLD:
        graphs = list(items)

        def quads():
            quad = ox.Quad
            for g in _progress(graphs, len(graphs), "load", progress):
                node = ox.NamedNode(g)
                # hand each item's triples over once and let them go: the Python copies are freed
                # while the bulk loader fills its own buffers (lower peak memory)
                for t in items.pop(g):  # Triples (validated input) or default-graph Quads (trusted)
                    yield quad(t.subject, t.predicate, t.object, node)

        store.bulk_load_quads(quads(), graphs, size_hint=n)
    else:
        store.write(GraphWrite(replace={g: [t if type(t) is ox.Triple else t.triple for t in ts]
                                        for g, ts in items.items()}))
    return result


@contextmanager
def _no_cyclic_gc():
    """Parsing and splitting make many containers and no reference cycles; the cyclic GC would
    only rescan them again and again as they grow (~30% of the split time on large loads)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _validate(parsed: dict[str, list[ox.Triple]], store: RegistryStore, lang: str) -> None:
    try:
        from .validation import Validator
    except ImportError as e:  # the validation package is part of the project; missing = broken install
        raise LoadError("validation is not available (registry.validation missing); "
                        "use --no-validate only for trusted input", kind=Kind.INTERNAL) from e
    report = Validator().validate(parsed, store=store)
    if not report.conforms:
        raise LoadRefused("the input does not conform to the registry's shapes; nothing was loaded:\n"
                          + report.to_text(lang), report)


# -- the minimal API kept for other modules and tests -------------------------------------------
def items_from_files(files: Iterable[Path]) -> dict[str, list[ox.Triple]]:
    """Parse ``files`` and group their triples by item (graphs of the same item are merged)."""
    items: dict[str, list[ox.Triple]] = {}
    for f in files:
        for item, ts in split_items(parse_file(Path(f))).items():
            items.setdefault(item, []).extend(ts)
    return items


def load_files(store: RegistryStore, paths: Iterable[str | Path]) -> dict[str, list[ox.Triple]]:
    """Replace the item graphs found in ``paths`` in one atomic write, without validation; returns the items."""
    items = items_from_files(rdf_files(paths))
    store.write(GraphWrite(replace=items))
    return items
