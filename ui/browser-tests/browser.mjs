// Launches Debian's Chromium (no browser download) the way the tests need it.
import puppeteer from 'puppeteer-core';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

export async function launch() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: mkdtempSync(join(tmpdir(), 'portico-chromium-')),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--window-size=1280,900'],
    defaultViewport: { width: 1280, height: 900 },
    protocolTimeout: 120_000,
  });
}

export async function shot(page, dir, name) {
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

// Logs in through the login form and waits until the home page is the page's location. Waiting for
// the path, not for the navigation's load event: under load that event was seen to miss its 90 s
// bound after a login that had worked (tests of the desktop, and of Jupyter as a Slurm job). The
// home page itself was once seen to take over 90 s while a code-server was running on the same two
// cores (it lists the user's kernels through kernel-tools, a JVM of its own, on a cache miss): the
// bound is 180 s until that is understood. The location is read from the page's main frame as the
// browser reports its navigations, not evaluated in the page: the in-page wait (polled on animation
// frames) was seen to hang until puppeteer's 120 s protocol timeout (Runtime.callFunctionOn timed
// out) in a full run, in a test that passed in 10 s on its own.
// If it never gets there, the error lists what the page sent and received under /hub/ meanwhile.
export async function login(page, base, user, password) {
  const t0 = Date.now();
  const seen = [];
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const path = (url) => new URL(url).pathname;
  const onRequest = (r) => path(r.url()).startsWith('/hub/') && seen.push(`${at()} sent ${r.method()} ${path(r.url())} body ${r.postData()?.length ?? '-'}`);
  const onResponse = (r) => path(r.url()).startsWith('/hub/') && seen.push(`${at()} ${r.status()} ${path(r.url())}`);
  const onFailed = (r) => seen.push(`${at()} failed ${r.method()} ${path(r.url())}: ${r.failure()?.errorText}`);
  page.on('request', onRequest);
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  try {
    await page.goto(`${base}/hub/login`);
    await page.type('#username', user);
    await page.type('#password', password);
    await page.click('button[type=submit]');
    const deadline = Date.now() + 180_000;
    while (path(page.url()) !== '/hub/home') {
      if (Date.now() > deadline) {
        throw new Error(`login: still at ${path(page.url())} after 180 s; seen: ${seen.join('; ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    page.off('request', onRequest);
    page.off('response', onResponse);
    page.off('requestfailed', onFailed);
  }
}
