"""The output formats and their file extensions (no imports: the CLI reads this at start-up)."""

FORMATS = ("md", "html", "confluence", "mediawiki", "json")
EXTENSIONS = {
    "md": ".md",
    "html": ".html",
    "confluence": ".xml",
    "mediawiki": ".wiki",
    "json": ".json",
}
