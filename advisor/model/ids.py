"""Ids made from display names: a model's name, a split's label."""

from __future__ import annotations

import re
import unicodedata


def slug(text: str) -> str:
    """Lowercase id text from any name: "Codex CLI GPT-5.4" -> "codex-cli-gpt-5.4"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9._]+", "-", ascii_text.lower())
    out = re.sub(r"-*([._])-*", r"\1", out)  # "gpt - 5 . 4" style noise around dots
    out = out.strip("-._")
    return out or "model"


def split_label(split: str) -> str:
    """The short name of a split: "all (split75, 75 competitions)" -> "all"."""
    head = split.split("(", 1)[0].strip()
    return slug(head or split)
