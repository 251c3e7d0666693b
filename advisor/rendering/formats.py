"""The output formats and their file extensions (light: the CLI reads this at start-up)."""

from advisor.errors import InputError

FORMATS = ("md", "html", "confluence", "mediawiki", "json")
EXTENSIONS = {
    "md": ".md",
    "html": ".html",
    "confluence": ".xml",
    "mediawiki": ".wiki",
    "json": ".json",
}


def check_format(fmt: str, where: str = "") -> None:
    """Raise InputError unless ``fmt`` is one of :data:`FORMATS` (``where``: its origin)."""
    if fmt not in FORMATS:
        origin = f" (from {where})" if where else ""
        raise InputError(f"unknown format {fmt!r}{origin}; choose one of {', '.join(FORMATS)}")
