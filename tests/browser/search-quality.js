// Search quality as a parent meets it (issue 22): each query of search-queries.json typed into a
// municipality's real search box in Chromium, and its top 5 judged against the pages that contain
// what the query means. Used by search.test.js (assertions on a subset) and, run as a script, by
// scripts/bench-search.sh (the table in docs/benchmarks.md).
//
//   node search-quality.js ARCHIVE_DIR [LABEL]   prints a Markdown table and the averages
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const QUERIES = require("./search-queries.json");
const TOP = 5;

/** The text a page is searched by: its data-pagefind-body element without ignored parts. */
function indexedText(html) {
  const body = html.match(/<(\w+)[^>]*\bdata-pagefind-body\b[^>]*>([\s\S]*)<\/\1>/);
  if (!body) return null;
  return body[2]
    .replace(/<(\w+)\b[^>]*\bdata-pagefind-ignore\b[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, "")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'");
}

/** Every indexed page of a municipality: URL path ("/yumemino/maternity/12w3d/") → its text. */
function indexedPages(archive, municipality) {
  const pages = new Map();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "index.html") {
        const text = indexedText(fs.readFileSync(full, "utf8"));
        if (text !== null) {
          const rel = path.relative(archive, path.dirname(full)).split(path.sep).join("/");
          pages.set(`/${rel}/`, text);
        }
      }
    }
  };
  walk(path.join(archive, municipality));
  return pages;
}

/**
 * The result links of a search run through the landing page's box (`?q=`), in order (the first
 * page of 10), with `count`: the number of hits the status announces.
 */
async function searchLinks(page, baseUrl, municipality, query) {
  await page.goto(new URL(`${municipality}/?q=${encodeURIComponent(query)}#search`, baseUrl).href);
  const status = await page.locator(".search-status").filter({ hasText: /件|見つかりません/ }).textContent();
  const count = Number((status.match(/(\d+)件/) || [0, 0])[1]);
  // The list may fill after the status is announced: wait for its first page.
  await page.waitForFunction((n) => document.querySelectorAll(".search-results li").length >= n, Math.min(count, 10));
  const links = await page.locator(".search-results li a").evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  links.count = count;
  return links;
}

/** Precision and recall of the top 5 of one query (recall against min(5, relevant pages)). */
function judge(entry, links, pages) {
  const relevant = (url) => entry.means.some((word) => (pages.get(url) || "").includes(word));
  const total = [...pages.keys()].filter(relevant).length;
  const top = links.slice(0, TOP);
  const hits = top.filter(relevant).length;
  const precision = top.length ? hits / top.length : total === 0 ? 1 : 0;
  const recall = total ? hits / Math.min(TOP, total) : 1;
  return { query: entry.query, kind: entry.kind, results: links.count ?? links.length, relevant: total, hits, precision, recall, top };
}

async function measure(page, baseUrl, archive) {
  const pages = indexedPages(archive, QUERIES.municipality);
  const rows = [];
  for (const entry of QUERIES.queries) {
    const links = await searchLinks(page, baseUrl, QUERIES.municipality, entry.query);
    rows.push(judge(entry, links, pages));
  }
  const mean = (key) => rows.reduce((sum, row) => sum + row[key], 0) / rows.length;
  return { rows, precision: mean("precision"), recall: mean("recall") };
}

function table(result, label) {
  const pct = (x) => `${Math.round(x * 100)} %`;
  const lines = [
    `${label}: mean precision@5 ${pct(result.precision)}, mean recall@5 ${pct(result.recall)} over ${result.rows.length} queries`,
    "",
    "| query | kind | results | relevant pages | P@5 | R@5 |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const row of result.rows) {
    lines.push(`| ${row.query} | ${row.kind} | ${row.results} | ${row.relevant} | ${pct(row.precision)} | ${pct(row.recall)} |`);
  }
  return lines.join("\n");
}

module.exports = { QUERIES, indexedPages, searchLinks, judge, measure, table };

if (require.main === module) {
  const [archive, label = "search"] = process.argv.slice(2);
  if (!archive || !fs.existsSync(archive)) {
    console.error("usage: node search-quality.js ARCHIVE_DIR [LABEL] (scripts/bench-search.sh runs it)");
    process.exit(2);
  }
  (async () => {
    const { serve } = require("./server");
    const { launch } = require("./browser");
    const server = await serve(archive);
    const browser = await launch();
    try {
      const page = await (await browser.newContext({ locale: "ja-JP" })).newPage();
      console.log(table(await measure(page, server.url, archive), label));
    } finally {
      await browser.close();
      await server.close();
    }
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
