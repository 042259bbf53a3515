// charts.js — the dashboard's charts as SVG drawn here (no library): stacked columns over
// time and horizontal bars.  Every bar carries its number as text and a <title>, and the
// colours are told apart by a legend, so a chart reads on screen, to a screen reader and
// printed in black and white.

const NS = 'http://www.w3.org/2000/svg';
const COLOURS = ['#1f5fa8', '#d9822b', '#2e8540', '#b3261e', '#6b4ea8', '#00838f', '#8d6e63',
	'#c2185b', '#5d6d7e', '#9e9d24'];

function s(tag, attrs, ...children) {
	const el = document.createElementNS(NS, tag);
	for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
	for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	return el;
}

function svgRoot(w, hgt, label) {
	return s('svg', { viewBox: `0 0 ${w} ${hgt}`, width: '100%', role: 'img', 'aria-label': label,
		class: 'chart' });
}

function empty(label) {
	const svg = svgRoot(720, 30, label);
	svg.append(s('text', { x: 40, y: 20, class: 'tick' }, '—'));
	return svg;
}

// Stacked columns: rows [{x, series, n}] -> one column per x (in x's order), stacked by
// series, its total written above it; xLabel(x) is what the axis shows.
export function stackedColumns(rows, label, xLabel) {
	if (!rows.length) return empty(label);
	const lab = xLabel || ((x) => x.slice(5));
	const xs = [...new Set(rows.map((r) => r.x))].sort();
	const series = [...new Set(rows.map((r) => r.series))].sort();
	const tot = {};
	for (const r of rows) tot[r.x] = (tot[r.x] || 0) + r.n;
	const max = Math.max(1, ...Object.values(tot));
	const W = 720, H = 260, L = 40, B = 40, T = 18;
	const cw = Math.min(60, (W - L - 10) / xs.length);
	const svg = svgRoot(W, H + 22 * Math.ceil(series.length / 4), label);
	svg.append(s('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }));
	svg.append(s('line', { x1: L, y1: H - B, x2: W - 10, y2: H - B, class: 'axis' }));
	svg.append(s('text', { x: L - 4, y: T + 10, 'text-anchor': 'end', class: 'tick' }, max));
	svg.append(s('text', { x: L - 4, y: H - B, 'text-anchor': 'end', class: 'tick' }, 0));
	xs.forEach((x, i) => {
		let y = H - B;
		for (const [k, se] of series.entries()) {
			const r = rows.find((q) => q.x === x && q.series === se);
			if (!r) continue;
			const bh = ((H - B - T) * r.n) / max;
			y -= bh;
			svg.append(s('rect', { x: L + i * cw + 1, y, width: Math.max(1, cw - 2), height: bh,
				fill: COLOURS[k % COLOURS.length] }, s('title', {}, `${x} ${se}: ${r.n}`)));
		}
		svg.append(s('text', { x: L + i * cw + cw / 2, y: y - 3, 'text-anchor': 'middle',
			class: 'tick' }, tot[x]));
		if (xs.length <= 16 || i % Math.ceil(xs.length / 12) === 0)
			svg.append(s('text', { x: L + i * cw + cw / 2, y: H - B + 14, 'text-anchor': 'middle',
				class: 'tick' }, lab(x)));
	});
	legend(svg, series, H);
	return svg;
}

function legend(svg, series, y0) {
	series.forEach((se, k) => {
		const x = 40 + (k % 4) * 170, y = y0 + 22 * Math.floor(k / 4);
		svg.append(s('rect', { x, y: y - 10, width: 12, height: 12, fill: COLOURS[k % COLOURS.length] }));
		svg.append(s('text', { x: x + 16, y, class: 'tick' }, se));
	});
}

// Horizontal bars: rows [{label, n, text}] (text: what to write beside the bar; default n).
export function bars(rows, label) {
	if (!rows.length) return empty(label);
	const max = Math.max(1, ...rows.map((r) => r.n));
	const W = 720, rowH = 24, L = 200;
	const svg = svgRoot(W, rows.length * rowH + 10, label);
	rows.forEach((r, i) => {
		const y = 5 + i * rowH, w = ((W - L - 80) * r.n) / max;
		svg.append(s('text', { x: L - 6, y: y + 15, 'text-anchor': 'end', class: 'tick' },
			r.label.length > 30 ? r.label.slice(0, 29) + '…' : r.label));
		svg.append(s('rect', { x: L, y: y + 3, width: Math.max(1, w), height: rowH - 8,
			fill: COLOURS[i % COLOURS.length] }, s('title', {}, `${r.label}: ${r.text || r.n}`)));
		svg.append(s('text', { x: L + w + 6, y: y + 15, class: 'tick' }, r.text || r.n));
	});
	return svg;
}
