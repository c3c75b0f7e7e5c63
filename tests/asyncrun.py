"""Run a coroutine to completion in a thread of its own.

Playwright's sync API (the browser tests, session-scoped) keeps an event loop running in the main
thread, so ``asyncio.run`` in a later test of the same session fails with "cannot be called from a
running event loop". Tests that drive async code directly use :func:`run` instead.
"""

from __future__ import annotations

import asyncio
import threading


def run(make_coro, runner=asyncio.run):
    """``runner(make_coro())`` in a new thread; returns its result or raises its exception."""
    out: dict = {}

    def target():
        try:
            out["value"] = runner(make_coro())
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            out["error"] = e

    t = threading.Thread(target=target, name="test-async-run")
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")
