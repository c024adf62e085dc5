"""The append-only journal that makes a record survive a crash before the database has it.

Layout: one directory per database (``<db>.turnout-journal/`` beside an SQLite file; for
PostgreSQL a directory under turnout's home keyed by host, database and table). Every ledger
instance (a process, or a second ledger in one process) appends to its own *segment* file,
``<pid>-<random>-<seq>.jsonl``, through one ``O_APPEND`` file descriptor: a line handed to
``os.write`` is in the kernel's page cache when the call returns, so a SIGKILL of the process
cannot lose it (a power cut can; see the package docs).

Ownership is an exclusive ``flock`` held on each segment for as long as its ledger lives. The
kernel drops the lock when the process dies, however it dies, so "unlocked segment" means
"orphan": any ledger that opens the same directory (at start, then every
``orphan_scan_s``) claims it, replays it into the database (idempotently) and deletes it.
A segment is created under a ``.new`` name, locked, then renamed, so no scanner can claim a
live segment in the instant between its creation and its lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from turnout.ledger.record import UsageRecord, decode_line

log = logging.getLogger("turnout.ledger")

SEGMENT_SUFFIX = ".jsonl"
_NEW_SUFFIX = ".new"
_CORRUPT_SUFFIX = ".corrupt"


class Journal:
    """This instance's segment: append lines; swap in a fresh segment when the current one is
    all committed (the old one is then deleted) or big (deleted once committed).

    Not thread-safe by itself: the ledger calls ``append`` and ``swap`` under its own lock,
    which is what orders journal lines against the in-memory queue. ``new_segment`` and the
    deletion of a committed segment are file-system calls (0.1-5 ms on a busy disk) that
    the writer makes outside that lock, so ``record()`` never waits for them.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # may hold prompts
        self.instance = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._seq = 0
        self.errors = 0
        self.fd, self.path = self.new_segment()
        self.size = 0  # bytes appended to the current segment
        # An empty segment made for a swap that a record arriving meanwhile put off; locked
        # and named like any live segment, so scanners leave it alone.
        self.spare: tuple[int, Path] | None = None

    def new_segment(self) -> tuple[int, Path]:
        """Create, lock and name an empty segment of this instance (not yet appended to)."""
        self._seq += 1
        name = f"{self.instance}-{self._seq:06d}{SEGMENT_SUFFIX}"
        tmp = self.directory / (name + _NEW_SUFFIX)
        fd = os.open(tmp, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            final = self.directory / name
            os.rename(tmp, final)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return fd, final

    def append(self, line: bytes) -> bool:
        """Append one whole line; False if the journal could not take it (disk full, I/O
        error): the record then lives only in memory until the writer commits it."""
        try:
            written = os.write(self.fd, line)
        except OSError as exc:
            self._failed(exc)
            return False
        if written != len(line):
            return self._finish_short_write(line, written)
        self.size += written
        return True

    def _finish_short_write(self, line: bytes, written: int) -> bool:
        # A partial line would glue itself to the next record and make both unreadable: end
        # the fragment with a newline (replay reports it as a bad line) and write the record
        # again, whole.
        self.size += written
        try:
            self.size += os.write(self.fd, b"\n")
            again = os.write(self.fd, line)
        except OSError as exc:
            self._failed(exc)
            return False
        self.size += again
        if again != len(line):
            self._failed(OSError(errno.ENOSPC, "short write to the ledger journal"))
            return False
        return True

    def _failed(self, exc: OSError) -> None:
        self.errors += 1
        if self.errors == 1 or self.errors % 1000 == 0:
            log.error(
                "ledger journal %s: write failed (%s, %d so far); records are kept in memory "
                "until committed but would not survive a crash",
                self.path,
                exc,
                self.errors,
            )

    def swap(self, segment: tuple[int, Path]) -> tuple[int, Path]:
        """Append to ``segment`` (from ``new_segment``) from now on; returns the old one,
        still locked, for the writer to delete once every line in it is committed."""
        old = (self.fd, self.path)
        self.fd, self.path = segment
        self.size = 0
        return old

    def close(self, *, delete: bool) -> None:
        """Release the segment; ``delete`` only when all of it is committed. Kept, it becomes
        an orphan that the next ledger on this directory replays."""
        if self.spare is not None:  # never appended to: nothing in it to keep
            discard_segment(*self.spare)
            self.spare = None
        if self.fd < 0:
            return
        if delete:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        os.close(self.fd)  # after the unlink: the lock keeps scanners off until it is gone
        self.fd = -1


def discard_segment(fd: int, path: Path) -> None:
    """Delete a fully committed segment, then drop its lock."""
    with contextlib.suppress(OSError):
        os.unlink(path)
    os.close(fd)


@dataclass(slots=True)
class OrphanSegment:
    """A segment whose owner is dead, locked by us until ``done`` or ``keep_as_corrupt``."""

    path: Path
    fd: int
    records: list[UsageRecord]
    torn_tail: bool  # the last line had no newline: the owner died inside write()
    bad_lines: int  # unreadable whole lines (should never happen)

    def done(self) -> None:
        discard_segment(self.fd, self.path)

    def keep_as_corrupt(self) -> None:
        """Replayed, but had unreadable lines: keep the file for a human, renamed so no
        scan claims it again."""
        with contextlib.suppress(OSError):
            os.rename(self.path, self.path.with_name(self.path.name + _CORRUPT_SUFFIX))
        os.close(self.fd)

    def release(self) -> None:
        """Give the segment back untouched (replay failed; a later scan retries)."""
        os.close(self.fd)


def claim_orphans(directory: Path, own: Journal | None) -> Iterator[OrphanSegment]:
    """Lock and read every segment in ``directory`` whose owner is gone."""
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return
    for name in names:
        path = directory / name
        if name.endswith(SEGMENT_SUFFIX + _NEW_SUFFIX):
            _remove_stale_new(path)
            continue
        if not name.endswith(SEGMENT_SUFFIX):
            continue
        if own is not None and name.startswith(own.instance + "-"):
            continue
        fd = _lock_if_orphan(path)
        if fd is None:
            continue
        try:
            data = _read_all(fd)
        except OSError as exc:
            log.error("ledger journal %s: cannot read orphan segment: %s", path, exc)
            os.close(fd)
            continue
        records, torn, bad = parse_segment(data, path)
        yield OrphanSegment(path, fd, records, torn, bad)


def _lock_if_orphan(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None  # its owner just deleted it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None  # owner alive, or another ledger is replaying it
    # Between our open() and our lock the owner (or another replayer) may have deleted it:
    # then we hold a lock on a nameless file that is already accounted for.
    try:
        same = os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        same = False
    if not same:
        os.close(fd)
        return None
    return fd


def _remove_stale_new(path: Path) -> None:
    # A segment not yet renamed holds no record (lines are written only after the rename);
    # it is stale if its creator died between create and rename, i.e. if nobody locks it.
    fd = _lock_if_orphan(path)
    if fd is not None:
        discard_segment(fd, path)


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def parse_segment(data: bytes, path: Path | None = None) -> tuple[list[UsageRecord], bool, int]:
    """Records of a segment's bytes, plus (torn last line?, count of unreadable lines).

    A torn last line is expected after a kill inside ``write()``: that record's ``record()``
    call never returned, so its request was not answered, and it is dropped. Any other
    unreadable line is reported.
    """
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the segment ends with a newline, as it normally does
    records: list[UsageRecord] = []
    bad = 0
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        try:
            records.append(decode_line(line))
        except (ValueError, TypeError) as exc:
            bad += 1
            log.warning("ledger journal %s line %d: unreadable, skipped (%s)", path, number, exc)
    torn = bool(tail)
    if torn:
        log.warning(
            "ledger journal %s: ignored a torn last line (%d bytes; its writer died mid-write)",
            path,
            len(tail),
        )
    return records, torn, bad
