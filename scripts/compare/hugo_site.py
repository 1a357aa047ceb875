#!/usr/bin/env python3
"""An equivalent Hugo site from Kizuna's content, for scripts/bench-compare.sh.

Each municipality becomes a Hugo section with its messages as Kizuna sends them: the base message
or the municipality's override, the placeholders filled, its local sections appended, in delivery
order (Hugo's weight, so prev/next follow it), with the label families read and the topics (a
Hugo taxonomy); its standalone local items are pages of their own. Which messages a municipality
sends and their labels are read from Kizuna's finder.json and schedule.json of the same content,
so both tools publish the same pages; the layouts are in scripts/compare/hugo/.

Usage: hugo_site.py CONTENT_DIR KIZUNA_OUT HUGO_SITE_DIR
"""
import json
import shutil
import sys
from pathlib import Path

import yaml

PLACEHOLDERS = ("municipality", "service_name", "contact_name", "contact_phone", "contact_hours")


def front_matter(fields):
    return "---\n" + json.dumps(fields, ensure_ascii=False, indent=1) + "\n---\n"


def fill(text, values):
    for name, value in zip(PLACEHOLDERS, values):
        text = text.replace("{{" + name + "}}", value).replace("{{ " + name + " }}", value)
    return text


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def municipality(content, kizuna_out, site, muni):
    info = load(content / "municipalities" / muni / "municipality.yaml")
    contact = info["contact"]
    values = (info["name"], info["service_name"], contact["name"], contact["phone"], contact["hours"])
    finder = json.loads((kizuna_out / muni / "finder.json").read_text(encoding="utf-8"))
    schedule = json.loads((kizuna_out / muni / "schedule.json").read_text(encoding="utf-8"))
    sections = {e["id"]: [s["id"] for s in e.get("local", [])] for e in schedule["entries"]}
    root = site / "content" / muni
    root.mkdir(parents=True)
    (root / "_index.md").write_text(front_matter({"title": info["service_name"]}) + fill(info.get("description") or "", values), encoding="utf-8")
    for track in finder["tracks"] + ["local"]:
        (root / track).mkdir()
        track_file = content / "tracks" / track / "track.yaml"
        title = load(track_file).get("name", track) if track_file.exists() else "お知らせ"
        (root / track / "_index.md").write_text(front_matter({"title": title}), encoding="utf-8")
    local_dir = content / "municipalities" / muni / "local"
    for weight, entry in enumerate(finder["entries"], start=1):
        kind, stem = entry["id"].split("/", 1)
        if kind == "local":
            item = load(local_dir / f"{stem}.yaml")
            body = item["body"]
        else:
            override = content / "municipalities" / muni / "overrides" / kind / f"{stem}.yaml"
            item = load(override if override.exists() else content / "tracks" / kind / f"{stem}.yaml")
            body = item["body"]
            if item.get("to_partner"):
                body += "\n\n## パートナー・家族の方へ\n\n" + item["to_partner"]
            for local_id in sections.get(entry["id"], []):
                local = load(local_dir / f"{local_id.split('/', 1)[1]}.yaml")
                body += f"\n\n## {info['name']}からのお知らせ・{local['category']}\n\n### {local['title']}\n\n{local['body']}"
        fields = {"title": entry["title"], "weight": weight, "label": entry["label"], "topics": item.get("topics", [])}
        (root / kind / f"{stem}.md").write_text(front_matter(fields) + fill(body, values), encoding="utf-8")


def main():
    content, kizuna_out, site = (Path(arg) for arg in sys.argv[1:4])
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(Path(__file__).parent / "hugo", site)
    for muni in sorted(p.name for p in (content / "municipalities").iterdir() if p.is_dir()):
        municipality(content, kizuna_out, site, muni)


if __name__ == "__main__":
    main()
