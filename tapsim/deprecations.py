"""The arguments pulumi-aws deprecates, read from the installed SDK itself.

The SDK says a resource type is deprecated when one is made (`BucketV2 is deprecated: ...`),
which reaches a run's warnings. About a deprecated argument it says something only when the
argument comes through the type's Args class: given as a keyword, as the stacks give them, it
says nothing. So each type's Args class is read instead, and the arguments its constructor
warns about are the deprecated ones (in pulumi-aws 7, `acl` of `aws.s3.Bucket`, for one).

Only a resource's own arguments are read, not the fields of the objects nested in them.
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache

from tapsim.monitor import Registration

# In an Args class's constructor: `if acl is not None:` then `warnings.warn("""acl is ...`.
_WARNED = re.compile(r"if (\w+) is not None:\n\s+warnings\.warn\(")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@cache
def deprecated_arguments(token: str) -> frozenset[str]:
    """The deprecated arguments of a pulumi-aws type (`aws:s3/bucket:Bucket`), by the names
    a registration's inputs use (`accelerationStatus`)."""
    package, rest = token.removeprefix("aws:").split("/", 1)
    module_name, class_name = rest.split(":")
    module = importlib.import_module(f"pulumi_aws.{package}.{_snake(module_name)}")
    source = inspect.getsource(getattr(module, f"{class_name}Args").__init__)
    return frozenset(_camel(name) for name in _WARNED.findall(source))


def deprecated_inputs(resources: list[Registration]) -> list[str]:
    """`type name: argument` for each deprecated argument a pulumi-aws resource is given."""
    return [
        f"{r.type} {r.name}: {key}"
        for r in resources
        if r.custom and r.type.startswith("aws:")
        for key in sorted(deprecated_arguments(r.type) & r.inputs.keys())
        if r.inputs[key] is not None
    ]
