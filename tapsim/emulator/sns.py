"""SNS: the alarm topic and its subscriptions."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def _topic(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    attributes = {"KmsMasterKeyId": i["kmsMasterKeyId"]} if i.get("kmsMasterKeyId") else {}
    topic = ctx.clients("sns").create_topic(
        Name=i["name"], Attributes=attributes, **ctx.tags_arg("Tags")
    )
    return topic["TopicArn"], {"arn": topic["TopicArn"]}


def _subscription(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    answer = ctx.clients("sns").subscribe(
        TopicArn=i["topic"], Protocol=i["protocol"], Endpoint=i["endpoint"]
    )
    return answer["SubscriptionArn"], {"arn": answer["SubscriptionArn"]}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:sns/topic:Topic": (_topic, by("sns.delete_topic", TopicArn="id")),
    "aws:sns/topicSubscription:TopicSubscription": (
        _subscription,
        by("sns.unsubscribe", SubscriptionArn="id"),
    ),
}
UNTAGGED = {"aws:sns/topicSubscription:TopicSubscription"}
