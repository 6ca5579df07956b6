"""The arguments pulumi-aws deprecates, read from the installed SDK itself.

The SDK says a resource type is deprecated when one is made (`BucketV2 is deprecated: ...`),
which reaches a run's warnings. About a deprecated argument it says something only when the
argument comes through an Args class: given as a keyword or a plain dict, as the stacks give
them, it says nothing. So the Args classes are read instead: the arguments a constructor warns
about are the deprecated ones (in pulumi-aws 7, `acl` of `aws.s3.Bucket`, or `prefix` of a
lifecycle rule, which `filter` replaces), and each property's annotation names the Args class
of the object it holds, down to the innermost.
"""

from __future__ import annotations

import importlib
import inspect
import keyword
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from tapsim.monitor import Registration

# In an Args class's constructor: `if acl is not None:` then `warnings.warn("""acl is ...`.
_WARNED = re.compile(r"if (\w+) is not None:\n\s+warnings\.warn\(")
# In a property's annotation: `pulumi.Input['BucketLifecycleConfigurationRuleArgs']`, or an
# Args class of another module (`'_iam.PolicyStatementArgs'`).
_HOLDS = re.compile(r"(Mapping\[str, )?[^']*'(?:(\w+)\.)?(\w+Args)'")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def args_class(token: str) -> type:
    """The Args class of a pulumi-aws type (`aws:s3/bucket:Bucket` -> `BucketArgs`). Where an
    input type already has that name, the SDK calls the resource's own `...InitArgs`
    (`BucketVersioningArgs` is a bucket's `versioning` block); a package whose name is a
    Python keyword ends in `_` (`lambda_`)."""
    package, rest = token.removeprefix("aws:").split("/", 1)
    name = rest.split(":")[1]
    sdk = importlib.import_module("pulumi_aws")
    resource = getattr(getattr(sdk, package + "_" if keyword.iskeyword(package) else package), name)
    module = sys.modules[resource.__module__]
    return getattr(module, f"{name}InitArgs", None) or getattr(module, f"{name}Args")


@dataclass(frozen=True)
class Schema:
    """An Args class's deprecated arguments, and the Args class each object argument holds
    (`mapped`: the argument maps names to such objects), by the names a registration's
    inputs use (`accelerationStatus`)."""

    deprecated: frozenset[str]
    nested: dict[str, tuple[type, bool]]


@cache
def schema(args: type) -> Schema:
    module = sys.modules[args.__module__]
    names: dict[str, str] = {}
    nested: dict[str, tuple[type, bool]] = {}
    for name, member in vars(args).items():
        if not (isinstance(member, property) and member.fget is not None):
            continue
        names[name] = getattr(member.fget, "_pulumi_name", None) or _camel(name)
        held = _HOLDS.search(str(inspect.signature(member.fget).return_annotation))
        if held:
            mapped, alias, class_name = held.groups()
            home = getattr(module, alias) if alias else module
            if hasattr(home, class_name):
                nested[names[name]] = (getattr(home, class_name), bool(mapped))
    constructor = inspect.getsource(vars(args)["__init__"])
    deprecated = frozenset(names.get(n, _camel(n)) for n in _WARNED.findall(constructor))
    return Schema(deprecated, nested)


def _found(args: type, value: Any, path: str) -> Iterator[str]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _found(args, item, f"{path}[{index}]")
    elif isinstance(value, dict):
        known = schema(args)
        for key in sorted(k for k, v in value.items() if v is not None):
            if key in known.deprecated:
                yield f"{path}.{key}".lstrip(".")
            if key in known.nested:
                held, mapped = known.nested[key]
                items = value[key].items() if mapped and isinstance(value[key], dict) else None
                if items is None:
                    yield from _found(held, value[key], f"{path}.{key}")
                else:
                    for name, item in items:
                        yield from _found(held, item, f"{path}.{key}.{name}")


def deprecated_inputs(resources: list[Registration]) -> list[str]:
    """`type name: argument` for each deprecated argument a pulumi-aws resource is given,
    nested ones as a path (`rules[0].prefix`), in order."""
    return sorted(
        f"{r.type} {r.name}: {path}"
        for r in resources
        if r.custom and r.type.startswith("aws:")
        for path in _found(args_class(r.type), r.inputs, "")
    )
