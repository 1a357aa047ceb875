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
const net = require("node:net");
const path = require("node:path");
const { spawn, execFileSync } = require("node:child_process");
const { launch } = require("./browser");

const REPO = path.resolve(__dirname, "../..");
const BIN = process.env.KIZUNA_BIN;
const MUNI = "komorebi";
const EMAIL = "demo-parent@example.jp";

if (!BIN || !fs.existsSync(BIN)) {
  throw new Error(`KIZUNA_BIN must name the kizuna binary (got ${JSON.stringify(BIN)}); run scripts/browser-test.sh`);
}

/** A Japan date `days` from today, YYYY-MM-DD. */
function japanDate(days) {
  const now = new Date(Date.now() + 9 * 3600 * 1000 + days * 86400 * 1000);
  return now.toISOString().slice(0, 10);
}

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

/** Whether something accepts connections on 127.0.0.1:port. */
function answers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => socket.end(() => resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** What `kizuna preview` says a family with this due date receives, date → titles. */
function predicted(due, from, to) {
  const json = execFileSync(
    BIN,
    ["preview", "--municipality", MUNI, "--due", due, "--from", from, "--to", to, "--json"],
    { cwd: REPO, encoding: "utf8" }
  );
  const days = {};
  for (const item of JSON.parse(json)) (days[item.date] ||= []).push(item.title);
  return days;
}

let demo;
let output = "";
let origin;
let ports = {};
let browser;

test.before(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const state = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "kizuna-demo-"));
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
  ports = { demo: port, emulator: Number(/emulator\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]) };
  assert.ok(ports.emulator, `the demo prints the emulator's address:\n${output}`);
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    process.kill(-demo.pid, "SIGINT");
    await new Promise((resolve) => demo.once("exit", resolve));
  }
});

/** The mails to EMAIL in the mailbox, newest first: subject, text, one-click target. */
async function mailsTo(page) {
  await page.goto(`${origin}/_mail/`);
  const mails = [];
  for (const article of await page.locator("article.mail").all()) {
    if (!(await article.locator(".to").innerText()).includes(EMAIL)) continue;
    mails.push({
      subject: await article.locator(".subject").innerText(),
      text: await article.locator("pre.text").innerText(),
      article,
    });
  }
  return mails;
}

async function runDay(page, date) {
  await page.goto(`${origin}/_mail/`);
  await page.fill("#run-day input[name=date]", date);
  await Promise.all([page.waitForURL(`${origin}/_mail/run-day`), page.click("#run-day button")]);
  const summary = await page.locator("pre.summary").innerText();
  assert.doesNotMatch(summary, /error/i, summary);
  return summary;
}

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
  process.kill(-demo.pid, "SIGINT");
  await new Promise((resolve) => (demo.exitCode !== null ? resolve() : demo.once("exit", resolve)));
  assert.equal(await answers(ports.demo), false, "the demo still answers");
  assert.equal(await answers(ports.emulator), false, "the emulator still answers");
});
