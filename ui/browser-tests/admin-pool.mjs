// The admin page in a real browser: the admin logs in, opens /hub/admin, reads the pool as the page
// shows it (per node and GPU: slots used and who sits there; the servers list with each seat), stops
// one user's server with its Stop button and reads the notice. A user who is no admin gets 403.
// Usage: node admin-pool.mjs BASE_URL ADMIN PASSWORD POOL STOP_USER OTHER_USER OTHER_PASSWORD ARTIFACT_DIR
// Prints one JSON line with what it saw; exits non-zero on any failure. Every wait is bounded.
import { mkdirSync } from 'node:fs';
import { launch, login, shot } from './browser.mjs';

const [base, admin, password, pool, stopUser, other, otherPassword, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node admin-pool.mjs BASE_URL ADMIN PASSWORD POOL STOP_USER OTHER_USER OTHER_PASSWORD ARTIFACT_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const browser = await launch();
const seen = {};
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  page.setDefaultNavigationTimeout(60_000);
  await login(page, base, admin, password);
  seen.adminLink = await page.$$eval('nav a', (links) => links.some((a) => a.getAttribute('href') === '/hub/admin'));
  const response = await page.goto(`${base}/hub/admin`);
  seen.status = response.status();
  await page.waitForSelector(`#pool-${pool} table.pool-nodes`);
  seen.summary = await page.$eval(`#pool-${pool} .pool-summary`, (p) => p.textContent.replace(/\s+/g, ' ').trim());
  seen.gpus = await page.$$eval(`#pool-${pool} tr[id^="node-"]`, (rows) => rows.map((row) => ({
    node: row.querySelector('th').textContent.trim(),
    gpus: [...row.querySelectorAll('li.gpu')].map((li) => ({
      gpu: li.dataset.gpu,
      used: Number(li.querySelector('meter').getAttribute('value')),
      text: li.textContent.replace(/\s+/g, ' ').trim(),
    })),
  })));
  seen.servers = await page.$$eval('table.admin-servers tbody tr', (rows) => rows.map((row) => ({
    id: row.id, cells: [...row.querySelectorAll('td')].map((td) => td.textContent.replace(/\s+/g, ' ').trim()),
  })));
  await shot(page, artifacts, 'admin');

  await Promise.all([page.waitForNavigation(), page.click(`#server-${stopUser} button[type=submit]`)]);
  seen.notice = await page.$eval('p[role=status]', (p) => p.textContent.trim());
  await shot(page, artifacts, 'admin-after-stop');

  const context = await browser.createBrowserContext();
  const userPage = await context.newPage();
  await login(userPage, base, other, otherPassword);
  seen.otherAdminLink = await userPage.$$eval('nav a', (links) => links.some((a) => a.getAttribute('href') === '/hub/admin'));
  const refused = await userPage.goto(`${base}/hub/admin`);
  seen.otherStatus = refused.status();
  await context.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
