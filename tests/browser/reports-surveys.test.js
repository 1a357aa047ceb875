// Reader survey results as the municipality report carries them (issues 19 and 20), in Debian
// Chromium: the sample (reports/examples/survey_sample.rs, through the real report sections and the
// national roll-up) served over http, checked with axe; a chart per choice question, each named for
// assistive technology with its table right below; free text only in the staff workbook.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { assertAccessible, servedExample } = require("./browser");

const COMMENT = "（自由記述の見本）毎回楽しみにしています";
const { dir, open: openPage } = servedExample("survey_sample", "kizuna-survey-report-");
const open = (t) => openPage(t, "survey-2027.html");

test("the survey results have no serious or critical accessibility problems", async (t) => {
  const page = await open(t);
  await assertAccessible(page, "the survey results");
  assert.equal(await page.locator("script").count(), 0, "no script at all");
});

test("a chart per choice question, in the town's results and the national roll-up, its table right below", async (t) => {
  const page = await open(t);
  const figures = await page.evaluate(() =>
    [...document.querySelectorAll("figure")].map((figure) => ({
      role: figure.querySelector("svg")?.getAttribute("role"),
      label: figure.querySelector("svg")?.getAttribute("aria-label"),
      caption: figure.querySelector("figcaption")?.textContent,
      table: figure.nextElementSibling?.querySelector("table caption")?.textContent,
    }))
  );
  // Three choice questions (single, multiple, 5-point scale), in the town's results and the roll-up.
  assert.equal(figures.length, 6, JSON.stringify(figures));
  for (const figure of figures) {
    assert.equal(figure.role, "img");
    assert.ok(figure.label, JSON.stringify(figure));
    assert.ok(figure.caption.includes(`「${figure.table}」`), `${figure.label}: the caption names the table below`);
  }
  // Ids of the two embedded reports never collide.
  const ids = await page.evaluate(() => [...document.querySelectorAll("[id]")].map((e) => e.id));
  assert.equal(new Set(ids).size, ids.length, "unique ids");
  assert.equal(await page.locator("table#survey-reader-2027-survey-response").count(), 1);
  assert.equal(await page.locator("table#survey-national-reader-2027-survey-response").count(), 1);
});

test("free text is in the staff workbook only", async (t) => {
  const page = await open(t);
  assert.equal(await page.getByText(COMMENT).count(), 0, "not on the page");
  assert.ok(fs.existsSync(path.join(dir, "survey-2027.xlsx")), "the staff workbook is written");
});
