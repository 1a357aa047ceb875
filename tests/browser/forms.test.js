// The form contract in a real browser (issue 16): every <form> of every page of the built archive is
// found, and each one that posts to the subscription API is filled and submitted by Chromium as a
// family would — sign-up from the landing page and from subscribe/signup/, the mailed confirmation,
// the manage page (due-date change, birth, stop with every reason, delete), unsubscribe — and the
// mail program's RFC 8058 one-click. The API is the real router (`kizuna-sender api serve`, the thin
// local HTTP adapter over `Api::handle`) over DynamoDB and SES in moto_server; the browser's requests
// to the archive's API address are handed to it unchanged. Each must end on its documented page.
//
// Also: the calls to action (landing top, end of every message page), the finder's words per town,
// the 「生後232日目（7か月）」 labels, the stylesheet of pages the API serves, and 24 × 24 px targets.
//
// Needs (scripts/browser-test.sh provides them):
//   KIZUNA_ARCHIVE     an archive built with `--base-url http://127.0.0.1:$KIZUNA_PORT`
//   KIZUNA_PORT        the port the archive is built for
//   KIZUNA_SENDER_BIN  the kizuna-sender binary (`api serve`, `tables create`)
//   MOTO_SERVER        moto_server (scripts/moto.sh installs it into .venv)
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const net = require("node:net");
const { spawn, execFileSync } = require("node:child_process");
const { serve } = require("./server");
const { launch } = require("./browser");

const ARCHIVE = process.env.KIZUNA_ARCHIVE;
const SENDER = process.env.KIZUNA_SENDER_BIN;
const MOTO = process.env.MOTO_SERVER;
const PHONE = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

for (const [name, value, how] of [
  ["KIZUNA_ARCHIVE", ARCHIVE, "a directory built with `kizuna build --base-url http://127.0.0.1:$KIZUNA_PORT`"],
  ["KIZUNA_SENDER_BIN", SENDER, "the kizuna-sender binary (cargo build -p kizuna-sender --bin kizuna-sender)"],
  ["MOTO_SERVER", MOTO, "moto_server (run scripts/moto.sh, which installs it into .venv)"],
]) {
  if (!value || !fs.existsSync(value)) {
    throw new Error(`${name} must name ${how} (got ${JSON.stringify(value)}); run scripts/browser-test.sh`);
  }
}

const MUNICIPALITIES = fs
  .readdirSync(ARCHIVE)
  .filter((id) => fs.existsSync(path.join(ARCHIVE, id, "schedule.json")))
  .sort();
const SCHEDULES = Object.fromEntries(
  MUNICIPALITIES.map((id) => [id, JSON.parse(fs.readFileSync(path.join(ARCHIVE, id, "schedule.json"), "utf8"))])
);

let server;
let browser;
let moto;
let api;
const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor(url, seconds) {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

/** Starts a process of ours, stopped in test.after. */
function start(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  child.on("exit", (code) => {
    if (code) console.log(`# ${path.basename(command)} exited with ${code}: ${stderr}`);
  });
  return child;
}

/** A signed-enough request to moto's SES query API (moto reads the service from the credential scope). */
async function ses(action, params) {
  const body = new URLSearchParams({ Action: action, Version: "2010-12-01", ...params });
  const response = await fetch(moto.url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization:
        "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-northeast-1/ses/aws4_request, SignedHeaders=host, Signature=0",
    },
    body,
  });
  assert.equal(response.status, 200, `SES ${action}: ${await response.text()}`);
}

test.before(async () => {
  server = await serve(ARCHIVE);
  const archiveOrigin = new URL(server.url).origin;
  const motoPort = await freePort();
  moto = { url: `http://127.0.0.1:${motoPort}/` };
  start(MOTO, ["-H", "127.0.0.1", "-p", String(motoPort)], {});
  await waitFor(`${moto.url}moto-api/data.json`, 30);
  const env = {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${motoPort}`,
    AWS_REGION: "ap-northeast-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    KIZUNA_SUBSCRIPTIONS_TABLE: "forms-subscriptions",
    KIZUNA_DELIVERIES_TABLE: "forms-deliveries",
    KIZUNA_LINK_SECRET: "k1:forms-test-secret-forms-test-secret-0123",
    KIZUNA_EMAIL_HASH_KEY: "forms-test-email-hash-key-0123456789abcdef",
    KIZUNA_SCHEDULE: ARCHIVE,
    KIZUNA_ALLOW_DRAFT: "1",
    KIZUNA_ARCHIVE_ORIGIN: archiveOrigin,
    KIZUNA_LOG: "warn",
  };
  const apiOrigins = new Set(MUNICIPALITIES.map((id) => new URL(SCHEDULES[id].municipality.api_base_url).origin));
  env.KIZUNA_API_ALLOWED_ORIGINS = [archiveOrigin, ...apiOrigins].join(",");
  execFileSync(SENDER, ["tables", "create"], { env: { ...process.env, ...env }, stdio: "pipe" });
  for (const id of MUNICIPALITIES) {
    await ses("VerifyEmailIdentity", { EmailAddress: SCHEDULES[id].municipality.email.from });
  }
  const child = start(SENDER, ["api", "serve", "--listen", "127.0.0.1:0"], env);
  api = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = /listening on (http:\/\/\S+\/api\/)/.exec(out);
      if (found) resolve(found[1]);
    });
    child.on("exit", (code) => reject(new Error(`kizuna-sender api serve exited with ${code}`)));
  });
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await server?.close();
  for (const child of children) child.kill();
});

/** A phone-sized page whose requests to the archive's API address go to the local router. */
async function phonePage(t) {
  const context = await browser.newContext({ ...PHONE, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  for (const origin of new Set(MUNICIPALITIES.map((id) => SCHEDULES[id].municipality.api_base_url))) {
    await context.route(`${origin}**`, async (route) => {
      const url = new URL(route.request().url());
      const target = new URL(url.pathname.replace(/^\/api\//, "") + url.search, api);
      const response = await route.fetch({ url: target.href, maxRedirects: 0 });
      await route.fulfill({ response });
    });
  }
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, [], "no script errors and no failed requests");
  });
  return page;
}

// ---- mail, as moto captured it ----

function decodeQuotedPrintable(text) {
  const bytes = Buffer.from(text.replace(/=\r?\n/g, ""), "latin1");
  const out = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x3d && /^[0-9A-F]{2}$/i.test(bytes.toString("latin1", i + 1, i + 3))) {
      out.push(parseInt(bytes.toString("latin1", i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(bytes[i]);
    }
  }
  return Buffer.from(out).toString("utf8");
}

/** Headers (unfolded) and every text part (decoded) of a raw mail. */
function parseMail(raw) {
  const [head] = raw.split(/\r?\n\r?\n/);
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0) headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  let text = "";
  for (const part of raw.split(/\r?\n--[^\r\n]+\r?\n/)) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const partHead = part.slice(0, split).toLowerCase();
    const body = part.slice(split).trim();
    if (partHead.includes("base64")) text += Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    else if (partHead.includes("quoted-printable")) text += decodeQuotedPrintable(body);
    else text += body;
    text += "\n";
  }
  return { headers, text };
}

async function mailsTo(address) {
  const data = await (await fetch(`${moto.url}moto-api/data.json`)).json();
  return (data.ses?.RawMessage || [])
    .map((m) => parseMail(m.raw_data))
    .filter((m) => (m.headers.to || "").includes(address));
}

/** The first link of the mails to `address` whose path is /api/<route>?token=…, waiting for the mail. */
async function mailedLink(address, route) {
  const pattern = new RegExp(`https?://[^\\s"<>]+/api/${route}\\?token=[A-Za-z0-9._~%-]+`);
  for (let i = 0; i < 50; i++) {
    for (const mail of await mailsTo(address)) {
      const found = pattern.exec(mail.text);
      if (found) return found[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${address} with a /api/${route} link`);
}

// ---- the forms of the built archive ----

function htmlFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return htmlFiles(full);
    return entry.name.endsWith(".html") ? [full] : [];
  });
}

/** Every API form of the archive: page (relative path) and route. */
function apiForms() {
  const found = [];
  for (const file of htmlFiles(ARCHIVE)) {
    const html = fs.readFileSync(file, "utf8");
    for (const match of html.matchAll(/<form\b[^>]*>/g)) {
      const action = /\saction="([^"]*)"/.exec(match[0])?.[1] || "";
      const route = /\/api\/([a-z-]+)$/.exec(action)?.[1];
      if (route) found.push({ page: path.relative(ARCHIVE, file), route });
      else assert.ok(!/method="post"/.test(match[0]), `${file}: a form posting elsewhere than the API`);
    }
  }
  return found;
}

function iso(date) {
  return date.toISOString().slice(0, 10);
}

function daysFromToday(days) {
  const japanNow = new Date(Date.now() + 9 * 3600 * 1000);
  return iso(new Date(japanNow.getTime() + days * 86400 * 1000));
}

let serial = 0;
function address(tag) {
  serial += 1;
  return `forms-${tag}-${serial}-${process.pid}@example.com`;
}

/** Fills the sign-up form on the current page and submits it; expects the "sent" page. */
async function signUp(page, muni, email, kind) {
  const form = page.locator("form.signup-form");
  await form.locator('input[name="email"]').fill(email);
  await form.locator(`input[name="kind"][value="${kind}"]`).check();
  await form.locator('input[name="date"]').fill(kind === "due" ? daysFromToday(120) : daysFromToday(-200));
  await form.locator('input[name="nickname"]').fill("はな");
  await form.locator('input[name="consent"]').check();
  await Promise.all([page.waitForURL(`**/${muni}/subscribe/sent/`), form.locator('button[type="submit"]').click()]);
  assert.equal(await page.locator("h1").textContent(), "確認のメールを送りました");
}

/** Opens the mailed confirmation link and presses its button; returns the manage and unsubscribe links. */
async function confirm(page, email) {
  await page.goto(await mailedLink(email, "confirm"));
  assert.equal(await page.locator("h1").textContent(), "登録の確認");
  await assertStyled(page);
  await Promise.all([page.waitForLoadState("load"), page.locator('form button[type="submit"]').click()]);
  await page.waitForSelector("h1:text('登録が完了しました')");
  return { manage: await mailedLink(email, "manage"), unsubscribe: await mailedLink(email, "unsubscribe") };
}

/**
 * A page the API serves resolves its relative links (stylesheet, top page) against the published
 * page: its <base> names it. (Here the API's address is https and the archive's http, so Chromium
 * would block the stylesheet as mixed content: the test checks the resolved address instead.)
 */
async function assertStyled(page) {
  const sheet = await page.evaluate(() => document.querySelector('link[rel="stylesheet"]').href);
  assert.equal(sheet, `${server.url}assets/style.css`, "the stylesheet resolves to the archive's");
}

/** Submits one form of the manage page and expects a page title. */
async function submitManage(page, manageUrl, formRoute, fill, title) {
  await page.goto(manageUrl);
  assert.equal(await page.locator("h1").textContent(), "登録内容の確認・変更");
  await assertStyled(page);
  const form = page.locator(`form[action$="/api/${formRoute}"]`);
  await fill(form);
  await Promise.all([page.waitForURL(/\/subscribe\/[a-z]+\/$/), form.locator('button[type="submit"]').click()]);
  assert.equal(await page.locator("h1").textContent(), title);
}

// ---- the tests ----

test("every API form of the archive is one the tests below submit", () => {
  const routes = new Set(apiForms().map((f) => f.route));
  assert.deepEqual(
    [...routes].sort(),
    ["birth", "confirm", "delete", "due-date", "stop", "subscriptions", "unsubscribe"],
    "forms posting to routes no test submits"
  );
  for (const muni of MUNICIPALITIES) {
    const pages = apiForms().filter((f) => f.page.startsWith(`${muni}/`) && f.route === "subscriptions");
    assert.deepEqual(pages.map((f) => f.page).sort(), [`${muni}/index.html`, `${muni}/subscribe/signup/index.html`]);
  }
});

for (const muni of MUNICIPALITIES) {
  const acceptsDue = SCHEDULES[muni].municipality.tracks.includes("maternity");

  test(`${muni}: sign-up from the landing page, confirm, change the due date, register the birth, delete`, async (t) => {
    const page = await phonePage(t);
    await page.goto(`${server.url}${muni}/`);
    const email = address(`${muni}-landing`);
    await signUp(page, muni, email, acceptsDue ? "due" : "birth");
    const links = await confirm(page, email);
    if (acceptsDue) {
      await submitManage(
        page,
        links.manage,
        "due-date",
        (form) => form.locator('input[name="due_date"]').fill(daysFromToday(110)),
        "登録内容を変更しました"
      );
      await submitManage(
        page,
        links.manage,
        "birth",
        (form) => form.locator('input[name="birth_date"]').fill(daysFromToday(-1)),
        "登録内容を変更しました"
      );
    }
    await submitManage(page, links.manage, "delete", async () => {}, "データを削除しました");
  });

  test(`${muni}: sign-up from subscribe/signup/, unsubscribe from the mailed link, and one-click`, async (t) => {
    const page = await phonePage(t);
    await page.goto(`${server.url}${muni}/subscribe/signup/`);
    const email = address(`${muni}-signup`);
    await signUp(page, muni, email, "birth");
    const links = await confirm(page, email);
    await page.goto(links.unsubscribe);
    assert.equal(await page.locator("h1").textContent(), "配信の解除");
    await assertStyled(page);
    await Promise.all([page.waitForURL(`**/${muni}/subscribe/unsubscribed/`), page.locator("form button").click()]);
    assert.equal(await page.locator("h1").textContent(), "配信を解除しました");

    // A mail program's one-click (RFC 8058): a POST to the List-Unsubscribe address.
    const other = address(`${muni}-oneclick`);
    await page.goto(`${server.url}${muni}/subscribe/signup/`);
    await signUp(page, muni, other, "birth");
    await confirm(page, other);
    const header = (await mailsTo(other)).map((m) => m.headers["list-unsubscribe"]).find(Boolean);
    const url = new URL(/<(https?:[^>]+)>/.exec(header || "")?.[1] || "missing:");
    assert.match(url.pathname, /\/api\/unsubscribe$/, `List-Unsubscribe: ${header}`);
    const response = await fetch(new URL("unsubscribe" + url.search, api), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /配信を解除しました/);
  });

  test(`${muni}: stop with each reason the manage page offers`, async (t) => {
    const page = await phonePage(t);
    // The reasons are read from the manage page the API serves, not from a list in this test.
    const offered = [];
    for (let i = 0; ; i++) {
      const email = address(`${muni}-stop`);
      await page.goto(`${server.url}${muni}/subscribe/signup/`);
      await signUp(page, muni, email, "birth");
      const links = await confirm(page, email);
      await page.goto(links.manage);
      const values = await page.locator('form[action$="/api/stop"] input[name="reason"]').evaluateAll((inputs) =>
        inputs.map((input) => input.value)
      );
      if (i === 0) offered.push(...values);
      const reason = offered[i];
      await submitManage(
        page,
        links.manage,
        "stop",
        (form) => form.locator(`input[name="reason"][value="${reason}"]`).check(),
        "配信を停止しました"
      );
      if (i + 1 >= offered.length) break;
    }
    assert.equal(offered.length, 7, `every reason: ${offered}`);
  });
}

// ---- sign-up within reach, the words per town, labels, targets ----

test("calls to action: near the top of every landing page and at the end of a message page", async (t) => {
  const page = await phonePage(t);
  for (const muni of MUNICIPALITIES) {
    await page.goto(`${server.url}${muni}/`);
    const top = page.locator("#cta-top .cta-button");
    assert.equal(await top.textContent(), "メールで受け取る");
    const box = await top.boundingBox();
    assert.ok(box && box.y + box.height <= PHONE.viewport.height * 1.5, `${muni}: the call is near the top (${box?.y})`);
    await top.click();
    await page.waitForURL(/#signup-heading$/);
    assert.ok(await page.locator("form.signup-form").isVisible(), "it leads to the sign-up form");
  }
  const muni = "yumemino";
  await page.goto(`${server.url}${muni}/maternity/`);
  await page.locator(".toc a").first().click();
  const end = page.locator("aside.cta .cta-button");
  assert.equal(await end.textContent(), "メールで受け取る");
  await Promise.all([page.waitForURL(`**/${muni}/subscribe/signup/`), end.click()]);
  assert.equal(await page.locator("h1").textContent(), "メール配信の登録");
});

test("the finder speaks of the town's own tracks", async (t) => {
  const page = await phonePage(t);
  for (const muni of MUNICIPALITIES) {
    const tracks = SCHEDULES[muni].municipality.tracks;
    await page.goto(`${server.url}${muni}/`);
    const span = await page.locator(".finder-span").textContent();
    const last = tracks.includes("school") ? "高校3年生の3月31日" : tracks.includes("preschool") ? "6歳の誕生日" : "3歳の誕生日";
    assert.ok(span.includes(`${last}まで`), `${muni}: ${span}`);
    assert.ok(!/18歳/.test(await page.locator("#finder").textContent()), `${muni}: no promise of 18 years`);
    // A child older than every track: the explanation names this town's span.
    await page.locator("#finder").getByLabel(/生年月日/).check();
    await page.locator("#finder").getByLabel("日付", { exact: true }).fill(daysFromToday(-365 * 19));
    await page.getByRole("button", { name: "メッセージを表示" }).click();
    await page.locator("#finder-today").waitFor();
    const explained = await page.locator(".finder-result").textContent();
    assert.ok(explained.includes(`${last}までです`), `${muni}: ${explained}`);
  }
});

test("ages after 生後100日目 read 「生後232日目（7か月）」 in the table of contents and the heading", async (t) => {
  const page = await phonePage(t);
  await page.goto(`${server.url}yumemino/baby/`);
  const labels = await page.locator(".toc .label").allTextContents();
  assert.ok(labels.includes("生後100日目"), "day 100 stays as it is");
  assert.ok(labels.includes("生後232日目（7か月）"), labels.slice(95, 110).join(" "));
  assert.ok(labels.includes("生後1000日目（2歳8か月）"));
  await page.getByRole("link", { name: /生後232日目（7か月）/ }).click();
  assert.equal(await page.locator("article .label").textContent(), "生後232日目（7か月）");
});

test("links in lists and navigation are at least 24 × 24 CSS px, and staff pages are not in public footers", async (t) => {
  const page = await phonePage(t);
  for (const target of ["yumemino/", "yumemino/baby/", "yumemino/maternity/12w3d/", "yumemino/subscribe/signup/"]) {
    await page.goto(`${server.url}${target}`);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll(".toc-jump a, .breadcrumbs a, .footer-links a, .site-footer a, .topics a, .cta-button, input[type=radio], input[type=checkbox], button")]
        .filter((el) => el.offsetParent !== null)
        .map((el) => ({ text: el.textContent.trim() || el.name, box: el.getBoundingClientRect() }))
        .filter(({ box }) => box.width < 24 || box.height < 24)
        .map(({ text, box }) => `${text} ${Math.round(box.width)}×${Math.round(box.height)}`)
    );
    assert.deepEqual(small, [], `${target}: targets smaller than 24 × 24`);
    assert.equal(await page.locator('.site-footer a[href*="review/"]').count(), 0, `${target}: no 原稿確認 link`);
  }
});
