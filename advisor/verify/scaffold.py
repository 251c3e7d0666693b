"""``advisor init``: scaffold an organisation rulebook.

The scaffold extends the built-in rulebook, overrides one rule by id (the
review checklist of data scientists validating results) and tests it, so that
``advisor rules validate``, ``lint`` and ``test`` pass on it as written and a
team starts from a working example rather than from the format reference.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from advisor.errors import InputError, OutputError
from advisor.model.location import Location
from advisor.model.schema import ID_PATTERN
from advisor.rendering.output import write_text

DEFAULT_FOLDER = "rulebook"
DEFAULT_ID = "my-org"
DEFAULT_NAME = "My organisation's rulebook"

_RULEBOOK = """\
# {name}
# An organisation rulebook for advisor. It extends the built-in rulebook:
# everything there applies unless this folder changes it.
#
#   advisor rules validate {folder}   every error with file:line:column
#   advisor rules lint {folder}       gaps, overlaps, autonomy that falls as scores rise
#   advisor rules test {folder}       the tests in tests.yaml and the built-in ones
#   advisor guide --rules {folder}    a team guide from this rulebook
#
# 'advisor schema -o rulebook.schema.json' writes the JSON Schema for editors.
rulebook:
  id: {id}
  name: {name_yaml}
  version: "1"
  description: Our adoption rules, on top of advisor's built-in rulebook.
extends: builtin

# Benchmarks inform stages and read their scores in bands on the evidence scale
# (see 'advisor rules export'); a benchmark given here again with the same id
# replaces the built-in one, so you can change what it informs and its bands.

# To switch built-in rules off, name them here. A disabled stage-advice rule
# leaves a gap that 'advisor rules lint' reports until a rule of yours covers it.
# overrides:
#   disable: [tl-validate-top]

sources:
  - id: {id}-review-policy
    title: Our model-review checklist (replace with a link to yours)

tables:
  # A built-in table, named by its id. A rule with a built-in rule's id replaces
  # that rule; a rule with a new id is added. Purpose, hit policy and inputs are
  # repeated because this file may also change them.
  - id: stage-advice
    purpose: stage-advice
    hit_policy: unique
    inputs: [role, stage, evidence, terminal-bench-2]
    rules:
      # Example override: the built-in rule, with our review checklist added.
      - id: ds-validate-moderate
        when: {{role: data-scientist, stage: result-validation, evidence: moderate}}
        autonomy: assist
        text: >-
          Validate results yourself; use {{{{ model.name }}}} to write evaluation code
          and report drafts that you check line by line.
        review: >-
          Metrics, splits, overfitting checks and the conclusions, against our
          model-review checklist.
        time_saved: about 10% (rulebook estimate)
        rationale: >-
          Overfitting judgement is among the gaps the seed review names at moderate
          evidence ({{{{ basis.text }}}} here).
        sources: [seed-review, {id}-review-policy]
"""

_TESTS = """\
# Tests of this rulebook ('advisor rules test {folder}'). The built-in tests run
# too. When a change of yours alters an outcome a built-in test expects, redefine
# that test here under the same id with the new expectation; expectations naming
# a rule you disabled are skipped.
tests:
  - id: {id}-ds-validation
    description: Data scientists validate results themselves at moderate MLE-Bench scores.
    given: {{scores: {{mle-bench: 40, terminal-bench-2: 70}}}}
    expect:
      - {{role: data-scientist, stage: result-validation, autonomy: assist,
         rule: ds-validate-moderate}}
"""


def scaffold(
    folder: str | Path = DEFAULT_FOLDER,
    *,
    rulebook_id: str = DEFAULT_ID,
    name: str = DEFAULT_NAME,
    force: bool = False,
) -> list[Path]:
    """Write an organisation rulebook into ``folder`` (created if needed).

    Args:
        folder: Where the rulebook's files go; a folder of its own, since every
            YAML file in it becomes part of the rulebook.
        rulebook_id: The rulebook's id (lowercase a-z, 0-9, '.', '_', '-').
        name: The rulebook's name, shown in guides.
        force: Replace files that exist.

    Returns:
        The files written.

    Raises:
        InputError: the id or name is not valid.
        OutputError: a file exists (without ``force``) or cannot be written;
            nothing is written then.
    """
    if not re.match(ID_PATTERN, rulebook_id) or len(rulebook_id) > 60:
        raise InputError(f"--id {rulebook_id!r}: use lowercase letters, digits, '.', '_' or '-'")
    if not name.strip() or len(name) > 300 or any(c in name for c in "\r\n"):
        raise InputError("--name: give one line of at most 300 characters")
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise OutputError("is a file; give a folder for the rulebook", Location(str(target)))
    shown = str(target)
    values = {
        "id": rulebook_id,
        "name": name.strip(),
        "folder": shlex.quote(shown),
        # JSON strings are valid YAML, so any name is quoted safely.
        "name_yaml": json.dumps(name.strip(), ensure_ascii=False),
    }
    files = {
        target / "rulebook.yaml": _RULEBOOK.format(**values),
        target / "tests.yaml": _TESTS.format(**values),
    }
    # Check every file first, so a refusal leaves no half-written scaffold.
    existing = [p for p in files if p.exists() or p.is_symlink()]
    if existing and not force:
        raise OutputError(
            "already exists; use --force to overwrite the scaffold's files",
            Location(str(existing[0])),
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the folder: {exc.strerror or exc}", Location(shown)
        ) from None
    for path, text in files.items():
        write_text(path, text, force=force)
    return list(files)
