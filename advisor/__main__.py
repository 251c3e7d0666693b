"""The ``advisor`` program: the console script and ``python -m advisor`` start here."""

from advisor.cli.app import main


def program() -> None:
    """The console script: run the ``advisor`` command line; raises SystemExit with the
    exit code."""
    main()


if __name__ == "__main__":
    program()
