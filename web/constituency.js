// constituency.js — the constituency as a file from the UI: export (the file "vigia
// constituency export" writes) and, for administrators, import: the server checks the file,
// names every bad row with its line and reason, counts what would be added, changed and
// removed, and applies it only when asked (the same code as "vigia constituency import").

import { apiBody, clear, h, qs } from './dom.js';
import { _, _f } from './i18n.js';

function counts(what, c) {
	return h('li', {}, _f('%s: %d added, %d changed, %d unchanged, %d removed', what, c.added, c.changed, c.unchanged, c.removed));
}

export function constituencyFiles(isAdmin, toast, reload) {
	const box = h('section', { id: 'constituency-files' }, h('h2', {}, _('Import and export')),
		h('p', {}, h('a', { id: 'export-csv', class: 'button', download: 'constituency.csv', href: '/api/v1/constituency/export?format=csv' }, _('Export CSV')), ' ',
			h('a', { id: 'export-json', class: 'button', download: 'constituency.json', href: '/api/v1/constituency/export?format=json' }, _('Export JSON'))));
	if (!isAdmin) {
		box.append(h('p.hint', {}, _('Only administrators import a constituency.')));
		return box;
	}
	const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.json,text/csv,application/json', 'aria-label': _('Constituency file') });
	const replace = h('input', { type: 'checkbox', id: 'import-replace' });
	const out = h('div', { id: 'import-out', role: 'status' });
	const apply = h('button', { id: 'import-apply', disabled: true }, _('Apply'));
	const format = () => {
		const f = file.files[0];
		return f && /\.json$/i.test(f.name) ? 'json' : f && /\.csv$/i.test(f.name) ? 'csv' : '';
	};
	const send = async (doApply) => {
		const f = file.files[0];
		if (!f) return null;
		const r = await apiBody('POST', '/api/v1/constituency/import' + qs({ format: format(), replace: replace.checked ? 1 : '', apply: doApply ? 1 : '' }), f, 'application/octet-stream');
		return r.body;
	};
	const show = (b) => {
		clear(out);
		if (!b.valid) {
			apply.disabled = true;
			out.append(h('p.bad', { role: 'alert' }, _f('The file has %d errors; nothing was changed.', b.error_count)),
				h('table', { id: 'import-errors' }, h('thead', {}, h('tr', {}, [_('Line'), _('Field'), _('Reason')].map((t) => h('th', { scope: 'col' }, t)))),
					h('tbody', {}, b.errors.map((e) => h('tr', {}, h('td', {}, e.line || ''), h('td', {}, e.field || ''), h('td', {}, e.reason))))));
			return;
		}
		out.append(h('p', {}, b.applied ? _('Imported.') : _('The file is valid. Applying it would change:')),
			h('ul', { id: 'import-counts' }, counts(_('Organisations'), b.organisations), counts(_('National CERTs'), b.certs)));
	};
	const check = h('button', { id: 'import-check', onclick: async () => {
		try {
			const b = await send(false);
			if (!b) return;
			show(b);
			apply.disabled = !b.valid;
		} catch (e) {
			toast(e.message || String(e), true);
		}
	} }, _('Check'));
	apply.addEventListener('click', async () => {
		try {
			const b = await send(true);
			if (!b) return;
			show(b);
			apply.disabled = true;
			if (b.applied) {
				toast(_('Imported.'));
				await reload();
			}
		} catch (e) {
			toast(e.message || String(e), true);
		}
	});
	replace.addEventListener('change', () => {
		apply.disabled = true;
		clear(out);
	});
	file.addEventListener('change', () => {
		apply.disabled = true;
		clear(out);
	});
	box.append(h('div.actions', { role: 'group', 'aria-label': _('Import a constituency file') }, file, ' ',
		h('label', { for: 'import-replace' }, replace, ' ', _('replace the whole constituency')), ' ', check, ' ', apply), out);
	return box;
}
