// Japanese search quality in a real browser (issue 22): kana queries find kanji pages through their
// readings, katakana and full-width queries are folded, colloquial words reach the page's term
// through content/search/synonyms.yaml, a query never matches part of an unrelated word (every hit
// of 「だっこ」 and 「はしか」 is about what they mean, not 「だった」 or 「話しかけて」), and
// excerpts start at a word boundary in the page's own text with Japanese punctuation. Search from
// a page opened as a file says how to open it instead.
//
// Needs KIZUNA_ARCHIVE (a built archive); scripts/browser-test.sh provides it.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { serve } = require("./server");
const { launch, watchedPage } = require("./browser");
const { QUERIES, indexedPages, searchLinks, judge, measure, table } = require("./search-quality");

const ARCHIVE = process.env.KIZUNA_ARCHIVE;
const MUNI = QUERIES.municipality;
if (!ARCHIVE || !fs.existsSync(ARCHIVE)) {
  throw new Error(`KIZUNA_ARCHIVE must name a built archive (got ${JSON.stringify(ARCHIVE)}); run scripts/browser-test.sh`);
}

let server;
let browser;
let pages;

test.before(async () => {
  server = await serve(ARCHIVE);
  browser = await launch();
  pages = indexedPages(ARCHIVE, MUNI);
});

test.after(async () => {
  await browser?.close();
  await server?.close();
});

const newPage = (t) => watchedPage(browser, t);

const entry = (query) => QUERIES.queries.find((q) => q.query === query);

test("「だっこ」 finds the pages about 抱っこ, not 「だった」", async (t) => {
  const page = await newPage(t);
  const links = await searchLinks(page, server.url, MUNI, "だっこ");
  const result = judge(entry("だっこ"), links, pages);
  assert.ok(result.relevant >= 5, `the sample has pages about 抱っこ (${result.relevant})`);
  assert.equal(result.precision, 1, `top 5 ${result.top.join(" ")}`);
  assert.equal(result.recall, 1);
  for (const url of links) {
    assert.ok(/抱っこ|だっこ/.test(pages.get(url)), `${url} is not about 抱っこ`);
  }
});

test("katakana and full-width queries are folded: 「ツワリ」 finds what 「つわり」 finds, 「ＭＲ」 what 「MR」 finds", async (t) => {
  const page = await newPage(t);
  const kana = await searchLinks(page, server.url, MUNI, "つわり");
  const katakana = await searchLinks(page, server.url, MUNI, "ツワリ");
  assert.ok(kana.length >= 5, `つわり: ${kana.length}`);
  assert.deepEqual(katakana, kana);
  const ascii = await searchLinks(page, server.url, MUNI, "MR");
  const fullWidth = await searchLinks(page, server.url, MUNI, "ＭＲ");
  assert.ok(ascii.length >= 1);
  assert.deepEqual(fullWidth, ascii);
});

test("「はしか」 leads to 麻しん through the synonym list, never to 「話しかけて」", async (t) => {
  const page = await newPage(t);
  const links = await searchLinks(page, server.url, MUNI, "はしか");
  assert.ok(links.length >= 3, `${links.length} results`);
  for (const url of links) {
    assert.ok(/麻しん|はしか|麻疹/.test(pages.get(url)), `${url} is not about 麻しん`);
  }
});

test("excerpts show the page's own text from a word boundary, with the match marked", async (t) => {
  const page = await newPage(t);
  await searchLinks(page, server.url, MUNI, "夜泣き");
  const excerpts = await page.locator(".search-results .excerpt").evaluateAll((ps) =>
    ps.map((p) => ({ text: p.textContent, marks: [...p.querySelectorAll("mark")].map((m) => m.textContent) }))
  );
  assert.ok(excerpts.length >= 1);
  for (const { text, marks } of excerpts) {
    assert.ok(!text.includes("〓"), `the aids leak into ${text}`);
    assert.ok(!/[\u3040-\u9fff]\. /.test(text), `ASCII ". " after Japanese in ${text}`);
    assert.ok(marks.join("").includes("夜泣き"), `no mark in ${text}`);
    // Starts at a sentence start, or after 「…」 at a word boundary: never inside 「夜泣き」.
    assert.ok(!text.startsWith("泣き") && !text.startsWith("き"), text);
  }
  // A hit found through its reading shows the beginning of the page, not the readings.
  await searchLinks(page, server.url, MUNI, "よなき");
  const reading = await page.locator(".search-results .excerpt").first().textContent();
  assert.ok(!/よなき/.test(reading) || /夜泣き/.test(reading), reading);
});

test("the parent query set: precision and recall of the top 5", async (t) => {
  const page = await newPage(t);
  const result = await measure(page, server.url, ARCHIVE);
  t.diagnostic(table(result, "after"));
  assert.ok(QUERIES.queries.length >= 30);
  assert.ok(result.precision >= 0.9, `mean precision@5 ${result.precision}`);
  assert.ok(result.recall >= 0.9, `mean recall@5 ${result.recall}`);
});

test("search on a page opened as a file says to use `kizuna serve`", async (t) => {
  // Not newPage: other parts of a file:// page (the finder) may fail to load, which is theirs.
  const context = await browser.newContext({ locale: "ja-JP" });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(pathToFileURL(path.join(path.resolve(ARCHIVE), MUNI, "index.html")).href);
  const status = page.locator("#search .search-status");
  await status.filter({ hasText: "kizuna serve" }).waitFor();
  assert.equal(
    await status.textContent(),
    "ファイルとして開いたときは検索を使えません。`kizuna serve` で開いてください"
  );
  assert.equal(await page.locator("#search .search-form").isVisible(), false);
});
