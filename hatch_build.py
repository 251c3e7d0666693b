"""Build hook: package rules/ and templates/ into normal wheels only.

A plain ``force-include`` would also copy them into editable installs, where
the copy goes stale as soon as a rule is edited; an editable install reads
the top-level folders directly instead (see advisor/load/resources.py).
"""

from __future__ import annotations

import os
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DataBuildHook(BuildHookInterface):
    """Adds the data folders to standard (non-editable) wheels."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version != "standard":
            return
        for name in ("rules", "templates"):
            build_data["force_include"][os.path.join(self.root, name)] = f"advisor/_data/{name}"
