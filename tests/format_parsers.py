"""Read each output format back with a real parser of that format.

Used by test_formats.py (the guide) and test_export.py (the rulebook export).
Every reader returns the document's text as the format's reader sees it and
its tables as rows of cell texts, and fails (AssertionError) when the
document is not valid for the wiki that would read it.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import html5lib
import mwparserfromhell
from markdown_it import MarkdownIt

# Confluence's storage-format namespaces, as a page body is wrapped for an XML parser.
AC = "http://atlassian.com/content"
RI = "http://atlassian.com/resource/identifier"
CONFLUENCE_COLOURS = {"Grey", "Red", "Yellow", "Green", "Blue", "Purple"}


@dataclass
class Table:
    """A parsed table: its header cells and its rows, as text."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        i = self.header.index(name)
        return [r[i] for r in self.rows]


@dataclass
class Parsed:
    """What a format's parser read: all text, the tables, and format extras."""

    text: str
    tables: list[Table]
    extra: dict[str, Any] = field(default_factory=dict)


def norm(text: str) -> str:
    """Whitespace collapsed, as every reader shows it."""
    return " ".join(text.split())


_UNSHOWABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(chr(p * 0x10000 + c) for p in range(17) for c in (0xFFFE, 0xFFFF))
    + "]"
)


def visible(text: str) -> str:
    """A rulebook text as a reader should see it: one line, no control characters."""
    return norm(_UNSHOWABLE.sub(lambda m: " " if m.group().isspace() else "", text))


# --------------------------------------------------------------------------- Markdown


def _md_split(line: str) -> list[str]:
    # markdown-it's own GFM cell splitter, so that a cell count is the parser's.
    import markdown_it.rules_block  # noqa: F401  (loads the module below)

    split = sys.modules["markdown_it.rules_block.table"].escapedSplit
    cells = split(line.strip())
    if cells and cells[0].strip() == "" and line.strip().startswith("|"):
        cells.pop(0)
    if cells and cells[-1].strip() == "" and line.strip().endswith("|"):
        cells.pop()
    return cells


def parse_markdown(source: str) -> Parsed:
    """GFM with markdown-it-py: tables checked cell by cell on their source lines.

    markdown-it pads short rows and drops extra cells, so the cell count of
    every row is taken from the row's own source line with the parser's GFM
    splitter and compared with the header's; and every source line inside a
    table must have become a row (none ended the table early).
    """
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(source)
    lines = source.splitlines()
    tables: list[Table] = []
    texts: list[str] = []
    fences: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "fence":
            fences.append((tok.info.strip(), tok.content))
        if tok.type == "inline":
            texts.append(inline_text(tok))
        if tok.type == "table_open":
            assert tok.map is not None
            start, end = tok.map
            header_count = len(_md_split(lines[start]))
            assert re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[start + 1].strip()), lines[start + 1]
            assert len(_md_split(lines[start + 1])) == header_count, lines[start + 1]
            table = Table([])
            rows: list[list[str]] = []
            row: list[str] | None = None
            j = i + 1
            while tokens[j].type != "table_close":
                t = tokens[j]
                if t.type == "tr_open":
                    assert t.map is not None
                    raw = lines[t.map[0]]
                    assert len(_md_split(raw)) == header_count, (
                        f"row has {len(_md_split(raw))} cells, header {header_count}: {raw}"
                    )
                    row = []
                elif t.type == "tr_close":
                    assert row is not None
                    rows.append(row)
                elif t.type == "inline":
                    assert row is not None
                    row.append(inline_text(t))
                    texts.append(row[-1])
                j += 1
            table.header, table.rows = rows[0], rows[1:]
            assert len(rows) + 1 == end - start, "a line inside the table is not a row"
            tables.append(table)
            i = j
        i += 1
    return Parsed("\n".join(texts), tables, {"fences": fences, "tokens": tokens})


def inline_text(tok: Any) -> str:
    """An inline token's text as a reader sees it: escapes undone, breaks as spaces."""
    out = []
    for child in tok.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def mermaid_xychart(block: str) -> tuple[list[str], list[float]]:
    """Check a Mermaid ``xychart-beta`` bar chart line by line; its labels and values."""
    lines = [ln.strip() for ln in block.strip().splitlines()]
    assert re.fullmatch(r"xychart-beta( horizontal)?", lines[0]), lines[0]
    label = r'"[^"\n]*"'
    labels: list[str] | None = None
    values: list[float] | None = None
    for ln in lines[1:]:
        if ln.startswith("title "):
            assert re.fullmatch(rf"title {label}", ln), ln
        elif ln.startswith("x-axis "):
            m = re.fullmatch(rf"x-axis \[({label}(?:, {label})*)\]", ln)
            assert m, ln
            labels = re.findall(r'"([^"\n]*)"', m.group(1))
        elif ln.startswith("y-axis "):
            assert re.fullmatch(rf"y-axis {label} -?\d+(\.\d+)? --> \d+(\.\d+)?", ln), ln
        elif ln.startswith("bar "):
            m = re.fullmatch(r"bar \[(-?\d+(?:\.\d+)?(?:, -?\d+(?:\.\d+)?)*)\]", ln)
            assert m, ln
            values = [float(x) for x in m.group(1).split(", ")]
        else:
            raise AssertionError(f"unexpected line in the chart: {ln}")
    assert labels is not None and values is not None, "chart without x-axis or bar"
    assert len(labels) == len(values), "one value per x-axis label"
    return labels, values


# --------------------------------------------------------------------------- HTML

_FORBIDDEN_ELEMENTS = {
    "script",
    "iframe",
    "object",
    "embed",
    "link",
    "img",
    "image",
    "use",
    "foreignobject",
    "base",
    "form",
    "audio",
    "video",
    "source",
    "frame",
    "frameset",
    "applet",
    "picture",
    "input",
    "button",
    "template",
}


def parse_html(source: str, *, fragment: bool = False) -> Parsed:
    """HTML5 with html5lib in strict mode (any parse error fails), self-containment checked.

    Nothing may load from elsewhere: no scripts, frames, images, stylesheets or
    fonts; no ``src``; ``href`` only on ``<a>``, to an anchor or an http(s)
    page; no event handlers; no ``url()`` or ``@import`` in CSS.
    """
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    doc = parser.parseFragment(source) if fragment else parser.parse(source)
    links: list[str] = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.rsplit("}", 1)[-1].lower()
        assert tag not in _FORBIDDEN_ELEMENTS, f"<{tag}> in the page"
        for name, value in el.attrib.items():
            attr = str(name).rsplit("}", 1)[-1].lower()
            assert not attr.startswith("on"), f"event handler {attr}"
            assert attr != "src", f"src={value!r}"
            assert "url(" not in value.replace(" ", "").lower() or attr != "style"
            if attr == "href":
                assert tag == "a", f"href on <{tag}>"
                assert value.startswith("#") or re.match(r"^https?://", value), value
                links.append(value)
        if tag == "style":
            css = (el.text or "").lower()
            assert "url(" not in css and "@import" not in css and "@font-face" not in css
    text = "".join(
        t
        for el in doc.iter()
        if isinstance(el.tag, str) and el.tag.lower() not in ("style",)
        for t in _own_text(el)
    )
    tables = []
    for table in doc.iter("table"):
        rows = []
        for tr in table.iter("tr"):
            rows.append(["".join(td.itertext()) for td in tr if td.tag in ("td", "th")])
        header_len = len(rows[0])
        for r in rows:
            assert len(r) == header_len, f"row of {len(r)} cells, header {header_len}"
        tables.append(Table(rows[0], rows[1:]))
    ids = [el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id")]
    assert len(ids) == len(set(ids)), "an id is used twice"
    return Parsed(text, tables, {"doc": doc, "links": links, "ids": ids})


def _own_text(el: Any) -> list[str]:
    out = [el.text or ""]
    out.extend(child.tail or "" for child in el)
    return out


# --------------------------------------------------------------------------- Confluence


def parse_confluence(source: str) -> Parsed:
    """Confluence storage format with an XML parser, wrapped in a root with ``ac``/``ri``.

    Also checks every status macro (a known colour and a title).
    """
    assert not source.lstrip().startswith("<?xml"), "a body.storage value has no XML declaration"
    wrapped = f'<root xmlns:ac="{AC}" xmlns:ri="{RI}">{source}</root>'
    root = ET.fromstring(wrapped)
    statuses = []
    for macro in root.iter(f"{{{AC}}}structured-macro"):
        name = macro.get(f"{{{AC}}}name")
        assert name in ("status", "anchor", "toc"), f"unexpected macro {name}"
        params = {p.get(f"{{{AC}}}name"): (p.text or "") for p in macro.iter(f"{{{AC}}}parameter")}
        if name == "status":
            assert params.get("colour") in CONFLUENCE_COLOURS, params
            assert params.get("title"), params
            statuses.append(params)
    for el in root.iter():
        assert el.tag not in ("script", "iframe", "img", "object", "embed", "style"), el.tag
    tables = []
    for table in root.iter("table"):
        rows = [[_shown(td) for td in tr if td.tag in ("td", "th")] for tr in table.iter("tr")]
        header_len = len(rows[0])
        for r in rows:
            assert len(r) == header_len, f"row of {len(r)} cells, header {header_len}"
        tables.append(Table(rows[0], rows[1:]))
    return Parsed(_shown(root), tables, {"root": root, "statuses": statuses})


def _shown(el: ET.Element) -> str:
    """The text Confluence shows for an element: a status macro shows its title, other
    macros (anchors, table of contents) show nothing of their parameters."""
    if el.tag == f"{{{AC}}}structured-macro":
        if el.get(f"{{{AC}}}name") == "status":
            title = [p.text or "" for p in el if p.get(f"{{{AC}}}name") == "title"]
            return "".join(title) + (el.tail or "")
        return el.tail or ""
    return (el.text or "") + "".join(_shown(child) for child in el) + (el.tail or "")


# --------------------------------------------------------------------------- MediaWiki

_WIKI_TAGS = {"table", "tr", "td", "th", "i", "span", "code", "li", "dt", "dd"}


def parse_mediawiki(source: str) -> Parsed:
    """Wikitext with mwparserfromhell: tables, rows and cells counted; no stray markup.

    No template, no signature, no magic word; links only to the page's own
    anchors or http(s) pages; the only tags are the ones the templates write.
    """
    code = mwparserfromhell.parse(source)
    assert not code.filter_templates(), [str(t) for t in code.filter_templates()]
    assert not code.filter_arguments()
    assert "~~~" not in source and "__" not in source
    for link in code.filter_wikilinks():
        assert str(link.title).startswith("#"), f"wiki link {link}"
    for external in code.filter_external_links():
        assert re.match(r"^https?://", str(external.url)), f"external link {external}"
    italics = 0
    for tag in code.filter_tags():
        assert str(tag.tag) in _WIKI_TAGS, f"unexpected tag {tag.tag}"
        if str(tag.tag) == "i":
            italics += 1
    tables = []
    for table in code.filter_tags(matches=lambda n: n.tag == "table"):
        header = [_cell(c) for c in table.contents.filter_tags(recursive=False) if c.tag == "th"]
        rows = []
        for tr in table.contents.filter_tags(recursive=False):
            if tr.tag != "tr":
                continue
            cells = [
                _cell(c) for c in tr.contents.filter_tags(recursive=False) if c.tag in ("td", "th")
            ]
            assert len(cells) == len(header), f"row of {len(cells)} cells, header {len(header)}"
            rows.append(cells)
        tables.append(Table(header, rows))
    return Parsed(
        code.strip_code(normalize=True, collapse=True), tables, {"code": code, "italics": italics}
    )


def _cell(tag: Any) -> str:
    return tag.contents.strip_code(normalize=True, collapse=True).strip()


PARSERS = {
    "md": parse_markdown,
    "html": parse_html,
    "confluence": parse_confluence,
    "mediawiki": parse_mediawiki,
}
