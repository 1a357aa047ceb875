// The one-machine demo (issue 23) driven as a parent would drive it, in Debian Chromium via
// playwright-core: `scripts/demo.sh` is started on a free port; sign up with a due date → the
// confirmation mail appears in the mailbox → confirm with its button → run the next day with the
// mailbox's button → that day's mail appears with the subject `kizuna preview` predicts →
// one-click unsubscribe → the day after, nothing. Then Ctrl-C must stop everything it started.
//
// Needs (scripts/browser-test.sh provides them): KIZUNA_BIN, the kizuna binary (for
// `kizuna preview`); Chromium; moto is installed by scripts/demo.sh itself.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const { launch } = require("./browser");
const shared = require("./demo-server");
const { answers, japanDate, startDemo, stopDemo } = shared;

const BIN = process.env.KIZUNA_BIN;
const MUNI = "komorebi";
const EMAIL = "demo-parent@example.jp";

if (!BIN || !fs.existsSync(BIN)) {
  throw new Error(`KIZUNA_BIN must name the kizuna binary (got ${JSON.stringify(BIN)}); run scripts/browser-test.sh`);
}

/** What `kizuna preview` says a family with this due date receives, date → titles. */
const predicted = (due, from, to) => shared.predicted(BIN, MUNI, due, from, to);

let demo;
let origin;
let ports = {};
let browser;

test.before(async () => {
  demo = await startDemo();
  origin = demo.origin;
  ports = demo.ports;
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await stopDemo(demo);
});

/** The mails to EMAIL in the mailbox, newest first: subject, text, the article element. */
const mailsTo = (page) => shared.mailsTo(page, origin, EMAIL);
const runDay = (page, date) => shared.runDay(page, origin, date);

test("a parent signs up, confirms, receives the next day's mail, unsubscribes in one click", async () => {
  const tomorrow = japanDate(1);
  const dayAfter = japanDate(2);
  // A due date whose family gets exactly one message tomorrow (its subject is then the mail's)
  // and at least one the day after (so "nothing" after unsubscribing means something).
  let due;
  let days;
  for (let ahead = 120; ahead < 200 && !due; ahead++) {
    days = predicted(japanDate(ahead), tomorrow, dayAfter);
    if (days[tomorrow]?.length === 1 && days[dayAfter]?.length >= 1) due = japanDate(ahead);
  }
  assert.ok(due, "a due date with mail tomorrow and the day after");

  const context = await browser.newContext({ locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();

  // Sign up on the municipality's page; the form posts to /api/ on the same origin.
  await page.goto(`${origin}/${MUNI}/subscribe/signup/`);
  const form = page.locator('form[action$="/api/subscriptions"]');
  assert.equal(await form.getAttribute("action"), `${origin}/api/subscriptions`);
  await form.locator("input[name=email]").fill(EMAIL);
  await form.locator("input[name=kind][value=due]").check();
  await form.locator("input[name=date]").fill(due);
  await form.locator("input[name=nickname]").fill("はな");
  await form.locator("input[name=consent]").check();
  await Promise.all([page.waitForURL(/\/subscribe\/sent\//), form.locator("button[type=submit]").click()]);

  // The confirmation mail, and its link's page with the button.
  let mails = await mailsTo(page);
  assert.equal(mails.length, 1, "one confirmation mail");
  const link = /http:\/\/127\.0\.0\.1:\d+\/api\/confirm\?token=\S+/.exec(mails[0].text)?.[0];
  assert.ok(link, `a confirmation link in:\n${mails[0].text}`);
  await page.goto(link);
  const confirm = page.locator('form[action$="/api/confirm"]');
  // The form face answers the confirmed page itself.
  const [confirmedAnswer] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/api/confirm") && r.request().method() === "POST"),
    confirm.locator("button").click(),
  ]);
  assert.equal(confirmedAnswer.status(), 200, await confirmedAnswer.text());
  const confirmed = (await mailsTo(page)).length;

  // The next day: the mail kizuna preview predicts.
  await runDay(page, tomorrow);
  mails = await mailsTo(page);
  assert.equal(mails.length, confirmed + 1, "one mail for tomorrow");
  assert.equal(mails[0].subject, days[tomorrow][0], "the subject kizuna preview predicts");

  // One-click unsubscribe, as a mail provider posts it, from that mail.
  const button = mails[0].article.locator("form.one-click button");
  const [answer] = await Promise.all([page.waitForResponse((r) => r.url().includes("/api/unsubscribe")), button.click()]);
  assert.equal(answer.status(), 200, await answer.text());

  // The day after: nothing (beyond what the unsubscription itself may have answered).
  const unsubscribed = (await mailsTo(page)).length;
  await runDay(page, dayAfter);
  assert.equal((await mailsTo(page)).length, unsubscribed, "no mail after unsubscribing");
  await context.close();
});

test("Ctrl-C stops the demo and the emulator", async () => {
  assert.ok(await answers(ports.demo), "the demo answers before");
  assert.ok(await answers(ports.emulator), "the emulator answers before");
  await stopDemo(demo);
  assert.equal(await answers(ports.demo), false, "the demo still answers");
  assert.equal(await answers(ports.emulator), false, "the emulator still answers");
});
