// Launching Debian's Chromium with playwright-core, the way every browser test and the budgets
// script need it: headless, no sandbox (root in CI), no background traffic on a closed network.
"use strict";
const fs = require("node:fs");
const { chromium } = require("playwright-core");

const EXECUTABLE = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function launch() {
  if (!fs.existsSync(EXECUTABLE)) {
    throw new Error(
      `Chromium not found at ${EXECUTABLE}: install it with \`apt-get install -y chromium\` ` +
        "(scripts/browser-test.sh does), or set CHROMIUM to its path"
    );
  }
  return chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS });
}

/**
 * A phone-sized Japanese page in a context of its own that fails the test `t` on any script error
 * or 4xx/5xx response, and is closed when the test ends.
 */
async function watchedPage(browser, t) {
  const assert = require("node:assert/strict");
  const context = await browser.newContext({ locale: "ja-JP", viewport: { width: 375, height: 812 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, [], "the page had errors");
  });
  return page;
}

/**
 * Checks a page with axe: no serious or critical problem (the others are logged), and axe ran.
 * `what` names the page in the messages.
 */
async function assertAccessible(page, what) {
  const assert = require("node:assert/strict");
  const { default: AxeBuilder } = require("@axe-core/playwright");
  const result = await new AxeBuilder({ page }).analyze();
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const describe = (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`;
  for (const v of result.violations.filter((v) => !serious.includes(v))) {
    console.log(`# axe ${what}: ${describe(v)}`);
  }
  assert.deepEqual(serious.map(describe), [], `${what}: serious or critical accessibility problems`);
  assert.ok(result.passes.length > 10, `${what}: axe ran`);
}

/**
 * The pages a kizuna-reports example writes (`cargo run --example <example> -- <dir>`, into a
 * temporary folder named after `prefix`), served over http with a browser for the test file that
 * calls this: it registers the file's before/after hooks and returns `{ dir, open }`, where
 * `open(t, file, options)` loads one page in a browser context of its own, closed when `t` ends.
 */
function servedExample(example, prefix) {
  const test = require("node:test");
  const assert = require("node:assert/strict");
  const os = require("node:os");
  const path = require("node:path");
  const { execFileSync } = require("node:child_process");
  const { serve } = require("./server");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  execFileSync("cargo", ["run", "-q", "-p", "kizuna-reports", "--example", example, "--", dir], {
    cwd: path.resolve(__dirname, "../.."),
    stdio: ["ignore", "ignore", "inherit"],
  });
  let server;
  let browser;
  let base;
  test.before(async () => {
    // Any free port: KIZUNA_PORT is the archive's, which the archive tests serve on.
    delete process.env.KIZUNA_PORT;
    server = await serve(dir);
    base = server.url.replace(/\/$/, "");
    browser = await launch();
  });
  test.after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  async function open(t, file, options = {}) {
    const context = await browser.newContext(options);
    t.after(() => context.close());
    const page = await context.newPage();
    const response = await page.goto(`${base}/${file}`);
    assert.equal(response.status(), 200);
    return page;
  }
  return { dir, open };
}

module.exports = { launch, watchedPage, assertAccessible, servedExample, EXECUTABLE, ARGS };
