// ui.test.mjs — vigia's web UI in headless Chromium (run by tests/browser/run.sh, which starts
// `vigia serve` on a store made from tests/data/ui/ and passes URL, tokens and paths).
// Prints TAP ("ok N - ...", "not ok N - ..."); exits 1 when a check fails.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.env.BROWSER_DIR, 'package.json'));
const { chromium } = require('playwright-core');

const URL = process.env.URL, ART = process.env.ART;
let n = 0, bad = 0;
function check(desc, ok, detail) {
	n++;
	if (ok) console.log(`ok ${n} - ${desc}`);
	else {
		bad++;
		console.log(`not ok ${n} - ${desc}${detail !== undefined ? ': ' + detail : ''}`);
	}
}

const browser = await chromium.launch({
	executablePath: process.env.CHROME,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } });
const page = await ctx.newPage();
const cspErrors = [], pageErrors = [];
page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
page.on('pageerror', (e) => pageErrors.push(String(e)));
const ready = (what) => page.waitForSelector(`body[data-ready="${what}"]`, { timeout: 15000 });
const apiGet = (p) => page.evaluate(async (u) => (await fetch(u)).json(), p);

try {
	// ---- sign in ---------------------------------------------------------------------------
	await page.goto(URL + '/ui/');
	await page.waitForSelector('#login-name');
	check('not signed in: the sign-in form', true);
	await page.fill('#login-name', 'ana');
	await page.fill('#login-password', 'vgt_' + '0'.repeat(64));
	await page.click('#login-submit');
	await page.waitForSelector('form.login p.bad:not(:empty)');
	check('a wrong token is refused', (await page.textContent('form.login p.bad')).includes('wrong'));
	await page.evaluate(() => { document.querySelector('form.login p.bad').textContent = ''; });
	await page.fill('#login-password', 'not the password');
	await page.click('#login-submit');
	await page.waitForSelector('form.login p.bad:not(:empty)');
	check('a wrong password is refused', (await page.textContent('form.login p.bad')).includes('wrong'));
	await page.fill('#login-password', process.env.PW_ana);
	await page.click('#login-submit');
	await ready('queue');
	check('signed in with name and password', (await apiGet('/ui/api/session')).name === 'ana');
	check('signed in: the queue', (await page.locator('#queue tbody tr').count()) === 5);
	const cookies = await ctx.cookies();
	const sc = cookies.find((c) => c.name === 'vigia_session');
	check('session cookie HttpOnly, SameSite=Strict', sc && sc.httpOnly && sc.sameSite === 'Strict');
	check('the page cannot read the session cookie', !(await page.evaluate(() => document.cookie)).includes('vigia_session'));
	check('counts per state', (await page.textContent('.counts')).includes('5 new'), await page.textContent('.counts'));

	// ---- a hostile value is text --------------------------------------------------------------
	const row2 = await page.textContent('#queue tr[data-id="2"]');
	check('a <script> in an event field is shown as text in the queue', row2.includes('<script>window.__xss=1</script>'), row2);
	check('... and did not run', (await page.evaluate(() => window.__xss)) === undefined);
	const queueMs = await page.evaluate(() => window.vigiaQueueMs);
	console.log(`# queue: ${queueMs.toFixed(1)} ms from request to drawn (5 incidents)`);
	await page.screenshot({ path: path.join(ART, 'queue.png'), fullPage: true });

	// ---- sorted by the server, across pages ------------------------------------------------------
	const order = async (q) => {
		const ids = [];
		let after = '';
		for (;;) { // pages of 2, by the cursor each answers with
			const d = await apiGet('/ui/api/incidents?limit=2&' + q + (after ? '&after=' + after : ''));
			ids.push(...d.incidents.map((i) => i.id));
			if (!d.cursor) return { ids, rows: d.incidents };
			after = d.cursor;
		}
	};
	for (const [k, field] of [['priority', 'priority'], ['events', 'events'], ['last_seen', 'last_seen'], ['state', 'state']]) {
		const all = await apiGet('/ui/api/incidents?sort=' + k + '&dir=desc&limit=50');
		const paged = await order('sort=' + k + '&dir=desc');
		check('sort by ' + k + ': pages of 2 by cursor make the same order as one page',
			JSON.stringify(paged.ids) === JSON.stringify(all.incidents.map((i) => i.id)) && paged.ids.length === 5,
			JSON.stringify(paged.ids) + ' vs ' + JSON.stringify(all.incidents.map((i) => i.id)));
		const rank = { new: 0, open: 1, in_progress: 2, waiting: 3, resolved: 4, closed: 5 };
		const v = (i) => (field === 'state' ? rank[i.state] : field === 'last_seen' ? Date.parse(i.last_seen) : i[field]);
		const ok = all.incidents.every((i, j, a) => j === 0 || v(a[j - 1]) > v(i) || (v(a[j - 1]) === v(i) && a[j - 1].id > i.id));
		check('sort by ' + k + ': descending, ties by id', ok, JSON.stringify(all.incidents.map((i) => [i.id, v(i)])));
	}
	await page.click('#sort-events');
	await page.waitForFunction(() => location.hash.includes('sort=events'));
	await ready('queue');
	await page.waitForFunction(() => document.querySelector('th[aria-sort] #sort-events'));
	const want = (await apiGet('/ui/api/incidents?sort=events&dir=desc')).incidents.map((i) => String(i.id));
	const shown = await page.$$eval('#queue tbody tr', (trs) => trs.map((t) => t.dataset.id));
	check('the queue sorted by a click on a column: the server\'s order', JSON.stringify(shown) === JSON.stringify(want), JSON.stringify(shown));
	await page.click('#sort-events');
	await page.waitForFunction(() => location.hash.includes('dir=asc'));
	await page.waitForFunction(() => document.querySelector('th[aria-sort=ascending] #sort-events'));
	const shown2 = await page.$$eval('#queue tbody tr', (trs) => trs.map((t) => t.dataset.id));
	const want2 = (await apiGet('/ui/api/incidents?sort=events&dir=asc')).incidents.map((i) => String(i.id));
	check('a second click: the other direction', JSON.stringify(shown2) === JSON.stringify(want2), JSON.stringify(shown2));
	await page.goto(URL + '/ui/#/');
	await ready('queue');

	// ---- filters ---------------------------------------------------------------------------
	await page.selectOption('#f-tlp', 'RED');
	await page.click('#filters button[type=submit]');
	await page.waitForFunction(() => document.querySelectorAll('#queue tbody tr').length === 1);
	check('filter by TLP', (await page.textContent('#queue tbody tr')).includes('192.0.2.200'));
	await page.goto(URL + '/ui/#/?q=phishing');
	await ready('queue');
	check('search', (await page.locator('#queue tbody tr').count()) === 1);
	await page.goto(URL + '/ui/#/?classification=scanner');
	await ready('queue');
	check('filter by classification', (await page.locator('#queue tbody tr').count()) === 2);

	// ---- work incident 1 from new to closed ------------------------------------------------------
	await page.goto(URL + '/ui/#/incident/1');
	await ready('incident');
	check('incident page: summary', (await page.textContent('h1')).includes('#1'));
	check('incident page: events timeline', (await page.locator('#timeline li').count()) === 2);
	await page.click('#timeline li:first-child button.raw-toggle');
	const raw = await page.locator('#timeline li:first-child pre.raw');
	check('the raw record one click away', (await raw.isVisible()) && (await raw.textContent()).includes('login-secure-bank.xyz'));
	await page.click('#assign-me');
	await page.waitForSelector('main h1[data-owner="ana"]');
	check('assigned to me', true);
	for (const [state, res] of [['open', ''], ['in_progress', ''], ['resolved', 'true-positive'], ['closed', 'true-positive']]) {
		await page.selectOption('#set-state', state);
		if (res) await page.selectOption('#set-resolution', res);
		await page.click('#apply-state');
		await page.waitForSelector(`main h1[data-state="${state}"]`);
	}
	const inc1 = await apiGet('/api/v1/incidents/1');
	check('worked from new to closed', inc1.state === 'closed' && inc1.resolution === 'true-positive' && inc1.owner === 'ana', JSON.stringify(inc1));
	await page.fill('#note-text', 'Called the hosting provider <b>now</b>');
	await page.click('#add-note');
	await page.waitForFunction(() => document.querySelector('#notes') && document.querySelector('#notes').textContent.includes('hosting provider'));
	check('a note, as text', (await page.textContent('#notes')).includes('<b>now</b>'));
	const audit = await page.textContent('#audit');
	check('the audit trail shows the changes by ana', audit.includes('api:ana') && (audit.match(/set/g) || []).length >= 4, audit.slice(0, 200));
	await page.screenshot({ path: path.join(ART, 'incident.png'), fullPage: true });

	// ---- export under a partner's rights ------------------------------------------------------------
	await page.goto(URL + '/ui/#/incident/5');
	await ready('incident');
	await page.selectOption('#export-partner', 'CERT-Y');
	await page.click('button.export[data-format="stix"]');
	await page.waitForSelector('#export-out pre');
	const red = await page.textContent('#export-out');
	check('export of a TLP:RED incident to CERT-Y: withheld, no RED marking',
		red.includes('withheld: 1 incidents') && !red.includes('e828b379-4e03-4974-9ac4-e53a884c97c1') && !red.includes('192.0.2.200'), red.slice(0, 300));
	await page.goto(URL + '/ui/#/incident/1');
	await ready('incident');
	await page.selectOption('#export-partner', 'CERT-Y');
	await page.click('button.export[data-format="stix"]');
	await page.waitForSelector('#export-out pre');
	const green = await page.textContent('#export-out pre');
	check('export of a TLP:GREEN incident to CERT-Y: shown, GREEN marking, no RED',
		green.includes('login-secure-bank.xyz') && !green.includes('e828b379-4e03-4974-9ac4-e53a884c97c1'), green.slice(0, 200));

	// ---- the hostile value on the incident page ---------------------------------------------------
	await page.goto(URL + '/ui/#/incident/2');
	await ready('incident');
	check('hostile values on the incident page are text and do not run',
		(await page.textContent('#timeline')).includes('<script>window.__xss=1</script>') && (await page.evaluate(() => window.__xss)) === undefined);

	// ---- merge two incidents in the queue ----------------------------------------------------------
	await page.goto(URL + '/ui/#/');
	await ready('queue');
	await page.check('#queue tr[data-id="3"] input.sel');
	await page.check('#queue tr[data-id="4"] input.sel');
	await page.click('#bulk-merge');
	await page.waitForFunction(() => document.querySelector('#toast').textContent.includes('Merged'));
	const inc4 = await apiGet('/ui/api/incidents/4');
	const inc3 = await apiGet('/api/v1/incidents/3');
	check('merged 4 into 3', inc4.incident.merged_into === 3 && inc4.incident.state === 'closed' && inc3.events === 2, JSON.stringify(inc4.incident));

	// ---- bulk assign ------------------------------------------------------------------------------
	await ready('queue');
	await page.check('#queue tr[data-id="2"] input.sel');
	await page.check('#queue tr[data-id="5"] input.sel');
	await page.fill('#bulk-owner', 'bob');
	await page.click('#bulk-assign');
	await page.waitForFunction(() => document.querySelector('#toast').textContent.includes('2 changed'));
	check('bulk assign', (await apiGet('/api/v1/incidents/5')).owner === 'bob');

	// ---- bulk change of state -----------------------------------------------------------------------
	await ready('queue');
	await page.check('#queue tr[data-id="1"] input.sel');
	await page.check('#queue tr[data-id="2"] input.sel');
	await page.selectOption('#bulk-state', 'open');
	await page.click('#bulk-set-state');
	await page.waitForFunction(() => document.querySelector('#toast').textContent.includes('2 changed'));
	check('bulk change of state', (await apiGet('/api/v1/incidents/1')).state === 'open' && (await apiGet('/api/v1/incidents/2')).state === 'open');

	// ---- CSRF: a change without the token is refused ---------------------------------------------
	const st = await page.evaluate(async () => (await fetch('/api/v1/incidents/2', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"owner":"mallory"}' })).status);
	check('a change without the CSRF token: 403', st === 403 && (await apiGet('/api/v1/incidents/2')).owner === 'bob');

	// ---- event search, constituency, URL check -------------------------------------------------------
	await page.goto(URL + '/ui/#/events?ip=185.220.101.34');
	await ready('events');
	check('event search', (await page.locator('#events tbody tr').count()) === 2);
	await page.goto(URL + '/ui/#/constituency');
	await ready('constituency');
	check('constituency: the partners', (await page.textContent('#partners')).includes('CERT-Y'));
	await page.goto(URL + '/ui/#/url');
	await ready('url');
	await page.fill('#url-input', 'http://paypal.com.secure-login.example.tk/webscr');
	await page.click('main form button[type=submit]');
	await page.waitForSelector('#url-verdict');
	check('URL check: a verdict and its reasons', (await page.locator('#url-reasons li').count()) > 0, await page.textContent('#url-out'));

	// ---- dashboard -------------------------------------------------------------------------------
	await page.goto(URL + '/ui/#/dashboard');
	await ready('dashboard');
	check('dashboard: charts drawn (ten: per day, open by age, organisations, countries, ASNs, networks, classifications, notifications, time to resolve twice)', (await page.locator('svg.chart').count()) === 10 && (await page.locator('svg.chart rect').count()) > 3);
	console.log(`# dashboard: ${(await page.evaluate(() => window.vigiaDashboardMs)).toFixed(1)} ms`);
	await page.screenshot({ path: path.join(ART, 'dashboard.png'), fullPage: true });

	// ---- attachments: upload, list, download the same bytes (web/attachments.js) -------------------
	const evil = Buffer.from('<html><body><script>window.opener && (window.opener.__att = 1); document.title = "pwned"</script>\u00e9</body></html>\n');
	await page.goto(URL + '/ui/#/incident/2');
	await ready('incident');
	await page.setInputFiles('#attach-file', { name: 'evil report.html', mimeType: 'text/html', buffer: evil });
	await page.click('#attach-send');
	await page.waitForSelector('#attachment-list a.attachment');
	const attRow = await page.textContent('#attachment-list tbody tr');
	check('an uploaded attachment is listed with its size, SHA-256 and who attached it',
		attRow.includes('evil report.html') && attRow.includes('ui:ana') && attRow.includes(evil.length + ' B'), attRow);
	const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#attachment-list a.attachment')]);
	const got = fs.readFileSync(await dl.path());
	check('the download holds the same bytes, saved as a file', got.equals(evil) && dl.suggestedFilename().endsWith('.html'), dl.suggestedFilename());
	check('... and the hostile HTML in it did not run', (await page.evaluate(() => window.__att)) === undefined && (await page.title()) !== 'pwned');

	// ---- case report for a partner on the incident page ---------------------------------------------
	await page.goto(URL + '/ui/#/incident/1');
	await ready('incident');
	await page.selectOption('#report-partner', 'CERT-Y');
	const [caseTab] = await Promise.all([ctx.waitForEvent('page'), page.click('#case-report-html')]);
	await caseTab.waitForLoadState();
	const caseText = await caseTab.textContent('body');
	check('a case report for CERT-Y opens in a new tab', caseTab.url().includes('/api/v1/incidents/1/report') && caseTab.url().includes('for=CERT-Y') && caseText.includes('login-secure-bank.xyz'), caseText.slice(0, 200));
	await caseTab.close();

	// ---- the Report page: period report as HTML in a tab and as PDF (web/reports.js) ------------
	await page.goto(URL + '/ui/#/reports');
	await ready('reports');
	await page.fill('#report-days', '60');
	const [pdf] = await Promise.all([page.waitForEvent('download'), page.click('#period-pdf')]);
	const pdfBytes = fs.readFileSync(await pdf.path());
	check('the period report downloads as a PDF', pdfBytes.subarray(0, 5).toString() === '%PDF-' && pdfBytes.length > 1000, pdfBytes.subarray(0, 20).toString());
	const [repTab] = await Promise.all([ctx.waitForEvent('page'), page.click('#period-html')]);
	await repTab.waitForLoadState();
	check('the period report opens as HTML in a new tab', repTab.url().includes('days=60') && (await repTab.locator('h1').count()) > 0 && (await repTab.locator('svg').count()) > 0, repTab.url());
	await repTab.close();

	// ---- constituency: export, and import as an administrator (web/constituency.js) ---------------
	await page.goto(URL + '/ui/#/constituency');
	await ready('constituency');
	check('an analyst may export but not import', (await page.locator('#export-csv').count()) === 1 && (await page.locator('#import-file').count()) === 0);
	const adm = await browser.newContext({ locale: 'en-US' });
	const pa = await adm.newPage();
	pa.on('pageerror', (e) => pageErrors.push(String(e)));
	await pa.goto(URL + '/ui/');
	await pa.waitForSelector('#login-name');
	await pa.fill('#login-name', 'boss');
	await pa.fill('#login-password', process.env.TOK_boss);
	await pa.click('#login-submit');
	await pa.waitForSelector('body[data-ready="queue"]');
	await pa.goto(URL + '/ui/#/constituency');
	await pa.waitForSelector('body[data-ready="constituency"]');
	const [exp] = await Promise.all([pa.waitForEvent('download'), pa.click('#export-csv')]);
	const csv = fs.readFileSync(await exp.path(), 'utf8');
	check('the constituency exports as CSV', csv.startsWith('kind,owner,value') && csv.includes('Universidad Ejemplo'), csv.slice(0, 80));
	await pa.setInputFiles('#import-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(csv + 'network,Universidad Ejemplo,not-a-network,,,,,,\nasn,Nadie,64512,,,,,,\n') });
	await pa.click('#import-check');
	await pa.waitForSelector('#import-errors tbody tr');
	const errs = await pa.locator('#import-errors tbody tr').allTextContents();
	const nlines = csv.split('\n').length;
	check('a bad file: every bad row named with its line, nothing to apply',
		errs.length === 2 && errs[0].startsWith(String(nlines)) && errs[1].startsWith(String(nlines + 1)) && await pa.isDisabled('#import-apply'), errs.join(' | '));
	await pa.setInputFiles('#import-file', { name: 'same.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
	await pa.click('#import-check');
	await pa.waitForSelector('#import-counts');
	const same = await pa.textContent('#import-counts');
	check('the export re-imported: nothing added or changed', same.includes('0 added, 0 changed') && !(await pa.isDisabled('#import-apply')), same);
	await pa.setInputFiles('#import-file', { name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from(csv + 'organisation,Ayuntamiento Nuevo,,,no,,,,\ndomain,Ayuntamiento Nuevo,ayto-nuevo.example,,,,,,\n') });
	await pa.click('#import-check');
	await pa.waitForFunction(() => document.querySelector('#import-counts') && document.querySelector('#import-counts').textContent.includes('1 added'));
	await pa.click('#import-apply');
	await pa.waitForFunction(() => document.querySelector('#orgs') && document.querySelector('#orgs').textContent.includes('Ayuntamiento Nuevo'));
	check('... applied: the new organisation is in the constituency', (await apiGet('/ui/api/orgs')).organisations.some((o) => o.name === 'Ayuntamiento Nuevo'));
	await adm.close();

	// ---- language -----------------------------------------------------------------------------
	await page.goto(URL + '/ui/#/');
	await ready('queue');
	await page.selectOption('#lang', 'es');
	await page.waitForFunction(() => document.querySelector('main h1') && document.querySelector('main h1').textContent === 'Incidentes');
	check('switch to Spanish', (await page.textContent('#nav')).includes('Panel'), await page.textContent('#nav'));
	await page.reload();
	await ready('queue');
	check('Spanish is remembered', (await page.textContent('main h1')) === 'Incidentes');
	await page.screenshot({ path: path.join(ART, 'queue-es.png') });
	await page.selectOption('#lang', 'en');
	await page.waitForFunction(() => document.querySelector('main h1').textContent === 'Incidents');
	check('and back to English', true);
	const es = await browser.newContext({ locale: 'es-ES' });
	const pe = await es.newPage();
	await pe.goto(URL + '/ui/');
	await pe.waitForSelector('#login-name');
	check('a Spanish browser gets Spanish by default', (await pe.textContent('form.login h1')) === 'Iniciar sesión', await pe.textContent('form.login h1'));
	// a partner account signs in but reaches none of the analysts' screens
	await pe.fill('#login-name', 'y');
	await pe.fill('#login-password', process.env.TOK_y); // a token in the password field: scripts
	await pe.click('#login-submit');
	await pe.waitForSelector('#signout'); /* signed in: the login form's own h1 is in main too */
	const pst = await pe.evaluate(async () => (await fetch('/ui/api/incidents')).status);
	check('a partner account: no queue (403)', pst === 403 && (await pe.locator('#queue').count()) === 0);
	await es.close();

	// ---- sign out, in Spanish ----------------------------------------------------------------------
	await page.goto(URL + '/ui/#/');
	await ready('queue');
	await page.selectOption('#lang', 'es');
	await page.waitForFunction(() => document.querySelector('main h1') && document.querySelector('main h1').textContent === 'Incidentes');
	await page.click('#signout');
	await page.waitForSelector('#login-name');
	const after = await page.evaluate(async () => (await fetch('/ui/api/incidents')).status);
	check('signed out: 401', after === 401);

	// ---- the account's language follows it to an English browser ---------------------------------
	const en = await browser.newContext({ locale: 'en-US' });
	const pn = await en.newPage();
	await pn.goto(URL + '/ui/');
	await pn.waitForSelector('#login-name');
	check('an English browser, signed out: English', (await pn.textContent('form.login h1')) === 'Sign in', await pn.textContent('form.login h1'));
	await pn.fill('#login-name', 'ana');
	await pn.fill('#login-password', process.env.PW_ana);
	await pn.click('#login-submit');
	await pn.waitForSelector('body[data-ready="queue"]', { timeout: 15000 });
	check('signed in again from an English browser: still Spanish', (await pn.textContent('main h1')) === 'Incidentes' && (await pn.inputValue('#lang')) === 'es', await pn.textContent('main h1'));
	// ---- the account's own page: change the password (and back) ---------------------------------
	await pn.click('#me');
	await pn.waitForSelector('body[data-ready="account"]');
	const changePw = async (cur, nw, again) => {
		await pn.fill('#pw-current', cur);
		await pn.fill('#pw-new', nw);
		await pn.fill('#pw-again', again);
		await pn.click('#pw-submit');
		await pn.waitForSelector('#pw-msg span');
		const r = { good: (await pn.locator('#pw-msg span.good').count()) === 1, text: await pn.textContent('#pw-msg') };
		await pn.evaluate(() => { document.getElementById('pw-msg').textContent = ''; });
		return r;
	};
	const NEW_PW = 'a browser-changed password';
	let r = await changePw(process.env.PW_ana, NEW_PW, NEW_PW + 'x');
	check('account page: two different new passwords are caught before sending', !r.good, r.text);
	r = await changePw('not the password', NEW_PW, NEW_PW);
	check('account page: a wrong current password is refused', !r.good && r.text.length > 0, r.text);
	r = await changePw(process.env.PW_ana, NEW_PW, NEW_PW);
	check('account page: the password is changed', r.good, r.text);
	const other = await page.evaluate(async () => (await fetch('/ui/api/session')).status);
	check('... which signs out ana\'s other browser', other === 401, other);
	const NEW_PW2 = 'changed twice, no reload';
	r = await changePw(NEW_PW, NEW_PW2, NEW_PW2);
	check('... this page goes on with its new cookie and CSRF token: changed again', r.good, r.text);
	const login = (pw) => pn.evaluate(async ([p]) => (await fetch('/ui/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ana', password: p }) })).status, [pw]);
	check('... the new password signs in, the old ones no longer', (await login(NEW_PW2)) === 200 && (await login(NEW_PW)) === 401 && (await login(process.env.PW_ana)) === 401);
	await pn.reload(); /* the sign-ins above made a new session: the page takes its CSRF token */
	await pn.waitForSelector('body[data-ready="account"]');
	r = await changePw(NEW_PW2, process.env.PW_ana, process.env.PW_ana);
	check('... and back', r.good, r.text);
	await en.close();
	check('no Content-Security-Policy violation', cspErrors.length === 0, cspErrors.join('; '));
	check('no script error', pageErrors.length === 0, pageErrors.join('; '));
} catch (e) {
	check('the browser test ran to the end', false, e.stack || String(e));
} finally {
	await browser.close();
}
console.log(`1..${n}`);
process.exit(bad ? 1 : 0);
