"""Timing child processes: median wall time and peak memory of interleaved runs.

Each command runs as a child process, ``rounds`` times, and every round runs
all the commands of a group in a new random order: a noisy neighbour then
slows every command of a round alike, and the ratios between medians stay
meaningful on a shared machine.

Wall time is taken in this process around the child's whole life (start to
``os.wait4``). Peak memory is the child's maximum resident set size. A
child's ``ru_maxrss`` also counts the memory of the process that started it
(Linux keeps the parent's high-water mark across ``fork``/``exec``), so
when GNU time is there the command runs under ``/usr/bin/time -f %M``, a
1 MB process whose own child is the command; its start-up (well under a
millisecond, the same for every command) is then part of every wall time.
Without GNU time the memory column is an upper bound, marked as such.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

GNU_TIME = "/usr/bin/time"


def gnu_time() -> str | None:
    """The GNU time program, if this machine has it (BSD time has no ``-f``)."""
    if not os.access(GNU_TIME, os.X_OK):
        return None
    try:
        out = subprocess.run(
            [GNU_TIME, "-f", "%M", "true"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return GNU_TIME if out.returncode == 0 and out.stderr.strip().isdigit() else None


@dataclass
class Command:
    """One command line to time.

    Args:
        name: Its label in the results.
        argv: The command line.
        cwd: Working folder.
        env: Environment (default: this process's).
        setup: Called before each run, untimed (e.g. to remove the previous output).
    """

    name: str
    argv: list[str]
    cwd: str | None = None
    env: Mapping[str, str] | None = None
    setup: Callable[[], None] | None = None


@dataclass
class Timing:
    """The runs of one command."""

    name: str
    walls: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)

    @property
    def wall(self) -> float:
        """Median wall time, seconds."""
        return statistics.median(self.walls)

    @property
    def rss_mb(self) -> float:
        """Median peak resident memory, MB (10^6 bytes)."""
        return statistics.median(self.rss_kb) * 1024 / 1e6

    @property
    def iqr(self) -> float:
        """Interquartile range of the wall times, seconds."""
        if len(self.walls) < 4:
            return 0.0
        q = statistics.quantiles(self.walls, n=4)
        return q[2] - q[0]


class CommandFailed(RuntimeError):
    """A timed command exited with a non-zero status."""


class Runner:
    """Runs commands and measures them; ``exact_memory`` tells whether GNU time is used."""

    def __init__(self) -> None:
        self.time = gnu_time()
        self.exact_memory = self.time is not None
        self._tmp = tempfile.mkdtemp(prefix="advisor-bench-rss-")

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def run_once(self, cmd: Command) -> tuple[float, int]:
        """Run ``cmd`` once: (wall seconds, peak RSS in KB)."""
        if cmd.setup is not None:
            cmd.setup()
        env = dict(os.environ if cmd.env is None else cmd.env)
        memfile = os.path.join(self._tmp, "maxrss")
        argv = list(cmd.argv)
        if self.time:
            argv = [self.time, "-f", "%M", "-o", memfile, *argv]
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen(
                argv,
                cwd=cmd.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            if code != 0:
                err.seek(0)
                text = err.read().decode("utf-8", "replace")[-2000:]
                raise CommandFailed(f"{cmd.name}: exit {code}: {' '.join(cmd.argv)}\n{text}")
        if self.time:
            with open(memfile, encoding="utf-8") as fh:
                rss = int(fh.read().split()[-1])
        else:
            rss = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)
        return wall, rss

    def interleaved(
        self, commands: Sequence[Command], rounds: int, warmup: int = 1, seed: int = 7
    ) -> dict[str, Timing]:
        """Run every command ``rounds`` times (after ``warmup`` untimed rounds), shuffled
        within each round; returns the timings by command name."""
        rng = random.Random(seed)
        out = {c.name: Timing(c.name) for c in commands}
        for _ in range(warmup):
            for c in commands:
                self.run_once(c)
        for _ in range(rounds):
            order = list(commands)
            rng.shuffle(order)
            for c in order:
                wall, rss = self.run_once(c)
                out[c.name].walls.append(wall)
                out[c.name].rss_kb.append(rss)
        return out
