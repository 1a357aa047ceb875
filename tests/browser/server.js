// A small static file server on 127.0.0.1 for the built archive, started by the tests themselves,
// so pages are exercised over http as they are hosted (not file://). It records every response's
// size, which the budgets script uses to measure what a page transfers.
"use strict";
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};
const COMPRESSIBLE = new Set([".html", ".css", ".js", ".json", ".xml", ".svg"]);

/**
 * Serves `root`. Directories answer with their index.html (a path without its trailing slash is
 * redirected, as static hosts do); paths outside `root` are refused. With `gzip`, text answers are
 * compressed when the browser asks, like a CDN in front of S3.
 */
function serve(root, { gzip = true } = {}) {
  const log = [];
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let file;
    try {
      file = path.resolve(base, "." + decodeURIComponent(url.pathname));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    let stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat && stat.isDirectory()) {
      if (!url.pathname.endsWith("/")) {
        res.writeHead(301, { Location: url.pathname + "/" + url.search }).end();
        return;
      }
      file = path.join(file, "index.html");
      stat = fs.statSync(file, { throwIfNoEntry: false });
    }
    if (!stat || !stat.isFile()) {
      log.push({ path: url.pathname, status: 404, bytes: 0 });
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found");
      return;
    }
    const ext = path.extname(file);
    let body = fs.readFileSync(file);
    const headers = { "Content-Type": TYPES[ext] || "application/octet-stream", "Cache-Control": "no-cache" };
    if (gzip && COMPRESSIBLE.has(ext) && /\bgzip\b/.test(req.headers["accept-encoding"] || "")) {
      body = zlib.gzipSync(body, { level: 9 });
      headers["Content-Encoding"] = "gzip";
    }
    headers["Content-Length"] = body.length;
    log.push({ path: url.pathname, status: 200, bytes: body.length });
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(process.env.KIZUNA_PORT || 0), "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/`,
        log,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

module.exports = { serve };

// `node server.js DIR`: serve DIR until stopped, printing the URL (for Lighthouse and by hand).
if (require.main === module) {
  const dir = process.argv[2];
  if (!dir || !fs.existsSync(dir)) {
    console.error("usage: node server.js DIR   (DIR: a built archive)");
    process.exit(2);
  }
  serve(dir).then((s) => console.log(s.url));
}
