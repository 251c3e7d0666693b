"""The ``advisor`` program: the console script and ``python -m advisor`` start here.

Two settings of the cyclic garbage collector make the program start and stop
faster; they are made here, so importing advisor as a library changes none:

* Before anything is imported, the collector is told to run less often. A
  run builds tens of thousands of long-lived objects (click, Jinja2, the
  rulebook) and almost no garbage cycles; at the default threshold the
  collector walks over all of them again and again.
* When the command is done, every object is frozen (:func:`gc.freeze`), so
  the collections Python makes while it shuts down skip them and the
  process ends sooner (the memory goes back to the system all the same).
  Output is already written and closed by then; standard streams are still
  flushed at exit.

Together they saved about a sixth of ``advisor guide``'s time (issue 7,
measured with benchmarks/run.py).
"""

import gc

#: Container allocations between young-generation collections (Python's default: 700).
GC_THRESHOLD = 50_000


def main() -> None:
    """Run the ``advisor`` command line."""
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    from advisor.cli import main as run

    try:
        run()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
