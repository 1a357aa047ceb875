"""A LINE Messaging API stand-in on 127.0.0.1 for Kizuna's tests (there is no LINE emulator).

What it answers, as api.line.me does (developers.line.biz, Messaging API reference):
  POST /oauth2/v3/token          stateless channel access token (client_credentials, client_id and
                                 client_secret; valid 15 minutes)
  POST /v2/bot/message/push      Bearer token of a registered channel; body validated with the SDK's
                                 generated `PushMessageRequest` (and its message classes), plus 1-5
                                 messages and text <= 5,000 characters; `X-Line-Retry-Key` must be a
                                 UUID, and once a request with a key was accepted every later request
                                 with it answers 409 with `x-line-accepted-request-id`
  POST /v2/bot/message/reply     `ReplyMessageRequest`; the reply token must be one this stand-in
                                 issued in a built webhook event, unused
A per-channel request rate (LINE's is 2,000/s) and monthly message quota answer 429 with LINE's
messages. Control endpoints for tests live under /_standin/ (channels, faults, records, webhook
events; see `Handler.do_POST`/`do_GET`). Everything is in memory; one process per test.

Usage: python standin.py [--port 0]   (prints "LISTENING <port>" once it accepts connections)
"""

import argparse
import json
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from linebot.v3.messaging.models import PushMessageRequest, ReplyMessageRequest
from linebot.v3.oauth.models import IssueStatelessChannelAccessTokenResponse

import webhook_events

# LINE issues stateless tokens for 15 minutes; tests may shorten it to exercise expiry.
STATELESS_TOKEN_SECONDS = int(os.environ.get("KIZUNA_STANDIN_TOKEN_SECONDS", "900"))
MAX_MESSAGES = 5
MAX_TEXT = 5000
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
RETRY_KEY = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MSG_AUTH = "Authentication failed. Confirm that the access token in the authorization header is valid."
MSG_EXPIRED = "Authentication failed due to the expired access token"
MSG_RATE = "Too Many Requests"
MSG_QUOTA = "You have reached your monthly limit."
MSG_ACCEPTED = "The retry key is already accepted"


class Channel:
    """One Messaging API channel: credentials, limits, injected faults and what it accepted."""

    def __init__(self, spec):
        self.id = str(spec["channel_id"])
        self.secret = spec["channel_secret"]
        self.long_lived = spec.get("access_token")
        self.rate = spec.get("rate_per_second", 2000)
        self.monthly_limit = spec.get("monthly_limit")
        self.messages_sent = 0
        self.recent = deque()  # request times in the last second, for the rate limit
        self.faults = deque()  # queued faults, one consumed per push request
        self.rate_fault_ratio = 0.0
        self.delay_seconds = 0.0
        self.random = random.Random(0)
        self.accepted_keys = {}  # retry key -> accepted request id


class State:
    """The whole stand-in: channels, tokens, records; one lock keeps retry-key checks atomic."""

    def __init__(self):
        self.lock = threading.Lock()
        self.channels = {}
        self.tokens = {}  # access token -> (channel id, expiry or None)
        self.reply_tokens = {}  # reply token -> channel id (removed when used)
        self.pushes = []  # accepted pushes
        self.replies = []  # accepted replies
        self.requests = []  # every push request: time, channel, status (for rate checks)

    def channel_for(self, header):
        """(channel, None) for a valid `Authorization: Bearer` header, else (None, error message)."""
        if not header or not header.startswith("Bearer "):
            return None, MSG_AUTH
        found = self.tokens.get(header[len("Bearer "):])
        if found is None:
            return None, MSG_AUTH
        channel_id, expiry = found
        if expiry is not None and time.time() > expiry:
            return None, MSG_EXPIRED
        return self.channels[channel_id], None


STATE = State()


def validate_messages(model, raw):
    """Parses `raw` with the SDK model and LINE's documented limits; returns (request, error)."""
    try:
        request = model.from_json(raw.decode("utf-8"))
    except Exception as error:  # the SDK raises ValueError, ValidationError or JSONDecodeError
        return None, f"The request body has 1 error(s): {str(error).splitlines()[0]}"
    if request is None:
        return None, "The request body has 1 error(s): empty"
    messages = request.messages
    if not 1 <= len(messages) <= MAX_MESSAGES:
        return None, f"The request body has 1 error(s): messages must hold 1 to {MAX_MESSAGES} items"
    for index, message in enumerate(messages):
        text = getattr(message, "text", None)
        if message.type == "text" and len(text) > MAX_TEXT:
            return None, f"The request body has 1 error(s): messages[{index}].text exceeds {MAX_TEXT}"
    return request, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # quiet: tests read records, not logs

    def _body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status, payload, headers=None):
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        headers = {"x-line-request-id": str(uuid.uuid4()), **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        with STATE.lock:
            records = {
                "/_standin/pushes": STATE.pushes,
                "/_standin/replies": STATE.replies,
                "/_standin/requests": STATE.requests,
            }.get(url.path)
            if records is None:
                return self._send(404, {"message": "Not found"})
            channel = query.get("channel_id", [None])[0]
            selected = [r for r in records if channel is None or r["channel_id"] == channel]
        self._send(200, selected)

    def do_POST(self):
        path = urlparse(self.path).path
        body = self._body()
        routes = {
            "/oauth2/v3/token": self.token,
            "/v2/bot/message/push": self.push,
            "/v2/bot/message/reply": self.reply,
            "/_standin/channels": self.add_channel,
            "/_standin/faults": self.set_faults,
            "/_standin/webhook": self.webhook,
            "/_standin/reset": self.reset,
        }
        route = routes.get(path)
        if route is None:
            return self._send(404, {"message": "Not found"})
        route(body)

    # --- control endpoints -------------------------------------------------------------------

    def add_channel(self, body):
        """{"channel_id", "channel_secret", "access_token"?, "rate_per_second"?, "monthly_limit"?}"""
        spec = json.loads(body)
        channel = Channel(spec)
        with STATE.lock:
            STATE.channels[channel.id] = channel
            if channel.long_lived:
                STATE.tokens[channel.long_lived] = (channel.id, None)
        self._send(200, {})

    def set_faults(self, body):
        """{"channel_id", "queue": ["rate"|"quota"|"server"|"delay_before"|"delay_after_accept"],
        "rate_429_ratio": 0.2, "seed": 1, "delay_seconds": 3, "monthly_limit": n}"""
        spec = json.loads(body)
        with STATE.lock:
            channel = STATE.channels[str(spec["channel_id"])]
            channel.faults.extend(spec.get("queue", []))
            channel.rate_fault_ratio = spec.get("rate_429_ratio", channel.rate_fault_ratio)
            channel.delay_seconds = spec.get("delay_seconds", channel.delay_seconds)
            if "seed" in spec:
                channel.random = random.Random(spec["seed"])
            if "monthly_limit" in spec:
                channel.monthly_limit = spec["monthly_limit"]
        self._send(200, {})

    def webhook(self, body):
        """{"channel_id", "events": [spec…]} -> a signed body (see webhook_events.build)."""
        spec = json.loads(body)
        with STATE.lock:
            channel = STATE.channels[str(spec["channel_id"])]
        built = webhook_events.build(channel.secret, spec["events"])
        with STATE.lock:
            for token in built["reply_tokens"]:
                if token:
                    STATE.reply_tokens[token] = channel.id
        self._send(200, built)

    def reset(self, _body):
        global STATE
        STATE = State()
        self._send(200, {})

    # --- the Messaging API ---------------------------------------------------------------------

    def token(self, body):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        with STATE.lock:
            channel = STATE.channels.get(form.get("client_id", ""))
            if form.get("grant_type") != "client_credentials" or channel is None:
                return self._send(400, {"error": "invalid_request", "error_description": "invalid client"})
            if form.get("client_secret") != channel.secret:
                return self._send(400, {"error": "invalid_client", "error_description": "invalid client_secret"})
            token = uuid.uuid4().hex + uuid.uuid4().hex
            STATE.tokens[token] = (channel.id, time.time() + STATELESS_TOKEN_SECONDS)
        issued = IssueStatelessChannelAccessTokenResponse(
            access_token=token, expires_in=STATELESS_TOKEN_SECONDS, token_type="Bearer"
        )
        self._send(200, issued.to_dict())

    def push(self, body):
        retry_key = self.headers.get("X-Line-Retry-Key")
        delay_after = 0.0
        with STATE.lock:
            channel, auth_error = STATE.channel_for(self.headers.get("Authorization"))
            if channel is None:
                return self._send(401, {"message": auth_error})
            status, payload, headers, delay_before, delay_after = self._push_locked(channel, body, retry_key)
            STATE.requests.append({"channel_id": channel.id, "at": time.time(), "status": status})
        if delay_before:
            time.sleep(delay_before)
        if delay_after:
            time.sleep(delay_after)
        try:
            self._send(status, payload, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout a test asked for)

    def _push_locked(self, channel, body, retry_key):
        """Decides one push under the lock: (status, body, headers, delay before, delay after)."""
        if retry_key is not None and not RETRY_KEY.match(retry_key):
            return 400, {"message": "The value of the X-Line-Retry-Key header is invalid"}, {}, 0, 0
        if retry_key in channel.accepted_keys:
            accepted = {"x-line-accepted-request-id": channel.accepted_keys[retry_key]}
            return 409, {"message": MSG_ACCEPTED}, accepted, 0, 0
        now = time.time()
        while channel.recent and now - channel.recent[0] >= 1.0:
            channel.recent.popleft()
        channel.recent.append(now)
        if len(channel.recent) > channel.rate:
            return 429, {"message": MSG_RATE}, {}, 0, 0
        fault = channel.faults.popleft() if channel.faults else None
        if fault is None and channel.rate_fault_ratio and channel.random.random() < channel.rate_fault_ratio:
            fault = "rate"
        if fault == "rate":
            return 429, {"message": MSG_RATE}, {}, 0, 0
        if fault == "server":
            return 500, {"message": "An error occurred in the internal server"}, {}, 0, 0
        if fault == "delay_before":
            return 500, {"message": "An error occurred in the internal server"}, {}, channel.delay_seconds, 0
        request, error = validate_messages(PushMessageRequest, body)
        if error:
            return 400, {"message": error}, {}, 0, 0
        if not USER_ID.match(request.to):
            return 400, {"message": "The property, 'to', in the request body is invalid"}, {}, 0, 0
        count = len(request.messages)
        if fault == "quota" or (
            channel.monthly_limit is not None and channel.messages_sent + count > channel.monthly_limit
        ):
            return 429, {"message": MSG_QUOTA}, {}, 0, 0
        request_id = str(uuid.uuid4())
        if retry_key is not None:
            channel.accepted_keys[retry_key] = request_id
        channel.messages_sent += count
        STATE.pushes.append({
            "channel_id": channel.id,
            "to": request.to,
            "messages": json.loads(body)["messages"],
            "retry_key": retry_key,
            "request_id": request_id,
            "at": now,
        })
        sent = [{"id": str(uuid.uuid4().int >> 64), "quoteToken": uuid.uuid4().hex} for _ in range(count)]
        delay = channel.delay_seconds if fault == "delay_after_accept" else 0
        return 200, {"sentMessages": sent}, {"x-line-request-id": request_id}, 0, delay

    def reply(self, body):
        with STATE.lock:
            channel, auth_error = STATE.channel_for(self.headers.get("Authorization"))
            if channel is None:
                return self._send(401, {"message": auth_error})
            request, error = validate_messages(ReplyMessageRequest, body)
            if error:
                return self._send(400, {"message": error})
            if STATE.reply_tokens.get(request.reply_token) != channel.id:
                return self._send(400, {"message": "Invalid reply token"})
            del STATE.reply_tokens[request.reply_token]
            STATE.replies.append({
                "channel_id": channel.id,
                "reply_token": request.reply_token,
                "messages": json.loads(body)["messages"],
                "at": time.time(),
            })
        self._send(200, {"sentMessages": []})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"LISTENING {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
