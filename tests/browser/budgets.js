// Web budgets of the archive (DESIGN.md §5, issue 10), measured in Debian Chromium and written as
// Markdown: what a message page transfers (search assets excluded), render-blocking scripts on every
// page type, and Lighthouse 12.2.3 mobile scores (performance, accessibility) for a message page, a
// landing page and the sign-up pages (mail and LINE). Run by scripts/web-budgets.sh, outside CI. Exits non-zero when a budget is missed.
//
// usage: node budgets.js ARCHIVE_DIR OUTPUT.md
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFile } = require("node:child_process");
const { promisify } = require("node:util");
const { serve } = require("./server");
const { launch, EXECUTABLE, ARGS } = require("./browser");

const [archive, output] = process.argv.slice(2);
if (!archive || !output || !fs.existsSync(archive)) {
  console.error("usage: node budgets.js ARCHIVE_DIR OUTPUT.md");
  process.exit(2);
}
const LIGHTHOUSE = path.join(__dirname, "lighthouse/node_modules/.bin/lighthouse");
if (!fs.existsSync(LIGHTHOUSE)) {
  console.error(`Lighthouse is not installed: run \`npm ci\` in ${path.dirname(path.dirname(path.dirname(LIGHTHOUSE)))}`);
  process.exit(1);
}
const chromiumVersion = require("node:child_process")
  .execFileSync(EXECUTABLE, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
  .trim()
  .replace(/ built on .*/, "");
const MESSAGE_BUDGET = 30 * 1024;
const RUNS = Number(process.env.LIGHTHOUSE_RUNS || 3);
const PAGES = {
  root: "",
  landing: "yumemino/",
  "track TOC": "yumemino/maternity/",
  message: "yumemino/maternity/12w3d/",
  "local page": "yumemino/local/boshi-techo/",
  topics: "yumemino/topics/",
  topic: "yumemino/topics/01/",
  review: "yumemino/review/",
  // The sign-up pages of a town with LINE (issues 16 and 17: calls to action, add-friend QR code).
  "sign-up": "yumemino/subscribe/signup/",
  "LINE registration": "yumemino/subscribe/line/",
};

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function transfers(browser, url) {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true });
  const page = await context.newPage();
  const requests = [];
  page.on("requestfinished", (request) => requests.push(request));
  await page.goto(url, { waitUntil: "networkidle" });
  const rows = [];
  for (const request of requests) {
    const sizes = await request.sizes();
    rows.push({ url: request.url(), bytes: sizes.responseBodySize + sizes.responseHeadersSize });
  }
  const blocking = await page.evaluate(() =>
    [...document.querySelectorAll("script[src]")].filter((s) => !s.defer && !s.async && s.type !== "module").length
  );
  await context.close();
  return { rows, blocking };
}

/** One Lighthouse run (asynchronous: the archive's server lives in this process's event loop). */
async function lighthouse(url) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kizuna-lh-"));
  const file = path.join(dir, "report.json");
  await promisify(execFile)(
    LIGHTHOUSE,
    [
      url,
      `--chrome-path=${EXECUTABLE}`,
      `--chrome-flags=--headless=new ${ARGS.join(" ")}`,
      "--only-categories=performance,accessibility",
      "--output=json",
      `--output-path=${file}`,
      "--quiet",
    ],
    { env: { ...process.env, CHROME_PATH: EXECUTABLE }, maxBuffer: 64 * 1024 * 1024 }
  );
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  fs.rmSync(dir, { recursive: true, force: true });
  const audit = (id) => report.audits[id];
  return {
    performance: Math.round(report.categories.performance.score * 100),
    accessibility: Math.round(report.categories.accessibility.score * 100),
    fcp: audit("first-contentful-paint").displayValue,
    lcp: audit("largest-contentful-paint").displayValue,
    tbt: audit("total-blocking-time").displayValue,
    cls: audit("cumulative-layout-shift").displayValue,
    renderBlocking: audit("render-blocking-resources").errorMessage
      ? `audit failed: ${audit("render-blocking-resources").errorMessage}`
      : (audit("render-blocking-resources").details?.items || []).map((i) => new URL(i.url).pathname).join(", ") || "none",
    failedA11y: report.categories.accessibility.auditRefs
      .filter((r) => r.weight > 0 && report.audits[r.id].score !== null && report.audits[r.id].score < 1)
      .map((r) => r.id),
    benchmarkIndex: report.environment.benchmarkIndex,
    formFactor: report.configSettings.formFactor,
    version: report.lighthouseVersion,
    userAgent: report.environment.hostUserAgent,
  };
}

(async () => {
  const server = await serve(archive);
  const browser = await launch();
  const lines = [];
  let ok = true;
  try {
    const message = await transfers(browser, server.url + PAGES.message);
    const counted = message.rows.filter((r) => !/\/pagefind(-national)?\//.test(r.url));
    const total = counted.reduce((sum, r) => sum + r.bytes, 0);
    const messageOk = total < MESSAGE_BUDGET;
    ok &&= messageOk;
    const blocking = {};
    for (const [kind, p] of Object.entries(PAGES)) blocking[kind] = (await transfers(browser, server.url + p)).blocking;
    const blockingOk = Object.values(blocking).every((n) => n === 0);
    ok &&= blockingOk;

    // What one search costs on the landing page (the bundle loads on the first search only).
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true });
    const page = await context.newPage();
    const searchRequests = [];
    page.on("requestfinished", (request) => searchRequests.push(request));
    await page.goto(server.url + PAGES.landing + "?q=" + encodeURIComponent("つわり"), { waitUntil: "networkidle" });
    await page.locator(".search-results li").first().waitFor();
    let searchBytes = 0;
    let searchFiles = 0;
    for (const request of searchRequests.filter((r) => /\/pagefind(-national)?\//.test(r.url()))) {
      const sizes = await request.sizes();
      searchBytes += sizes.responseBodySize + sizes.responseHeadersSize;
      searchFiles += 1;
    }
    await context.close();

    const scores = {};
    for (const kind of ["message", "landing", "sign-up", "LINE registration"]) {
      const runs = [];
      for (let i = 0; i < RUNS; i += 1) runs.push(await lighthouse(server.url + PAGES[kind]));
      scores[kind] = runs;
      const perf = median(runs.map((r) => r.performance));
      const a11y = median(runs.map((r) => r.accessibility));
      ok &&= perf >= 95 && a11y === 100;
    }
    const first = scores.message[0];
    const date = new Date().toISOString().slice(0, 10);
    lines.push(
      "# Web budgets of the archive",
      "",
      `Measured ${date} by \`scripts/web-budgets.sh\` on this project's 2-core machine: the sample content built`,
      "with `kizuna build --today 2026-11-26`, served from 127.0.0.1 with gzip (as a CDN in front of S3 would),",
      `${chromiumVersion} (Debian) headless, Lighthouse ${first.version}`,
      `(${first.formFactor}, default simulated throttling; CPU benchmark index ${first.benchmarkIndex}).`,
      "",
      "## Transfer of a message page (budget: under 30 KB, search assets excluded)",
      "",
      `\`${PAGES.message}\`: **${kb(total)}** transferred (bodies gzip-compressed, with headers) — ${messageOk ? "within" : "OVER"} budget.`,
      "",
      "| resource | transferred |",
      "| --- | --- |",
      ...counted.map((r) => `| ${new URL(r.url).pathname} | ${kb(r.bytes)} |`),
      "",
      "## Render-blocking scripts (budget: none)",
      "",
      "| page type | example | blocking scripts |",
      "| --- | --- | --- |",
      ...Object.entries(PAGES).map(([k, p]) => `| ${k} | /${p} | ${blocking[k]} |`),
      "",
      "Message pages load no script at all; the landing page's three scripts are `defer`.",
      "",
      "## Search",
      "",
      `A first search for 「つわり」 on the landing page loads ${searchFiles} Pagefind files, **${kb(searchBytes)}** transferred`,
      "(the search API, its WebAssembly, the index chunks for the query and the fragments of the shown results);",
      "nothing of it loads before the reader searches. `finder.json` loads only when the finder is used.",
      "",
      ...(process.env.BUILD_TIMING ? ["Build with the search indexes (`kizuna build --null-sink`, debug build, this run): " + process.env.BUILD_TIMING, ""] : []),
      "Indexing cost, measured by hand on 2026-11-26 (same machine, under load from other builds): the sample",
      "archive (3 municipalities, 2,053 pages of which 1,931 indexed) renders in 0.4–0.65 s without search and",
      "5.2–6.4 s with it in a release build (4.8 s in a debug build, against 0.25 s); Pagefind costs about 2–3 ms",
      "per indexed page, a quarter of it gzip-compressing the index. Every municipality adds about 700 files",
      "(3–4 MB) under `<muni>/pagefind/` (since issue 22: the national bundle, the same in every archive, under",
      "`<muni>/pagefind-national/`, and ~220 KB of its own pages under `<muni>/pagefind/`; see docs/benchmarks.md).",
      "",
      `## Lighthouse mobile scores (targets: accessibility 100, performance ≥ 95; median of ${RUNS} runs)`,
      "",
      "| page | performance | accessibility | FCP | LCP | TBT | CLS | render-blocking resources | accessibility audits not passed |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (const [kind, runs] of Object.entries(scores)) {
      const perf = median(runs.map((r) => r.performance));
      const a11y = median(runs.map((r) => r.accessibility));
      const r = runs.find((x) => x.performance === perf) || runs[0];
      lines.push(
        `| ${kind} (/${PAGES[kind]}) | **${perf}** (runs: ${runs.map((x) => x.performance).join(", ")}) | **${a11y}** | ${r.fcp} | ${r.lcp} | ${r.tbt} | ${r.cls} | ${r.renderBlocking} | ${[...new Set(runs.flatMap((x) => x.failedA11y))].join(", ") || "none"} |`
      );
    }
    lines.push("", `Result: ${ok ? "every budget met" : "A BUDGET WAS MISSED"}.`, "");
  } finally {
    await browser.close();
    await server.close();
  }
  fs.writeFileSync(output, lines.join("\n"));
  console.log(lines.join("\n"));
  process.exit(ok ? 0 : 1);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
