"""The rendering pool of ``dischargegen serve``, by itself: a job stuck past ``render_timeout``
gets 503 and its worker is replaced (the next job is answered by a new process), and a full
queue refuses at once (503) rather than growing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
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


@pytest.mark.parametrize(
    "start",
    [
        "from dischargegen.service.rendering import init_worker; init_worker(None, None)",
        "from dischargegen.batch import _load_state; from dischargegen.api import batch_settings; "
        "_load_state(batch_settings(outdir='.'))",
    ],
    ids=["service", "batch"],
)
def test_a_worker_loads_the_fhir_models_and_fonts_before_its_first_job(start: str) -> None:
    """A fresh process, as a worker starts: the first Bundle then waits for no import."""
    code = (
        f"{start}\nimport sys\nfrom dischargegen.layout import fonts\n"
        "print(sorted(m for m in sys.modules if m.startswith('fhir.resources.R4B.')))\n"
        "print(fonts.register.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for kind in ("patient", "procedure", "encounter", "organization", "practitioner", "documentreference"):
        assert f"fhir.resources.R4B.{kind}'" in out
    assert int(out.split()[-1]) >= 1  # the body font registered: a handout was made
