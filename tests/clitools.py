"""Helpers shared by the tests that drive the CLI with hostile input."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from click.testing import CliRunner, Result

from advisor.cli.app import cli
from advisor.load.yamlsource import MAX_NODES

ENV = {"COLUMNS": "120", "NO_COLOR": "1", "SOURCE_DATE_EPOCH": "1777777777"}
MEMORY_LIMIT = 500 * 2**20
#: A hang guard for subprocesses, not a speed target (speed is the benchmark's job).
HANG_TIMEOUT = 120


def run(*args: str) -> Result:
    """Run the CLI in-process; a traceback or a stray exception fails the test."""
    result = CliRunner().invoke(cli, list(args), env=ENV, prog_name="advisor")
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def child_env(cwd: str | os.PathLike[str] = ".") -> dict[str, str]:
    """The environment of an advisor child process: the tests' settings, and a cache in
    the folder it runs in (the test's own, never the repository)."""
    cache = os.path.abspath(os.path.join(cwd, ".cache"))
    return {**os.environ, **ENV, "ADVISOR_CACHE_DIR": cache}


def advisor_process(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -m advisor ARGS`` in this test's folder (or ``cwd``); ``kwargs`` go to
    subprocess.run."""
    kwargs.setdefault("timeout", HANG_TIMEOUT)
    env = child_env(kwargs.get("cwd") or ".")
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "advisor", *args], env=env, text=True, **kwargs
    )


def limited(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m advisor ARGS`` in at most 500 MB of address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return advisor_process(*args, capture_output=True, preexec_fn=limit)


def complete(words: str, **env: str) -> list[str]:
    """What bash completion offers for the last word of ``words``, by click's protocol."""
    args = words.split(" ")
    result = subprocess.run(
        [sys.executable, "-m", "advisor"],
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT,
        env={
            **child_env(),
            **env,
            "_ADVISOR_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(args) - 1),
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


#: Every command that reads a YAML file given by name -> (argv for that file, exit code for a
#: broken file).
YAML_SURFACES: dict[str, tuple[Callable[[str], list[str]], int]] = {
    "rules validate": (lambda p: ["rules", "validate", p], 1),
    "--rules": (lambda p: ["models", "--rules", p], 1),
    "--scores": (lambda p: ["models", "--scores", p], 1),
    "--answers": (lambda p: ["guide", "--defaults", "--answers", p, "-o", "out.md"], 2),
    "scores import": (lambda p: ["scores", "import", p, "-o", "out.yaml"], 2),
}

#: What advisor says of a YAML alias bomb.
BOMB = f"YAML document expands to more than {MAX_NODES} nodes (alias bomb?); use fewer aliases"
#: What it says of a file with too many values and no alias.
TOO_MANY = (
    f"YAML document has more than {MAX_NODES:,} values, the limit; split it or keep fewer entries"
)
