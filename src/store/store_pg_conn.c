/*
 * store_pg_conn.c — the statement layer of the PostgreSQL backend over libpq (store_pg.h):
 * connecting, preparing with the parameters renumbered, binding, walking a result, and the
 * wording of errors (SQLSTATE classes to vres codes, the server named, never its password).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "store/store_pg.h"

#define MAX_PARAMS 32
#define MAX_NAMES 32

struct store_pq_stmt {
	struct store_pq *pq;
	struct store_pq_stmt *next;
	const void *key;        /* of store_pq_prepare_keyed, or NULL */
	char name[16];
	int nparams;
	char *names[MAX_NAMES]; /* names[k]: the name of parameter k+1 (":ip"), or NULL */
	char *val[MAX_PARAMS];
	int len[MAX_PARAMS];
	int fmt[MAX_PARAMS];
	PGresult *res;
	int row;                /* the current row; -1 before the first step */
	unsigned char *blob;    /* the last decoded bytea */
};

static void set_error(struct store_pq *pq, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	size_t n;

	if (!msg || !*msg)
		msg = PQerrorMessage(pq->conn);
	free(pq->errmsg);
	pq->errmsg = strdup(msg ? msg : "");
	/* libpq's messages span lines ("DETAIL", "HINT", a reason per address tried): one line */
	while (pq->errmsg && (n = strlen(pq->errmsg)) > 0 &&
	       (pq->errmsg[n - 1] == '\n' || pq->errmsg[n - 1] == ' '))
		pq->errmsg[n - 1] = 0;
	for (char *c = pq->errmsg; c && *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	snprintf(pq->sqlstate, sizeof(pq->sqlstate), "%s", state ? state : "");
}

/* libpq prints the notices of the server (NOTICE: relation exists, ...) on stderr: not ours */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int store_pq_connect(struct store_pq *pq, const char *conninfo, const char *where,
		     struct verr *err)
{
	memset(pq, 0, sizeof(*pq));
	pq->where = where;
	pq->conn = PQconnectdb(conninfo);
	if (!pq->conn)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	if (PQstatus(pq->conn) != CONNECTION_OK) {
		set_error(pq, NULL);
		return verr_set(err, V_ERR_IO, "", _("cannot connect to PostgreSQL server %s (%s)"),
				where, pq->errmsg ? pq->errmsg : "");
	}
	PQsetNoticeProcessor(pq->conn, quiet, NULL);
	/* vigia's text is UTF-8 whatever the database's encoding: the server converts, or
	 * refuses what that encoding cannot hold, instead of storing the bytes as something else */
	if (PQsetClientEncoding(pq->conn, "UTF8") != 0) {
		set_error(pq, NULL);
		return verr_set(err, V_ERR_IO, "", _("database %s: %s"), where,
				pq->errmsg ? pq->errmsg : "");
	}
	return V_OK;
}

void store_pq_close(struct store_pq *pq)
{
	struct store_pq_stmt *st, *nx;

	for (st = pq->all; st; st = nx) {
		nx = st->next;
		store_pq_reset(st);
		for (int i = 0; i < MAX_NAMES; i++)
			free(st->names[i]);
		free(st);
	}
	pq->all = NULL;
	if (pq->conn)
		PQfinish(pq->conn);
	pq->conn = NULL;
	free(pq->errmsg);
	pq->errmsg = NULL;
}

int store_pq_exec(struct store_pq *pq, const char *sql)
{
	PGresult *r = PQexec(pq->conn, sql);
	int st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	int rc = STORE_PQ_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		set_error(pq, r);
		rc = STORE_PQ_ERROR;
	} else {
		pq->sqlstate[0] = 0;
	}
	PQclear(r);
	return rc;
}

int store_pq_autocommit(struct store_pq *pq)
{
	return PQtransactionStatus(pq->conn) == PQTRANS_IDLE;
}

int store_pq_fail(struct store_pq *pq, struct verr *err)
{
	const char *s = pq->sqlstate, *msg = pq->errmsg ? pq->errmsg : "";

	if (PQstatus(pq->conn) != CONNECTION_OK)
		return verr_set(err, V_ERR_IO, "", _("lost the connection to PostgreSQL server %s "
						     "(%s)"), pq->where, msg);
	if (!strcmp(s, "23503"))
		return verr_set(err, V_ERR_NOTFOUND, "",
				_("database %s: a referenced incident, event, batch or indicator "
				  "does not exist"), pq->where);
	if (!strncmp(s, "23", 2) || !strncmp(s, "22", 2))
		return verr_set(err, V_ERR_INVALID, "", _("database %s: %s"), pq->where, msg);
	/* program_limit_exceeded: a value too large for an index (btree rows hold ~2.7 kB) */
	if (!strncmp(s, "54", 2))
		return verr_set(err, V_ERR_LIMIT, "", _("database %s: %s"), pq->where, msg);
	if (!strcmp(s, "40001") || !strcmp(s, "40P01") || !strcmp(s, "55P03"))
		return verr_set(err, V_ERR_IO, "",
				_("database %s: a concurrent transaction conflicted with this one "
				  "(%s); try again"), pq->where, msg);
	if (!strcmp(s, "53100"))
		return verr_set(err, V_ERR_IO, "", _("database %s: the disk is full"), pq->where);
	if (!strncmp(s, "53", 2))
		return verr_set(err, V_ERR_NOMEM, "", _("database %s: out of resources (%s)"),
				pq->where, msg);
	return verr_set(err, V_ERR_IO, "", _("database %s: %s"), pq->where, msg);
}

/* ?N and :name become $N ($N stays); text in quotes is left alone.  OUT: the SQL in b. */
static int renumber(struct store_pq_stmt *st, const char *sql, struct buf *b)
{
	const char *p = sql;
	int quote = 0, rc = V_OK;

	while (*p && rc == V_OK) {
		if (*p == '\'') {
			quote = !quote;
			rc = buf_putc(b, *p++);
		} else if (!quote && (*p == '?' || *p == '$') && p[1] >= '0' && p[1] <= '9') {
			int n = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (*p - '0');
			if (n > st->nparams)
				st->nparams = n;
			rc = buf_printf(b, "$%d", n);
		} else if (!quote && *p == ':' && p[1] != ':' && (p == sql || p[-1] != ':') &&
			   ((p[1] >= 'a' && p[1] <= 'z') || p[1] == '_')) {
			const char *s = p++;
			int k;
			while ((*p >= 'a' && *p <= 'z') || *p == '_' || (*p >= '0' && *p <= '9'))
				p++;
			for (k = 0; k < st->nparams && k < MAX_NAMES; k++)
				if (st->names[k] && strlen(st->names[k]) == (size_t)(p - s) &&
				    !strncmp(st->names[k], s, (size_t)(p - s)))
					break;
			if (k >= MAX_NAMES)
				return V_ERR_INVALID;
			if (k == st->nparams) {
				if (!(st->names[k] = strndup(s, (size_t)(p - s))))
					return V_ERR_NOMEM;
				st->nparams++;
			}
			rc = buf_printf(b, "$%d", k + 1);
		} else {
			rc = buf_putc(b, *p++);
		}
	}
	if (rc == V_OK && st->nparams > MAX_PARAMS)
		rc = V_ERR_INVALID;
	return rc;
}

int store_pq_prepare(struct store_pq *pq, const char *sql, struct store_pq_stmt **out)
{
	struct store_pq_stmt *st = calloc(1, sizeof(*st));
	struct buf b;
	PGresult *r;
	int ok;

	*out = NULL;
	if (!st)
		return STORE_PQ_ERROR;
	st->pq = pq;
	st->row = -1;
	buf_init(&b, 1 << 16);
	if (renumber(st, sql, &b) != V_OK || buf_putc(&b, 0) != V_OK) {
		buf_fini(&b);
		for (int i = 0; i < MAX_NAMES; i++)
			free(st->names[i]);
		free(st);
		free(pq->errmsg);
		pq->errmsg = strdup("statement too large or with too many parameters");
		return STORE_PQ_ERROR;
	}
	snprintf(st->name, sizeof(st->name), "s%u", ++pq->next_name);
	r = PQprepare(pq->conn, st->name, b.data, 0, NULL);
	buf_fini(&b);
	ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		set_error(pq, r);
	PQclear(r);
	if (!ok) {
		for (int i = 0; i < MAX_NAMES; i++)
			free(st->names[i]);
		free(st);
		return STORE_PQ_ERROR;
	}
	st->next = pq->all;
	pq->all = st;
	*out = st;
	return STORE_PQ_OK;
}

int store_pq_prepare_once(struct store_pq *pq, const char *sql, struct store_pq_stmt **out)
{
	return store_pq_prepare_keyed(pq, sql, sql, out);
}

int store_pq_prepare_keyed(struct store_pq *pq, const void *key, const char *sql,
			   struct store_pq_stmt **out)
{
	int rc;

	for (struct store_pq_stmt *st = pq->all; st; st = st->next)
		if (st->key == key) {
			store_pq_reset(st);
			*out = st;
			return STORE_PQ_OK;
		}
	if ((rc = store_pq_prepare(pq, sql, out)) == STORE_PQ_OK)
		(*out)->key = key;
	return rc;
}

void store_pq_reset(struct store_pq_stmt *st)
{
	if (!st)
		return;
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	PQfreemem(st->blob);
	st->blob = NULL;
	for (int i = 0; i < MAX_PARAMS; i++) {
		free(st->val[i]);
		st->val[i] = NULL;
		st->len[i] = 0;
		st->fmt[i] = 0;
	}
}

void store_pq_reset_all(struct store_pq *pq)
{
	for (struct store_pq_stmt *st = pq->all; st; st = st->next)
		store_pq_reset(st);
}

static void put(struct store_pq_stmt *st, int i, const void *v, int n, int fmt)
{
	char *c;

	if (i < 1 || i > MAX_PARAMS)
		return;
	free(st->val[i - 1]);
	st->val[i - 1] = NULL;
	if (!v)
		return;
	if ((c = malloc((size_t)n + 1)) == NULL)
		return; /* out of memory: sent as NULL, and the statement fails on its NOT NULL */
	memcpy(c, v, (size_t)n);
	c[n] = 0;
	st->val[i - 1] = c;
	st->len[i - 1] = n;
	st->fmt[i - 1] = fmt;
}

void store_pq_bind_int64(struct store_pq_stmt *st, int i, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%lld", (long long)v);
	put(st, i, t, n, 0);
}

void store_pq_bind_text(struct store_pq_stmt *st, int i, const char *v, int n)
{
	put(st, i, v, v && n < 0 ? (int)strlen(v) : n, 0);
}

void store_pq_bind_blob(struct store_pq_stmt *st, int i, const void *v, int n)
{
	put(st, i, v ? v : "", n, 1);
}

void store_pq_bind_null(struct store_pq_stmt *st, int i)
{
	put(st, i, NULL, 0, 0);
}

int store_pq_param_index(struct store_pq_stmt *st, const char *name)
{
	for (int k = 0; k < st->nparams && k < MAX_NAMES; k++)
		if (st->names[k] && !strcmp(st->names[k], name))
			return k + 1;
	return 0;
}

/* What a query's result says: changes, last_id; 0, or -1 after recording its error. */
static int took(struct store_pq *pq, PGresult *res)
{
	const char *cmd, *tuples;
	int s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		set_error(pq, res);
		return -1;
	}
	pq->sqlstate[0] = 0;
	tuples = PQcmdTuples(res);
	pq->changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
	cmd = PQcmdStatus(res);
	if (cmd && !strncmp(cmd, "INSERT", 6) && PQntuples(res) > 0 && PQnfields(res) > 0)
		pq->last_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	return 0;
}

int store_pq_step(struct store_pq_stmt *st)
{
	struct store_pq *pq = st->pq;

	if (!st->res) {
		st->res = PQexecPrepared(pq->conn, st->name, st->nparams,
					 (const char *const *)st->val, st->len, st->fmt, 0);
		if (took(pq, st->res) != 0) {
			PQclear(st->res);
			st->res = NULL;
			return STORE_PQ_ERROR;
		}
	}
	if (st->row + 1 < PQntuples(st->res)) {
		st->row++;
		return STORE_PQ_ROW;
	}
	st->row = PQntuples(st->res);
	return STORE_PQ_DONE;
}

int store_pq_run_pair(struct store_pq_stmt *a, struct store_pq_stmt *b)
{
	struct store_pq *pq = a->pq;
	PGresult *r, *res[2] = { NULL, NULL };
	int k = 0, sync = 0, rc = STORE_PQ_OK;

	if (!PQenterPipelineMode(pq->conn)) {
		set_error(pq, NULL);
		return STORE_PQ_ERROR;
	}
	if (!PQsendQueryPrepared(pq->conn, a->name, a->nparams, (const char *const *)a->val,
				 a->len, a->fmt, 0) ||
	    !PQsendQueryPrepared(pq->conn, b->name, b->nparams, (const char *const *)b->val,
				 b->len, b->fmt, 0) ||
	    !PQpipelineSync(pq->conn)) {
		set_error(pq, NULL);
		rc = STORE_PQ_ERROR;
	}
	/* a's result, NULL, b's result (or PIPELINE_ABORTED), NULL, then the sync point; on a
	 * lost connection PQgetResult keeps answering NULL: stop after two in a row */
	for (int nulls = 0; rc == STORE_PQ_OK && !sync && nulls < 2;) {
		if (!(r = PQgetResult(pq->conn))) {
			nulls++;
			continue;
		}
		nulls = 0;
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC)
			sync = 1;
		if (PQresultStatus(r) != PGRES_PIPELINE_SYNC && k < 2)
			res[k++] = r;
		else
			PQclear(r);
	}
	if (rc == STORE_PQ_OK && (!sync || k < 2)) {
		set_error(pq, res[0] && PQresultStatus(res[0]) != PGRES_COMMAND_OK &&
				      PQresultStatus(res[0]) != PGRES_TUPLES_OK ? res[0] : NULL);
		rc = STORE_PQ_ERROR;
	} else if (rc == STORE_PQ_OK && (took(pq, res[0]) != 0 || took(pq, res[1]) != 0)) {
		rc = STORE_PQ_ERROR;
	}
	PQexitPipelineMode(pq->conn);
	PQclear(res[0]);
	if (rc == STORE_PQ_OK) {
		PQclear(b->res);
		b->res = res[1];
		b->row = -1;
	} else {
		PQclear(res[1]);
	}
	return rc;
}

static int valid(struct store_pq_stmt *st, int i)
{
	return st->res && st->row >= 0 && st->row < PQntuples(st->res) && i >= 0 &&
	       i < PQnfields(st->res) && !PQgetisnull(st->res, st->row, i);
}

int64_t store_pq_column_int64(struct store_pq_stmt *st, int i)
{
	const char *v;

	if (!valid(st, i))
		return 0;
	v = PQgetvalue(st->res, st->row, i);
	if (*v == 't')
		return 1; /* a boolean */
	return strtoll(v, NULL, 10);
}

const char *store_pq_column_text(struct store_pq_stmt *st, int i)
{
	return valid(st, i) ? PQgetvalue(st->res, st->row, i) : NULL;
}

const void *store_pq_column_blob(struct store_pq_stmt *st, int i, size_t *n)
{
	*n = 0;
	PQfreemem(st->blob);
	st->blob = NULL;
	if (!valid(st, i))
		return NULL;
	st->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(st->res, st->row, i), n);
	return st->blob;
}
