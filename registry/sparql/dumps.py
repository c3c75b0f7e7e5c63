"""Downloadable dumps of the whole registry, generated from the store and cached per generation.

Files live in ``DIR/dumps/<generation>/`` for the on-disk store (a temporary
folder otherwise); a dump is written once per generation (to a ``.part`` file
renamed into place), older generations are removed when a new one is made.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import threading
from pathlib import Path

import io

import pyoxigraph as ox

from .description import DUMPS, PROFILE_DUMPS
from .formats import graph_format


class DumpCache:
    def __init__(self, store, folder: str | Path | None = None):
        self.store = store
        if folder is None:
            path = getattr(store, "path", None)
            folder = Path(path) / "dumps" if path is not None else Path(tempfile.mkdtemp(prefix="registry-dumps-"))
        self.folder = Path(folder)
        self._lock = threading.Lock()

    def path_for(self, name: str) -> tuple[Path, int]:
        """The dump file ``name`` for the current generation (made now if needed) and that generation."""
        if name not in DUMPS:
            raise KeyError(name)
        gen = self.store.generation()
        target = self.folder / str(gen) / name
        if target.exists():
            return target, gen
        with self._lock:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f"{name}.{os.getpid()}.part")
                with gzip.open(tmp, "wb", compresslevel=6) as f:
                    if name in PROFILE_DUMPS:
                        f.write(profile_dump(self.store, PROFILE_DUMPS[name]))
                    else:
                        self.store.dump(f, graph_format(DUMPS[name][1]))
                os.replace(tmp, target)
                for old in self.folder.iterdir():
                    if old.name.isdigit() and int(old.name) < gen:
                        shutil.rmtree(old, ignore_errors=True)
        return target, gen


def profile_dump(store, token: str) -> bytes:
    """The whole registry (every item graph, merged) in profile ``token``'s view, as Turtle."""
    from .. import profiles

    buf = io.BytesIO()
    store.dump(buf, ox.RdfFormat.N_QUADS)
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(buf.getvalue(), format=ox.RdfFormat.N_QUADS)]
    return profiles.view_dump(token, triples)
