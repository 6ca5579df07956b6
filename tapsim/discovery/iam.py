"""IAM: roles, whose names carry the region since IAM is global."""

from __future__ import annotations

from typing import Any

from tapsim.discovery.base import Lookups


class IamLookups(Lookups):
    def role_name(self, role: str) -> str:
        """IAM is global: role names carry the region too."""
        return self.namer.role(role, self.region)

    @property
    def autoscaling_role_name(self) -> str:
        return f"AWSServiceRoleForAutoScaling_{self.namer.service_linked_role_suffix(self.region)}"

    @property
    def autoscaling_role(self) -> dict[str, Any]:
        return self.client("iam").get_role(RoleName=self.autoscaling_role_name)["Role"]

    def role(self, role: str) -> dict[str, Any]:
        return self.client("iam").get_role(RoleName=self.role_name(role))["Role"]
