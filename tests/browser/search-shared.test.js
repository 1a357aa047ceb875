// The shared national search index (issue 22) in a real browser: the base messages are indexed
// once for the whole country and merged in the page with each municipality's own bundle. The
// test builds a copy of the sample content, marked with made-up ASCII words so that each case
// has exactly one page to find, twice: with the shared index (the default) and with every archive
// indexed whole (KIZUNA_SEARCH_PER_MUNICIPALITY=1, the layout before issue 22). It checks that
// - a base message is found in every municipality that sends it, and opens that town's own page;
// - a disabled track's messages never appear;
// - an overridden message is found by the town's text, never by the base text;
// - a local item appears only in its own municipality;
// - fixed Japanese queries give the same pages as the per-municipality index.
//
// Needs KIZUNA_BIN (the kizuna binary); scripts/browser-test.sh provides it.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { serve } = require("./server");
const { launch, watchedPage } = require("./browser");
const { searchLinks } = require("./search-quality");

const BIN = process.env.KIZUNA_BIN;
if (!BIN || !fs.existsSync(BIN)) {
  throw new Error(`KIZUNA_BIN must name the kizuna binary (got ${JSON.stringify(BIN)}); run scripts/browser-test.sh`);
}
const CONTENT = path.join(__dirname, "..", "..", "content");
const THEME = path.join(__dirname, "..", "..", "site-theme");
const TODAY = process.env.KIZUNA_TODAY || "2026-11-26";

// The marked pages. komorebi overrides MESSAGE; watabooshi sends only maternity and baby.
const MESSAGE = "maternity/05w0d";
const PRESCHOOL = "preschool/age-3y01m";
const BASE_WORD = "Quillonwort"; // in MESSAGE's base title
const OVERRIDE_WORD = "Zephyrine"; // in komorebi's override of MESSAGE
const PRESCHOOL_WORD = "Marigoldia"; // in PRESCHOOL's base title
const LOCAL_WORD = "Lumentara"; // in a local item of yumemino
const TOWNS = ["yumemino", "komorebi", "watabooshi"];
const FIXED_QUERIES = ["つわり", "予防接種", "離乳食", "夜泣き", "入学", "だっこ", "はしか"];

let work;
let server;
let browser;

function edit(file, change) {
  fs.writeFileSync(file, change(fs.readFileSync(file, "utf8")));
}

/** The sample content with the marked pages. */
function markedContent(dir) {
  fs.cpSync(CONTENT, dir, { recursive: true });
  const base = path.join(dir, "tracks", `${MESSAGE}.yaml`);
  const original = fs.readFileSync(base, "utf8");
  edit(base, (text) => text.replace(/^title: (.*)$/m, `title: $1 ${BASE_WORD}`));
  const override = path.join(dir, "municipalities", "komorebi", "overrides", `${MESSAGE}.yaml`);
  fs.mkdirSync(path.dirname(override), { recursive: true });
  fs.writeFileSync(override, original.replace(/^title: (.*)$/m, `title: こもれび町から ${OVERRIDE_WORD}`));
  edit(path.join(dir, "tracks", `${PRESCHOOL}.yaml`), (text) => text.replace(/^title: (.*)$/m, `title: $1 ${PRESCHOOL_WORD}`));
  fs.writeFileSync(
    path.join(dir, "municipalities", "yumemino", "local", "hiroba-test.yaml"),
    [
      "category: 子育てひろば",
      `title: 冬のひろば ${LOCAL_WORD} のご案内`,
      "body: |",
      "  冬休みのあいだ、子育てひろばで親子の遊びの会をひらきます。",
      "when: { date: 2026-12-20 }",
      "tracks: [maternity, baby]",
      "review: { status: draft }",
      "",
    ].join("\n")
  );
}

function build(content, name, perMunicipality) {
  const env = { ...process.env };
  delete env.KIZUNA_SEARCH_PER_MUNICIPALITY;
  if (perMunicipality) env.KIZUNA_SEARCH_PER_MUNICIPALITY = "1";
  const out = path.join(work, name);
  execFileSync(
    BIN,
    ["build", "--content", content, "--theme", THEME, "--today", TODAY, "--out", out, "--base-url", `${server.url}${name}`],
    { env, stdio: ["ignore", "ignore", "pipe"] }
  );
  return out;
}

test.before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "kizuna-shared-search-"));
  server = await serve(work);
  const content = path.join(work, "content");
  markedContent(content);
  build(content, "shared", false);
  build(content, "whole", true);
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await server?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const newPage = (t) => watchedPage(browser, t);

/** Every result of a search in `town` of the archive `layout` ("shared" or "whole"), paths from the archive root. */
async function allLinks(page, layout, town, query) {
  const first = await searchLinks(page, new URL(`${layout}/`, server.url).href, town, query);
  const more = page.locator(".search-more");
  while (await more.isVisible()) {
    const shown = await page.locator(".search-results li").count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll(".search-results li").length > n, shown);
  }
  const links = await page.locator(".search-results li a").evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  assert.equal(links.length, first.count, `${layout} ${town} 「${query}」: every announced hit is listed`);
  return links.map((link) => {
    assert.ok(link.startsWith(`/${layout}/${town}/`), `${link} is not a page of ${town}`);
    return link.slice(`/${layout}`.length);
  });
}

test("the archive carries the national bundle and a small bundle of its own", () => {
  for (const town of TOWNS) {
    const root = path.join(work, "shared", town);
    const config = JSON.parse(fs.readFileSync(path.join(root, "search.json"), "utf8"));
    assert.equal(config.national, "pagefind-national/");
    assert.ok(fs.existsSync(path.join(root, "pagefind-national", "pagefind.js")), `${town} hosts the search alone`);
    const own = JSON.parse(fs.readFileSync(path.join(root, "pagefind", "pagefind-entry.json"), "utf8"));
    const national = JSON.parse(fs.readFileSync(path.join(root, "pagefind-national", "pagefind-entry.json"), "utf8"));
    assert.ok(own.languages.ja.page_count < national.languages.ja.page_count / 5, `${town}: ${own.languages.ja.page_count} own pages`);
  }
});

test("a base message is found in every town that sends it and opens the town's own page", async (t) => {
  const page = await newPage(t);
  for (const town of ["yumemino", "watabooshi"]) {
    const links = await allLinks(page, "shared", town, BASE_WORD);
    assert.deepEqual(links, [`/${town}/${MESSAGE}/`]);
    await page.locator(".search-results li a").first().click();
    await page.waitForURL(new URL(`shared/${town}/${MESSAGE}/`, server.url).href);
    assert.match(await page.locator("h1").textContent(), new RegExp(BASE_WORD));
  }
});

test("an overridden message shows the town's text, never the base text", async (t) => {
  const page = await newPage(t);
  assert.deepEqual(await allLinks(page, "shared", "komorebi", BASE_WORD), []);
  assert.deepEqual(await allLinks(page, "shared", "komorebi", OVERRIDE_WORD), [`/komorebi/${MESSAGE}/`]);
  assert.match(await page.locator(".search-results li").first().textContent(), /こもれび町から/);
  assert.deepEqual(await allLinks(page, "shared", "yumemino", OVERRIDE_WORD), []);
});

test("a disabled track's messages never appear", async (t) => {
  const page = await newPage(t);
  assert.deepEqual(await allLinks(page, "shared", "yumemino", PRESCHOOL_WORD), [`/yumemino/${PRESCHOOL}/`]);
  assert.deepEqual(await allLinks(page, "shared", "komorebi", PRESCHOOL_WORD), [`/komorebi/${PRESCHOOL}/`]);
  assert.deepEqual(await allLinks(page, "shared", "watabooshi", PRESCHOOL_WORD), []);
  for (const query of ["入学", "ことば"]) {
    const links = await allLinks(page, "shared", "watabooshi", query);
    const foreign = links.filter((link) => !/^\/watabooshi\/(maternity|baby|local)\//.test(link));
    assert.deepEqual(foreign, [], `watabooshi sends only maternity and baby (「${query}」)`);
  }
});

test("a local item appears only in its own town", async (t) => {
  const page = await newPage(t);
  assert.deepEqual(await allLinks(page, "shared", "yumemino", LOCAL_WORD), ["/yumemino/local/hiroba-test/"]);
  assert.deepEqual(await allLinks(page, "shared", "komorebi", LOCAL_WORD), []);
  assert.deepEqual(await allLinks(page, "shared", "watabooshi", LOCAL_WORD), []);
});

test("fixed Japanese queries give the same pages as the per-municipality index", async (t) => {
  const page = await newPage(t);
  for (const town of TOWNS) {
    for (const query of FIXED_QUERIES) {
      const shared = (await allLinks(page, "shared", town, query)).sort();
      const whole = (await allLinks(page, "whole", town, query)).sort();
      assert.deepEqual(shared, whole, `${town} 「${query}」`);
      if (town === "yumemino") assert.ok(shared.length >= 1, `「${query}」 finds something in yumemino`);
    }
  }
});
