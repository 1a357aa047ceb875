"""Transforms infra/template.yaml offline, as CloudFormation would, for cfn-lint and checkov.

CloudFormation applies the template's two transforms in order; this script does the same without
an AWS account:
  1. AWS::LanguageExtensions — only what the template uses: `Fn::ForEach` in Resources over a
     CommaDelimitedList parameter (expanded with the sample value below, `${X}` and `&{X}` replaced);
  2. AWS::Serverless-2016-10-31 — with aws-sam-translator, for a fake account in ap-northeast-1.

Usage: python infra/transform.py TEMPLATE OUT.json
"""

import json
import os
import re
import sys

# The fake account and region the offline transform runs in (nothing is called).
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-northeast-1")
os.environ.setdefault("AWS_REGION", "ap-northeast-1")

from cfnlint.decode import decode  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402

ACCOUNT_ID = "123456789012"
REGION = "ap-northeast-1"
# Sample values for the parameters the transform needs (the stack's real ones come at deploy time).
SAMPLE_PARAMETERS = {
    "SenderDomains": ["kizuna.example.jp", "city.hikari.example.jp"],
}


class OfflinePolicies:
    """The managed-policy loader: the template names no AWS managed policy, so nothing to look up."""

    def load(self):
        return {}


def substitute(node, name, value):
    """Replaces `Ref: name`, ${name} and &{name} (alphanumerics only) in a fragment's strings and keys."""
    if isinstance(node, dict) and node == {"Ref": name}:
        return value
    if isinstance(node, dict):
        node = {substitute(k, name, value): substitute(v, name, value) for k, v in node.items()}
        # A Fn::Sub left without variables is its string, as the service resolves it.
        if list(node) == ["Fn::Sub"] and isinstance(node["Fn::Sub"], str) and "${" not in node["Fn::Sub"]:
            return node["Fn::Sub"]
        return node
    if isinstance(node, list):
        return [substitute(v, name, value) for v in node]
    if isinstance(node, str):
        node = node.replace("${" + name + "}", value)
        return node.replace("&{" + name + "}", re.sub(r"[^0-9A-Za-z]", "", value))
    return node


def expand_for_each(resources):
    expanded = {}
    for key, value in resources.items():
        if not key.startswith("Fn::ForEach::"):
            expanded[key] = value
            continue
        identifier, collection, fragment = value
        if not (isinstance(collection, dict) and set(collection) == {"Ref"}):
            sys.exit(f"{key}: only a Ref to a list parameter is supported offline")
        items = SAMPLE_PARAMETERS.get(collection["Ref"])
        if items is None:
            sys.exit(f"{key}: add a sample value for parameter {collection['Ref']} to infra/transform.py")
        for item in items:
            for logical_id, resource in substitute(fragment, identifier, item).items():
                if logical_id in expanded or logical_id in resources:
                    sys.exit(f"{key}: duplicate logical id {logical_id}")
                expanded[logical_id] = resource
    return expanded


def plain(node):
    """The decoder's nodes as plain dicts, lists and strings."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, out = sys.argv[1], sys.argv[2]
    template, matches = decode(source)
    if matches:
        sys.exit("\n".join(str(m) for m in matches))
    template = plain(template)
    transforms = template.get("Transform", [])
    if isinstance(transforms, str):
        transforms = [transforms]
    if "AWS::LanguageExtensions" in transforms:
        template["Resources"] = expand_for_each(template["Resources"])
        transforms = [t for t in transforms if t != "AWS::LanguageExtensions"]
    template["Transform"] = transforms[0] if len(transforms) == 1 else transforms
    # `sam build` + `sam package` replace local code paths with the uploaded artifacts' S3 URIs.
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function" and not str(properties.get("CodeUri", "")).startswith("s3://"):
            properties["CodeUri"] = f"s3://kizuna-artifacts-{ACCOUNT_ID}/{logical_id}.zip"
    parameters = {
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Region": REGION,
        "AWS::Partition": "aws",
        "AWS::StackName": "kizuna",
        "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/kizuna/00000000-0000-0000-0000-000000000000",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": [],
    }
    result = transform(template, parameters, OfflinePolicies())
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"transformed {source} -> {out}: {len(result.get('Resources', {}))} resources")


if __name__ == "__main__":
    main()
