// account.js — the signed-in account's own page: change its password (POST /ui/api/password
// with the current one; the server throttles and audits wrong ones).  The first password of an
// account is set by an administrator with `vigia account passwd`.  A new password signs out
// every other browser of the account (its sessions carry a stamp of the password).

import { api, clear, h, setCsrf } from './dom.js';
import { _ } from './i18n.js';

export function viewAccount(app, me) {
	const field = (id, label, ac) => [h('label', { for: id }, label),
		h('input', { id, type: 'password', autocomplete: ac, required: true })];
	const [lc, cur] = field('pw-current', _('Current password'), 'current-password');
	const [ln, next] = field('pw-new', _('New password'), 'new-password');
	const [lr, again] = field('pw-again', _('New password again'), 'new-password');
	const msg = h('p', { id: 'pw-msg', role: 'status' });
	const say = (text, bad) => clear(msg).append(h(bad ? 'span.bad' : 'span.good', {}, text));
	const form = h('form.login', { id: 'pw-form' },
		h('h1', {}, _('Your account')),
		h('p', {}, me.name + ' (' + me.role + ')'),
		h('h2', {}, _('Change your password')),
		lc, cur, ln, next, lr, again,
		h('button', { type: 'submit', id: 'pw-submit' }, _('Change password')), msg,
		h('p.hint', {}, _('At least 10 characters. Every other browser signed in as you is signed out.')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (next.value !== again.value) {
			say(_('The two new passwords differ.'), true);
			return;
		}
		try {
			const r = await api('POST', '/ui/api/password', { current: cur.value, new: next.value });
			// this browser stays signed in under a new cookie, with a new CSRF token
			if (r && r.csrf) setCsrf(r.csrf);
			say(_('Your password has been changed.'), false);
		} catch (e) {
			say(e.status === 403 && e.message === 'the current password is wrong' ? _('The current password is wrong.')
				: e.status === 409 ? _('This account has no password yet: an administrator sets the first one.')
				: e.status === 429 ? _('Too many failed sign-ins: try again in a few minutes.')
				: e.message, true);
		}
		cur.value = next.value = again.value = '';
	});
	clear(app).append(form);
	cur.focus();
	document.body.dataset.ready = 'account';
}
