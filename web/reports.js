// reports.js — the Report page: the period report for management (vigia report --since Nd)
// opened as HTML in a new tab or downloaded as PDF, drawn by src/report on the server.

import { h } from './dom.js';
import { _, currentLang } from './i18n.js';

export function viewReports(app) {
	const days = h('input', { id: 'report-days', type: 'number', min: 1, max: 1000, value: 30, 'aria-label': _('Days') });
	const link = (format) => '/api/v1/reports/period?days=' + encodeURIComponent(days.value || '30') + '&format=' + format + '&lang=' + currentLang();
	const html = h('a', { id: 'period-html', class: 'button', target: '_blank', rel: 'noopener', href: link('html') }, _('Open report'));
	const pdf = h('a', { id: 'period-pdf', class: 'button', download: 'vigia-report.pdf', href: link('pdf') }, _('Download PDF'));
	days.addEventListener('input', () => {
		html.href = link('html');
		pdf.href = link('pdf');
	});
	app.append(h('h1', {}, _('Report')),
		h('p', {}, _('The period report for management: counts, trends with charts, the most affected organisations and the notable incidents.')),
		h('label', { for: 'report-days' }, _('Last days'), ' '), days, ' ', html, ' ', pdf);
	document.body.dataset.ready = 'reports';
}
