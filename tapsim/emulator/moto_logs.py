"""CloudWatch Logs calls the stacks make that moto does not implement, taught to moto.

Imported by moto's server process before it starts (`tapsim.emulator.server`), and by a test
that runs moto in its own process. Kept free of the emulator's other imports, so the server
starts as fast as before.

- AssociateKmsKey: encrypts a log group's new events with a key (CloudWatch Logs API
  Reference, AssociateKmsKey); an unknown group is ResourceNotFoundException.
"""

from __future__ import annotations

from moto.logs.exceptions import ResourceNotFoundException
from moto.logs.responses import LogsResponse


def _associate_kms_key(self: LogsResponse) -> str:
    name = self._get_param("logGroupName")
    group = self.logs_backend.groups.get(name)
    if group is None:
        raise ResourceNotFoundException()
    group.kms_key_id = self._get_param("kmsKeyId")
    return ""


if not hasattr(LogsResponse, "associate_kms_key"):
    LogsResponse.associate_kms_key = _associate_kms_key  # type: ignore[attr-defined]
