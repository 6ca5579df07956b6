"""Reading a stack file (`Pulumi.<stack>.yaml`) for the tools, every problem said in words.

The Pulumi CLI reads the file for a deployment; the offline tools read it here, and refuse what
the CLI would refuse or silently misread: a YAML mistake names the file, line and column (not
a parser's trace); a key given twice is refused, since YAML keeps only the last; and a missing
file, or settings outside the `config:` block, say exactly that.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from tap_platform.settings.messages import SettingsError, key_of, noted

# What `located` adds to a line about a key the file gives.
_LOCATION = re.compile(r" \(Pulumi\.[^ ()]+\.yaml, line \d+\)")
# What a stack file holds at its top (Pulumi docs, "Stack settings file reference").
TOP_LEVEL = ("config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt")
# PyYAML's problems, in words: (what the parser says, at which mark, what to say).
_SYNTAX = (
    ("found character '\\t'", "problem", "a tab, which YAML does not allow; indent with spaces"),
    (
        "could not find expected ':'",
        "context",
        "a key without its ':' (write `key: value`), or a line that runs on from the one above",
    ),
    ("while scanning a quoted scalar", "context", "a quote that is never closed"),
    (
        "mapping values are not allowed here",
        "problem",
        "a line indented deeper than the keys above it, or a value holding ': ' (quote such "
        "a value)",
    ),
    (
        "expected <block end>",
        "problem",
        "the indentation does not line up: keys of one block start in the same column",
    ),
    (
        "did not find expected key",
        "problem",
        "the indentation does not line up: keys of one block start in the same column",
    ),
)


def read_stack_file(path: Path) -> dict[str, Any]:
    """The file's `config` block with values as written (objects stay objects)."""
    if not path.is_file():
        raise SettingsError(_missing(path))
    return copy.deepcopy(_parsed(path.name, path.read_text()))


def project_name(directory: Path) -> str:
    """The `name` in the project's `Pulumi.yaml`: the first part of every name a stack of it
    gives its resources, so a procedure that finds them by name starts here."""
    path = directory / "Pulumi.yaml"
    if not path.is_file():
        raise SettingsError(f"no Pulumi.yaml in {directory}: run this in the project's directory")
    try:
        name = (yaml.safe_load(path.read_text()) or {}).get("name")
    except (yaml.YAMLError, AttributeError):
        name = None
    if not isinstance(name, str) or not name:
        raise SettingsError(f"{path}: names no project; it starts with a line `name: <project>`")
    return name


@lru_cache(maxsize=64)
def _parsed(name: str, text: str) -> dict[str, Any]:
    """One parse per file contents: the tools and tests read the same few files many times."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        twice = list(_duplicates(node, ())) if node is not None else []
        document = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        raise SettingsError(_syntax(name, err, text)) from None
    finally:
        loader.dispose()
    if twice:
        raise SettingsError("\n  ".join([f"{name}: keys given twice:", *twice]))
    return _config(name, document)


def key_lines(path: Path) -> dict[str, int]:
    """The line of each setting in the file's `config` block, by the key a message names it
    with (`tap:service.port`); empty for a file that is not there or not YAML."""
    if not path.is_file():
        return {}
    return dict(_key_lines(path.read_text()))


@lru_cache(maxsize=64)
def _key_lines(text: str) -> tuple[tuple[str, int], ...]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return ()
    config = next(
        (v for k, v in getattr(node, "value", ()) if getattr(k, "value", None) == "config"), None
    )
    return tuple(_lines_under(config, ""))


def _lines_under(node: Any, prefix: str) -> Iterator[tuple[str, int]]:
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        name = f"{prefix}.{key.value}" if prefix else str(key.value)
        yield name, key.start_mark.line + 1
        yield from _lines_under(value, name)


def located(error: SettingsError, path: Path) -> SettingsError:
    """The error with each problem about a key of the file followed by that key's line, in
    the file's order; problems about keys the file does not give come after, as they were."""
    lines = key_lines(path)
    heading, *problems = str(error).splitlines() or [""]
    ordered = sorted(problems, key=lambda line: _line_of(line, lines))
    said = [heading, *(_located(line, lines, path.name) for line in ordered)]
    return SettingsError("\n".join(said), problems=error.problems, partial=error.partial,
                         stand_ins=error.stand_ins)  # fmt: skip


def _line_of(line: str, lines: Mapping[str, int]) -> float:
    """The file's line of the key a problem names: where it sorts (last when not given)."""
    key = key_of(line)
    return lines.get(key, math.inf) if key else math.inf


def _located(line: str, lines: Mapping[str, int], name: str) -> str:
    key = key_of(line)
    return noted(line, f"{name}, line {lines[key]}") if key and key in lines else line


def unlocated(line: str) -> str:
    """The line as it was before `located` named the file's line in it."""
    return _LOCATION.sub("", line)


def _missing(path: Path) -> str:
    stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    found = sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in path.parent.glob("Pulumi.*.yaml")
    )
    near = difflib.get_close_matches(stack, found, n=1)
    meant = f"did you mean {near[0]}? " if near else ""
    return (
        f"no stack file {path.name} in {path.parent}: {meant}the stacks here are "
        f"{', '.join(found) or 'none'}; name one of those, or make {path.name} (a copy of "
        "another stack's file, edited; on AWS, `pulumi stack init` registers the stack too)"
    )


def _syntax(name: str, err: yaml.MarkedYAMLError, text: str) -> str:
    """Where the file stops being YAML and what is wrong there, in two lines."""
    said = f"{err.context or ''} {err.problem or ''}"
    mark, words = err.problem_mark, (err.problem or "not YAML").rstrip(".")
    for found, where, meaning in _SYNTAX:
        if found in said:
            mark = err.context_mark if where == "context" and err.context_mark else mark
            words = meaning
            break
    if mark is None:
        return f"{name}: {words}"
    lines = text.splitlines()
    row, column = mark.line, mark.column
    if "mapping values" in said:
        runs_on = 0 < row <= len(lines) and _lacks_colon(lines[row - 1])
        row -= 1 if runs_on else 0
        column = _indent(lines[row]) if row < len(lines) else 0
        words = "a key without its ':' (write `key: value`)" if runs_on else words
    shown = lines[row] if row < len(lines) else ""
    return f"{name}, line {row + 1}, column {column + 1}: {words}\n  line {row + 1} reads {shown!r}"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _lacks_colon(line: str) -> bool:
    """A line with text but no `key:`: without its colon it runs on into the next line."""
    content = line.split(" #", 1)[0].strip()
    return (
        bool(content)
        and not content.startswith(("-", "#"))
        and not (content.endswith(":") or ": " in content)
    )


def _duplicates(node: yaml.Node, path: tuple[str, ...]) -> Iterator[str]:
    """A line for each key given twice in one mapping, anywhere in the file."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            full = ".".join((*path, name))
            if name in seen:
                yield (
                    f"{full} on line {key.start_mark.line + 1} (also on line {seen[name]}); YAML "
                    "would keep only the last: give it once"
                )
            seen.setdefault(name, key.start_mark.line + 1)
            yield from _duplicates(value, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates(item, (*path, str(index)))


def _config(name: str, document: Any) -> dict[str, Any]:
    """The `config` block, refusing settings written outside it and anything not a mapping."""
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise SettingsError(
            f"{name}: holds {_kind(document)} at its top; a stack file is a mapping "
            "with its settings under config:"
        )
    stray = [str(k) for k in document if k not in TOP_LEVEL]
    if stray:
        raise SettingsError(_stray(name, stray, "config" in document))
    config = document.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise SettingsError(
            f"{name}: config: holds {_kind(config)}; it takes one `namespace:key: value` "
            "per line, indented under it"
        )
    return {str(k): v for k, v in config.items()}


def _kind(value: Any) -> str:
    """What YAML read, as a person says it."""
    kinds = {list: "a list", str: "text", bool: "true or false", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def _stray(name: str, stray: list[str], wrapped: bool) -> str:
    settings = [k for k in stray if ":" in k]
    if settings and not wrapped:
        return (
            f"{name}: {', '.join(settings)} sit at the top of the file, with no config: "
            "above them; put a line `config:` first and indent every setting under it"
        )
    lines = [f"{name}: {', '.join(stray)} at the top of the file:"]
    for key in stray:
        near = difflib.get_close_matches(key, TOP_LEVEL, n=1)
        hint = (
            f"did you mean {near[0]}?"
            if near
            else "settings go under config:"
            if ":" in key
            else f"a stack file takes {', '.join(TOP_LEVEL)}"
        )
        lines.append(f"{key}: is not a stack file entry; {hint}")
    return "\n  ".join(lines)
