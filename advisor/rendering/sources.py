"""The Sources section of a guide: each source once, numbered in order of first use.

A score's source is free text ("https://… (secondary blog)"); a rulebook source has a
title and a URL. When a score's source is the page a rulebook source links to, on the
same date, the guide lists it once; on another date it lists both and says so.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from advisor import wording

if TYPE_CHECKING:
    from advisor.evaluation.results import Evidence
    from advisor.load.rulebook import Rulebook

#: A score's source that is one web page, perhaps followed by a remark in parentheses.
_ONE_PAGE = re.compile(r"^(https?://\S+)(?:\s+\(.*\))?$", re.IGNORECASE | re.DOTALL)


def page(text: str) -> str:
    """The web page a source names, for telling two spellings of it apart ("" if none)."""
    m = _ONE_PAGE.match(text.strip())
    return m.group(1).rstrip("/").lower() if m else ""


def strength(verified: bool, flags: list[str]) -> str:
    """How sure a score is: "unverified", "verified", or either with its flags
    ("verified; flagged: known-leakage")."""
    words = "verified" if verified else "unverified"
    return words + (f"; flagged: {', '.join(flags)}" if flags else "")


class Sources:
    """The sources of one guide, as template data (``items``), numbered as they are added."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.items: list[dict[str, Any]] = []
        #: (page or source text, date) -> number, for scores and rulebook sources alike.
        self._refs: dict[tuple[str, str], int] = {}
        #: page -> (number, date) of its first entry, to say when it comes again.
        self._pages: dict[str, tuple[int, str]] = {}
        self._rule_refs: dict[str, int] = {}
        #: number -> what its title adds when the page came before on another date.
        self._again: dict[int, str] = {}

    def _entry(self, key: tuple[str, str], item: dict[str, Any]) -> int:
        if key in self._refs:
            return self._refs[key]
        ref = self._refs[key] = len(self.items) + 1
        item["ref"] = ref
        seen = self._pages.get(key[0]) if item.pop("page") else None
        if seen is not None:
            self._again[ref] = f" (the same page as [{seen[0]}], dated {seen[1] or 'n/a'} there)"
            item["title"] += self._again[ref]
        elif key[0]:
            self._pages.setdefault(key[0], (ref, key[1]))
        self.items.append(item)
        return ref

    def score(self, ev: Evidence) -> int:
        """The number of a score's source; the score joins what the source supports."""
        where = page(ev.source)
        ref = self._entry(
            (where or ev.source, ev.date),
            {
                "kind": "score",
                "title": ev.source,
                "url": "",
                "date": ev.date,
                "verified": ev.verified,
                "flags": [],
                "supports": [],
                "page": bool(where),
            },
        )
        item = self.items[ref - 1]
        item["verified"] = item["verified"] and ev.verified
        item["flags"] = sorted({*item["flags"], *ev.flags})
        name = self.book.models[ev.model].name if ev.model in self.book.models else ev.model
        item["supports"].append(
            f"{name}, {self.book.benchmarks[ev.benchmark].name}: {wording.pct(ev.score)}"
            f" ({strength(ev.verified, ev.flags)}; split {ev.split}; agent {ev.agent})"
        )
        return ref

    def rules(self, ids: list[str]) -> list[int]:
        """The numbers of rulebook sources, by id."""
        out = []
        for sid in ids:
            if sid not in self._rule_refs:
                src = self.book.sources[sid]
                where = page(src.url)
                key = (where or f"\0{sid}", src.date or "")
                known = key in self._refs
                self._rule_refs[sid] = self._entry(
                    key,
                    {
                        "kind": "rule",
                        "title": src.title,
                        "url": src.url,
                        "date": src.date or "",
                        "verified": src.verified,
                        "flags": [],
                        "supports": [],
                        "note": src.note,
                        "page": bool(where),
                    },
                )
                if known:
                    # A score's page that the rulebook cites too: one entry, under the
                    # rulebook's title and link.
                    ref = self._rule_refs[sid]
                    item = self.items[ref - 1]
                    item.update(title=src.title + self._again.get(ref, ""), url=src.url)
                    item["note"] = src.note
                    item["verified"] = item["verified"] and src.verified
            out.append(self._rule_refs[sid])
        return out
