// The municipality report (issue 19) in Debian Chromium: the sample report of a synthetic fiscal
// year (reports/examples/sample.rs, through the real counter model and renderers) served over http,
// checked with axe, its charts labelled with their tables right below them, and its print layout.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { assertAccessible, servedExample } = require("./browser");

const { dir, open: openPage } = servedExample("sample", "kizuna-report-");
const open = (t, options) => openPage(t, "yumemino-2026.html", options);

test("the report has no serious or critical accessibility problems", async (t) => {
  const page = await open(t);
  await assertAccessible(page, "the report");
  assert.equal(await page.locator("html").getAttribute("lang"), "ja");
  assert.equal(await page.locator("script").count(), 0, "no script at all");
});

test("every chart is an inline SVG image named for assistive technology, its table right below", async (t) => {
  const page = await open(t);
  const figures = await page.evaluate(() =>
    [...document.querySelectorAll("figure")].map((figure) => {
      const svg = figure.querySelector("svg");
      const next = figure.nextElementSibling;
      return {
        role: svg?.getAttribute("role"),
        label: svg?.getAttribute("aria-label"),
        drawn: svg ? svg.querySelectorAll("polyline, path, circle").length : 0,
        caption: figure.querySelector("figcaption")?.textContent,
        table: next?.querySelector("table caption")?.textContent,
      };
    })
  );
  assert.equal(figures.length, 4);
  for (const figure of figures) {
    assert.equal(figure.role, "img");
    assert.ok(figure.label && figure.caption.startsWith(figure.label), JSON.stringify(figure));
    assert.ok(figure.drawn > 3, `${figure.label}: lines drawn`);
    assert.ok(figure.caption.includes(`「${figure.table}」`), `${figure.label}: the caption names the table below`);
  }
  // The definitions are printed in the report itself.
  for (const term of ["累計登録者", "配信中", "完了", "解除", "停止", "解除率", "停止率", "読み続ける人の割合", "登録率"]) {
    assert.equal(await page.locator("dl.definitions dt", { hasText: new RegExp(`^${term}$`) }).count(), 1, term);
  }
});

test("on paper: A4, no navigation, each section on its own page, nothing cut off at the side", async (t) => {
  const page = await open(t);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator("nav").evaluate((nav) => getComputedStyle(nav).display), "none");
  const breaks = await page.locator("h2").evaluateAll((hs) => hs.map((h) => getComputedStyle(h).breakBefore));
  assert.deepEqual(breaks.slice(1), breaks.slice(1).map(() => "page"));
  const pdf = await page.pdf({ format: "A4" });
  assert.ok(pdf.length > 10000, "a PDF was printed");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal overflow in print (${overflow}px)`);
});

test("the CSV files start with a BOM so Excel reads them as UTF-8", () => {
  const csv = fs.readFileSync(path.join(dir, "yumemino-2026-retention.csv"));
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(csv.toString("utf8"), /^\uFEFF項目,値\r\n累計登録者,\d+\r\n/);
});
