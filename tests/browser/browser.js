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

module.exports = { launch, watchedPage, EXECUTABLE, ARGS };
