// app.js — vigia's web UI: sign-in, the incident queue, the incident page, event search, the
// constituency, the dashboard, the URL check and the account's own page, drawn from the JSON
// API (/api/v1/ and the UI's /ui/api/).  Routes live in the URL's fragment (#/incident/12),
// so the browser's back button and bookmarks work.  What a user may see and do is decided by
// the server: a screen the role may not reach answers 403 and says so.

import { api, ApiError, clear, fmtTime, h, qs, setCsrf } from './dom.js';
import { _, _f, currentLang, loadLang } from './i18n.js';
import { bars, stackedColumns } from './charts.js';
import { attachmentsSection, caseReportSection } from './attachments.js';
import { constituencyFiles } from './constituency.js';
import { viewReports } from './reports.js';
import { viewAccount } from './account.js';

const app = document.getElementById('app');
let me = null;

const STATES = ['new', 'open', 'in_progress', 'waiting', 'resolved', 'closed'];
const RESOLUTIONS = ['true-positive', 'false-positive', 'duplicate', 'indeterminate'];
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

function stateName(s) {
	const names = {
		new: _('new'), open: _('open'), in_progress: _('in progress'), waiting: _('waiting'),
		resolved: _('resolved'), closed: _('closed'),
	};
	return names[s] || s;
}

function toast(msg, bad) {
	const t = document.getElementById('toast');
	clear(t).append(h(bad ? 'p.bad' : 'p.good', {}, msg));
	setTimeout(() => clear(t), 5000);
}

function fail(e) {
	if (e instanceof ApiError && e.status === 401) {
		me = null;
		location.hash = '#/login';
		return;
	}
	toast(e.message || String(e), true);
}

function select(name, label, options, value) {
	return h('label', {}, label, ' ',
		h('select', { name, id: 'f-' + name },
			options.map(([v, t]) => h('option', { value: v, selected: v === value ? 'selected' : null }, t))));
}

function input(name, label, value, attrs) {
	return h('label', {}, label, ' ', h('input', Object.assign({ name, id: 'f-' + name, value: value || '' }, attrs || {})));
}

// ---- header: navigation, who, language -----------------------------------------------------

function drawHeader() {
	const nav = clear(document.getElementById('nav'));
	const who = clear(document.getElementById('who'));
	const langSel = h('select', { id: 'lang', 'aria-label': _('Language') },
		h('option', { value: 'en', selected: currentLang() === 'en' ? 'selected' : null }, 'English'),
		h('option', { value: 'es', selected: currentLang() === 'es' ? 'selected' : null }, 'Español'));
	langSel.addEventListener('change', async () => {
		try {
			await api('POST', '/ui/api/lang', { lang: langSel.value });
			await loadLang(langSel.value);
			drawHeader();
			route();
		} catch (e) {
			fail(e);
		}
	});
	if (me && me.role !== 'partner') {
		for (const [href, text] of [['#/', _('Incidents')], ['#/events', _('Events')],
			['#/dashboard', _('Dashboard')], ['#/constituency', _('Constituency')], ['#/reports', _('Report')],
			['#/url', _('URL check')]])
			nav.append(h('a', { href }, text));
	}
	if (me) {
		who.append(h('a.me', { href: '#/account', id: 'me', title: _('Your account') }, me.name + ' (' + me.role + ')'), ' ',
			h('button', { id: 'signout', onclick: signOut }, _('Sign out')));
	}
	who.append(' ', langSel);
}

async function signOut() {
	try {
		await api('POST', '/ui/logout', {});
	} catch (e) {
		/* signed out either way */
	}
	me = null;
	setCsrf('');
	location.hash = '#/login';
}

// ---- sign-in -------------------------------------------------------------------------------

function viewLogin() {
	const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true });
	const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
	const msg = h('p.bad', { role: 'alert' });
	const form = h('form.login', {},
		h('h1', {}, _('Sign in')),
		h('label', { for: 'login-name' }, _('Account')), name,
		h('label', { for: 'login-password' }, _('Password')), password,
		h('button', { type: 'submit', id: 'login-submit' }, _('Sign in')), msg,
		h('p.hint', {}, _('An administrator makes your account and sets its password with "vigia account".')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		// an API token ("vgt_" and 64 hex digits) signs in as well: scripts and tests
		const v = password.value;
		const body = /^vgt_[0-9a-f]{64}$/.test(v) ? { name: name.value, token: v } : { name: name.value, password: v };
		try {
			const r = await api('POST', '/ui/login', body);
			password.value = '';
			if (r.lang && r.lang !== currentLang()) await loadLang(r.lang);
			await start();
			location.hash = '#/';
		} catch (e) {
			clear(msg).append(e.status === 401 ? _('The account or the password is wrong.')
				: e.status === 429 ? _('Too many failed sign-ins: try again in a few minutes.') : e.message);
		}
	});
	clear(app).append(form);
	name.focus();
	document.body.dataset.ready = 'login';
}

// ---- the incident queue ----------------------------------------------------------------------

function hashParams() {
	const i = location.hash.indexOf('?');
	return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : '');
}

// The columns the server sorts by (across every page, not only the one shown), and the
// direction each starts in: the most urgent first.
const SORTS = { id: 'desc', priority: 'asc', state: 'asc', last_seen: 'desc', first_seen: 'desc', deadline: 'asc', events: 'desc' };

async function viewQueue() {
	const p = hashParams();
	const f = {
		state: p.get('state') || '', priority: p.get('priority') || '', classification: p.get('classification') || '',
		organisation: p.get('organisation') || '', owner: p.get('owner') || '', tlp: p.get('tlp') || '',
		overdue: p.get('overdue') || '', q: p.get('q') || '', sort: p.get('sort') || '', dir: p.get('dir') || '',
		after: p.get('after') || '', country: p.get('country') || '', limit: 50,
	};
	const page1 = { after: '' }; // a change of filter or order starts at the first page
	const t0 = performance.now();
	const data = await api('GET', '/ui/api/incidents' + qs(f));
	const counts = h('div.counts', { role: 'group', 'aria-label': _('Incidents per state') },
		STATES.map((s) => h('a', { href: '#/' + qs(Object.assign({}, f, page1, { state: s })), class: 'count' + (f.state === s ? ' on' : '') },
			h('span.n', {}, data.counts[s]), ' ', stateName(s))),
		h('a', { href: '#/' + qs(Object.assign({}, f, page1, { overdue: '1', state: '' })), class: 'count overdue-count' },
			h('span.n', {}, data.overdue), ' ', _('overdue')));
	const form = h('form.filters', { id: 'filters' },
		select('state', _('State'), [['', _('any')]].concat(STATES.map((s) => [s, stateName(s)])), f.state),
		select('priority', _('Priority'), [['', _('any')], ['1', 'P1'], ['2', 'P2'], ['3', 'P3'], ['4', 'P4']], f.priority),
		input('classification', _('Classification'), f.classification),
		input('organisation', _('Organisation'), f.organisation),
		input('country', _('Country'), f.country, { size: 3, maxlength: 2, pattern: '[A-Za-z]{2}' }),
		input('owner', _('Owner'), f.owner),
		select('tlp', 'TLP', [['', _('any')]].concat(TLPS.map((t) => [t, t])), f.tlp),
		h('label', {}, h('input', { type: 'checkbox', name: 'overdue', id: 'f-overdue', checked: f.overdue === '1' }), ' ', _('overdue only')),
		input('q', _('Search'), f.q, { type: 'search' }),
		h('button', { type: 'submit' }, _('Filter')));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const fd = new FormData(form);
		const o = {};
		for (const [k, v] of fd.entries()) o[k] = k === 'overdue' ? '1' : v;
		o.sort = f.sort;
		o.dir = f.dir;
		location.hash = '#/' + qs(o);
	});
	const rows = data.incidents;
	const selected = new Set();
	const cols = [['id', '#'], ['title', _('Title')], ['state', _('State')], ['priority', _('Priority')],
		['classification', _('Classification')], ['organisation', _('Organisation')], ['owner', _('Owner')],
		['tlp', 'TLP'], ['events', _('Events')], ['first_seen', _('First seen')], ['last_seen', _('Last seen')], ['deadline', _('Deadline')]];
	// a click asks the server for that order (the other direction on a second click)
	const sortHref = (k) => '#/' + qs(Object.assign({}, f, page1, { sort: k,
		dir: data.sort === k ? (data.dir === 'asc' ? 'desc' : 'asc') : SORTS[k] }));
	const thead = h('thead', {}, h('tr', {}, h('th', {}, ''), cols.map(([k, t]) =>
		h('th', { scope: 'col', 'aria-sort': data.sort === k ? (data.dir === 'asc' ? 'ascending' : 'descending') : null },
			SORTS[k] ? h('a.sort', { id: 'sort-' + k, href: sortHref(k) }, t) : t))));
	const tbody = h('tbody', {}, rows.map((i) => h('tr', { class: i.overdue ? 'overdue' : null, 'data-id': i.id },
		h('td', {}, h('input', { type: 'checkbox', 'aria-label': _f('select incident %d', i.id), class: 'sel', onchange: (ev) => { if (ev.target.checked) selected.add(i.id); else selected.delete(i.id); } })),
		h('td', {}, h('a', { href: '#/incident/' + i.id }, i.id)),
		h('td', {}, h('a', { href: '#/incident/' + i.id }, i.title || i.key || '')),
		h('td', {}, h('span', { class: 'state s-' + i.state }, stateName(i.state))),
		h('td', {}, 'P' + i.priority),
		h('td', {}, i.classification || ''),
		h('td', {}, i.organisation || ''),
		h('td', {}, i.owner || ''),
		h('td', {}, i.tlp ? h('span', { class: 'tlp tlp-' + i.tlp.replace('+', '-') }, i.tlp) : ''),
		h('td.num', {}, i.events),
		h('td', {}, fmtTime(i.first_seen)),
		h('td', {}, fmtTime(i.last_seen)),
		h('td', {}, fmtTime(i.deadline), i.overdue ? h('strong.overdue-flag', {}, ' ' + _('overdue')) : ''))));
	const bulkOwner = h('input', { id: 'bulk-owner', 'aria-label': _('Owner') , placeholder: _('owner') });
	const bulkState = h('select', { id: 'bulk-state', 'aria-label': _('State') }, STATES.map((s) => h('option', { value: s }, stateName(s))));
	const bulkRes = h('select', { id: 'bulk-resolution', 'aria-label': _('Resolution') }, h('option', { value: '' }, '—'), RESOLUTIONS.map((r) => h('option', { value: r }, r)));
	const bulk = async (body) => {
		if (!selected.size) return toast(_('Select incidents first.'), true);
		try {
			const r = await api('POST', '/ui/api/bulk', Object.assign({ ids: [...selected] }, body));
			toast(_f('%d changed, %d refused', r.changed, r.failed.length) + (r.failed.length ? ': ' + r.failed[0].reason : ''), r.failed.length > 0);
			await viewQueue();
		} catch (e) {
			fail(e);
		}
	};
	const bulkBar = h('div.bulk', { role: 'group', 'aria-label': _('Change the selected incidents') },
		bulkOwner, h('button', { id: 'bulk-assign', onclick: () => bulk({ owner: bulkOwner.value }) }, _('Assign')),
		bulkState, bulkRes, h('button', { id: 'bulk-set-state', onclick: () => bulk(Object.assign({ state: bulkState.value }, bulkRes.value ? { resolution: bulkRes.value } : {})) }, _('Set state')),
		h('button', { id: 'bulk-merge', onclick: async () => {
			const ids = [...selected].sort((a, b) => a - b);
			if (ids.length < 2) return toast(_('Select two or more incidents to merge.'), true);
			try {
				const r = await api('POST', '/ui/api/merge', { into: ids[0], from: ids.slice(1) });
				toast(_f('Merged into %d', r.into));
				await viewQueue();
			} catch (e) {
				fail(e);
			}
		} }, _('Merge into the oldest')));
	// keyset paging: the next page starts after this one's last row, in the same order; the
	// browser's Back goes to the page before
	const pager = h('div.pager', {},
		f.after ? h('a', { id: 'first-page', href: '#/' + qs(Object.assign({}, f, page1)) }, _('First page')) : '',
		' ', h('span', {}, _f('%d incidents', rows.length)), ' ',
		data.cursor ? h('a', { id: 'older', href: '#/' + qs(Object.assign({}, f, { after: data.cursor })) }, _('Next page')) : '');
	clear(app).append(h('h1', {}, _('Incidents')), counts, form, bulkBar,
		h('table.queue', { id: 'queue' }, thead, tbody), rows.length ? '' : h('p', {}, _('No incident matches.')), pager);
	window.vigiaQueueMs = performance.now() - t0;
	document.body.dataset.ready = 'queue';
}

// ---- one incident --------------------------------------------------------------------------

function field(label, value) {
	return [h('dt', {}, label), h('dd', {}, value === null || value === undefined || value === '' ? '—' : value)];
}

function eventSummary(ev) {
	const parts = [ev['classification.type'], ev['source.ip'], ev['source.fqdn'], ev['source.url'],
		ev['destination.ip'], ev['malware.name'], ev['feed.name']].filter((x) => x);
	return parts.join(' · ');
}

function decodeRaw(raw) {
	try {
		const bin = atob(raw);
		return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
	} catch (e) {
		return raw;
	}
}

async function viewIncident(id) {
	const d = await api('GET', '/ui/api/incidents/' + encodeURIComponent(id));
	const i = d.incident;
	const set = async (body) => {
		try {
			await api('PATCH', '/api/v1/incidents/' + i.id, body);
			toast(_('Saved.'));
			await viewIncident(id);
		} catch (e) {
			fail(e);
		}
	};
	const st = h('select', { id: 'set-state', 'aria-label': _('State') }, STATES.map((s) => h('option', { value: s, selected: s === i.state ? 'selected' : null }, stateName(s))));
	const res = h('select', { id: 'set-resolution', 'aria-label': _('Resolution') }, h('option', { value: '' }, '—'), RESOLUTIONS.map((r) => h('option', { value: r }, r)));
	const prio = h('select', { id: 'set-priority', 'aria-label': _('Priority') }, [1, 2, 3, 4].map((p) => h('option', { value: p, selected: p === i.priority ? 'selected' : null }, 'P' + p)));
	const actions = h('div.actions', { role: 'group', 'aria-label': _('Work the incident') },
		st, res, h('button', { id: 'apply-state', onclick: () => set(Object.assign({ state: st.value }, res.value ? { resolution: res.value } : {})) }, _('Set state')),
		prio, h('button', { id: 'apply-priority', onclick: () => set({ priority: Number(prio.value) }) }, _('Set priority')),
		h('button', { id: 'assign-me', onclick: () => set({ owner: me.name }) }, _('Assign to me')));
	// attribution: what the events say about where it comes from
	const attr = {};
	for (const e of d.events) for (const k of ['source.network', 'source.asn', 'source.as_name', 'source.geolocation.cc', 'source.geolocation.country', 'source.fqdn'])
		if (e.event[k] !== undefined) (attr[k] = attr[k] || new Set()).add(String(e.event[k]));
	const timeline = h('ol.timeline', { id: 'timeline' }, d.events.slice().sort((a, b) => String(a.event['time.source'] || '').localeCompare(String(b.event['time.source'] || '')) || a.first_seen - b.first_seen).map((e) => {
		const raw = h('pre.raw', { hidden: true }, JSON.stringify(e.event, null, 2), e.event.raw ? '\n\n' + _('raw record:') + '\n' + decodeRaw(e.event.raw) : '');
		return h('li', {}, h('time', {}, fmtTime(e.event['time.source'] || e.first_seen)), ' ',
			h('span.ev', {}, eventSummary(e.event)), e.repeats ? h('span.rep', {}, ' ×' + (e.repeats + 1)) : '', ' ',
			h('button.raw-toggle', { 'aria-expanded': 'false', onclick: (ev) => { raw.hidden = !raw.hidden; ev.target.setAttribute('aria-expanded', String(!raw.hidden)); } }, _('raw')), raw);
	}));
	const note = h('textarea', { id: 'note-text', rows: 3, 'aria-label': _('New note') });
	const partners = await api('GET', '/ui/api/partners').catch(() => ({ partners: [] }));
	const expPartner = h('select', { id: 'export-partner', 'aria-label': _('Recipient') }, partners.partners.map((p) => h('option', { value: p.name }, p.name + ' (' + (p.tlp_max || '') + ')')));
	const expOut = h('div', { id: 'export-out' });
	const exportBtn = (fmt, label) => h('button', { class: 'export', 'data-format': fmt, onclick: async () => {
		try {
			const r = await api('GET', '/ui/api/incidents/' + i.id + '/export' + qs({ partner: expPartner.value, format: fmt }));
			clear(expOut).append(
				h('p', {}, _f('What %s receives: %d objects; withheld: %d incidents, %d events; %d events pseudonymised.', r.partner, r.objects, r.withheld_incidents, r.withheld_events, r.pseudonymised_events)),
				r.reason ? h('p.hint', {}, r.reason) : '',
				h('pre.export-body', {}, r.body));
		} catch (e) {
			fail(e);
		}
	} }, label);
	clear(app).append(
		h('h1', { 'data-state': i.state, 'data-owner': i.owner || '' }, '#' + i.id + ' ', i.title || i.key || ''),
		i.overdue ? h('p.overdue-banner', { role: 'alert' }, _('This incident is past its deadline.')) : '',
		h('dl.summary', {}, field(_('State'), stateName(i.state)), field(_('Resolution'), i.resolution), field(_('Priority'), 'P' + i.priority),
			field('TLP', i.tlp), field('PAP', i.pap), field(_('Owner'), i.owner), field(_('Classification'), i.classification),
			field(_('Organisation'), i.organisation), field(_('Events'), i.events), field(_('First seen'), fmtTime(i.first_seen)),
			field(_('Last seen'), fmtTime(i.last_seen)), field(_('Deadline'), fmtTime(i.deadline)),
			i.merged_into ? field(_('Merged into'), h('a', { href: '#/incident/' + i.merged_into }, '#' + i.merged_into)) : ''),
		actions,
		h('section', {}, h('h2', {}, _('Attribution')),
			h('dl.summary', { id: 'incident-attribution' }, field(_('Country'), i.country), field(_('Autonomous system'), i.asn ? 'AS' + i.asn : ''),
				field(_('Network'), i.network), field(_('Organisation'), i.organisation)),
			h('h3', {}, _('In its events')),
			h('dl.summary', { id: 'attribution' }, Object.entries(attr).map(([k, v]) => field(k, [...v].join(', '))))),
		h('section', {}, h('h2', {}, _('Events'), ' (', d.events.length, ')'), timeline),
		h('section', {}, h('h2', {}, _('Indicators and correlations')), h('table', { id: 'indicators' },
			h('thead', {}, h('tr', {}, h('th', {}, _('Kind')), h('th', {}, _('Value')), h('th', {}, _('Also in')))),
			h('tbody', {}, d.indicators.map((x) => h('tr', {}, h('td', {}, x.kind), h('td', {}, x.value, x.common ? h('span.hint', {}, ' (' + _('common') + ')') : ''),
				h('td', {}, x.incidents.map((o) => [h('a', { href: '#/incident/' + o }, '#' + o), ' '])))))),
			d.links.length ? h('ul', { id: 'links' }, d.links.map((l) => h('li', {}, l.kind, ' ', h('a', { href: '#/incident/' + l.incident }, '#' + l.incident), l.why ? ' — ' + l.why : ''))) : ''),
		h('section', {}, h('h2', {}, _('Notes')), h('ul.notes', { id: 'notes' }, d.notes.map((n) => h('li', {}, h('strong', {}, n.author), ' ', h('time', {}, fmtTime(n.time)), h('p', {}, n.text)))),
			note, h('button', { id: 'add-note', onclick: async () => {
				try {
					await api('POST', '/api/v1/incidents/' + i.id + '/notes', { text: note.value });
					await viewIncident(id);
				} catch (e) {
					fail(e);
				}
			} }, _('Add note'))),
		await attachmentsSection(i.id, me.role !== 'partner', toast),
		h('section', {}, h('h2', {}, _('Notifications')), d.notifications.length ? h('table', { id: 'notices' }, h('tbody', {}, d.notifications.map((n) =>
			h('tr', {}, h('td', {}, n.recipient), h('td', {}, n.name || ''), h('td', {}, n.state), h('td', {}, fmtTime(n.due)), h('td', {}, n.error || ''))))) : h('p', {}, '—')),
		h('section', {}, h('h2', {}, _('Export')), h('p.hint', {}, _('See exactly what a partner receives under the sharing policy.')),
			expPartner, ' ', exportBtn('stix', 'STIX 2.1'), exportBtn('misp', 'MISP'), exportBtn('iodef', 'IODEF'), expOut),
		caseReportSection(i.id, partners.partners),
		h('section', {}, h('h2', {}, _('Audit trail')), h('table', { id: 'audit' }, h('tbody', {}, d.audit.map((a) =>
			h('tr', {}, h('td', {}, fmtTime(a.time)), h('td', {}, a.actor), h('td', {}, a.action),
				h('td', {}, h('code', {}, a.after ? JSON.stringify(a.after) : ''))))))));
	document.body.dataset.ready = 'incident';
}

// ---- event search ----------------------------------------------------------------------------

async function viewEvents() {
	const p = hashParams();
	const keys = ['ip', 'network', 'classification', 'feed', 'fqdn', 'url', 'incident'];
	const labels = { ip: _('IP address'), network: _('Network (CIDR)'), classification: _('Classification'), feed: _('Feed'), fqdn: _('Domain'), url: _('URL prefix'), incident: _('Incident') };
	const f = {};
	for (const k of keys) f[k] = p.get(k) || '';
	f.offset = p.get('offset') || '';
	const form = h('form.filters', {}, keys.map((k) => input(k, labels[k], f[k])), h('button', { type: 'submit' }, _('Search')));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		location.hash = '#/events' + qs(Object.fromEntries(new FormData(form).entries()));
	});
	const data = await api('GET', '/api/v1/events' + qs(Object.assign({ limit: 100 }, f)));
	clear(app).append(h('h1', {}, _('Events')), form,
		h('table', { id: 'events' }, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, _('Time')), h('th', {}, _('Event')), h('th', {}, ''))),
			h('tbody', {}, data.events.map((e) => {
				const raw = h('pre.raw', { hidden: true }, JSON.stringify(e, null, 2));
				return h('tr', {}, h('td', {}, e['vigia.id']), h('td', {}, fmtTime(e['time.source'])), h('td', {}, eventSummary(e), raw),
					h('td', {}, h('button.raw-toggle', { onclick: () => { raw.hidden = !raw.hidden; } }, _('raw'))));
			}))),
		data.next !== null ? h('a', { href: '#/events' + qs(Object.assign({}, f, { offset: data.next })) }, _('Older')) : '');
	document.body.dataset.ready = 'events';
}

// ---- constituency ----------------------------------------------------------------------------

async function viewConstituency() {
	const [c, p] = await Promise.all([api('GET', '/ui/api/orgs'), api('GET', '/ui/api/partners')]);
	clear(app).append(h('h1', {}, _('Constituency')),
		h('h2', {}, _('Organisations'), ' (', c.organisations.length, ')'),
		h('table', { id: 'orgs' }, h('thead', {}, h('tr', {}, [_('Name'), _('Networks'), 'ASN', _('Domains'), _('Contacts')].map((t) => h('th', {}, t)))),
			h('tbody', {}, c.organisations.map((o) => h('tr', {}, h('td', {}, o.name, o.do_not_notify ? h('span.hint', {}, ' (' + _('not notified') + ')') : ''),
				h('td', {}, o.networks.join(', ')), h('td', {}, o.asns.join(', ')), h('td', {}, o.domains.join(', ')),
				h('td', {}, o.contacts.map((x) => x.email).join(', ')))))),
		h('h2', {}, _('National CERTs')),
		h('table', {}, h('tbody', {}, c.certs.map((x) => h('tr', {}, h('td', {}, x.cc), h('td', {}, x.name), h('td', {}, x.contacts.join(', ')))))),
		h('h2', {}, _('Sharing partners')),
		h('table', { id: 'partners' }, h('tbody', {}, p.partners.map((x) => h('tr', {}, h('td', {}, x.name), h('td', {}, x.kind || ''), h('td', {}, x.tlp_max || ''), h('td', {}, x.contact || ''))))),
		constituencyFiles(me.role === 'admin', toast, viewConstituency));
	document.body.dataset.ready = 'constituency';
}

// ---- dashboard -----------------------------------------------------------------------------

async function viewDashboard() {
	const t0 = performance.now();
	const d = await api('GET', '/ui/api/dashboard?days=30');
	const ages = ['0-1d', '1-7d', '7-30d', '30d+'];
	const hours = (sec) => (sec / 3600).toFixed(1) + ' h';
	const resolve = d.resolve.map((r) => ({ label: 'P' + r.a, n: r.n ? r.sum / r.n / 3600 : 0, text: (r.n ? hours(r.sum / r.n) : '0 h') + ' (' + r.n + ')' }));
	// median and 90th percentile per priority: one bar each, labelled "P1 median", "P1 p90"
	const pct = (d.resolve_pct || []).map((r) => ({ label: 'P' + r.a + ' ' + (r.b === '50' ? _('median') : 'p90'), n: r.sum / 3600, text: hours(r.sum) + ' (' + r.n + ')' }));
	const top = (rows, fmt) => rows.map((r) => ({ label: fmt ? fmt(r.a) : r.a, n: r.n }));
	const box = (id, title, chart) => h('section.chart-box', { id }, h('h2', {}, title), chart);
	clear(app).append(h('h1', {}, _('Dashboard')),
		box('d-per-day', _f('Incidents per day by classification (last %d days)', d.days),
			stackedColumns(d.per_day.map((r) => ({ x: r.a, series: r.b || '?', n: r.n })), _('Incidents per day by classification'))),
		box('d-open-age', _('Open incidents by age and priority'),
			stackedColumns(d.open_age.map((r) => ({ x: String(ages.indexOf(r.a)) + ' ' + r.a, series: 'P' + r.b, n: r.n })), _('Open incidents by age and priority'), (x) => x.slice(2))),
		box('d-orgs', _('Most affected organisations'), bars(top(d.top_orgs), _('Most affected organisations'))),
		box('d-countries', _('Most affected countries'), bars(top(d.top_countries || []), _('Most affected countries'))),
		box('d-asns', _('Most affected autonomous systems'), bars(top(d.top_asns || [], (a) => 'AS' + a), _('Most affected autonomous systems'))),
		box('d-networks', _('Most affected networks'), bars(top(d.top_networks || []), _('Most affected networks'))),
		box('d-classes', _('Most frequent classifications'), bars(top(d.top_classes), _('Most frequent classifications'))),
		box('d-sent', _f('Notifications sent per day (last %d days)', d.days),
			stackedColumns((d.sent || []).map((r) => ({ x: r.day, series: _('messages'), n: r.n })), _('Notifications sent per day'))),
		box('d-resolve-pct', _('Time to resolve, by priority (median and 90th percentile)'), bars(pct, _('Time to resolve, by priority'))),
		box('d-resolve', _('Mean time to resolve, by priority'), bars(resolve, _('Mean time to resolve, by priority'))));
	window.vigiaDashboardMs = performance.now() - t0;
	document.body.dataset.ready = 'dashboard';
}

// ---- URL check -------------------------------------------------------------------------------

function viewUrl() {
	const u = h('input', { id: 'url-input', type: 'url', size: 60, 'aria-label': 'URL', required: true });
	const out = h('div', { id: 'url-out' });
	const form = h('form.filters', {}, u, h('button', { type: 'submit' }, _('Check')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			const r = await api('GET', '/ui/api/url' + qs({ url: u.value }));
			clear(out).append(h('p', { class: 'verdict v-' + r.verdict }, _('Verdict:'), ' ', h('strong', { id: 'url-verdict' }, r.verdict), ' (', r.score, '/100)'),
				h('p', {}, _('Canonical:'), ' ', h('code', {}, r.canonical)),
				h('ul', { id: 'url-reasons' }, r.reasons.map((x) => h('li', {}, h('code', {}, x.name), ' +', x.weight, ': ', x.detail))));
		} catch (e) {
			fail(e);
		}
	});
	clear(app).append(h('h1', {}, _('URL check')), form, out);
	document.body.dataset.ready = 'url';
}

// ---- routing -----------------------------------------------------------------------------------

async function route() {
	const path = location.hash.replace(/^#/, '').split('?')[0] || '/';
	document.body.dataset.ready = '';
	if (!me && path !== '/login') {
		location.hash = '#/login';
		return;
	}
	try {
		if (path === '/login') viewLogin();
		else if (path === '/account') viewAccount(app, me);
		else if (me.role === 'partner') clear(app).append(h('h1', {}, _('Partner account')), h('p', {}, _('Partner accounts reach vigia through TAXII 2.1 only.')));
		else if (path === '/') await viewQueue();
		else if (path.startsWith('/incident/')) await viewIncident(path.slice('/incident/'.length));
		else if (path === '/events') await viewEvents();
		else if (path === '/constituency') await viewConstituency();
		else if (path === '/dashboard') await viewDashboard();
		else if (path === '/url') viewUrl();
		else if (path === '/reports') viewReports(clear(app));
		else clear(app).append(h('p', {}, _('No such page.')));
	} catch (e) {
		if (e instanceof ApiError && e.status === 403) clear(app).append(h('p.bad', {}, _('Your role may not see this.')));
		else fail(e);
	}
}

async function start() {
	try {
		me = await api('GET', '/ui/api/session');
		setCsrf(me.csrf);
		await loadLang(me.lang);
	} catch (e) {
		me = null;
		const l = await api('GET', '/ui/api/lang').catch(() => null);
		await loadLang(l ? l.lang : 'en');
	}
	drawHeader();
}

window.addEventListener('hashchange', route);
start().then(route);
