// The archive in a real browser (Debian Chromium via playwright-core), served over http by a
// local server, on a 375×812 phone viewport: navigation, search with real Japanese queries, the
// 「わたしのメッセージ」 finder checked against `kizuna preview`, pages without JavaScript, and axe
// on every page type with zero serious or critical violations.
//
// Needs (scripts/browser-test.sh provides them):
//   KIZUNA_ARCHIVE  a built archive (`kizuna build --today $KIZUNA_TODAY --out DIR`)
//   KIZUNA_BIN      the kizuna binary (for `kizuna preview`, the sender's view of a family's mail)
//   KIZUNA_TODAY    the build date, also the browser's "today" (default 2026-11-26)
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { serve } = require("./server");
const { assertAccessible, launch } = require("./browser");
const dates = require("../../site-theme/static/kizuna-dates.js");

const REPO = path.resolve(__dirname, "../..");
const ARCHIVE = process.env.KIZUNA_ARCHIVE;
const BIN = process.env.KIZUNA_BIN;
const TODAY = process.env.KIZUNA_TODAY || "2026-11-26";
const MUNI = "yumemino";
const PHONE = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

for (const [name, value, how] of [
  ["KIZUNA_ARCHIVE", ARCHIVE, "a directory built with `kizuna build --out DIR`"],
  ["KIZUNA_BIN", BIN, "the path of the kizuna binary"],
]) {
  if (!value || !fs.existsSync(value)) {
    throw new Error(`${name} must name ${how} (got ${JSON.stringify(value)}); run scripts/browser-test.sh`);
  }
}

let server;
let browser;

test.before(async () => {
  server = await serve(ARCHIVE);
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await server?.close();
});

/** A phone-sized page in Japan at 09:00 on TODAY, failing the test on any script error or 4xx/5xx. */
async function phonePage(t, options = {}) {
  const context = await browser.newContext({
    ...PHONE,
    locale: "ja-JP",
    timezoneId: options.timezoneId || "Asia/Tokyo",
    javaScriptEnabled: options.javaScript !== false,
  });
  const page = await context.newPage();
  await page.clock.setFixedTime(new Date(`${TODAY}T09:00:00+09:00`));
  const problems = [];
  page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, [], "the page had errors");
  });
  return page;
}

const url = (p = "") => new URL(p, server.url).href;

async function noHorizontalScroll(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `${page.url()} is ${width}px wide on a 375px screen`);
}

test("landing → track → message → next → previous, on a phone", async (t) => {
  const page = await phonePage(t);
  await page.goto(url());
  await page.getByRole("link", { name: /ゆめみ野市 子育てきずなメール/ }).click();
  await page.waitForURL(url(`${MUNI}/`));
  assert.equal(await page.locator("h1").textContent(), "ゆめみ野市 子育てきずなメール");
  await noHorizontalScroll(page);

  await page.getByRole("link", { name: /マタニティきずなメール/ }).first().click();
  await page.waitForURL(url(`${MUNI}/maternity/`));
  assert.equal(await page.locator("h1").textContent(), "マタニティきずなメール");
  await noHorizontalScroll(page);

  await page.locator('a[href="12w3d/"]').click();
  await page.waitForURL(url(`${MUNI}/maternity/12w3d/`));
  assert.equal(await page.locator("article .label").textContent(), "妊娠12週3日");
  const title = await page.locator("h1").textContent();
  assert.ok((await page.title()).includes(title));
  await noHorizontalScroll(page);

  await page.getByRole("link", { name: /次のメッセージ/ }).click();
  await page.waitForURL(url(`${MUNI}/maternity/12w4d/`));
  assert.equal(await page.locator("article .label").textContent(), "妊娠12週4日");
  await page.getByRole("link", { name: /前のメッセージ/ }).click();
  await page.waitForURL(url(`${MUNI}/maternity/12w3d/`));
  assert.equal(await page.locator("h1").textContent(), title);

  // The breadcrumbs lead back to the track and the landing page.
  await page.getByRole("navigation", { name: "現在の場所" }).getByRole("link", { name: "マタニティきずなメール" }).click();
  await page.waitForURL(url(`${MUNI}/maternity/`));
});

/** The text of a built page's indexed part (what Pagefind saw), for checking results. */
function articleText(href) {
  const relative = new URL(href).pathname.replace(/^\//, "");
  const html = fs.readFileSync(path.join(ARCHIVE, relative, "index.html"), "utf8");
  const article = /<article data-pagefind-body>([\s\S]*?)<\/article>/.exec(html);
  assert.ok(article, `${href} has no indexed article`);
  return article[1]
    .replace(/<aside[\s\S]*?<\/aside>/g, "")
    .replace(/<[^>]+>/g, "")
    .replace(/\s+/g, "");
}

async function searchResults(page) {
  await page.locator(".search-status").filter({ hasText: /件|見つかりません/ }).waitFor();
  return page.locator(".search-results li").evaluateAll((items) =>
    items.map((li) => ({
      href: li.querySelector("a").href,
      label: li.querySelector(".label")?.textContent || "",
      title: li.querySelector(".result-title").textContent,
      excerpt: li.querySelector(".excerpt").innerHTML,
    }))
  );
}

// Each query with pages that must be among the first ten results (titles that contain the word).
const QUERIES = [
  ["つわり", "maternity/", /^妊娠\d+週\d日$/],
  ["予防接種", null, /\S/],
  ["離乳食", "baby/", /\S/],
  ["夜泣き", "baby/", /\S/],
];

for (const [query, track, labelShape] of QUERIES) {
  test(`search 「${query}」 finds the pages about it, with label, title and snippet`, async (t) => {
    const page = await phonePage(t);
    await page.goto(url(`${MUNI}/`));
    await page.getByLabel(/キーワード/).fill(query);
    await page.getByRole("button", { name: "検索", exact: true }).click();
    const results = await searchResults(page);
    assert.ok(results.length > 0, `no results for ${query}`);
    const status = await page.locator(".search-status").textContent();
    const total = Number(/(\d+)件/.exec(status)[1]);
    assert.ok(total >= results.length && results.length <= 10, status);
    for (const r of results) {
      assert.ok(r.href.startsWith(url(`${MUNI}/`)), `${r.href} is outside the municipality`);
      assert.match(r.label, labelShape, `${r.href} label`);
      assert.ok(r.title.length > 0, `${r.href} has a title`);
      assert.match(r.excerpt, new RegExp(`<mark>[^<]*${query[0]}`), `${r.href} snippet highlights the query`);
      assert.ok(articleText(r.href).includes(query), `${r.href} (${r.title}) does not contain ${query}`);
    }
    // The page whose title names the word is found.
    const titled = results.filter((r) => r.title.includes(query) && (!track || r.href.includes(`/${track}`)));
    assert.ok(titled.length > 0, `no result titled with ${query}: ${results.map((r) => r.title).join(" / ")}`);
    // A result opens its page.
    await page.locator(".search-results a").first().click();
    await page.waitForURL(results[0].href);
    assert.equal(await page.locator("h1").textContent(), results[0].title);
    await noHorizontalScroll(page);
  });
}

test("the search box on a message page searches from the landing page; more results on demand", async (t) => {
  const page = await phonePage(t);
  await page.goto(url(`${MUNI}/baby/`));
  await page.getByRole("search").getByLabel("メッセージを検索").fill("予防接種");
  await page.getByRole("search").getByRole("button", { name: "検索" }).click();
  await page.waitForURL(/\/yumemino\/\?q=/);
  assert.equal(await page.getByLabel(/キーワード/).inputValue(), "予防接種");
  const first = await searchResults(page);
  const status = await page.locator(".search-status").textContent();
  const total = Number(/(\d+)件/.exec(status)[1]);
  assert.ok(total > 10, `expected more than 10 results for 予防接種: ${status}`);
  assert.equal(first.length, 10);
  await page.getByRole("button", { name: "さらに表示" }).click();
  await page.waitForFunction((n) => document.querySelectorAll(".search-results li").length > n, 10);
  assert.ok(await page.evaluate(() => document.activeElement.closest(".search-results li:nth-child(11)") !== null));
  const nothing = await page.getByLabel(/キーワード/);
  await nothing.fill("ぜったいにないことばですよ");
  await page.getByRole("button", { name: "検索", exact: true }).click();
  await page.locator(".search-status").filter({ hasText: "見つかりませんでした" }).waitFor();
  assert.equal(await page.locator(".search-results li").count(), 0);
});

/** What `kizuna preview` (the sender's computation) says a family receives, by date, limited to entries the finder lists. */
function preview(kind, anchor, from, to, entryIds) {
  const out = execFileSync(
    BIN,
    ["preview", "--municipality", MUNI, `--${kind}`, anchor, "--from", from, "--to", to, "--json"],
    { cwd: REPO, encoding: "utf8" }
  );
  return JSON.parse(out).filter((item) => entryIds.has(item.id));
}

async function finderCheck(t, kind, anchor, expectedStage, timezoneId) {
  const page = await phonePage(t, { timezoneId });
  await page.goto(url(`${MUNI}/`));
  const finder = page.locator("#finder");
  await finder.getByLabel(kind === "due" ? /出産予定日/ : /生年月日/).check();
  await finder.getByLabel("日付", { exact: true }).fill(anchor);
  await page.getByRole("button", { name: "メッセージを表示" }).click();
  const heading = page.locator("#finder-today");
  await heading.waitFor();
  assert.equal(await heading.textContent(), `今日（${dates.japaneseDate(dates.parseDate(TODAY))}）は ${expectedStage} です`);
  assert.ok(await heading.evaluate((h) => h === document.activeElement), "focus moves to the result");

  const index = JSON.parse(fs.readFileSync(path.join(ARCHIVE, MUNI, "finder.json"), "utf8"));
  const ids = new Set(index.entries.map((e) => e.id));
  const today = dates.parseDate(TODAY);
  const monthStart = dates.addMonths(today, -1) + 1;
  const items = preview(kind, anchor, dates.formatDate(monthStart), TODAY, ids);
  const hrefs = (pred) =>
    items.filter((i) => pred(dates.parseDate(i.date))).map((i) => url(`${MUNI}/${i.id}/`)).sort();
  const listAfter = (text) =>
    page.evaluate((text) => {
      const node = [...document.querySelectorAll(".finder-result h3, .finder-result p")].find(
        (n) => n.textContent === text
      );
      const list = node && node.nextElementSibling;
      return list && list.tagName === "UL" ? [...list.querySelectorAll("a")].map((a) => a.href).sort() : [];
    }, text);
  assert.deepEqual(await listAfter("今日のメッセージ"), hrefs((d) => d === today));
  assert.deepEqual(await listAfter("この1週間のメッセージ"), hrefs((d) => d < today && d >= today - 6));
  assert.deepEqual(await listAfter("この1か月のメッセージ（1週間より前）"), hrefs((d) => d < today - 6));
  assert.ok(items.length > 0, "the family receives something this month: a useless case otherwise");
  await noHorizontalScroll(page);
  const links = page.locator(".finder-result a");
  const first = await links.first().getAttribute("href");
  await links.first().click();
  await page.waitForURL(first);
  assert.ok((await page.locator("article .label").textContent()).length > 0);
  return items;
}

test("finder: a due date gives today's pregnancy day and this week's and month's messages", async (t) => {
  // 2027-06-07 puts TODAY (2026-11-26) at 妊娠12週3日; a reader abroad still gets Japan's date.
  const items = await finderCheck(t, "due", "2027-06-07", "妊娠12週3日", "America/Los_Angeles");
  assert.ok(items.some((i) => i.id === "maternity/12w3d" && i.date === TODAY));
});

test("finder: a birth date gives the child's age and the recent messages", async (t) => {
  const anchor = "2026-01-31";
  const stage = dates.stageLabel("birth", dates.parseDate(anchor), dates.parseDate(TODAY));
  assert.equal(stage, "生後9か月26日");
  await finderCheck(t, "birth", anchor, stage);
});

test("finder: dates outside the messages are explained, not guessed", async (t) => {
  const page = await phonePage(t);
  await page.goto(url(`${MUNI}/`));
  await page.locator("#finder").getByLabel(/出産予定日/).check();
  await page.locator("#finder").getByLabel("日付", { exact: true }).fill("2028-12-01");
  await page.getByRole("button", { name: "メッセージを表示" }).click();
  await page.locator("#finder-today").waitFor();
  assert.equal(await page.locator("#finder-today").textContent(), `今日（${dates.japaneseDate(dates.parseDate(TODAY))}）`);
  assert.match(await page.locator(".finder-result").textContent(), /妊娠4週0日から41週6日まで/);
});

test("without JavaScript every page is readable and the tools say where else to look", async (t) => {
  const page = await phonePage(t, { javaScript: false });
  await page.goto(url(`${MUNI}/`));
  assert.equal(await page.locator(".finder-form").isVisible(), false);
  assert.equal(await page.locator(".search-form").isVisible(), false);
  assert.equal(await page.locator("#finder .needs-js").isVisible(), true);
  assert.equal(await page.locator("#search .needs-js").isVisible(), true);
  await page.goto(url(`${MUNI}/maternity/12w3d/`));
  assert.equal(await page.locator("article .label").textContent(), "妊娠12週3日");
  assert.ok((await page.locator("article .prose").textContent()).length > 50);
});

// Every page type, with one example each.
const PAGES = {
  root: "",
  landing: `${MUNI}/`,
  "track TOC": `${MUNI}/maternity/`,
  message: `${MUNI}/maternity/12w3d/`,
  "local page": null, // the first local page the landing page links to
  topics: `${MUNI}/topics/`,
  topic: `${MUNI}/topics/01/`,
  review: `${MUNI}/review/`,
  // The subscription pages (sign-up, manage, unsubscribe and their results).
  ...Object.fromEntries(
    ["signup", "sent", "confirm", "confirmed", "manage", "updated", "stopped", "unsubscribe", "unsubscribed", "deleted", "error"].map(
      (name) => [`subscribe ${name}`, `${MUNI}/subscribe/${name}/`],
    ),
  ),
};

for (const [kind, path_] of Object.entries(PAGES)) {
  test(`axe: ${kind} page has no serious or critical violations, and no render-blocking script`, async (t) => {
    const page = await phonePage(t);
    let target = path_;
    if (target === null) {
      await page.goto(url(`${MUNI}/`));
      target = new URL(await page.locator('a[href^="local/"]').first().getAttribute("href"), url(`${MUNI}/`)).href;
    }
    await page.goto(url(target));
    await assertAccessible(page, kind);
    const blocking = await page.evaluate(() =>
      [...document.querySelectorAll("script[src]")]
        .filter((s) => !s.defer && !s.async && s.type !== "module")
        .map((s) => s.src)
    );
    assert.deepEqual(blocking, [], "render-blocking scripts");
    await noHorizontalScroll(page);
  });
}

test("axe: the landing page with search results and finder results shown", async (t) => {
  const page = await phonePage(t);
  await page.goto(url(`${MUNI}/?q=${encodeURIComponent("離乳食")}#search`));
  await searchResults(page);
  await page.locator("#finder").getByLabel(/生年月日/).check();
  await page.locator("#finder").getByLabel("日付", { exact: true }).fill("2026-03-01");
  await page.getByRole("button", { name: "メッセージを表示" }).click();
  await page.locator("#finder-today").waitFor();
  await assertAccessible(page, "landing with results");
});
