"""The rendering pool of ``dischargegen serve``, by itself: a job stuck past ``render_timeout``
gets 503 and its worker is replaced (the next job is answered by a new process), and a full
queue refuses at once (503) rather than growing."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from dischargegen.service.problems import HttpError
from dischargegen.service.rendering import QUEUED, Renderer


def test_a_stuck_job_is_503_and_its_worker_replaced_and_a_full_queue_is_refused() -> None:
    renderer = Renderer(1, timeout=1.0, config_path=None, templates_dir=None)
    renderer.start()

    async def scenario() -> None:
        before = await renderer.run(os.getpid)
        started = time.monotonic()
        with pytest.raises(HttpError) as stuck:
            await renderer.run(time.sleep, 30)
        assert stuck.value.status == 503 and "longer than 1 s" in stuck.value.message
        assert time.monotonic() - started < 5
        assert await renderer.run(os.getpid) != before  # a new worker took over

        waiting = [asyncio.ensure_future(renderer.run(time.sleep, 0.05)) for _ in range(QUEUED + 1)]
        await asyncio.sleep(0)
        with pytest.raises(HttpError) as busy:
            await renderer.run(os.getpid)
        assert busy.value.status == 503 and busy.value.headers == {"retry-after": "1"}
        await asyncio.gather(*waiting)

    try:
        asyncio.run(scenario())
    finally:
        renderer.stop()
