"""Heavy work in a child process: analyses and upload validation, away from the server's GIL.

Input: a picklable module-level function and its arguments. Output: its
return value, the progress it reported on the way, or the exception it
raised, received by the server thread that waits for it.

Why a process: an analysis (igraph's C calls hold the GIL, the Python
stages too) or the reading and validation of an upload (Python and Arrow)
in a server thread starves the event loop that answers reads: with both
at once, the p99 of group reads went from under 100 ms to 300-500 ms on a
2-core machine. A child has its own GIL, and runs at a lower scheduling
priority (``NICENESS``) so that on a busy machine the kernel runs the
server first.

The processes come from a ``forkserver``: a clean interpreter started once
(spawned, so it holds none of the server's state, its DuckDB connection
above all) that has imported the library already (:data:`PRELOAD`); each
child is a fork of it, which starts in milliseconds instead of the second
the imports take. A child cannot open the server's store (a DuckDB file is
open in one process only): it works on a store file of its own that the
server exports or imports (:mod:`ona.store.transfer`).

Like every multiprocessing child, each runs the server's main script
again as ``__mp_main__`` (not as ``__main__``): the ``ona`` script, or
uvicorn's, does nothing then; a script of one's own that serves the app
must keep its work under ``if __name__ == "__main__":``.

A child dies with its server: it is a daemon (multiprocessing kills it
when the server exits normally) and, on Linux, asks the kernel to kill it
when its parent (the fork server, which itself exits when the server's end
of its pipe closes, e.g. after ``kill -9``) dies.

Errors: an exception of ona or of the service (``ona.*``, ``api.*``) is
rebuilt in the server as the same class with the same attributes (their
constructors take other arguments than ``args``, so plain pickling would
fail), so the faces answer exactly as when the work ran in-process. Any
other exception becomes :class:`ChildError` naming its type and message;
its traceback goes to the server's log.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("ona.api.child")

#: Modules the fork server imports once, so that each child starts with them loaded. ona.cli
#: too: multiprocessing runs the server's main script again in each child (as ``__mp_main__``),
#: and the ``ona`` script imports ona.cli.
PRELOAD: tuple[str, ...] = ("api.child_tasks", "ona.cli")

#: Niceness added to a child: on a busy machine the kernel runs the server's threads first.
NICENESS = 10

#: How often (seconds) a waiting server thread looks at its stop condition when the child is silent.
POLL = 0.05

_context_lock = threading.Lock()
_context: Any = None


def context() -> Any:
    """The forkserver context of this process (its fork server is started at the first child)."""
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(list(PRELOAD))
            _context = ctx
        return _context


def scratch(store_path: str | Path) -> Path | None:
    """The folder for the children's temporary files of a store: ``ona.work/`` beside ``ona.duckdb``.

    None for an in-memory store (the system's temporary folder then).
    Beside the store rather than in the system's temporary folder: it is on
    the disk sized for the store, and files a killed server left there
    (``kill -9`` runs no cleanup) are known to be this store's, so
    :func:`clear_scratch` removes them at the next start.
    """
    text = str(store_path)
    if text == ":memory:":
        return None
    path = Path(text)
    return path.with_name(f"{path.stem}.work")


def clear_scratch(store_path: str | Path) -> None:
    """Empty the store's scratch folder (call once the store is open: no other process uses it then)."""
    folder = scratch(store_path)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def scratch_dir(store_path: str | Path, prefix: str) -> Path:
    """A new temporary folder in the store's scratch folder (the caller removes it)."""
    folder = scratch(store_path)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=folder))


def start_server() -> None:
    """Start the fork server now and wait until it is ready (about a second: a new interpreter importing the library).

    The app calls this at startup, so that the first upload or analysis
    does not pay for it.
    """
    # a first child waits for the fork server to have imported PRELOAD, which it does after it starts
    run(_ready)


def _ready(report: Callable[..., None]) -> None:
    """The first child's work: none (it only proves the fork server ready)."""


class ChildError(Exception):
    """The child raised an exception that is neither ona's nor the service's (its type and message)."""


class ChildDied(ChildError):
    """The child died without answering (a crash, the out-of-memory killer, a signal)."""


# ------------------------------------------------------------------ child side


def _die_with_parent() -> None:
    """Linux: have the kernel kill this process when its parent dies (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before the call: nobody is waiting
        os._exit(1)


def _freeze(exc: BaseException) -> tuple[str, str, tuple[Any, ...], dict[str, Any]]:
    cls = type(exc)
    return (cls.__module__, cls.__qualname__, exc.args, dict(vars(exc)))


def _main(conn: multiprocessing.connection.Connection, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The child's body: run ``target(report, *args)`` and send ("ok", value) or ("error", ...)."""
    _die_with_parent()
    with contextlib.suppress(OSError):
        os.nice(NICENESS)

    def report(*message: Any) -> None:
        conn.send(("progress", message))

    try:
        value = target(report, *args)
    except BaseException as exc:  # noqa: BLE001 - the face of the child: everything goes to the parent
        module = type(exc).__module__.split(".")[0]
        if module in ("ona", "api"):
            conn.send(("error", _freeze(exc), None))
        else:
            conn.send(("error", None, (type(exc).__name__, str(exc), traceback.format_exc())))
    else:
        conn.send(("ok", value))
    finally:
        conn.close()


# ----------------------------------------------------------------- server side


def _thaw(frozen: tuple[str, str, tuple[Any, ...], dict[str, Any]]) -> BaseException:
    module, name, args, state = frozen
    cls: Any = importlib.import_module(module)
    for part in name.split("."):
        cls = getattr(cls, part)
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc  # type: ignore[no-any-return]


class Child:
    """One child process running ``target(report, *args)``; the server side of its pipe.

    Parameters
    ----------
    target : callable
        A module-level function (it is pickled to the child); its first
        argument is ``report(*message)``, which sends a progress message
        to the server.
    *args
        Its other arguments (picklable).
    """

    def __init__(self, target: Callable[..., Any], *args: Any) -> None:
        ctx = context()
        self._conn, send = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_main, args=(send, target, args), daemon=True, name="ona-child")
        self.process.start()
        send.close()  # the child holds the only write end: its death is then an EOF here

    def kill(self) -> None:
        """Kill the child at once (SIGKILL) and reap it."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()

    def close(self) -> None:
        """Kill the child if it still runs, and release the pipe and the process object."""
        self.kill()
        self._conn.close()
        self.process.close()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def messages(self) -> Iterator[tuple[Any, ...] | None]:
        """Progress messages as they come, and None every :data:`POLL` seconds of silence.

        Ends when the child answers (read it from :meth:`result`).
        """
        while True:
            if not self._conn.poll(POLL):
                yield None
                continue
            try:
                message = self._conn.recv()
            except EOFError:
                self._answer: tuple[Any, ...] = ("died",)
                return
            if message[0] == "progress":
                yield tuple(message[1])
            else:
                self._answer = message
                return

    def result(self) -> Any:
        """The target's return value, after :meth:`messages` ended; raise what it raised.

        Raises
        ------
        ona or api exceptions
            Rebuilt as the class the target raised.
        ChildError
            Another exception (its type and message).
        ChildDied
            The child died without answering (a crash, the kernel's
            out-of-memory killer, a signal).
        """
        answer = getattr(self, "_answer", None)
        if answer is None:
            for _ in self.messages():
                pass
            answer = self._answer
        if answer[0] == "ok":
            return answer[1]
        if answer[0] == "died":
            self.process.join()
            code = self.process.exitcode
            how = f"was killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
            raise ChildDied(f"its process {how} before it answered (out of memory?)")
        _, frozen, foreign = answer
        if frozen is not None:
            raise _thaw(frozen)
        name, message, trace = foreign
        log.error("worker process failed:\n%s", trace)
        raise ChildError(f"{name}: {message}")


def run(target: Callable[..., Any], *args: Any) -> Any:
    """Run ``target(report, *args)`` in a child, ignore its progress, return its value (see :class:`Child`)."""
    with Child(target, *args) as child:
        for _ in child.messages():
            pass
        return child.result()
