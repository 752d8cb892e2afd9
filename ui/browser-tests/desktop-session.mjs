// The Desktop app in a real browser: log in, open the user's running desktop, and wait until noVNC
// has connected to the VNC server through the gateway (its title becomes the desktop's name) and
// draws the screen on its canvas.
// Usage: node desktop-session.mjs BASE_URL USER PASSWORD ARTIFACT_DIR [PREFIX]
// PREFIX is where the desktop is served, /user/USER/ by default (a named server: /user/USER/desktop/).
// Prints one JSON line with what it saw (never the URL's fragment, which holds the VNC password);
// exits non-zero on any failure. Every wait is bounded.
import { mkdirSync } from 'node:fs';
import { launch, login, shot } from './browser.mjs';

const [base, user, password, artifacts, prefixArg] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node desktop-session.mjs BASE_URL USER PASSWORD ARTIFACT_DIR [PREFIX]');
  process.exit(2);
}
const prefix = prefixArg ?? `/user/${user}/`;
mkdirSync(artifacts, { recursive: true });

const browser = await launch();
const seen = {};
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(90_000);
  page.setDefaultNavigationTimeout(90_000);
  await login(page, base, user, password);

  await page.goto(`${base}${prefix}`);
  await page.waitForFunction(() => document.title.includes('Portico desktop'), { timeout: 60_000 });
  seen.title = await page.title();
  seen.path = new URL(page.url()).pathname;
  seen.fragmentHasPath = new URL(page.url()).hash.includes(`path=${prefix.replace(/^\/+/, '')}websockify`);
  // the canvas is drawn once the first framebuffer update arrived
  await page.waitForFunction(() => {
    const canvas = document.querySelector('#noVNC_container canvas, canvas');
    return canvas && canvas.width >= 640 && canvas.height >= 400;
  }, { timeout: 30_000 });
  seen.canvas = await page.evaluate(() => {
    const canvas = document.querySelector('#noVNC_container canvas, canvas');
    return { width: canvas.width, height: canvas.height };
  });
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let openbox and xterm paint for the screenshot
  await shot(page, artifacts, 'desktop');
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
