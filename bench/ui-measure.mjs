// ui-measure.mjs — bench/ui.sh's browser side: sign in, then open the queue and the dashboard
// RUNS times each in headless Chromium and print the median and the slowest.
//   queue (route): from the route's start to the table drawn (fetch + JSON + DOM), the page
//                  already loaded, as when an analyst comes back to the queue;
//   queue (load):  a full page load (navigation start to the queue drawn: the page, its
//                  modules, the session and the queue), beside the same page loaded to its
//                  sign-in form (everything but the queue: what the browser costs);
//   queue sorted:  the route with ?sort=KEY&dir=DIR, for each sort key (issue 11);
//   dashboard:     from the route's start to the charts drawn.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.BROWSER_DIR, 'package.json'));
const { chromium } = require('playwright-core');
const URL = process.env.URL, RUNS = Number(process.env.RUNS || 10);
const browser = await chromium.launch({
	executablePath: process.env.CHROME,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
await page.goto(URL + '/ui/');
await page.waitForSelector('#login-name');
await page.fill('#login-name', 'ui-bench');
await page.fill('#login-password', process.env.TOK); // a token in the password field
await page.click('#login-submit');
await page.waitForSelector('body[data-ready="queue"]', { timeout: 60000 });
const stat = (xs) => { xs.sort((a, b) => a - b); return `median ${xs[Math.floor((xs.length - 1) / 2)].toFixed(1)} ms, max ${xs[xs.length - 1].toFixed(1)} ms (${xs.length} runs)`; };
const route = async (hash, ready, key) => {
	const xs = [];
	for (let i = 0; i < RUNS; i++) {
		await page.evaluate(() => { location.hash = '#/none'; });
		await page.waitForFunction(() => document.body.dataset.ready === '');
		await page.evaluate((h) => { location.hash = h; }, hash);
		await page.waitForSelector(`body[data-ready="${ready}"]`, { timeout: 60000 });
		xs.push(await page.evaluate((k) => window[k], key));
	}
	return xs;
};
const q = await route('#/', 'queue', 'vigiaQueueMs');
console.log(`browser, queue (route: fetch + draw 50 rows of 1,000,000): ${stat(q)}`);
// the queue sorted by the server by each key (the most urgent first, as a click asks)
for (const [k, dir] of [['priority', 'asc'], ['state', 'asc'], ['last_seen', 'desc'], ['first_seen', 'desc'], ['deadline', 'asc'], ['events', 'desc']]) {
	const xs = await route(`#/?sort=${k}&dir=${dir}`, 'queue', 'vigiaQueueMs');
	console.log(`browser, queue sorted by ${k} ${dir} (route: fetch + draw 50 rows of 1,000,000): ${stat(xs)}`);
}
const loads = [];
for (let i = 0; i < RUNS; i++) {
	await page.goto('about:blank'); /* a real load each time, not a change of fragment */
	await page.goto(URL + '/ui/#/');
	await page.waitForSelector('body[data-ready="queue"]', { timeout: 60000 });
	loads.push(await page.evaluate(() => performance.now()));
}
console.log(`browser, queue (full page load to drawn): ${stat(loads)}`);
const base = [];
for (let i = 0; i < RUNS; i++) {
	await page.goto('about:blank');
	await page.goto(URL + '/ui/#/login'); /* the same page, modules and session, no queue */
	await page.waitForSelector('body[data-ready="login"]', { timeout: 60000 });
	base.push(await page.evaluate(() => performance.now()));
}
console.log(`browser, the same page without the queue (full load to the sign-in form): ${stat(base)}`);
const d = await route('#/dashboard', 'dashboard', 'vigiaDashboardMs');
console.log(`browser, dashboard (route: fetch + draw 10 charts): ${stat(d)}`);
await browser.close();
