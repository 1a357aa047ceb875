#!/usr/bin/env python3
"""Measure the shapes of the message bodies, track by track (an editorial aid, not a test).

Why: issue 21 found most messages written to one mould — an intro paragraph, a bullet list,
a caveat or referral paragraph after it — and many ending in 「〜てください。」. This script
counts those shapes so an editor can see which tracks still lean on one mould; the figures
and the method are recorded in docs/content-style.md.

Usage: scripts/content-shapes.py [content/tracks] [--list SHAPE TRACK]
  SHAPE is one of: mould, kudasai  — prints the files of that shape in TRACK.
"""

import collections
import os
import re
import sys

import yaml

LIST_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")
LABEL = re.compile(r"^\*\*[^*]+\*\*[：:]")


def blocks(body):
    """Splits a Markdown body into its kinds of block: 'p' paragraph, 'l' list, 'k' labelled paragraph.

    The Markdown subset has no tables; a small table is written as short paragraphs that each
    open with a bold label (「**保育所**：…」), counted here as 'k'.
    """
    kinds = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [ln for ln in chunk.splitlines() if ln.strip()]
        if not lines:
            continue
        if LABEL.match(lines[0]):
            kind = "k"
        elif LIST_ITEM.match(lines[0]):
            kind = "l"
        else:
            kind = "p"
        if kinds and kinds[-1] == kind and kind != "p":
            continue  # a list interrupted by nothing but a blank line is still one list
        kinds.append(kind)
    return kinds


def is_mould(kinds):
    """intro → bullets → caveat: opens with prose, one list, and prose after it."""
    return (
        len(kinds) >= 3
        and kinds[0] == "p"
        and kinds.count("l") == 1
        and kinds[-1] == "p"
        and "k" not in kinds
    )


def ends_kudasai(body):
    return body.strip().endswith("てください。")


def opening(body):
    """The first sentence's frame: a bare 「…週。」/「生後…」 date line, a question, or prose."""
    first = body.strip().split("\n", 1)[0]
    sentence = first.split("。", 1)[0]
    if re.match(r"^(妊娠|生後)?[0-9０-９]+(週|日|か月|歳)", sentence):
        return "date"
    if sentence.endswith(("？", "?")) or "？" in first[:60]:
        return "question"
    if first.startswith(("「", "『")):
        return "quote"
    return "prose"


def measure(tracks_dir):
    rows = {}
    for track in sorted(os.listdir(tracks_dir)):
        folder = os.path.join(tracks_dir, track)
        if not os.path.isdir(folder):
            continue
        files = []
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".yaml") or name == "track.yaml":
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                doc = yaml.safe_load(handle)
            body = doc.get("body", "") or ""
            files.append((name, body, blocks(body)))
        rows[track] = files
    return rows


def report(rows):
    print("| track | messages | with a list | intro→list→caveat | ends 「てください。」 | labelled paragraphs | openings |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for track, files in rows.items():
        n = len(files) or 1
        lists = sum(1 for _, _, k in files if "l" in k)
        mould = sum(1 for _, _, k in files if is_mould(k))
        kudasai = sum(1 for _, b, _ in files if ends_kudasai(b))
        labelled = sum(1 for _, _, k in files if "k" in k)
        openings = collections.Counter(opening(b) for _, b, _ in files)
        opens = ", ".join(f"{k} {v}" for k, v in openings.most_common())
        print(
            f"| {track} | {len(files)} | {lists} ({100 * lists // n} %) | {mould} ({100 * mould // n} %)"
            f" | {kudasai} ({100 * kudasai // n} %) | {labelled} | {opens} |"
        )


def main(argv):
    tracks_dir = "content/tracks"
    args = list(argv)
    if args and not args[0].startswith("--"):
        tracks_dir = args.pop(0)
    rows = measure(tracks_dir)
    if args[:1] == ["--list"] and len(args) == 3:
        shape, track = args[1], args[2]
        test = {"mould": lambda b, k: is_mould(k), "kudasai": lambda b, k: ends_kudasai(b)}[shape]
        for name, body, kinds in rows.get(track, []):
            if test(body, kinds):
                print(name)
        return 0
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
