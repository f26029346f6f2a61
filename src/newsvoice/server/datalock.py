"""One server narrating on a data directory at a time.

A server whose workers run in its own process (the embedded default) keeps its job queue in
memory: on starting, it queues again every job left queued or running, since the process
that held them has stopped. A second such server on the same data directory would take the
first one's running jobs as abandoned and narrate them twice, and its listeners would wait
on live streams the other process is writing. So the first holds an advisory lock on a file
in the data directory as long as it runs, and a second is refused with a clear message.
(Servers that share work through Redis need no lock: the queue is shared.)

The lock is the kernel's (`flock`): it is released when the process ends, however it ends,
so a killed server leaves nothing to clean up.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import Conflict

LOCK_FILE = "server.lock"


class DataDirInUse(Conflict):
    """Another server with its own workers runs on this data directory."""


class DataDirLock:
    """The lock on DATA_DIR, held from `acquire` to `release`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._descriptor: int | None = None

    def acquire(self) -> None:
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
            os.close(descriptor)
            raise DataDirInUse(
                f"another newsvoice server (process {holder}) is narrating on {self.path.parent}; "
                "stop it, or give this one another --data-dir (servers share one only through a "
                "Redis --queue)"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, str(os.getpid()).encode())
        self._descriptor = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing the descriptor releases the lock
            self._descriptor = None
