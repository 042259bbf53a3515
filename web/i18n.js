// i18n.js — Spanish and English: _() looks a message up in the Spanish catalogue
// (/ui/i18n-es.json, made at build time from po/es.po, the same catalogue as the command
// line's) and falls back to the English message, as gettext does.

let cat = {};
let lang = 'en';

export async function loadLang(l) {
	lang = l === 'es' ? 'es' : 'en';
	cat = {};
	document.documentElement.lang = lang;
	if (lang === 'es') {
		const r = await fetch('i18n-es.json', { credentials: 'same-origin' });
		if (r.ok) cat = await r.json();
	}
}

export function currentLang() {
	return lang;
}

export function _(msgid) {
	return cat[msgid] || msgid;
}

// _f('%s of %s', a, b): printf-style %s and %d in order
export function _f(msgid, ...args) {
	let i = 0;
	return _(msgid).replace(/%[sd]/g, () => String(args[i++]));
}
