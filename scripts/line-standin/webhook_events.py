"""Webhook events as the LINE Platform sends them, built with the official SDK's models and signed.

Kizuna's webhook must accept exactly what LINE sends, so the tests never write event JSON by hand:
each event is built from `linebot.v3.webhooks` models (the SDK refuses a shape LINE would not
send), wrapped in a `CallbackRequest`, serialised once, and signed over those exact bytes with the
channel secret (Base64 of HMAC-SHA256), as the `x-line-signature` header carries it. The SDK's own
`SignatureValidator` checks the result, so a signing mistake here cannot hide a mistake in Kizuna.

Used by the stand-in's control endpoint `POST /_standin/webhook` and from the command line:

    python webhook_events.py SECRET '[{"type": "follow", "user_id": "U…"}]'
"""

import base64
import hashlib
import hmac
import json
import secrets
import sys
import time
import uuid

from linebot.v3 import WebhookParser
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import (
    CallbackRequest,
    DeliveryContext,
    EventMode,
    FollowDetail,
    FollowEvent,
    MessageEvent,
    PostbackContent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

# The bot's own user id as `destination` carries it (U + 32 hex digits, checked by the SDK model).
DEFAULT_DESTINATION = "U" + "0" * 31 + "1"

# Crockford base32, the alphabet of the ULIDs LINE uses for webhookEventId.
_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_event_id():
    """A fresh ULID-shaped webhookEventId (26 characters)."""
    return "".join(secrets.choice(_ULID_ALPHABET) for _ in range(26))


def sign(channel_secret, body):
    """The x-line-signature of `body` (bytes): Base64 of HMAC-SHA256 with the channel secret."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _event(spec, reply_token):
    """One SDK event model from a small spec: type, user_id, and the type's own fields."""
    common = {
        "source": UserSource(user_id=spec["user_id"]),
        "timestamp": int(spec.get("timestamp_ms", time.time() * 1000)),
        "mode": EventMode(spec.get("mode", "active")),
        "webhook_event_id": spec.get("webhook_event_id") or new_event_id(),
        "delivery_context": DeliveryContext(is_redelivery=bool(spec.get("redelivery", False))),
    }
    kind = spec["type"]
    if kind == "follow":
        detail = FollowDetail(is_unblocked=bool(spec.get("is_unblocked", False)))
        return FollowEvent(reply_token=reply_token, follow=detail, **common)
    if kind == "unfollow":
        return UnfollowEvent(**common)
    if kind == "message":
        content = TextMessageContent(
            id=str(secrets.randbelow(10**18)), text=spec["text"], quote_token=secrets.token_hex(16)
        )
        return MessageEvent(reply_token=reply_token, message=content, **common)
    if kind == "postback":
        return PostbackEvent(reply_token=reply_token, postback=PostbackContent(data=spec["data"]), **common)
    raise ValueError(f"unsupported event type for the builder: {kind!r} (pass it as 'raw')")


def build(channel_secret, specs, destination=DEFAULT_DESTINATION):
    """Builds and signs one webhook request.

    `specs` is a list of event specs; a spec `{"raw": {...}}` is passed through unvalidated so tests
    can send what the SDK would refuse (unknown event types). Returns the raw body (str), its
    signature, the reply tokens issued (None for events that carry none) and the event ids.
    """
    events, raws, reply_tokens, event_ids = [], [], [], []
    for spec in specs:
        if "raw" in spec:
            raws.append((len(events) + len(raws), spec["raw"]))
            reply_tokens.append(spec["raw"].get("replyToken"))
            event_ids.append(spec["raw"].get("webhookEventId"))
            continue
        token = uuid.uuid4().hex if spec["type"] in ("follow", "message", "postback") else None
        event = _event(spec, token)
        events.append(event)
        reply_tokens.append(token)
        event_ids.append(event.webhook_event_id)
    request = CallbackRequest(destination=destination, events=events)
    payload = request.to_dict()
    for position, raw in raws:
        payload["events"].insert(position, raw)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    signature = sign(channel_secret, body)
    # The SDK's own validator must agree, or the stand-in itself is wrong.
    if not SignatureValidator(channel_secret).validate(body.decode("utf-8"), signature):
        raise AssertionError("the SDK does not accept the stand-in's signature")
    if not raws:
        # Everything built from models must also parse back through the SDK's parser.
        WebhookParser(channel_secret).parse(body.decode("utf-8"), signature)
    return {
        "body": body.decode("utf-8"),
        "signature": signature,
        "reply_tokens": reply_tokens,
        "event_ids": event_ids,
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: webhook_events.py CHANNEL_SECRET EVENTS_JSON")
    print(json.dumps(build(sys.argv[1], json.loads(sys.argv[2])), ensure_ascii=False))
