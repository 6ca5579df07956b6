"""The replacement tables, read from terraform-provider-aws's Go source.

`pulumi-aws` wraps terraform-provider-aws, so an input forces a new resource exactly where the
provider's schema says so: `ForceNew: true` in an SDKv2 schema, a `RequiresReplace` plan
modifier in a Plugin Framework schema. The website's docs list only some of these, so the
tables come from the source. `tapsim/data/force_new.json` holds, for every type the stacks
declare, the file it was read from, the commit, the inputs (Pulumi's names) and, in words, the
`CustomizeDiff` cases that replace on a condition.

Regenerate from a checkout of the provider (`git clone
https://github.com/hashicorp/terraform-provider-aws`, then `git checkout <commit>`)::

    python -m tapsim.schema_tables --source ../terraform-provider-aws          # rewrite
    python -m tapsim.schema_tables --source ../terraform-provider-aws --check  # compare

Each type keeps its file and its hand-kept `customizeDiff` notes; the rest is rewritten.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TABLES = Path(__file__).parent / "data" / "force_new.json"
CONSTANTS = "names/attr_consts_gen.go"

# Where pulumi-aws names an input other than the camel case of Terraform's name
# (pulumi-aws, provider/resources.go: the `Fields` overrides of these resources).
RENAMED = {
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm_name"): "name",
    ("aws:sns/topicSubscription:TopicSubscription", "topic_arn"): "topic",
}


@dataclass(frozen=True)
class Found:
    """What one resource's schema says: top-level and nested replace-forcing attributes."""

    force_new: tuple[str, ...]
    nested: tuple[str, ...]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def inputs(typ: str) -> frozenset[str]:
    """The inputs pulumi-aws's SDK takes for `typ`, in snake case (`aws:lb/listener:Listener`
    -> the parameters of `pulumi_aws.lb.Listener`)."""
    _, path, name = typ.split(":")
    resource = getattr(importlib.import_module(f"pulumi_aws.{path.split('/')[0]}"), name)
    # The class's own constructor: its `<Name>Args` may be renamed (`BucketLoggingInitArgs`)
    # where a nested input type of another resource took the name.
    parameters = inspect.signature(resource._internal_init).parameters
    return frozenset(parameters) - {"__self__", "resource_name", "opts", "__props__"}


def pulumi_name(typ: str, path: str) -> str:
    """A dotted Terraform path in Pulumi's names (`a_b.c_d` -> `aB.cD`). pulumi-aws pluralizes
    a list that takes several items (`default_action` -> `defaultActions`): the SDK's own
    inputs decide which spelling the top level takes."""
    top, *rest = path.split(".")
    if (typ, top) in RENAMED:
        top = RENAMED[(typ, top)]
    else:
        known = inputs(typ)
        plurals = (top, f"{top}s", f"{top}es", f"{top[:-1]}ies")
        top = camel(next((p for p in plurals if p in known), top))
    return ".".join([top, *(camel(part) for part in rest)])


def constants(text: str) -> dict[str, str]:
    """`AttrName = "name"` lines: the provider's attribute-name constants."""
    return dict(re.findall(r"^\s*(Attr\w+)\s*=\s*\"([^\"]+)\"", text, flags=re.MULTILINE))


def _skip_literal(text: str, i: int) -> int:
    """The index after the string, rune or comment starting at `i`, or `i` if none does."""
    if text.startswith("//", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        return text.index("*/", i + 2) + 2
    quote = text[i]
    if quote == "`":
        return text.index("`", i + 1) + 1
    if quote in "\"'":
        j = i + 1
        while text[j] != quote:
            j += 2 if text[j] == "\\" else 1
        return j + 1
    return i


def closing(text: str, start: int) -> int:
    """The index of the brace that closes the one at `start`, skipping strings and comments."""
    depth = 0
    i = start
    while i < len(text):
        j = _skip_literal(text, i)
        if j != i:
            i = j
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced brace at {start}")


def _top_level(body: str, *, literals: bool = True) -> str:
    """`body` with every nested brace's contents blanked, so a match is at this level (and,
    unless `literals`, strings and comments blanked too), positions unchanged."""
    out, i = [], 0
    while i < len(body):
        j = _skip_literal(body, i)
        if j != i:
            out.append(body[i:j] if literals else " " * (j - i))
            i = j
        elif body[i] == "{":
            end = closing(body, i)
            out.append("{" + " " * (end - i - 1) + "}")
            i = end + 1
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


_ENTRY = re.compile(r"(\"[\w.-]+\"|[\w.]+)\s*:\s*(?:&?[\w.]+\s*)?\{")


def entries(body: str, names: dict[str, str]) -> Iterator[tuple[str, str]]:
    """The `key: {...}` entries of a map literal's body, keys resolved to strings."""
    flat = _top_level(body)
    for match in _ENTRY.finditer(flat):
        key = match.group(1)
        name = key.strip('"') if key.startswith('"') else names.get(key.rsplit(".", 1)[-1], "")
        if not name or name[0].isupper():
            continue
        start = match.end() - 1
        yield name, body[start + 1 : closing(body, start)]


_SDK_MAP = "map[string]*schema.Schema{"
_FRAMEWORK_MAP = "map[string]schema.Attribute{"
_BLOCK_MAP = "map[string]schema.Block{"


def _maps(entry: str) -> list[str]:
    """The schema maps directly inside an entry (a nested block's attributes)."""
    bodies = []
    for marker in (_SDK_MAP, _FRAMEWORK_MAP, _BLOCK_MAP):
        pos = entry.find(marker)
        while pos >= 0:
            start = pos + len(marker) - 1
            end = closing(entry, start)
            bodies.append(entry[start + 1 : end])
            pos = entry.find(marker, end)
    return bodies


def _forces(entry: str) -> bool:
    own = _top_level(entry, literals=False)
    if re.search(r"\bForceNew:\s*true\b", own):
        return True
    modifiers = re.search(r"PlanModifiers:\s*\[\][\w.]+\{", own)
    if not modifiers:
        return False
    start = modifiers.end() - 1
    return "RequiresReplace" in entry[start : closing(entry, start)]


def walk(body: str, names: dict[str, str], prefix: str = "") -> Iterator[tuple[str, bool]]:
    """Every attribute of a schema map, nested ones dotted, with whether it forces new."""
    for name, entry in entries(body, names):
        path = prefix + name
        yield path, _forces(entry)
        for inner in _maps(entry):
            yield from walk(inner, names, path + ".")


def resource_schema(source: str) -> str:
    """The body of the resource's own schema map: the first one in the file."""
    starts = [i for i in (source.find(m) for m in (_SDK_MAP, _FRAMEWORK_MAP)) if i >= 0]
    if not starts:
        raise ValueError("no schema map found")
    start = source.index("{", min(starts))
    body = source[start + 1 : closing(source, start)]
    blocks = source.find(_BLOCK_MAP, start)
    if blocks >= 0:
        open_at = blocks + len(_BLOCK_MAP) - 1
        body += "\n" + source[open_at + 1 : closing(source, open_at)]
    return body


def read(source: str, names: dict[str, str]) -> Found:
    """The replace-forcing attributes of the resource in `source`; `names` resolves the
    provider's constants, and the file's own string constants are added to them."""
    local = dict(
        re.findall(r"^\s*(?:const\s+)?(\w+)\s*=\s*\"([^\"]+)\"", source, flags=re.MULTILINE)
    )
    found = list(walk(resource_schema(source), {**local, **names}))
    return Found(
        tuple(sorted(p for p, forced in found if forced and "." not in p)),
        tuple(sorted(p for p, forced in found if forced and "." in p)),
    )


# How an entry was read when not from one checkout: a release's copy, or a copy without its
# commit. A regeneration reads everything at one commit, so these no longer hold.
PROVENANCE = ("release", "read")


def table_entry(typ: str, old: dict[str, Any], found: Found, commit: str) -> dict[str, Any]:
    return {
        **{k: v for k, v in old.items() if k not in PROVENANCE},
        "commit": commit,
        "forceNew": sorted(pulumi_name(typ, p) for p in found.force_new),
        "nested": sorted(pulumi_name(typ, p) for p in found.nested),
    }


def load() -> dict[str, Any]:
    return json.loads(TABLES.read_text())


def regenerate(checkout: Path, tables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tables as the checkout's source gives them, keeping each type's file and notes."""
    commit = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    names = constants((checkout / CONSTANTS).read_text())
    tables = tables or load()
    resources = {}
    for typ, old in tables["resources"].items():
        found = read((checkout / old["file"]).read_text(), names)
        resources[typ] = table_entry(typ, old, found, commit)
    return {**tables, "resources": resources}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="provider checkout")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    fresh = regenerate(args.source)
    if args.check:
        stale = [t for t, e in fresh["resources"].items() if e != load()["resources"][t]]
        for typ in stale:
            print(f"{typ}: differs from {args.source}", file=sys.stderr)
        return 1 if stale else 0
    TABLES.write_text(json.dumps(fresh, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
