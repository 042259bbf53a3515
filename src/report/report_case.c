/*
 * report_case.c — the case report of one incident (report.h): a share view of that incident
 * for the recipient, so the sharing policy decides what it holds, plus, for the team's own
 * copy only, the analysts' notes and the count of notifications sent.
 */
#include <stdio.h>
#include <inttypes.h>
#include <string.h>

#include "base/i18n.h"
#include "report/report.h"

struct notes_arg {
	struct buf *out;
	int rc;
};

static int note_row(void *arg, int64_t id, const char *author, int64_t time, const char *text)
{
	struct notes_arg *a = arg;
	char day[16];

	(void)id;
	report_day(time, day);
	a->rc = buf_printf(a->out, "%s  %s: %s\n", day, author ? author : "-", text ? text : "");
	return a->rc != V_OK;
}

static int ledger_row(void *arg, const struct store_ledger *l)
{
	(void)l;
	(*(int64_t *)arg)++;
	return 0;
}

int report_case_load(struct store *st, int64_t id, const struct policy_recipient *r,
		     enum tlp dflt, struct report_case *c, struct verr *err)
{
	struct share_view_options o = { 0 };
	int rc;

	memset(c, 0, sizeof(*c));
	buf_init(&c->notes, (size_t)4 << 20);
	c->id = id;
	c->internal = r->kind == RK_INTERNAL;
	o.recipient = r;
	o.incidents = &id;
	o.nincidents = 1;
	o.default_tlp = dflt;
	o.keep_events = 1;
	o.max_events = 10000;
	if ((rc = share_view_build(st, &o, &c->view, err)) != V_OK)
		return rc;
	if (c->view->nincidents != 1)
		return verr_set(err, V_ERR_INVALID, "",
				_("incident %" PRId64 " is withheld from %s by the sharing policy: "
				  "%s"), id, r->name ? r->name : policy_kind_name(r->kind),
				c->view->first_reason);
	c->inc = &c->view->incidents[0];
	if (!c->internal)
		return V_OK;
	{
		struct notes_arg a = { .out = &c->notes, .rc = V_OK };
		if ((rc = store_notes_list(st, id, note_row, &a, err)) != V_OK)
			return rc;
		if (a.rc != V_OK)
			return verr_set(err, a.rc, "", _("the notes of incident %" PRId64
							 " are too long for a report"), id);
	}
	return store_ledger_query(st, NULL, id, ledger_row, &c->messages, err);
}

void report_case_fini(struct report_case *c)
{
	share_view_free(c->view);
	buf_fini(&c->notes);
	memset(c, 0, sizeof(*c));
}
