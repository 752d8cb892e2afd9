// The VS Code app (code-server) in a real browser: log in, open the user's running code-server at
// its prefix, open a file from the explorer and wait until the editor shows its text. The file's
// content reaches the page only over code-server's WebSocket, so this proves the WebSocket too;
// then it opens a terminal, whose shell the stop must end as well.
// Usage: node code-server-session.mjs BASE_URL USER PASSWORD PREFIX FILE ARTIFACT_DIR
// Prints one JSON line with what it saw; exits non-zero on any failure. Every wait is bounded.
import { mkdirSync } from 'node:fs';
import { launch, login, shot } from './browser.mjs';

const [base, user, password, prefix, file, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node code-server-session.mjs BASE_URL USER PASSWORD PREFIX FILE ARTIFACT_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const browser = await launch();
const seen = { webSockets: [] };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(90_000);
  page.setDefaultNavigationTimeout(90_000);
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketHandshakeResponseReceived', (event) => {
    seen.webSockets.push(event.response.status);
  });

  await login(page, base, user, password);

  // the bare prefix, as a user types it: the gateway adds the slash code-server's relative links need
  await page.goto(`${base}${prefix.replace(/\/$/, '')}`);
  seen.path = new URL(page.url()).pathname;
  const row = `.explorer-folders-view .monaco-list-row[aria-label*="${file}"]`;
  await page.waitForSelector(row, { timeout: 120_000 });
  await page.click(row);
  await page.waitForFunction((name) => {
    const lines = document.querySelector('.monaco-editor .view-lines');
    return lines && lines.textContent.includes(name);
  }, { timeout: 60_000 }, 'portico-code-server-check');
  seen.editorText = await page.$eval('.monaco-editor .view-lines', (el) => el.textContent);
  // a terminal: its shell runs in a session of its own (a pty), which the stop must end too
  await page.keyboard.down('Control');
  await page.keyboard.down('Shift');
  await page.keyboard.press('Backquote');
  await page.keyboard.up('Shift');
  await page.keyboard.up('Control');
  await page.waitForSelector('.terminal-wrapper .xterm', { timeout: 60_000 });
  await page.waitForSelector('.terminal-wrapper .xterm textarea:focus', { timeout: 60_000 });
  // the shell writes its pid into the work dir: the caller sees the shell ran, and checks it ends at the stop
  await page.keyboard.type('echo $$ > .portico-terminal.pid\n', { delay: 20 });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await shot(page, artifacts, 'terminal');
  seen.terminal = true;
  seen.title = await page.title();
  // every cookie the browser holds for the site, HttpOnly ones included: code-server's session must not be one
  const { cookies } = await cdp.send('Network.getAllCookies');
  seen.cookieNames = cookies.map((c) => c.name);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the editor finish painting for the screenshot
  await shot(page, artifacts, 'code-server');
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
