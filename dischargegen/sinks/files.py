"""Writing handouts to disk: atomic writes of regular files only, and file names that carry no
patient name and cannot be guessed from one.

Every write goes to a temporary file (0600) beside the target that is renamed over it: the
target path itself is never opened for writing, so a symbolic link planted there is replaced,
not followed. A target that exists and is not a regular file (a link, FIFO, device, socket or
folder) is refused before anything is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from ..errors import OutputError
from ..model import Handout

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
KEY_FILE = "filename.key"
KEY_BYTES = 32
_KEYS: dict[str, bytes] = {}  # key folder -> key, loaded once per process


def default_filename(handout: Handout) -> str:
    """``<procedure>-<date>-<MRN>.pdf``, or a keyed hash in place of a missing MRN.

    Never the patient's name: file names end up in directory listings, print queues and logs.
    Without an MRN the name carries ``h`` and an HMAC-SHA256 of the name, birth date and
    procedure date under this user's secret key (see :func:`filename_key`): the same patient
    gets the same name in every run (``batch --skip-existing`` relies on it), and nobody
    without the key can test guesses against it. When no trustworthy key can be had, the name
    carries ``r`` and random hex instead: unique, but not stable across runs.
    """
    mrn = _SAFE.sub("", handout.patient.mrn or "")
    if not mrn:
        key = filename_key()
        if key is None:
            mrn = "r" + secrets.token_hex(5)
        else:
            fields = (handout.patient.name, str(handout.patient.dob or ""), handout.procedure_date.isoformat())
            message = "\0".join(("dischargegen-filename-v1", *fields)).encode("utf-8")
            mrn = "h" + hmac.new(key, message, hashlib.sha256).hexdigest()[:10]
    return f"{handout.procedure}-{handout.procedure_date.isoformat()}-{mrn}.pdf"


def key_folder() -> Path | None:
    """``$XDG_DATA_HOME/dischargegen`` (default ``~/.local/share/dischargegen``); None without a home."""
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is to be ignored
        try:
            base = str(Path.home() / ".local" / "share")
        except (RuntimeError, KeyError):
            return None
    return Path(base) / "dischargegen"


def filename_key() -> bytes | None:
    """This user's secret key for file names: 32 random bytes in ``key_folder()/filename.key``.

    Made on first use (the folder 0700, the file 0600, created exclusively, so that two
    processes starting at once end up with the same key). A folder or key file that is not
    this user's, is reachable by group or others, is a symbolic link or is not 32 bytes is
    not used, and not changed: the caller falls back to a random name (None).
    """
    folder = key_folder()
    if folder is None:
        return None
    cached = _KEYS.get(str(folder))
    if cached is not None:
        return cached
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not _private(os.fstat(directory), stat.S_ISDIR):
            return None
        key = _read_key(directory)
        if key is None:
            key = _make_key(directory)
    except OSError:
        return None
    finally:
        os.close(directory)
    if key is not None:
        _KEYS[str(folder)] = key
    return key


def _private(info: os.stat_result, kind: Callable[[int], bool]) -> bool:
    """Owned by this user, of the right kind, and no permission for group or others."""
    return kind(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077


def _read_key(directory: int) -> bytes | None:
    """The key in the folder; None when there is none yet. A bad key file raises OSError."""
    try:
        fd = os.open(KEY_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=directory)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not _private(os.fstat(fd), stat.S_ISREG):
            raise PermissionError(f"{KEY_FILE} is not private to this user")
        key = handle.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise OSError(f"{KEY_FILE} is not {KEY_BYTES} bytes")
    return key


def _make_key(directory: int) -> bytes | None:
    """Write a new key under a temporary name, then link it into place; if another process
    made one meanwhile, that one wins and is returned."""
    key = secrets.token_bytes(KEY_BYTES)
    temporary = f".{KEY_FILE}.{secrets.token_hex(8)}"
    fd = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=directory
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, KEY_FILE, src_dir_fd=directory, dst_dir_fd=directory, follow_symlinks=False)
        except FileExistsError:
            return _read_key(directory)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=directory)
    return key


def check_target(path: Path) -> None:
    """Refuse an existing ``path`` that is not a regular file, and a missing folder."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise OutputError(f"{path}: is a symbolic link")
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"{path}: is not a regular file")
    directory = _folder(path)
    if not directory.is_dir():
        raise OutputError(f"{path}: the folder {directory} does not exist")


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file beside the target, are flushed to disk, then renamed over
    it; an error or Ctrl-C on the way removes the temporary file. The file is readable by its
    owner only (0600), since it holds patient data. An existing ``path`` that is not a regular
    file is an :class:`OutputError` (``PATH: is a symbolic link``, ``PATH: is not a regular
    file``), raised before the temporary file is made.
    """
    with AtomicFile(path, commit_on_error=False) as handle:
        handle.write(data)


class AtomicFile:
    """A file written under a temporary name (0600) beside ``path`` and renamed into place.

    Use it as a context manager; what is written streams into the temporary file, which
    :attr:`temporary` names. On leaving, the file is flushed to disk and renamed over ``path``;
    after an exception it is renamed into place too when ``commit_on_error`` (a log of what was
    done, such as the batch summary), else removed. The target is checked as by
    :func:`check_target` first, and ``path`` itself is never opened.
    """

    def __init__(self, path: Path, *, commit_on_error: bool) -> None:
        self.path = Path(path)
        self.commit_on_error = commit_on_error
        self.temporary: Path | None = None
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        check_target(self.path)
        try:
            fd, name = tempfile.mkstemp(prefix=f".{self.path.name[:80]}.", suffix=".tmp", dir=_folder(self.path))
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write: {exc.strerror}") from None
        self.temporary = Path(name)
        self._handle = os.fdopen(fd, "wb")
        return self._handle

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        assert self._handle is not None and self.temporary is not None
        commit = error is None or self.commit_on_error
        try:
            if commit:
                self._handle.flush()
                os.fsync(self._handle.fileno())
            self._handle.close()
            if commit:
                os.replace(self.temporary, self.path)
                _sync_folder(_folder(self.path))
        except BaseException as exc:
            with contextlib.suppress(OSError):
                self._handle.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temporary)
            if error is None:  # else the error that stopped the writing is the one to report
                if isinstance(exc, OSError):
                    raise OutputError(f"{self.path}: cannot write: {exc.strerror}") from None
                raise
        else:
            if not commit:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.temporary)
        if isinstance(error, OSError) and not isinstance(error, OutputError):
            raise OutputError(f"{self.path}: cannot write: {error.strerror}") from None


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; some file systems cannot open or sync a folder, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
