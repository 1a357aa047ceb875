// The pages issue 17 (LINE) and issue 16 changed, in Debian Chromium on a phone viewport: the
// add-friend button and QR code of a town with LINE, the LINE registration page (axe clean, the
// token of a static copy's address put into its form), tap targets of at least 24×24 CSS px
// (WCAG 2.2 target size, AA) on the pages families tap through, and the finder's explanation on
// a page opened as a file.
//
// Needs (scripts/browser-test.sh provides them): KIZUNA_ARCHIVE, a built archive; Chromium.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { default: AxeBuilder } = require("@axe-core/playwright");
const { serve } = require("./server");
const { launch } = require("./browser");

const ARCHIVE = process.env.KIZUNA_ARCHIVE;
const LINE_TOWN = "yumemino";
const MAIL_ONLY = "watabooshi";
const PHONE = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
if (!ARCHIVE || !fs.existsSync(ARCHIVE)) {
  throw new Error(`KIZUNA_ARCHIVE must name a built archive (got ${JSON.stringify(ARCHIVE)}); run scripts/browser-test.sh`);
}

/** The pages whose targets are measured: what a family taps through to read and to sign up. */
const TAPPED = {
  landing: `${LINE_TOWN}/`,
  "track TOC (weeks)": `${LINE_TOWN}/maternity/`,
  "track TOC (days)": `${LINE_TOWN}/baby/`,
  message: `${LINE_TOWN}/maternity/12w3d/`,
  "sign-up": `${LINE_TOWN}/subscribe/signup/`,
  "LINE registration": `${LINE_TOWN}/subscribe/line/`,
  manage: `${LINE_TOWN}/subscribe/manage/`,
};

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

async function phonePage(t) {
  const context = await browser.newContext({ ...PHONE, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  t.after(() => context.close());
  return context.newPage();
}

const url = (p) => new URL(p, server.url).href;

/**
 * Every target smaller than 24×24 CSS px. A checkbox or radio counts with its label (tapping the
 * label ticks it); a link inside a sentence is exempt, as WCAG 2.5.8 exempts inline targets.
 */
function smallTargets(page) {
  return page.evaluate(() => {
    const small = [];
    const targets = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary");
    for (const element of targets) {
      const style = getComputedStyle(element);
      if (style.visibility === "hidden" || style.display === "none" || element.closest("[hidden], [aria-hidden=true]")) {
        continue;
      }
      const box = (element.closest("label") || element).getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const parent = element.parentElement;
      const inline =
        element.tagName === "A" &&
        parent &&
        ["P", "LI", "DD", "FIGCAPTION", "TD"].includes(parent.tagName) &&
        parent.textContent.trim().length > element.textContent.trim().length;
      if (inline) continue;
      if (box.width < 24 || box.height < 24) {
        small.push(`${element.outerHTML.slice(0, 90)} ${Math.round(box.width)}×${Math.round(box.height)}`);
      }
    }
    return small;
  });
}

for (const [kind, target] of Object.entries(TAPPED)) {
  test(`tap targets: ${kind} has none smaller than 24×24 CSS px`, async (t) => {
    const page = await phonePage(t);
    await page.goto(url(target));
    assert.deepEqual(await smallTargets(page), [], `${kind}: targets under 24×24`);
  });
}

test("a town with LINE: add-friend button and a QR code on the landing and sign-up pages, axe clean", async (t) => {
  const page = await phonePage(t);
  for (const target of [`${LINE_TOWN}/`, `${LINE_TOWN}/subscribe/signup/`, `${LINE_TOWN}/subscribe/line/`]) {
    await page.goto(url(target));
    if (!target.endsWith("/line/")) {
      const section = page.locator("#line");
      assert.match(await section.locator("a.line-button").getAttribute("href"), /^https:\/\/(lin\.ee|line\.me)\//);
      const qr = section.getByRole("img", { name: /LINE公式アカウントを友だち追加するQRコード/ });
      const box = await qr.boundingBox();
      assert.ok(box && box.width >= 150 && box.height >= 150, `the QR code is drawn large enough (${JSON.stringify(box)})`);
    }
    const result = await new AxeBuilder({ page }).analyze();
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(", ")}`), [], target);
  }
  await page.goto(url(`${LINE_TOWN}/`));
  await page.locator("#cta-top").getByRole("link", { name: "LINEで受け取る" }).click();
  await page.waitForURL(/#line-heading$/);
});

test("a town without LINE shows no LINE button, QR code or page", async (t) => {
  const page = await phonePage(t);
  await page.goto(url(`${MAIL_ONLY}/`));
  assert.equal(await page.locator("#line, svg.qr").count(), 0);
  assert.equal(await page.getByText("LINEで受け取る").count(), 0);
  assert.equal(fs.existsSync(path.join(ARCHIVE, MAIL_ONLY, "subscribe/line")), false);
});

test("the LINE registration page served as a static file takes the token from its address", async (t) => {
  const page = await phonePage(t);
  await page.goto(url(`${LINE_TOWN}/subscribe/line/?token=abc.DEF-123`));
  const token = page.locator('form.line-form input[name="token"]');
  await page.waitForFunction(() => document.querySelector('form.line-form input[name="token"]').value !== "%%token%%");
  assert.equal(await token.inputValue(), "abc.DEF-123");
  assert.equal(await page.locator('form.line-form input[name="email"]').count(), 0, "no address is asked");
});

test("the finder on a page opened as a file says to use `kizuna serve`", async (t) => {
  const page = await phonePage(t);
  await page.goto(pathToFileURL(path.join(path.resolve(ARCHIVE), LINE_TOWN, "index.html")).href);
  const finder = page.locator("#finder");
  await finder.getByLabel(/生年月日/).check();
  await finder.getByLabel("日付", { exact: true }).fill("2026-03-01");
  await finder.getByRole("button", { name: "メッセージを表示" }).click();
  await finder.locator(".finder-result").filter({ hasText: "kizuna serve" }).waitFor();
  assert.match(await finder.locator(".finder-result").innerText(), /ファイルとして開いたときは.*`kizuna serve` で開いてください/);
});
