"""The parse worker process (run by path: ``python _parse_worker.py``; imports only pyoxigraph).

Protocol on stdin/stdout, one request at a time: a request is a header ``!II`` (length of
the format's media type, length of the data) then both; the answer is ``!BI`` (0 ok /
1 syntax error, length) then N-Quads (ok) or a JSON array ``[msg, line, column, text]``.
"""

import json
import struct
import sys

import pyoxigraph as ox


def _read(stream, n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def main() -> None:
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            flen, dlen = struct.unpack("!II", _read(inp, 8))
            fmt = ox.RdfFormat.from_media_type(_read(inp, flen).decode())
            data = _read(inp, dlen)
        except EOFError:
            return
        try:
            quads = [ox.Quad(q.subject, q.predicate, q.object) for q in ox.parse(data, format=fmt)]
            status, payload = 0, ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        except SyntaxError as e:
            status, payload = 1, json.dumps([e.msg, e.lineno, e.offset, str(e)]).encode()
        out.write(struct.pack("!BI", status, len(payload)) + payload)
        out.flush()


if __name__ == "__main__":
    main()
