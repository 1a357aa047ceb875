// Reader surveys (issue 20) answered as a parent would, in Debian Chromium via playwright-core,
// WITHOUT JavaScript, against the one-machine demo (`scripts/demo.sh`: the archive, the real API
// router and the real delivery over moto on one origin): sign up in ゆめみ野市 with a child's birth
// date → confirm → run the day of the national sample survey (content/surveys/reader-2026.yaml,
// with ゆめみ野市's extra questions) → that day's mail carries the invitation with a personal link →
// the link opens the survey page (axe: no serious problems) → answer → thank-you page → the same
// link again is refused with a Japanese page, and so is a changed link.
//
// Needs (scripts/browser-test.sh provides them): Chromium; moto is installed by scripts/demo.sh.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { default: AxeBuilder } = require("@axe-core/playwright");
const { launch } = require("./browser");
// The demo is started, read and stopped as every demo test does it (demo-server.js).
const { japanDate, startDemo, stopDemo, mailsTo, runDay } = require("./demo-server");

const MUNI = "yumemino";
const EMAIL = "survey-parent@example.jp";
// The national sample survey asks every current reader on this day (content/surveys/reader-2026.yaml).
const SURVEY_DAY = "2027-01-20";

let demo;
let origin;
let browser;

test.before(async () => {
  demo = await startDemo();
  origin = demo.origin;
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await stopDemo(demo);
});

/** The text of the mails to EMAIL in the mailbox, newest first. */
async function mailTexts(page) {
  return (await mailsTo(page, origin, EMAIL)).map((mail) => mail.text);
}

test("a parent is invited on the survey's day, answers once without JavaScript, and a second answer is refused", { timeout: 300_000 }, async () => {
  // The mailbox's buttons need no script either; everything here runs with JavaScript off.
  const context = await browser.newContext({ locale: "ja-JP", timezoneId: "Asia/Tokyo", javaScriptEnabled: false });
  const page = await context.newPage();

  await page.goto(`${origin}/${MUNI}/subscribe/signup/`);
  const form = page.locator('form[action$="/api/subscriptions"]');
  await form.locator("input[name=email]").fill(EMAIL);
  await form.locator("input[name=kind][value=birth]").check();
  await form.locator("input[name=date]").fill(japanDate(-30));
  await form.locator("input[name=consent]").check();
  await Promise.all([page.waitForURL(/\/subscribe\/sent\//), form.locator("button[type=submit]").click()]);
  const confirmLink = /http:\/\/127\.0\.0\.1:\d+\/api\/confirm\?token=\S+/.exec((await mailTexts(page))[0])?.[0];
  assert.ok(confirmLink, "a confirmation link");
  await page.goto(confirmLink);
  await page.locator('form[action$="/api/confirm"] button').click();

  await runDay(page, origin, SURVEY_DAY);

  const mail = (await mailTexts(page))[0];
  assert.match(mail, /アンケートへのご協力のお願い/, mail);
  const link = /http:\/\/127\.0\.0\.1:\d+\/api\/survey-answers\?token=\S+/.exec(mail)?.[0];
  assert.ok(link, `a personal survey link in:\n${mail}`);
  assert.doesNotMatch(mail, /%%survey_url%%/);

  // The survey page, served with the reader's token; national questions first, then the town's.
  await page.goto(link);
  assert.equal(await page.locator("h1").innerText(), "読者アンケート（2026年度）");
  const legends = await page.locator("fieldset legend").allInnerTexts();
  assert.ok(legends[0].startsWith("問1　メッセージが届いたとき"), legends.join("\n"));
  assert.ok(legends.some((l) => l.includes("ゆめみ野市の子育てひろば")), "the town's extra question");
  // axe runs as a script: in a context of its own with JavaScript on (opening the page stores nothing).
  const scripted = await browser.newContext({ locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const checked = await scripted.newPage();
  await checked.goto(link);
  const result = await new AxeBuilder({ page: checked }).analyze();
  await scripted.close();
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help}`), [], "survey page: serious accessibility problems");
  assert.ok(result.passes.length > 10, "axe ran");

  // An answer the survey refuses (over-long text is cut by maxlength in a browser; an unknown
  // choice cannot be clicked): the form is shown again only for a missing required answer.
  await page.locator("input[name=q-overall][value='5']").check();
  await page.locator("form.survey button[type=submit]").click();
  // The browser's own validation stops a form without the required 問1 (no request is made).
  assert.equal(page.url(), link);

  await page.locator("input[name=q-reading][value='1']").check();
  await page.locator("input[name=q-helpful][value='1']").check();
  await page.locator("input[name=q-helpful][value='5']").check();
  await page.locator("input[name=q-hiroba][value='2']").check();
  await page.locator("textarea[name=q-comment]").fill("毎朝楽しみにしています。");
  await Promise.all([page.waitForURL(/\/surveys\/reader-2026\/thanks\/$/), page.locator("form.survey button[type=submit]").click()]);
  assert.match(await page.locator("main").innerText(), /ありがとうございました/);

  // The same link again: refused, with a Japanese page, and nothing stored (the Rust test checks the table).
  await page.goto(link);
  await page.locator("input[name=q-reading][value='4']").check();
  await page.locator("input[name=q-overall][value='1']").check();
  const [again] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/survey-answers") && r.request().method() === "POST"),
    page.locator("form.survey button[type=submit]").click(),
  ]);
  assert.equal(again.status(), 409);
  assert.match(await page.locator("main").innerText(), /すでにお答えいただいています/);

  // A changed link: refused too.
  const changed = await page.goto(link.replace(".age-0.", ".age-6-plus."));
  assert.equal(changed.status(), 403);
  assert.match(await page.locator("body").innerText(), /確認できませんでした/);
  await context.close();
});
