// ioredis `defineCommand` end to end. ioredis sends a defined command as
// EVALSHA and falls back to EVAL when the server answers NOSCRIPT.
//
// Checks: the first call after SCRIPT FLUSH falls back to EVAL (the script
// is cached afterwards), later calls use the cache, a pipeline and a
// MULTI carry the command, an error_reply reaches the caller, a command
// with a dynamic key count works, and worker processes racing on a capped
// counter never pass the cap.
//
// E2E_URL is redis://host:port/db or unix:///path (see ../python/target.py);
// prints `ok <check>` lines and `PASS` last.
"use strict";

const { fork } = require("node:child_process");
const crypto = require("node:crypto");
const Redis = require("ioredis");

const WORKERS = 3;
const CALLS = 50;
const CAP = 100;

// INCR KEYS[1] unless that passes ARGV[1]: returns the new value, or an
// error reply once the cap is reached.
const CAPPED_INCR = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  return redis.error_reply('CAPPED ' .. KEYS[1] .. ' reached ' .. ARGV[1])
end
return redis.call('INCR', KEYS[1])
`;

// Sums the string values of every key given.
const SUM_KEYS = `
local total = 0
for _, key in ipairs(KEYS) do total = total + tonumber(redis.call('GET', key) or '0') end
return total
`;

function connect() {
  const url = new URL(process.env.E2E_URL);
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: true };
  const client =
    url.protocol === "unix:"
      ? new Redis({ path: url.pathname, ...options })
      : new Redis(process.env.E2E_URL, options);
  client.defineCommand("cappedIncr", { numberOfKeys: 1, lua: CAPPED_INCR });
  client.defineCommand("sumKeys", { lua: SUM_KEYS });
  return client;
}

function ok(check) {
  console.log(`ok ${check}`);
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const sha = (source) => crypto.createHash("sha1").update(source).digest("hex");

async function worker(key) {
  const r = connect();
  let passed = 0;
  let capped = 0;
  for (let i = 0; i < CALLS; i++) {
    try {
      await r.cappedIncr(key, CAP);
      passed++;
    } catch (e) {
      expect(e.message.startsWith("CAPPED"), `unexpected error ${e.message}`);
      capped++;
    }
  }
  await r.quit();
  process.send({ passed, capped });
}

function runWorker(key) {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ["worker", key]);
    let result = null;
    child.on("message", (m) => (result = m));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`worker exited ${code}`)),
    );
  });
}

async function main() {
  const r = connect();
  const key = `e2e:ioredis:${crypto.randomUUID()}`;
  const cappedSha = sha(CAPPED_INCR);

  await r.script("FLUSH");
  expect((await r.script("EXISTS", cappedSha))[0] === 0, "cached before the first call");
  expect((await r.cappedIncr(key, 3)) === 1, "first call");
  expect((await r.script("EXISTS", cappedSha))[0] === 1, "EVAL fallback did not cache the script");
  ok("NOSCRIPT: the first call falls back to EVAL and caches the script");

  expect((await r.cappedIncr(key, 3)) === 2, "second call");
  ok("later calls run the cached script by EVALSHA");

  await r.script("FLUSH");
  // ioredis remembers having sent the script, so the pipeline's EVALSHAs
  // meet NOSCRIPT and are retried one by one with EVAL.
  const piped = await r.pipeline().cappedIncr(key, 3).cappedIncr(key, 3).exec();
  const values = piped.filter(([e]) => !e).map(([, v]) => v);
  const errors = piped.filter(([e]) => e).map(([e]) => e.message);
  expect(JSON.stringify(values) === "[3]", `pipeline values: ${JSON.stringify(values)}`);
  expect(errors.length === 1 && errors[0].startsWith("CAPPED"), `pipeline errors: ${errors}`);
  expect((await r.get(key)) === "3", "value after the pipeline");
  ok("a pipeline carries the command after SCRIPT FLUSH");

  const other = `${key}:multi`;
  const multi = await r.multi().cappedIncr(other, 5).cappedIncr(other, 5).exec();
  expect(multi[0][1] === 1 && multi[1][1] === 2, `multi: ${JSON.stringify(multi)}`);
  ok("MULTI carries the command");

  try {
    await r.cappedIncr(key, 3);
    throw new Error("no error past the cap");
  } catch (e) {
    expect(e.message === `CAPPED ${key} reached 3`, `error text: ${e.message}`);
  }
  ok("an error_reply reaches the caller");

  expect((await r.sumKeys(2, key, other)) === 5, "sumKeys");
  ok("a dynamic key count");

  const shared = `${key}:shared`;
  const results = await Promise.all(Array.from({ length: WORKERS }, () => runWorker(shared)));
  const passed = results.reduce((n, w) => n + w.passed, 0);
  const capped = results.reduce((n, w) => n + w.capped, 0);
  expect(passed === CAP && capped === WORKERS * CALLS - CAP, `workers: ${JSON.stringify(results)}`);
  expect((await r.get(shared)) === String(CAP), "shared counter");
  ok(`${WORKERS} worker processes: ${passed} increments, ${capped} capped`);

  await r.quit();
  console.log("PASS");
}

const done = process.argv[2] === "worker" ? worker(process.argv[3]) : main();
done.catch((e) => {
  console.error(e);
  process.exit(1);
});
