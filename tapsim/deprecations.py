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
import re
import sys
from collections.abc import Iterator
from functools import cache
from typing import Any

from tapsim.monitor import Registration

# In an Args class's constructor: `if acl is not None:` then `warnings.warn("""acl is ...`.
_WARNED = re.compile(r"if (\w+) is not None:\n\s+warnings\.warn\(")
# In a property's annotation: `pulumi.Input['BucketLifecycleConfigurationRuleArgs']`.
_HOLDS = re.compile(r"'(\w+Args)'")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def args_class(token: str) -> type:
    """The Args class of a pulumi-aws type (`aws:s3/bucket:Bucket` -> `BucketArgs`)."""
    package, rest = token.removeprefix("aws:").split("/", 1)
    return getattr(
        getattr(importlib.import_module("pulumi_aws"), package), rest.split(":")[1] + "Args"
    )


@cache
def schema(args: type) -> tuple[frozenset[str], dict[str, type]]:
    """An Args class's deprecated arguments, and the Args class each object argument holds,
    by the names a registration's inputs use (`accelerationStatus`)."""
    constructor = inspect.getsource(vars(args)["__init__"])
    deprecated = frozenset(_camel(n) for n in _WARNED.findall(constructor))
    module = sys.modules[args.__module__]
    nested: dict[str, type] = {}
    for name, member in vars(args).items():
        if isinstance(member, property) and member.fget is not None:
            held = _HOLDS.search(str(inspect.signature(member.fget).return_annotation))
            if held and hasattr(module, held.group(1)):
                nested[_camel(name)] = getattr(module, held.group(1))
    return deprecated, nested


def _found(args: type, value: Any, path: str) -> Iterator[str]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _found(args, item, f"{path}[{index}]")
    elif isinstance(value, dict):
        deprecated, nested = schema(args)
        for key in sorted(k for k, v in value.items() if v is not None):
            if key in deprecated:
                yield f"{path}.{key}".lstrip(".")
            if key in nested:
                yield from _found(nested[key], value[key], f"{path}.{key}")


def deprecated_inputs(resources: list[Registration]) -> list[str]:
    """`type name: argument` for each deprecated argument a pulumi-aws resource is given,
    nested ones as a path (`rules[0].prefix`), in order."""
    return sorted(
        f"{r.type} {r.name}: {path}"
        for r in resources
        if r.custom and r.type.startswith("aws:")
        for path in _found(args_class(r.type), r.inputs, "")
    )
