"""The ``advisor`` program: the console script and ``python -m advisor`` start here.

Three settings make the program start and stop faster; they are made here,
so importing advisor as a library changes none of them:

* Before anything is imported, the cyclic garbage collector is told to run
  less often. A run builds tens of thousands of long-lived objects (click,
  Jinja2, the rulebook) and almost no garbage cycles; at the default
  threshold the collector walks over all of them again and again.
* When the command is done, every object is frozen (:func:`gc.freeze`), so
  the collections Python makes while it shuts down skip them.
* When the command succeeded and nothing is left that the interpreter's
  shutdown would run (see :func:`_nothing_left_to_run`), the process ends at
  once with :func:`os._exit` after flushing standard output and error,
  instead of tearing down every module and object one by one: everything
  advisor writes is written, flushed, synced and closed before its command
  returns. Any other exit (an error, an ``atexit`` hook such as coverage
  measurement's, a debugger, tracer or profiler, another thread, a stream
  that cannot be flushed) takes Python's normal way out.

Together they saved about a fifth of ``advisor guide``'s time (issue 7,
measured with benchmarks/run.py).
"""

import gc
import os
import sys

#: Container allocations between young-generation collections (Python's default: 700).
GC_THRESHOLD = 50_000
#: Debuggers and profilers that run the program and then report or prompt after it.
_REPORT_AFTER = ("bdb", "cProfile", "profile", "trace")


def main() -> None:
    """Run the ``advisor`` command line; raises SystemExit with the exit code."""
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    from advisor.cli.app import main as run

    try:
        run()
    finally:
        gc.freeze()


def program() -> None:
    """The console script: :func:`main`, then end the process at once after a success."""
    try:
        main()
    except SystemExit as exc:
        if exc.code in (None, 0) and _nothing_left_to_run() and _flushed():
            os._exit(0)
        raise


def _nothing_left_to_run() -> bool:
    """Whether the interpreter's shutdown would only free memory: no ``atexit`` hooks
    (coverage, logging, temporary folders' finalizers register one), no debugger, tracer
    or profiler that takes over after the program, and no other thread it would wait for."""
    import atexit

    pending = getattr(atexit, "_ncallbacks", None)  # CPython; elsewhere, exit normally
    if pending is None or pending() > 0:
        return False
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return False
    # From Python 3.12 cProfile and debuggers may use sys.monitoring instead, and pdb
    # drops its tracer on "continue": either way they take over again after the program.
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None and any(monitoring.get_tool(i) is not None for i in range(6)):
        return False
    if any(name in sys.modules for name in _REPORT_AFTER):
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _flushed() -> bool:
    """Flush standard output and error; False if either fails, so that the normal exit
    reports it as Python does."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return False
    return True


if __name__ == "__main__":
    program()
