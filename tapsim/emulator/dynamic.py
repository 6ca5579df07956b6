"""Pulumi dynamic resources: the provider the program wrote runs here as the engine runs it.

The engine unpickles the provider (`__provider`, dill and base64; pulumi's
`pulumi.dynamic.__main__`) and calls it with the resource's inputs; so does this handler,
inside the emulator's environment, where the provider's own AWS calls reach moto.
"""

from __future__ import annotations

import base64
from typing import Any

import dill

from tapsim.emulator.core import Context, Deleter, Handler

TYPE = "pulumi-python:dynamic:Resource"
PROVIDER_KEY = "__provider"


def _provider(inputs: dict[str, Any]) -> Any:
    return dill.loads(base64.b64decode(inputs[PROVIDER_KEY]))


def _props(inputs: dict[str, Any]) -> dict[str, Any]:
    """The resource's inputs, less the stack file's credentials settings: the emulator is the
    account, as it is for the provider, and a profile or role of the stack file names a real
    one (`tap_platform.dynamic_aws`)."""
    props = {k: v for k, v in inputs.items() if k != PROVIDER_KEY}
    return {**props, "credentials": {}} if "credentials" in props else props


def _create(_ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = _provider(i).create(_props(i))
    return result.id, dict(result.outs or {})


def _delete(_ctx: Context, resource_id: str, state: dict[str, Any]) -> None:
    _provider(state).delete(resource_id, _props(state))


HANDLERS: dict[str, tuple[Handler, Deleter]] = {TYPE: (_create, _delete)}
# A dynamic resource is the program's own; it carries no AWS tags.
UNTAGGED = {TYPE}
