// The one-machine demo (scripts/demo.sh) as browser tests start and read it: started on a free
// port with its own state folder, its mailbox read as a parent would, its clock moved a day, and
// `kizuna preview` asked what a family receives. Shared by demo.test.js and forms.test.js.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { spawn, execFileSync } = require("node:child_process");

const REPO = path.resolve(__dirname, "../..");

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

/** What `kizuna preview` says a family with this due date in `muni` receives, date → titles. */
function predicted(bin, muni, due, from, to) {
  const json = execFileSync(bin, ["preview", "--municipality", muni, "--due", due, "--from", from, "--to", to, "--json"], {
    cwd: REPO,
    encoding: "utf8",
  });
  const days = {};
  for (const item of JSON.parse(json)) (days[item.date] ||= []).push(item.title);
  return days;
}

/**
 * Starts scripts/demo.sh on a free port; resolves when it is ready with
 * { origin, ports: { demo, emulator }, state (its folder, the built archive in state/public),
 *   process, output() }.
 */
async function startDemo() {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "kizuna-demo-"));
  const child = spawn(path.join(REPO, "scripts/demo.sh"), ["--port", String(port)], {
    cwd: REPO,
    env: { ...process.env, KIZUNA_DEMO_DIR: state },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const ready = new Promise((resolve) => {
    const check = setInterval(() => {
      if (output.includes("Ctrl-C stops")) {
        clearInterval(check);
        resolve();
      }
    }, 100);
  });
  await Promise.race([ready, exited.then((code) => assert.fail(`scripts/demo.sh exited (${code}):\n${output}`))]);
  const emulator = Number(/emulator\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
  assert.ok(emulator, `the demo prints the emulator's address:\n${output}`);
  return { origin, ports: { demo: port, emulator }, state, process: child, output: () => output };
}

/** Stops a demo started by startDemo (Ctrl-C to its process group), once, and removes its state
 * folder (the built archive: about 60 MB a start). A demo still there after 15 s (its own stop
 * gives each process 5 s) is killed with its group, so a hung emulator cannot hang the suite. */
async function stopDemo(demo) {
  if (demo && demo.process.exitCode === null) {
    const exited = new Promise((resolve) =>
      demo.process.exitCode !== null ? resolve() : demo.process.once("exit", resolve),
    );
    process.kill(-demo.process.pid, "SIGINT");
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, 15000, "late")));
    if ((await Promise.race([exited, late])) === "late") {
      try {
        process.kill(-demo.process.pid, "SIGKILL");
      } catch {
        // The group ended between the two checks.
      }
      await exited;
    }
    clearTimeout(timer);
  }
  if (demo) fs.rmSync(demo.state, { recursive: true, force: true });
}

/** The mails to `email` in the demo's mailbox, newest first: subject, text, the article element. */
async function mailsTo(page, origin, email) {
  await page.goto(`${origin}/_mail/`);
  const mails = [];
  for (const article of await page.locator("article.mail").all()) {
    if (!(await article.locator(".to").innerText()).includes(email)) continue;
    mails.push({
      subject: await article.locator(".subject").innerText(),
      text: await article.locator("pre.text").innerText(),
      article,
    });
  }
  return mails;
}

/** Runs the real delivery for a Japan date with the mailbox's button; returns its summary. */
async function runDay(page, origin, date) {
  await page.goto(`${origin}/_mail/`);
  await page.fill("#run-day input[name=date]", date);
  await Promise.all([page.waitForURL(`${origin}/_mail/run-day`), page.click("#run-day button")]);
  const summary = await page.locator("pre.summary").innerText();
  assert.doesNotMatch(summary, /error/i, summary);
  return summary;
}

module.exports = { REPO, japanDate, freePort, answers, predicted, startDemo, stopDemo, mailsTo, runDay };
