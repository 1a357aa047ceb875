// The finder's date rules (site-theme/static/kizuna-dates.js) against vectors written by
// kizuna-schedule (generator/tests/js_vectors.rs): Rust and JavaScript must agree on every date.
// Run: node --test tests/browser/vectors.test.js (no browser needed).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const fs = require("node:fs");

const dates = require(path.join(__dirname, "../../site-theme/static/kizuna-dates.js"));
const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, "vectors.json"), "utf8"));
const day = (text) => {
  const n = dates.parseDate(text);
  assert.notEqual(n, null, `${text} parses`);
  return n;
};

test("vectors cover every kind of rule and track", () => {
  const kinds = new Set(vectors.rules.map((r) => Object.keys(r)[0]));
  assert.deepEqual([...kinds].sort(), ["age", "birthday", "date", "day", "pregnancy", "school"]);
  assert.ok(vectors.anchors.length >= 50);
  assert.equal(Object.keys(vectors.anchors[0].windows).length, 6);
});

test("day numbers round-trip and reject dates that do not exist", () => {
  for (const text of ["1970-01-01", "2000-02-29", "2024-02-29", "2099-12-31", "1900-03-01", "2026-11-26"]) {
    assert.equal(dates.formatDate(day(text)), text);
  }
  assert.equal(dates.parseDate("2027-02-29"), null);
  assert.equal(dates.parseDate("2100-02-29"), null);
  assert.equal(dates.parseDate("2026-13-01"), null);
  assert.equal(dates.parseDate("26-1-1"), null);
  assert.equal(dates.japaneseDate(day("2026-11-26")), "2026年11月26日");
});

test("delivery dates of every rule agree with kizuna-schedule", () => {
  let checked = 0;
  for (const { anchor, delivery } of vectors.anchors) {
    vectors.rules.forEach((rule, i) => {
      const got = dates.formatDate(dates.deliveryDate(rule, day(anchor)));
      assert.equal(got, delivery[i], `${JSON.stringify(rule)} for ${anchor}`);
      checked += 1;
    });
  }
  assert.ok(checked > 2000, `${checked} checked`);
});

test("track windows agree with kizuna-schedule", () => {
  for (const { anchor, windows } of vectors.anchors) {
    for (const [track, [start, end]] of Object.entries(windows)) {
      const [s, e] = dates.trackWindow(track, day(anchor));
      assert.deepEqual([dates.formatDate(s), dates.formatDate(e)], [start, end], `${track} for ${anchor}`);
    }
  }
});

test("tracks_on agrees with kizuna-schedule", () => {
  const all = ["maternity", "baby", "preschool", "school-entry", "first-grade", "school"];
  for (const v of vectors.tracks_on) {
    const got = dates.tracksOn(v.kind, day(v.anchor), day(v.date), all).sort();
    assert.deepEqual(got, [...v.tracks].sort(), `${v.kind} ${v.anchor} on ${v.date}`);
  }
});

test("stage labels agree with kizuna-schedule's rule labels", () => {
  let labelled = 0;
  for (const v of vectors.stages) {
    assert.equal(dates.stageLabel(v.kind, day(v.anchor), day(v.today)), v.label, `${v.kind} ${v.anchor} on ${v.today}`);
    if (v.label) labelled += 1;
  }
  assert.ok(labelled > 500, `${labelled} labelled`);
});

test("what a family receives agrees with the sender's deliveries_for", () => {
  const { index, cases } = vectors.finder;
  for (const c of cases) {
    const got = dates
      .deliveries(index, c.kind, day(c.anchor))
      .map((d) => ({ date: dates.formatDate(d.date), id: d.entry.id }));
    assert.deepEqual(got, c.received, `${c.kind} ${c.anchor}`);
  }
});

test("findMessages splits today, this week and this month", () => {
  const index = {
    tracks: ["maternity"],
    entries: ["12w3d", "12w2d", "11w4d", "11w3d", "8w1d", "8w0d", "12w4d"].map((g) => ({
      id: `maternity/${g}`,
      track: "maternity",
      when: { pregnancy: g },
      label: g,
      title: g,
    })),
  };
  const due = day("2027-06-07"); // 12w3d is 2026-11-26
  const found = dates.findMessages(index, "due", due, day("2026-11-26"));
  assert.equal(found.stage, "妊娠12週3日");
  assert.deepEqual(found.today.map((d) => d.entry.id), ["maternity/12w3d"]);
  assert.deepEqual(found.week.map((d) => d.entry.id), ["maternity/12w2d", "maternity/11w4d"]);
  // A month back from 2026-11-26: 10-27 (8w1d) is in, 10-26 (8w0d) is not.
  assert.deepEqual(found.month.map((d) => d.entry.id), ["maternity/11w3d", "maternity/8w1d"]);
  assert.equal(found.previous.entry.id, "maternity/12w2d");
  assert.equal(found.next.entry.id, "maternity/12w4d");
});

test("Japan's date is UTC+9 whatever the phone's time zone", () => {
  assert.equal(dates.formatDate(dates.japanToday(Date.UTC(2026, 10, 25, 14, 59, 59))), "2026-11-25");
  assert.equal(dates.formatDate(dates.japanToday(Date.UTC(2026, 10, 25, 15, 0, 0))), "2026-11-26");
});
