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
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { default: AxeBuilder } = require("@axe-core/playwright");
const { launch } = require("./browser");

const REPO = path.resolve(__dirname, "../..");
const MUNI = "yumemino";
const EMAIL = "survey-parent@example.jp";
// The national sample survey asks every current reader on this day (content/surveys/reader-2026.yaml).
const SURVEY_DAY = "2027-01-20";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A Japan date `days` from today, YYYY-MM-DD. */
function japanDate(days) {
  return new Date(Date.now() + 9 * 3600 * 1000 + days * 86400 * 1000).toISOString().slice(0, 10);
}

let demo;
let output = "";
let origin;
let browser;

test.before(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const state = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "kizuna-survey-demo-"));
  demo = spawn(path.join(REPO, "scripts/demo.sh"), ["--port", String(port)], {
    cwd: REPO,
    env: { ...process.env, KIZUNA_DEMO_DIR: state },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  demo.stdout.on("data", (chunk) => (output += chunk));
  demo.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => demo.once("exit", resolve));
  const ready = new Promise((resolve) => {
    const check = setInterval(() => {
      if (output.includes("Ctrl-C stops")) {
        clearInterval(check);
        resolve();
      }
    }, 100);
  });
  await Promise.race([ready, exited.then((code) => assert.fail(`scripts/demo.sh exited (${code}):\n${output}`))]);
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    process.kill(-demo.pid, "SIGINT");
    await new Promise((resolve) => demo.once("exit", resolve));
  }
});

/** The text of the mails to EMAIL in the mailbox, newest first. */
async function mailsTo(page) {
  await page.goto(`${origin}/_mail/`);
  const mails = [];
  for (const article of await page.locator("article.mail").all()) {
    if ((await article.locator(".to").innerText()).includes(EMAIL)) mails.push(await article.locator("pre.text").innerText());
  }
  return mails;
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
  const confirmLink = /http:\/\/127\.0\.0\.1:\d+\/api\/confirm\?token=\S+/.exec((await mailsTo(page))[0])?.[0];
  assert.ok(confirmLink, "a confirmation link");
  await page.goto(confirmLink);
  await page.locator('form[action$="/api/confirm"] button').click();

  await page.goto(`${origin}/_mail/`);
  await page.fill("#run-day input[name=date]", SURVEY_DAY);
  await Promise.all([page.waitForURL(`${origin}/_mail/run-day`), page.click("#run-day button")]);
  const summary = await page.locator("pre.summary").innerText();
  assert.doesNotMatch(summary, /error/i, summary);

  const mail = (await mailsTo(page))[0];
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
