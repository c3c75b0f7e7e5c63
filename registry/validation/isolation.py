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
from collections.abc import Callable
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


def parse_isolated(data: bytes, *, source: str, fmt: ox.RdfFormat,
                   error: Callable[[str, SyntaxError], Exception]) -> list[ox.Triple]:
    """Triples of ``data``, parsed in a worker; syntax errors are raised through ``error``.

    A worker that dies while parsing raises :class:`~registry.validation.parse.RdfSyntaxError` at 1:1.
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
        from .parse import RdfSyntaxError

        zh = "解析器无法处理此内容（解析进程异常终止），已拒绝；请检查内容是否完整、嵌套是否过深"
        en = ("the parser could not handle this content (the parsing process stopped abnormally); "
              "refused: check that the content is complete and not nested too deeply")
        raise RdfSyntaxError(source, 1, 1, f"{zh} · {en}", zh=zh, en=en) from None
    _release(proc)
    if status:
        msg, lineno, offset, text = json.loads(payload)
        e = SyntaxError(msg if msg is not None else text)
        e.msg, e.lineno, e.offset = msg, lineno, offset
        raise error(source, e)
    return [q.triple for q in ox.parse(payload, format=ox.RdfFormat.N_QUADS)]
