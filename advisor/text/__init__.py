"""The Jinja2 sandbox that rule texts and custom templates render in."""
