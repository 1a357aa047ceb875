// Every form the generator writes, submitted as a browser submits it (issue 16 §1): the demo's
// one-origin server (scripts/demo.sh: the archive built with --base-url for its origin, /api/*
// answered by the real API router, moto behind it) is started; every page of the archive it built
// is read, every <form> posting to the API is found, and each kind is filled in Chromium and
// submitted with its own button — sign-up from every page that has one, then confirm, manage
// (birth, date change, stop with every reason the page offers, delete), unsubscribe and one-click
// on the pages the API serves from the mails' links. Each must end on its documented success page
// (subscribe/*/ titles of generator/src/pages.rs): a form the API refuses fails here.
//
// Needs (scripts/browser-test.sh provides them): KIZUNA_BIN (for `kizuna preview`) and Chromium.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { launch } = require("./browser");
const { japanDate, predicted, startDemo, stopDemo, mailsTo, runDay } = require("./demo-server");

const BIN = process.env.KIZUNA_BIN;
const MUNI = "komorebi";
if (!BIN || !fs.existsSync(BIN)) {
  throw new Error(`KIZUNA_BIN must name the kizuna binary (got ${JSON.stringify(BIN)}); run scripts/browser-test.sh`);
}

/** The documented success page of each API route (the h1 of subscribe/<page>/). */
const SUCCESS = {
  subscriptions: "確認のメールを送りました",
  confirm: "登録が完了しました",
  birth: "登録内容を変更しました",
  "due-date": "登録内容を変更しました",
  stop: "配信を停止しました",
  delete: "データを削除しました",
  unsubscribe: "配信を解除しました",
};
/** Routes whose forms are submitted by other tests: LINE registration takes a token that only the
 * LINE chat hands out (the LINE stand-in's tests submit it); a survey's page is reached only from a
 * personal invitation mailed on the survey's day (surveys.test.js answers it in Chromium). */
const ELSEWHERE = new Set(["line/register", "survey-answers"]);

let demo;
let browser;
let context;
let serial = 0;

test.before(async () => {
  demo = await startDemo();
  browser = await launch();
  context = await browser.newContext({ locale: "ja-JP", timezoneId: "Asia/Tokyo" });
});

test.after(async () => {
  await browser?.close();
  await stopDemo(demo);
});

/** Every HTML page of the built archive, relative to its root. */
function pages(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".html")) found.push(path.relative(root, full));
    }
  };
  walk(root);
  return found.sort();
}

/** The API route of every POST form of a page, in page order (its action below /api/). */
function apiForms(html, origin) {
  const routes = [];
  for (const [tag] of html.matchAll(/<form\b[^>]*>/g)) {
    if (!/method="post"/i.test(tag)) continue;
    const action = /action="([^"]*)"/.exec(tag)?.[1] ?? "";
    assert.ok(action.startsWith(`${origin}/api/`), `a form posts outside the API: ${tag}`);
    routes.push(action.slice(`${origin}/api/`.length));
  }
  return routes;
}

/**
 * Fills a form as a person would: an address, the date kind and date given, a nickname, the
 * consent ticked, the reason chosen; hidden fields and the honeypot (hidden from people) untouched.
 */
async function fill(form, { email, kind, date, reason }) {
  for (const input of await form.locator("input, select, textarea").all()) {
    const type = ((await input.getAttribute("type")) || "text").toLowerCase();
    const name = await input.getAttribute("name");
    // The honeypot sits off-screen inside aria-hidden: no person sees or fills it.
    const unseen = await input.evaluate((el) => el.closest('[aria-hidden="true"]') !== null);
    if (type === "hidden" || unseen || !(await input.isVisible())) continue;
    if (type === "email") await input.fill(email);
    else if (type === "date") await input.fill(date);
    else if (type === "checkbox") await input.check();
    else if (type === "radio") {
      const value = await input.getAttribute("value");
      if ((name === "kind" && value === kind) || (name === "reason" && value === reason)) await input.check();
    } else if (type === "text") await input.fill("はな");
  }
}

/** Submits with the form's own button and returns the page's h1 and address. */
async function submit(page, form) {
  await Promise.all([page.waitForEvent("load"), form.locator("button[type=submit], button:not([type])").first().click()]);
  return { title: (await page.locator("h1").innerText()).trim(), url: page.url() };
}

/** A fresh address (one confirmation mail per address per 10 minutes). */
function nextEmail() {
  serial += 1;
  return `forms-${serial}@example.jp`;
}

/** The first link in the newest mail to `email` matching `pattern`, waiting for the mail. */
async function linkIn(page, email, pattern) {
  for (let attempt = 0; attempt < 20; attempt++) {
    for (const mail of await mailsTo(page, demo.origin, email)) {
      const link = pattern.exec(mail.text)?.[0];
      if (link) return link;
    }
    await page.waitForTimeout(250);
  }
  assert.fail(`no mail to ${email} with ${pattern}`);
}

/** Signs up through subscribe/signup/ and confirms from the mail; returns the address and the
 * manage link of the welcome mail. */
async function activeFamily(page, due) {
  const email = nextEmail();
  await page.goto(`${demo.origin}/${MUNI}/subscribe/signup/`);
  const form = page.locator(`form[action="${demo.origin}/api/subscriptions"]`);
  await fill(form, { email, kind: "due", date: due });
  assert.equal((await submit(page, form)).title, SUCCESS.subscriptions);
  await page.goto(await linkIn(page, email, /http:\/\/127\.0\.0\.1:\d+\/api\/confirm\?token=\S+/));
  const confirm = page.locator(`form[action="${demo.origin}/api/confirm"]`);
  assert.equal((await submit(page, confirm)).title, SUCCESS.confirm);
  return { email, manage: await linkIn(page, email, /http:\/\/127\.0\.0\.1:\d+\/api\/manage\?token=\S+/) };
}

test("every form of every built page posts to a route this test submits", () => {
  const root = path.join(demo.state, "public");
  const routes = new Set();
  let withForms = 0;
  for (const file of pages(root)) {
    const found = apiForms(fs.readFileSync(path.join(root, file), "utf8"), demo.origin);
    if (found.length) withForms += 1;
    found.forEach((route) => routes.add(route));
  }
  assert.ok(withForms >= 6, `sign-up, confirm, manage and unsubscribe pages of each town (${withForms})`);
  for (const route of routes) {
    assert.ok(route in SUCCESS || ELSEWHERE.has(route), `a form posts to /api/${route}, which no test submits`);
  }
  for (const route of Object.keys(SUCCESS)) assert.ok(routes.has(route), `no page has a form for /api/${route}`);
});

test("every sign-up form of every page signs up", async () => {
  const root = path.join(demo.state, "public");
  const page = await context.newPage();
  let submitted = 0;
  for (const file of pages(root)) {
    const routes = apiForms(fs.readFileSync(path.join(root, file), "utf8"), demo.origin);
    for (let index = 0; index < routes.length; index++) {
      if (routes[index] !== "subscriptions") continue;
      await page.goto(`${demo.origin}/${file.replace(/index\.html$/, "")}`);
      const form = page.locator("form[method=post]").nth(index);
      const email = nextEmail();
      await fill(form, { email, kind: "due", date: japanDate(100 + submitted) });
      const { title, url } = await submit(page, form);
      assert.equal(title, SUCCESS.subscriptions, `${file}: ended on ${url}`);
      assert.match(url, /\/subscribe\/sent\/$/);
      await linkIn(page, email, /\/api\/confirm\?token=/);
      submitted += 1;
    }
  }
  assert.ok(submitted >= 6, `the landing and sign-up pages of every town (${submitted})`);
  await page.close();
});

test("the manage page's forms: a date change, the birth, a stop with every reason, delete", async () => {
  const page = await context.newPage();
  const family = await activeFamily(page, japanDate(150));
  await page.goto(family.manage);
  const due = page.locator(`form[action="${demo.origin}/api/due-date"]`);
  await fill(due, { date: japanDate(152) });
  assert.equal((await submit(page, due)).title, SUCCESS["due-date"]);
  await page.goto(family.manage);
  const birth = page.locator(`form[action="${demo.origin}/api/birth"]`);
  await fill(birth, { date: japanDate(0) });
  assert.equal((await submit(page, birth)).title, SUCCESS.birth);

  await page.goto(family.manage);
  const reasons = await page
    .locator(`form[action="${demo.origin}/api/stop"] input[name=reason]`)
    .evaluateAll((inputs) => inputs.map((i) => i.value));
  assert.ok(reasons.length >= 7, `every stop reason is offered (${reasons})`);
  for (const [n, reason] of reasons.entries()) {
    const stopping = await activeFamily(page, japanDate(160 + n));
    await page.goto(stopping.manage);
    const stop = page.locator(`form[action="${demo.origin}/api/stop"]`);
    await fill(stop, { reason });
    assert.equal((await submit(page, stop)).title, SUCCESS.stop, reason);
  }

  const leaving = await activeFamily(page, japanDate(170));
  await page.goto(leaving.manage);
  const remove = page.locator(`form[action="${demo.origin}/api/delete"]`);
  assert.equal((await submit(page, remove)).title, SUCCESS.delete);
  await page.close();
});

test("the unsubscribe page's form and one-click, from a day's mails", async () => {
  const page = await context.newPage();
  const tomorrow = japanDate(1);
  let due;
  for (let ahead = 120; ahead < 200 && !due; ahead++) {
    if (predicted(BIN, MUNI, japanDate(ahead), tomorrow, tomorrow)[tomorrow]?.length) due = japanDate(ahead);
  }
  assert.ok(due, "a due date with mail tomorrow");
  const viaPage = await activeFamily(page, due);
  const viaClick = await activeFamily(page, due);
  await runDay(page, demo.origin, tomorrow);

  await page.goto(await linkIn(page, viaPage.email, /http:\/\/127\.0\.0\.1:\d+\/api\/unsubscribe\?token=\S+/));
  const unsubscribe = page.locator(`form[action="${demo.origin}/api/unsubscribe"]`);
  assert.equal((await submit(page, unsubscribe)).title, SUCCESS.unsubscribe);

  const [mail] = await mailsTo(page, demo.origin, viaClick.email);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/api/unsubscribe") && r.request().method() === "POST"),
    mail.article.locator("form.one-click button").click(),
  ]);
  assert.equal(answer.status(), 200, await answer.text());
  await page.close();
});
