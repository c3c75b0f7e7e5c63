"""Load RDF files into the store, one named graph per item (used by ``registry load``).

``load_paths`` parses every file (errors name ``file:line:column``), validates
the whole input against the shapes (unless told not to), splits it into items
(``registry/items.py``) and replaces those item graphs in ONE atomic write.
Loading the same files twice gives the same store: item graphs are replaced as
a whole, never added to.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import rdfio
from .errors import InvalidInput, Kind
from .items import ItemSplitError, split_items
from .store import GraphWrite, RegistryStore

__all__ = ["LoadError", "LoadRefused", "LoadResult", "items_from_files", "load_files", "load_paths", "parse_file",
           "rdf_files"]

#: inputs with more triples than this get a progress bar (when stderr is a terminal)
PROGRESS_THRESHOLD = 200_000
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
    sizes = [f.stat().st_size for f in files]
    if progress is None:
        progress = sys.stderr.isatty() and sum(sizes) > PROGRESS_THRESHOLD * 60
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
