// dom.js — the page's two tools: h() builds elements (text always through textContent, never
// parsed as HTML, so a hostile value in an event is shown, not run) and api() calls the JSON
// API with the session cookie, sending the CSRF token on every change.

let csrf = '';

export function setCsrf(t) {
	csrf = t || '';
}

// h('tag.class', {attr: value, onclick: fn}, child, ...): children are nodes or text.
export function h(spec, attrs, ...children) {
	const [tag, ...cls] = spec.split('.');
	const el = document.createElement(tag || 'div');
	if (cls.length) el.className = cls.join(' ');
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
		else if (k === 'value') el.value = v;
		else if (k === 'checked') el.checked = !!v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	for (const c of children.flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

export function clear(el) {
	while (el.firstChild) el.removeChild(el.firstChild);
	return el;
}

export class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

export async function api(method, path, body) {
	const opt = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
	if (body !== undefined) {
		opt.headers['Content-Type'] = 'application/json';
		opt.body = JSON.stringify(body);
	}
	if (method !== 'GET') opt.headers['X-CSRF-Token'] = csrf;
	const r = await fetch(path, opt);
	let j = null;
	try {
		j = await r.json();
	} catch (e) {
		j = null;
	}
	if (!r.ok) {
		const m = j && j.error ? j.error.detail || j.error.title : r.statusText;
		throw new ApiError(r.status, m);
	}
	return j;
}

// "2026-11-28T10:00:00Z" or unix seconds -> "2026-11-28 10:00" (UTC, as the CLI shows times)
export function fmtTime(t) {
	if (t === null || t === undefined || t === '') return '';
	const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
	if (isNaN(d)) return String(t);
	return d.toISOString().slice(0, 16).replace('T', ' ');
}

export function qs(params) {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
	const s = u.toString();
	return s ? '?' + s : '';
}

// apiBody('POST', path, blob, type): send a file as the raw body (with the CSRF token), the
// answer as JSON; errors as api() throws them.  {status, body} also for a 422 that carries
// what the server found wrong (the constituency import's rows).
export async function apiBody(method, path, body, type) {
	const opt = {
		method, body, credentials: 'same-origin',
		headers: { Accept: 'application/json', 'Content-Type': type || 'application/octet-stream', 'X-CSRF-Token': csrf },
	};
	const r = await fetch(path, opt);
	let j = null;
	try {
		j = await r.json();
	} catch (e) {
		j = null;
	}
	if (!r.ok && !(r.status === 422 && j)) {
		const m = j && j.error ? j.error.detail || j.error.title : r.statusText;
		throw new ApiError(r.status, m);
	}
	return { status: r.status, body: j };
}
