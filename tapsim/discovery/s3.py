"""Amazon S3: the stack's buckets, whose names hold the account and region."""

from __future__ import annotations

from functools import cached_property

from tapsim.discovery.base import Lookups


class S3Lookups(Lookups):
    @cached_property
    def buckets(self) -> dict[str, str]:
        """Bucket name by role, of those that exist: a bucket's name holds the account."""
        account = self.client("sts").get_caller_identity()["Account"]
        names = {
            self.namer.bucket(role, account, self.region): role
            for role in ("artifacts", "alb-logs", "assets")
        }
        listed = self.every("s3", "list_buckets", "Buckets")
        return {names[b["Name"]]: b["Name"] for b in listed if b["Name"] in names}
