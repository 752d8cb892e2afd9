// Spawn-burst benchmark: N starts posted to the API at the same moment, as a class does at the start
// of a lecture, repeated in rounds; prints each round's wall time and per-start latencies as JSON lines.
// Usage: node start-burst.mjs BASE_URL TOKEN PROFILE APP STARTS ROUNDS WARMUP_ROUNDS LABEL
// With LAUNCHED_PATTERN set (a pgrep -f pattern matching the app's processes), also how long until every
// admitted start's process exists: the answers come first, the launches take their turn after them.
import { execFileSync } from 'node:child_process';

const [base, token, profile, app, starts, rounds, warmup, label] = process.argv.slice(2);
const pattern = process.env.LAUNCHED_PATTERN;

function processes() {
  try {
    return Number(execFileSync('pgrep', ['-c', '-f', pattern]).toString().trim());
  } catch (e) {
    return 0; // pgrep exits 1 when it matches nothing
  }
}
const n = Number(starts), headers = { Authorization: `token ${token}`, 'Content-Type': 'application/json' };

async function call(method, path, body) {
  const response = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, text };
}

async function sessions() {
  const pools = JSON.parse((await call('GET', '/hub/api/placement')).text).pools;
  return Object.values(pools).reduce((sum, pool) => sum + pool.sessions, 0);
}

async function burst(round) {
  const users = [...Array(n).keys()].map((i) => `${label}r${round}u${i}`);
  for (const user of users) {
    const created = await call('POST', `/hub/api/users/${user}`, {});
    if (created.status !== 201) throw new Error(`creating ${user}: ${created.status} ${created.text}`);
  }
  const latencies = [], statuses = {};
  const before = pattern ? processes() : 0;
  const begin = performance.now();
  await Promise.all(users.map(async (user) => {
    const t = performance.now();
    const answer = await call('POST', `/hub/api/users/${user}/server`, { profile, app });
    latencies.push(performance.now() - t);
    statuses[answer.status] = (statuses[answer.status] || 0) + 1;
    if (answer.status !== 202 && !JSON.parse(answer.text).message) throw new Error(`no reason: ${answer.text}`);
  }));
  const wall = performance.now() - begin;
  let launched = null;
  if (pattern) {
    const admitted = statuses[202] || 0;
    for (let i = 0; i < 3000 && processes() - before < admitted; i++) await new Promise((r) => setTimeout(r, 10));
    launched = performance.now() - begin;
  }
  // every seat back before the next round, bounded
  await Promise.all(users.map((user) => call('DELETE', `/hub/api/users/${user}/server`)));
  for (let i = 0; i < 600 && (await sessions()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(n - 1, Math.floor(n * p))];
  return { wall_ms: wall, launched_ms: launched, p50_ms: pct(0.5), p90_ms: pct(0.9), max_ms: latencies[n - 1], statuses };
}

for (let round = 0; round < Number(warmup) + Number(rounds); round++) {
  const result = await burst(round);
  console.log(JSON.stringify({ label, round, warmup: round < Number(warmup), ...result }));
}
