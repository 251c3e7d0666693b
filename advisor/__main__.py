"""The ``advisor`` program: the console script and ``python -m advisor`` start here.

Before anything else is imported, the cyclic garbage collector is told to
run less often. A run builds tens of thousands of long-lived objects (click,
Jinja2, the rulebook) and almost no garbage cycles; at the default threshold
the collector walks over all of them again and again, about a twentieth of
``advisor guide``'s start-up (issue 7, measured with benchmarks/run.py). Only
the program does this: importing advisor as a library changes no setting.
"""

import gc

#: Container allocations between young-generation collections (Python's default: 700).
GC_THRESHOLD = 50_000


def main() -> None:
    """Run the ``advisor`` command line."""
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    from advisor.cli import main as run

    run()


if __name__ == "__main__":
    main()
