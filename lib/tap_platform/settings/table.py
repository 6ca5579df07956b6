"""The settings table of docs/settings.md, generated from the models' descriptions and the tier
table, so the two cannot drift apart: `.venv/bin/python -m tap_platform.settings.table` prints
it, and a test holds the file to it."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

from annotated_types import Ge, Gt, Le
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tap_platform.settings.models import Settings
from tap_platform.settings.tiers import TIERS

START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"
# Fields of `Settings` that are not `tap:` settings: the project, stack, region and the
# `aws:` credentials come from elsewhere.
NOT_SETTINGS = frozenset({"project", "stack", "region", "provider"})
# What a setting without a tier default is when the stack file leaves it out.
UNSET = {"environment": ("dev", "staging", "prod"), "environmentSuffix": ("stack name",) * 3}


def settings() -> Iterator[tuple[str, FieldInfo]]:
    """Every `tap:` setting as the stack file spells it, with its field, in model order."""
    yield from _walk(Settings, "")


def _walk(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, FieldInfo]]:
    for name, field in model.model_fields.items():
        if not prefix and name in NOT_SETTINGS:
            continue
        key = prefix + (field.alias or name)
        nested = _model_of(field.annotation)
        if nested is None:
            yield key, field
        else:
            yield from _walk(nested, f"{key}.")


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The section a field holds (itself or optional); a mapping of models is one setting."""
    if getattr(annotation, "__origin__", None) is dict:
        return None
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _shown(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    return str(value) if value != {} else "{}"


def _bounds(field: FieldInfo) -> str:
    low = next((m.ge for m in field.metadata if isinstance(m, Ge)), None)
    low = next((f">{m.gt}" for m in field.metadata if isinstance(m, Gt)), low)
    high = next((m.le for m in field.metadata if isinstance(m, Le)), None)
    if low is None and high is None:
        return ""
    return f" ({low if low is not None else ''}-{high if high is not None else ''})"


def rows() -> list[list[str]]:
    table = []
    for key, field in settings():
        default = None if field.is_required() else field.default
        values = TIERS.get(key) or UNSET.get(key) or (default,) * 3
        shown = [_shown(v) for v in values]
        if shown[1:] == shown[:1] * 2:
            shown[1:] = ["same", "same"]
        description = (field.description or "") + _bounds(field)
        table.append([f"`tap:{key}`", *shown, description])
    return table


def markdown() -> str:
    lines = ["| Setting | dev | staging | prod | Meaning |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows()]
    return "\n".join(lines)


def section(readme: str) -> str:
    """The generated part of a document's text, between its two markers."""
    found = re.search(f"{re.escape(START)}\n(.*?)\n{re.escape(END)}", readme, re.S)
    return found[1] if found else ""


if __name__ == "__main__":
    sys.stdout.write(markdown() + "\n")
