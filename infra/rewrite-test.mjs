// Tests the CloudFront viewer-request function of infra/template.yaml (ArchiveRewrite) under Node,
// with the `cloudfront` module's KeyValueStore replaced by a map.
//
// Usage: node infra/rewrite-test.mjs target/infra/template.json   (scripts/infra-check.sh runs it)

import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const template = JSON.parse(readFileSync(process.argv[2] ?? 'target/infra/template.json', 'utf8'));
const code = template.Resources.ArchiveRewrite.Properties.FunctionCode;
const importLine = "import cf from 'cloudfront';";
if (!code.includes(importLine)) throw new Error('the function no longer imports cloudfront as expected');

const dir = mkdtempSync(join(tmpdir(), 'kizuna-rewrite-'));
const file = join(dir, 'rewrite.mjs');
writeFileSync(file, code.replace(importLine, 'const cf = globalThis.__cloudfront;') + '\nexport { handler };\n');

let store = {};
globalThis.__cloudfront = {
  kvs: () => ({
    get: async (key) => {
      if (!(key in store)) throw new Error(`key ${key} not found`);
      return store[key];
    },
  }),
};
const { handler } = await import(pathToFileURL(file).href);
rmSync(dir, { recursive: true });

const request = (uri) => ({ request: { method: 'GET', uri, querystring: {}, headers: {} } });
let passed = 0;
let failed = 0;
async function check(name, uri, expect) {
  const result = await handler(request(uri));
  const problem = expect(result);
  if (problem) {
    failed += 1;
    console.log(`FAIL ${name}: ${problem} (got ${JSON.stringify(result)})`);
  } else {
    passed += 1;
    console.log(`ok   ${name}`);
  }
}
const rewrittenTo = (want) => (r) => (r.uri === want ? null : `expected ${want}`);
const status = (code) => (r) => (r.statusCode === code ? null : `expected ${code}`);

store = { build: '20261126T050000Z-3f2a9c' };
const B = '/builds/20261126T050000Z-3f2a9c';
await check('the root is the build index', '/', rewrittenTo(`${B}/index.html`));
await check('a directory is its index.html', '/hikari/maternity/12w3d/', rewrittenTo(`${B}/hikari/maternity/12w3d/index.html`));
await check('a file keeps its path', '/assets/style.css', rewrittenTo(`${B}/assets/style.css`));
await check('a schedule is served from the build', '/hikari/schedule.json', rewrittenTo(`${B}/hikari/schedule.json`));
await check('a directory without its slash redirects', '/hikari/maternity', (r) =>
  r.statusCode === 301 && r.headers.location.value === '/hikari/maternity/' ? null : 'expected 301 to /hikari/maternity/');
await check('builds are not reachable directly', '/builds/old/hikari/index.html', status(404));
await check('the pointer is not served', '/current.json', status(404));

store = {};
await check('no published build answers 503', '/hikari/', status(503));
store = { build: '../secret' };
await check('a malformed build id answers 503', '/hikari/', status(503));

console.log(`rewrite-test: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
