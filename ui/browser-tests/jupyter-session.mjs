// A user's whole path in a real browser: log in, start Jupyter from the home page, watch the
// progress page hand over to Jupyter, run 1+1 in a notebook, stop the server.
// Usage: node jupyter-session.mjs BASE_URL USER PASSWORD ARTIFACT_DIR [--running]
// --running: the server was started beforehand (e.g. as a batch job over the API); the script opens it
// directly and leaves it running instead of starting and stopping it from the home page.
// Prints one JSON line with what it saw; exits non-zero on any failure. Every wait is bounded.
import { mkdirSync } from 'node:fs';
import { launch, login, shot } from './browser.mjs';

const [base, user, password, artifacts, mode] = process.argv.slice(2);
if (!artifacts || (mode !== undefined && mode !== '--running')) {
  console.error('usage: node jupyter-session.mjs BASE_URL USER PASSWORD ARTIFACT_DIR [--running]');
  process.exit(2);
}
const running = mode === '--running';
mkdirSync(artifacts, { recursive: true });

const browser = await launch();
const seen = {};
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(90_000);
  // Jupyter asks before leaving a notebook with unsaved changes
  page.on('dialog', (dialog) => dialog.accept());
  await login(page, base, user, password);
  seen.home = new URL(page.url()).pathname;
  await shot(page, artifacts, 'home');

  if (running) {
    await page.goto(`${base}/user/${user}/tree`);
  } else {
    await Promise.all([page.waitForNavigation(), page.click('#start')]);
    seen.pending = new URL(page.url()).pathname;
    // the progress page follows the event stream and opens the server once ready
    await page.waitForFunction((prefix) => location.pathname.startsWith(prefix), {}, `/user/${user}/`);
  }
  await page.waitForSelector('#notebook_list');
  seen.tree = new URL(page.url()).pathname;
  await shot(page, artifacts, 'jupyter-tree');

  const created = await page.evaluate(async (prefix) => {
    const xsrf = document.cookie.split('; ').find((c) => c.startsWith('_xsrf='))?.slice(6) ?? '';
    const response = await fetch(`${prefix}api/contents`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-XSRFToken': xsrf },
      body: JSON.stringify({ type: 'notebook' }),
    });
    return { status: response.status, body: await response.json() };
  }, `/user/${user}/`);
  if (created.status !== 201) throw new Error(`creating a notebook answered ${created.status}`);
  await page.goto(`${base}/user/${user}/notebooks/${encodeURIComponent(created.body.path)}`);
  await page.waitForFunction(() => window.Jupyter?.notebook?.kernel?.is_connected?.() === true);
  await page.evaluate(() => {
    const cell = Jupyter.notebook.get_cell(0);
    cell.set_text('1+1');
    Jupyter.notebook.select(0);
    Jupyter.notebook.execute_cell();
  });
  await page.waitForFunction(() => document.querySelector('.output_area pre')?.textContent.trim() === '2');
  seen.result = await page.$eval('.output_area pre', (pre) => pre.textContent.trim());
  await shot(page, artifacts, 'notebook');

  if (!running) {
    await page.goto(`${base}/hub/home`);
    await Promise.all([page.waitForNavigation(), page.click('#stop')]);
    seen.afterStop = await page.$eval('.state', (p) => p.textContent.trim());
    await shot(page, artifacts, 'stopped');
  }
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
