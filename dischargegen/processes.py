"""Process control for the batch: the lock on its output folder, the signals that stop it
between rows, and worker processes that end with it.

- The output folder is locked for the whole run (``fcntl.flock`` on ``OUTDIR/.dischargegen.lock``):
  a second batch on the same folder fails at once.
- SIGINT and SIGTERM stop a batch between rows, never while a row's files are written.
- Workers die with the batch, even after ``kill -9``: on Linux the kernel sends them SIGTERM when
  the process that started them ends (``PR_SET_PDEATHSIG``); elsewhere a thread polls the parent.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

from .errors import OutputError

LOCK_FILE = ".dischargegen.lock"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
STOP_GRACE_SECONDS = 20.0  # a stopped batch waits this long for its workers to finish their chunk


def die_with_parent() -> bool:
    """Ask Linux to send this process SIGTERM when its parent ends; False where it cannot.

    The kernel watches the thread that forked the worker: the pool forks them all in the thread
    that submits the jobs (no ``max_tasks_per_child``), which outlives the pool."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int) -> None:
    """The fallback: end this worker within a second of its parent's end."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def stop_pool(pool: ProcessPoolExecutor, grace: float = STOP_GRACE_SECONDS) -> None:
    """End the workers, dropping the jobs not started.

    A worker is never killed while it may be sending a result: the pool's thread that reads the
    results would wait for the rest of that message for ever, and the program could not exit.
    So the jobs not started are cancelled, each worker finishes the chunk it holds (a few rows,
    about a second) and ends, and the pool's own thread joins them. Only when that thread is
    still waiting after ``grace`` seconds (a worker stuck inside a job, and so not sending) are
    the workers left terminated, then killed 5 s later."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)  # None: no job was ever sent
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is None:
        return
    manager.join(grace)
    if not manager.is_alive():  # every worker ended and was joined
        return
    stuck = [process for process in processes if process.is_alive()]
    for process in stuck:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in stuck:
        process.join(5.0)
        if process.is_alive():
            process.kill()
            process.join(1.0)


def worker_pool(workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """Worker processes for a long-running server: started fresh (spawn, no copy of the server's
    threads and sockets), ignoring Ctrl-C (the server stops them), dying with the server, and
    each initialised once by ``initializer(*initargs)``."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
    )


def _start_worker(parent: int, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    tie_to_parent(parent)
    initializer(*initargs)


def tie_to_parent(parent: int | None) -> None:
    """A worker's start: Ctrl-C left to its parent (it reaches the whole process group; the parent
    stops the workers), and its life tied to the parent's (``parent``, its pid; None when the
    worker is not its child): it ends when the parent does, even one that ended already."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is None:
        return
    if not die_with_parent():
        threading.Thread(target=watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    if os.getppid() != parent:  # the parent ended before the above took hold
        os.kill(os.getpid(), signal.SIGTERM)


class Stop(KeyboardInterrupt):
    """Ctrl-C or SIGTERM arrived: stop the batch, keep what is done."""

    def __init__(self, signum: int) -> None:
        super().__init__()
        self.signum = signum


class Signals:
    """While a batch runs (in the main thread), SIGINT and SIGTERM stop it between rows: a
    signal that arrives while a row's files and summary line are written, or once the batch
    is finishing, takes effect after the row (or not at all), so that the summary names every
    file written and is never lost. Later signals are ignored while the batch stops."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.signum: int | None = None
        self.defer = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Signals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.pid:  # a worker forked before its initializer reset this
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if self.signum is not None:
            return  # already stopping
        self.signum = signum
        if not self.defer:
            raise Stop(signum)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold a signal off until the block is done, then stop."""
        self.defer = True
        yield
        self.defer = False
        if self.signum is not None:
            raise Stop(self.signum)


@contextlib.contextmanager
def folder_lock(outdir: Path) -> Iterator[int]:
    """Hold an exclusive lock on ``outdir`` (its ``.dischargegen.lock``) or fail at once."""
    path = outdir / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputError(f"{path}: is a symbolic link") from None
        raise OutputError(f"{outdir}: cannot write: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutputError(f"{path}: is not a regular file")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{outdir}: another batch is writing to this folder") from None
        except OSError as exc:
            raise OutputError(f"{path}: cannot lock: {exc.strerror}") from None
        yield fd
    finally:
        os.close(fd)
