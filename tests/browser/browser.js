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

module.exports = { launch, EXECUTABLE, ARGS };
