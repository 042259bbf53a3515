// attachments.js — the incident page's attachments (list, download, upload) and its case
// report for a chosen partner.  Downloads are plain links to /api/v1: the server sends every
// attachment as a file to save (Content-Disposition: attachment, nosniff), never as a page.

import { apiBody, api, clear, fmtTime, h, qs } from './dom.js';
import { _, _f, currentLang } from './i18n.js';

function size(n) {
	if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MiB';
	if (n >= 1024) return (n / 1024).toFixed(1) + ' KiB';
	return n + ' B';
}

// The attachments section of incident id; toast(msg, bad) reports.
export async function attachmentsSection(id, canWrite, toast) {
	const box = h('section', { id: 'attachments' });
	const draw = async () => {
		const d = await api('GET', '/api/v1/incidents/' + id + '/attachments');
		const file = h('input', { type: 'file', id: 'attach-file', 'aria-label': _('File to attach') });
		const send = h('button', { id: 'attach-send', onclick: async () => {
			const f = file.files[0];
			if (!f) return;
			if (d.max_size > 0 && f.size > d.max_size) {
				toast(_f('The file is larger than %s.', size(d.max_size)), true);
				return;
			}
			try {
				const r = await apiBody('POST', '/api/v1/incidents/' + id + '/attachments' + qs({ name: f.name }), f);
				toast(_f('%s attached (SHA-256 %s).', r.body.name, r.body.sha256));
				await draw();
			} catch (e) {
				toast(e.message || String(e), true);
			}
		} }, _('Attach'));
		clear(box).append(h('h2', {}, _('Attachments')),
			d.attachments.length ? h('table', { id: 'attachment-list' },
				h('thead', {}, h('tr', {}, [_('Name'), _('Size'), 'SHA-256', _('Attached by'), _('When')].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', {}, d.attachments.map((a) => h('tr', {},
					h('td', {}, h('a', { class: 'attachment', href: '/api/v1/incidents/' + id + '/attachments/' + a.sha256, download: a.name, 'data-sha256': a.sha256 }, a.name)),
					h('td', {}, size(a.size)), h('td', {}, h('code', {}, a.sha256)),
					h('td', {}, a.by || ''), h('td', {}, fmtTime(a.time)))))) : h('p', {}, '—'),
			canWrite ? h('div.actions', { role: 'group', 'aria-label': _('Attach a file') }, file, ' ', send,
				h('span.hint', {}, ' ', _f('At most %s.', size(d.max_size)))) : '');
	};
	await draw();
	return box;
}

// The case report of incident id for a partner (or the team's own copy), as the CLI's
// "vigia report --incident ID --for PARTNER": the sharing policy decides what is in it.
export function caseReportSection(id, partners) {
	const who = h('select', { id: 'report-partner', 'aria-label': _('Recipient') },
		h('option', { value: '' }, _('our team (internal copy)')),
		partners.map((p) => h('option', { value: p.name }, p.name + (p.tlp_max ? ' (' + p.tlp_max + ')' : ''))));
	const link = (format) => '/api/v1/incidents/' + id + '/report' + qs({ for: who.value, format, lang: currentLang() });
	const html = h('a', { id: 'case-report-html', class: 'button', target: '_blank', rel: 'noopener', href: link('html') }, _('Open report'));
	const pdf = h('a', { id: 'case-report-pdf', class: 'button', download: 'vigia-incident-' + id + '.pdf', href: link('pdf') }, _('Download PDF'));
	who.addEventListener('change', () => {
		html.href = link('html');
		pdf.href = link('pdf');
	});
	return h('section', { id: 'case-report' }, h('h2', {}, _('Case report')),
		h('p.hint', {}, _('What the chosen recipient may see under the sharing policy.')),
		who, ' ', html, ' ', pdf);
}
