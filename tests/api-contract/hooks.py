"""Schemathesis hooks of scripts/api-contract.sh: the subscription API against openapi.yaml.

Besides schemathesis' own checks (no 5xx; every status, content type, header and body documented),
one check of ours: a refused request (4xx) changes nothing — not one item of either table, and no
mail sent. The state is read straight from the emulator before and after every call (one worker,
so no other request runs in between).

Random tokens are always refused at the signature, which would make that check easy to pass. So
before the run real families sign up (some confirmed) through the API itself, their tokens are
read from the mails moto captured, and half of the generated requests carry one of them: refusals
then also come from deep inside the routes (a wrong date for a real subscription, a token of
another purpose, a state that does not allow the change).
"""

import email
import email.policy
import json
import os
import re
import urllib.request
from datetime import datetime, timedelta, timezone

import boto3
import schemathesis
from hypothesis import strategies as st

API = os.environ["KIZUNA_API"]
EMULATOR = os.environ["AWS_ENDPOINT_URL"]
MUNICIPALITY = os.environ["KIZUNA_CONTRACT_MUNICIPALITY"]
TABLES = [os.environ["KIZUNA_SUBSCRIPTIONS_TABLE"], os.environ["KIZUNA_DELIVERIES_TABLE"]]
DYNAMO = boto3.client("dynamodb", endpoint_url=EMULATOR, region_name="ap-northeast-1")


def _get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _post_json(path, body):
    request = urllib.request.Request(
        API + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def _raw_mails():
    return [m["raw_data"] for m in _get_json(EMULATOR + "/moto-api/data.json").get("ses", {}).get("RawMessage", [])]


def _tokens(raw):
    message = email.message_from_string(raw, policy=email.policy.default)
    text = "".join(part.get_content() for part in message.walk() if part.get_content_type() == "text/plain")
    return re.findall(r"token=([A-Za-z0-9._~-]+)", text)


def state():
    """Every item of both tables, and how many mails were sent."""
    items = {}
    for table in TABLES:
        pages = DYNAMO.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
        items[table] = sorted(json.dumps(item, sort_keys=True) for page in pages for item in page["Items"])
    return items, len(_raw_mails())


def _seed():
    """Signs up four families through the API, confirms two, and returns every token mailed to them."""
    today = datetime.now(timezone(timedelta(hours=9))).date()
    for n in range(4):
        due = today + timedelta(days=100 + n)
        body = {
            "email": f"contract{n}@example.jp",
            "municipality": MUNICIPALITY,
            "kind": "due",
            "date": due.isoformat(),
            "consent": True,
            "consent_version": "2026-11",
        }
        assert _post_json("/api/subscriptions", body) == 202, "seeding a sign-up"
    for raw in _raw_mails()[:2]:
        confirm = next(t for t in _tokens(raw))
        assert _post_json("/api/confirm", {"token": confirm}) == 200, "seeding a confirmation"
    tokens = sorted({token for raw in _raw_mails() for token in _tokens(raw)})
    assert len(tokens) >= 6, f"the seeded mails carry confirm, manage and unsubscribe tokens: {tokens}"
    return tokens


TOKENS = _seed()


def _with_real_token(value):
    if not isinstance(value, dict) or "token" not in value:
        return st.just(value)
    return st.one_of(st.just(value), st.sampled_from(TOKENS).map(lambda token: {**value, "token": token}))


@schemathesis.hook
def flatmap_body(ctx, body):
    return _with_real_token(body)


@schemathesis.hook
def flatmap_query(ctx, query):
    return _with_real_token(query)


_BEFORE = {}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    _BEFORE["state"] = state()


@schemathesis.check
def refused_requests_change_nothing(ctx, response, case):
    """A 4xx answer leaves both tables and the sent mail exactly as they were before the call."""
    if not 400 <= response.status_code < 500 or "state" not in _BEFORE:
        return None
    items, mails = state()
    before_items, before_mails = _BEFORE["state"]
    if mails != before_mails:
        raise AssertionError(f"a refused request ({response.status_code}) sent {mails - before_mails} mail(s)")
    for table in TABLES:
        if items[table] != before_items[table]:
            raise AssertionError(f"a refused request ({response.status_code}) changed the table {table}")
    return None
