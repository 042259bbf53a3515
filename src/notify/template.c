/*
 * template.c — message templates (notify.h "templates").
 *
 *   Subject: [{{team}}] {{count}} incident(s) in your network
 *
 *   Hello {{recipient_name}},
 *   {{#incidents}}
 *   - #{{id}} {{classification}} {{address}} ({{events}} events, {{first_seen}})
 *   {{/incidents}}
 *
 * A template is compiled once into a list of pieces (text, a field, the start or end of the
 * incidents loop), every field checked against the known names, so a typo is an error when
 * the template is loaded, naming the template, the line and the field, not a blank in a
 * message sent to a stranger.  A line holding only a loop tag leaves no empty line behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/i18n.h"
#include "ingest/ingest.h"
#include "notify/notify.h"

#define TEMPLATE_MAX (1u << 20)

enum field {
	/* the message */
	T_TEAM, T_TEAM_EMAIL, T_RECIPIENT, T_RECIPIENT_NAME, T_LANG, T_INTERVAL, T_DATE, T_COUNT,
	T__TOP,
	/* an incident (inside {{#incidents}}) */
	T_ID = T__TOP, T_TITLE, T_CLASSIFICATION, T_TAXONOMY, T_TLP, T_FIRST_SEEN, T_LAST_SEEN,
	T_EVENTS, T_ADDRESS, T_WHY, T_VERSION,
	T__COUNT
};

static const char *const field_names[T__COUNT] = {
	"team", "team_email", "recipient", "recipient_name", "lang", "interval", "date", "count",
	"id", "title", "classification", "taxonomy", "tlp", "first_seen", "last_seen", "events",
	"address", "why", "version",
};

enum piece_kind { P_TEXT, P_FIELD, P_LOOP, P_END };

struct piece {
	enum piece_kind kind;
	size_t off, len;     /* P_TEXT: in the body */
	enum field field;    /* P_FIELD */
	size_t end;          /* P_LOOP: index of its P_END */
};

struct part {
	struct piece *p;
	size_t n, cap;
};

struct notify_template {
	char *label;
	char *text;          /* owned copy: subject line and body */
	struct part subject, body;
};

const char *notify_template_label(const struct notify_template *t)
{
	return t->label;
}

void notify_template_free(struct notify_template *t)
{
	if (!t)
		return;
	free(t->label);
	free(t->text);
	free(t->subject.p);
	free(t->body.p);
	free(t);
}

static int push(struct part *pt, struct piece pc)
{
	if (pt->n == pt->cap) {
		size_t cap = pt->cap ? pt->cap * 2 : 32;
		struct piece *np = realloc(pt->p, cap * sizeof(*np));
		if (!np)
			return V_ERR_NOMEM;
		pt->p = np;
		pt->cap = cap;
	}
	pt->p[pt->n++] = pc;
	return V_OK;
}

static int fail(struct verr *err, const char *label, long line, const char *field,
		const char *fmt, const char *arg)
{
	verr_set(err, V_ERR_INVALID, field, fmt, arg);
	err->file = label;
	err->line = line;
	return V_ERR_INVALID;
}

/* The same for a reason without an argument. */
static int fail0(struct verr *err, const char *label, long line, const char *reason)
{
	verr_set(err, V_ERR_INVALID, "", "%s", reason);
	err->file = label;
	err->line = line;
	return V_ERR_INVALID;
}

/* Compile text[from, to) into pt; line: the line number text[from] is on. */
static int compile(const char *text, size_t from, size_t to, long line, int loops_ok,
		   struct part *pt, const char *label, struct verr *err)
{
	size_t i = from, start = from, loop = (size_t)-1;

	while (i < to) {
		const char *open = memmem(text + i, to - i, "{{", 2), *close;
		size_t a, b, n, lstart, tagend;
		char name[40];
		int f = -1, kind;

		if (!open)
			break;
		a = (size_t)(open - text);
		for (size_t k = i; k < a; k++)
			line += text[k] == '\n';
		close = memmem(text + a, to - a, "}}", 2);
		if (!close)
			return fail0(err, label, line, _("'{{' without '}}'"));
		b = (size_t)(close - text);
		tagend = b + 2;
		n = b - a - 2;
		kind = n > 0 && text[a + 2] == '#' ? P_LOOP : n > 0 && text[a + 2] == '/' ? P_END
											 : P_FIELD;
		if (kind != P_FIELD) {
			a++;
			n--;
		}
		if (n == 0 || n >= sizeof(name))
			return fail0(err, label, line, _("an empty or overlong field name"));
		memcpy(name, text + a + 2, n);
		name[n] = 0;
		if (kind != P_FIELD) {
			a--;
			if (strcmp(name, "incidents"))
				return fail(err, label, line, name,
					    _("unknown section '%s' (the one section is "
					      "'incidents')"), name);
		} else {
			for (int k = 0; k < T__COUNT; k++)
				if (!strcmp(name, field_names[k]))
					f = k;
			if (f < 0)
				return fail(err, label, line, name,
					    _("unknown field '%s' (known: team, team_email, "
					      "recipient, recipient_name, lang, interval, date, count; "
					      "inside {{#incidents}}: id, title, classification, "
					      "taxonomy, tlp, first_seen, last_seen, events, address, "
					      "why, version)"), name);
			if (f >= T__TOP && loop == (size_t)-1)
				return fail(err, label, line, name,
					    _("field '%s' belongs inside {{#incidents}}"), name);
		}
		/* a section tag alone on its line takes the line with it */
		lstart = a;
		if (kind != P_FIELD) {
			while (lstart > start && (text[lstart - 1] == ' ' || text[lstart - 1] == '\t'))
				lstart--;
			if ((lstart == start || text[lstart - 1] == '\n') &&
			    (tagend == to || text[tagend] == '\n'))
				tagend += tagend < to;
			else
				lstart = a;
		}
		if (lstart > start && push(pt, (struct piece){ .kind = P_TEXT, .off = start,
							     .len = lstart - start }) != V_OK)
			return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
		if (kind == P_LOOP) {
			if (!loops_ok || loop != (size_t)-1)
				return fail(err, label, line, name,
					    _("{{#%s}} cannot be here (no loops in the subject, "
					      "none inside another)"), name);
			loop = pt->n;
		} else if (kind == P_END) {
			if (loop == (size_t)-1)
				return fail(err, label, line, name, _("{{/%s}} without {{#...}}"),
					    name);
		}
		if (push(pt, (struct piece){ .kind = (enum piece_kind)kind,
					     .field = f < 0 ? T_TEAM : (enum field)f }) != V_OK)
			return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
		if (kind == P_END) {
			pt->p[loop].end = pt->n - 1;
			loop = (size_t)-1;
		}
		for (size_t k = a; k < tagend; k++)
			line += text[k] == '\n';
		i = start = tagend;
	}
	if (loop != (size_t)-1)
		return fail(err, label, line, "incidents", _("{{#%s}} is never closed"),
			    "incidents");
	if (to > start && push(pt, (struct piece){ .kind = P_TEXT, .off = start,
						   .len = to - start }) != V_OK)
		return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	return V_OK;
}

int notify_template_parse(const char *text, size_t len, const char *label,
			  struct notify_template **out, struct verr *err)
{
	struct notify_template *t = calloc(1, sizeof(*t));
	const char *nl;
	size_t subj_end, body;
	int rc;

	*out = NULL;
	if (!t || !(t->label = strdup(label)) || !(t->text = malloc(len + 1))) {
		notify_template_free(t);
		return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	}
	memcpy(t->text, text, len);
	t->text[len] = 0;
	if (memchr(text, 0, len) || len < 9 || strncmp(text, "Subject:", 8)) {
		rc = fail0(err, t->label, 1, _("a template starts with a line 'Subject: ...'"));
		goto out;
	}
	nl = memchr(text, '\n', len);
	subj_end = nl ? (size_t)(nl - text) : len;
	body = nl ? subj_end + 1 : len;
	if (body < len && text[body] == '\r')
		body++;
	if (body < len && text[body] == '\n')
		body++; /* the empty line after the subject */
	{
		size_t s = 8;
		while (s < subj_end && text[s] == ' ')
			s++;
		size_t e = subj_end;
		if (e > s && text[e - 1] == '\r')
			e--;
		rc = compile(t->text, s, e, 1, 0, &t->subject, t->label, err);
	}
	if (rc == V_OK)
		rc = compile(t->text, body, len, 3, 1, &t->body, t->label, err);
out:
	if (rc != V_OK) {
		/* the label lives in t: keep it valid for the caller's report */
		static __thread char keep[256];
		snprintf(keep, sizeof(keep), "%s", t->label);
		err->file = keep;
		notify_template_free(t);
		return rc;
	}
	*out = t;
	return V_OK;
}

int notify_template_load(const char *dir, const char *name, const char *lang,
			 struct notify_template **out, struct verr *err)
{
	char label[256], path[4096];
	const char *blob;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!name || !lang || strpbrk(name, "/\\.") || strpbrk(lang, "/\\."))
		return verr_set(err, V_ERR_INVALID, "", _("bad template name or language"));
	snprintf(label, sizeof(label), "%s/%s.txt", lang, name);
	if (dir && dir[0]) {
		FILE *f;
		char *text;
		size_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, label);
		if ((f = fopen(path, "rb"))) {
			if (!(text = malloc(TEMPLATE_MAX + 1))) {
				fclose(f);
				return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
			}
			n = fread(text, 1, TEMPLATE_MAX + 1, f);
			fclose(f);
			if (n > TEMPLATE_MAX) {
				free(text);
				return fail0(err, label, 0, _("template larger than 1 MiB"));
			}
			rc = notify_template_parse(text, n, path, out, err);
			free(text);
			return rc;
		}
		/* not overridden: the built-in one */
	}
	snprintf(path, sizeof(path), "notify/templates/%s", label);
	if (!(blob = blob_get(path, &len))) {
		verr_set(err, V_ERR_NOTFOUND, "", _("no template '%s' in language '%s'"), name,
			 lang);
		return V_ERR_NOTFOUND;
	}
	return notify_template_parse(blob, len, label, out, err);
}

/* ---- rendering ------------------------------------------------------------------------------- */

static void day(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!t) {
		snprintf(out, 32, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

static int put_field(struct buf *out, enum field f, const struct notify_msg *m,
		     const struct notify_msg_incident *mi)
{
	char tmp[32];
	const struct store_incident *inc = mi ? mi->inc : NULL;
	const char *s = NULL;

	switch (f) {
	case T_TEAM: s = m->team; break;
	case T_TEAM_EMAIL: s = m->team_email; break;
	case T_RECIPIENT: s = m->recipient; break;
	case T_RECIPIENT_NAME: s = m->recipient_name ? m->recipient_name : m->recipient; break;
	case T_LANG: s = m->lang; break;
	case T_INTERVAL: s = m->interval; break;
	case T_DATE: day(m->date, tmp); s = tmp; break;
	case T_COUNT: return buf_printf(out, "%zu", m->nincidents);
	case T_ID: return buf_printf(out, "%lld", (long long)inc->id);
	case T_TITLE: s = inc->title; break;
	case T_CLASSIFICATION: s = inc->classification_type; break;
	case T_TAXONOMY: s = inc->taxonomy; break;
	case T_TLP: s = inc->tlp ? inc->tlp : "CLEAR"; break;
	case T_FIRST_SEEN: day(inc->first_seen, tmp); s = tmp; break;
	case T_LAST_SEEN: day(inc->last_seen, tmp); s = tmp; break;
	case T_EVENTS: return buf_printf(out, "%lld", (long long)inc->event_count);
	case T_ADDRESS: s = mi->address; break;
	case T_WHY: s = mi->why; break;
	case T_VERSION: return buf_printf(out, "%lld", (long long)mi->version);
	default: break;
	}
	return buf_puts(out, s ? s : "-");
}

static int render_part(const struct notify_template *t, const struct part *pt, size_t from,
		       size_t to, const struct notify_msg *m, const struct notify_msg_incident *mi,
		       struct buf *out)
{
	int rc = V_OK;

	for (size_t i = from; rc == V_OK && i < to; i++) {
		const struct piece *p = &pt->p[i];
		switch (p->kind) {
		case P_TEXT:
			rc = buf_append(out, t->text + p->off, p->len);
			break;
		case P_FIELD:
			rc = put_field(out, p->field, m, mi);
			break;
		case P_LOOP:
			for (size_t k = 0; rc == V_OK && k < m->nincidents; k++)
				rc = render_part(t, pt, i + 1, p->end, m, &m->incidents[k], out);
			i = p->end;
			break;
		case P_END:
			break;
		}
	}
	return rc;
}

int notify_render(const struct notify_template *t, const struct notify_msg *m, struct buf *subject,
		  struct buf *body, struct verr *err)
{
	int rc = render_part(t, &t->subject, 0, t->subject.n, m, NULL, subject);

	if (rc == V_OK)
		rc = render_part(t, &t->body, 0, t->body.n, m, NULL, body);
	if (rc != V_OK)
		verr_set(err, rc, "", _("the message from template %s is too large"), t->label);
	return rc;
}
