"""Parse untrusted RDF in a worker process that the server survives losing.

The nesting limit (``limits.py``) removes the crash we know of; this is the second line
of defence against the ones we do not know: a native parser that crashes (stack overflow,
abort) takes only its worker with it. That request gets a 422; the next one gets a fresh
worker.

Workers are long-lived child processes (``_parse_worker.py``, started by path so they
import nothing but pyoxigraph, ~0.1 s once), at most ``MAX_WORKERS`` per server process,
each serving one request at a time, so a crash never fails another client's request. The
worker parses and sends the triples back as N-Quads, which this process re-reads: a
flat, line-based format whose parser cannot recurse. Cost measured on a one-unit dry
run: bench/RESULTS.md (validation part).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pyoxigraph as ox

MAX_WORKERS = 2
_WORKER = str(Path(__file__).with_name("_parse_worker.py"))

_idle: list[subprocess.Popen] = []
_count = 0
_cond = threading.Condition()


def _start() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-I", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, close_fds=True)


def _acquire() -> subprocess.Popen:
    global _count
    with _cond:
        while True:
            while _idle:
                proc = _idle.pop()
                if proc.poll() is None:
                    return proc
                _count -= 1  # died while idle (killed from outside): forget it
            if _count < MAX_WORKERS:
                break
            _cond.wait()
        _count += 1
    try:
        return _start()
    except BaseException:
        _release(None)
        raise


def _release(proc: subprocess.Popen | None) -> None:
    """Give ``proc`` back, or (None) forget a worker that died."""
    global _count
    with _cond:
        if proc is None:
            _count -= 1
        else:
            _idle.append(proc)
        _cond.notify()


def _read(stream, n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _kill(proc: subprocess.Popen) -> None:
    try:
        proc.kill()
        proc.wait(timeout=5)
    except Exception:
        pass


def shutdown() -> None:
    """Stop the idle workers (tests; the workers also end when this process closes their pipe)."""
    global _count
    with _cond:
        procs, _idle[:] = list(_idle), []
        _count -= len(procs)
    for p in procs:
        _kill(p)


class ParserCrashed(Exception):
    """The worker died while parsing (``registry.validation.parse`` answers it as a syntax error at 1:1)."""


def parse_isolated(data: bytes, *, fmt: ox.RdfFormat) -> list[ox.Triple]:
    """Triples of ``data`` (already checked by ``registry.rdfio.prepare``), parsed in a worker.

    A syntax error is raised as pyoxigraph's ``SyntaxError`` (message, line, column);
    a worker that dies while parsing raises :class:`ParserCrashed`.
    """
    proc = _acquire()
    media = fmt.media_type.encode()
    try:
        proc.stdin.write(struct.pack("!II", len(media), len(data)) + media)
        proc.stdin.write(data)
        proc.stdin.flush()
        status, length = struct.unpack("!BI", _read(proc.stdout, 5))
        payload = _read(proc.stdout, length)
    except (OSError, EOFError, struct.error):
        _kill(proc)
        _release(None)
        raise ParserCrashed("the parse worker stopped abnormally") from None
    _release(proc)
    if status:
        msg, lineno, offset, text = json.loads(payload)
        e = SyntaxError(msg if msg is not None else text)
        e.msg, e.lineno, e.offset = msg, lineno, offset
        raise e
    return [q.triple for q in ox.parse(payload, format=ox.RdfFormat.N_QUADS)]
