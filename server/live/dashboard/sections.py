"""What a dashboard shows, as the browser holds it: section -> key -> JSON item.

The projection writes its items here and takes back only what changed since the last take
(`{"set": {...}, "del": [...]}` per section), which is the delta a socket sends. Writing an
item equal to the one already shown changes nothing, so a replayed fact sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class SectionView:
    def __init__(self, names: Iterable[str]) -> None:
        self.sections: dict[str, dict[str, Any]] = {name: {} for name in names}
        self._delta: dict[str, dict[str, Any]] = {}

    def set(self, section: str, key: str, item: Any) -> None:
        if self.sections[section].get(key) != item:
            self.sections[section][key] = item
            entry = self._delta.setdefault(section, {"set": {}, "del": []})
            entry["set"][key] = item
            if key in entry["del"]:
                entry["del"].remove(key)

    def delete(self, section: str, key: str) -> None:
        if key in self.sections[section]:
            del self.sections[section][key]
            entry = self._delta.setdefault(section, {"set": {}, "del": []})
            entry["set"].pop(key, None)
            entry["del"].append(key)

    def take_delta(self) -> dict[str, Any]:
        """The keys changed since the last take, per section; sections with none left out."""
        delta, self._delta = self._delta, {}
        return {
            s: {"set": d["set"], "del": d["del"]} for s, d in delta.items() if d["set"] or d["del"]
        }
