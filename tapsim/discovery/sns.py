"""Amazon SNS: the alarm topic."""

from __future__ import annotations

from functools import cached_property

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups


class SnsLookups(Lookups):
    @cached_property
    def topic_arn(self) -> str:
        name = self.name("alarms", Service.TOPIC)
        topics = self.every("sns", "list_topics", "Topics")
        (arn,) = [t["TopicArn"] for t in topics if t["TopicArn"].endswith(f":{name}")]
        return arn

    def topic_attributes(self) -> dict[str, str]:
        return self.client("sns").get_topic_attributes(TopicArn=self.topic_arn)["Attributes"]
