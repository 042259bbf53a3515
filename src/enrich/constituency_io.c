/*
 * constituency_io.c — the constituency as files: import and export in CSV and JSON
 * (docs/formats.md "Constituency files").
 *
 * An import is all or nothing.  constituency_file_read reads the whole file and checks every
 * value, every owner and every conflict inside the file before anything is written, and
 * names the first bad row (CSV: file, line, column; JSON: file and the path of the value).
 * constituency_file_apply then checks the file against the organisations already in the
 * store and writes everything inside the caller's one transaction.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "base/utf8.h"
#include "enrich/constituency.h"

#define FILE_CAP ((size_t)64 << 20) /* a constituency file bigger than this is a mistake */
#define CSV_COLS 16

/* ---- the file in memory ---------------------------------------------------------------------- */

/* Where a value came from: its CSV line, or its index in the JSON arrays. */
struct loc {
	long line;       /* CSV: the row's first line; 0 for JSON */
	int org, item;   /* JSON: organisations[org].<kind>[item]; item -1: the organisation */
	int kind;        /* K_* of the item */
	long order;      /* position in the file, for "first" and "later" */
};

enum { K_ORG, K_NETWORK, K_ASN, K_DOMAIN, K_CONTACT, K_CERT, K_CERT_CONTACT, K__COUNT };

static const char *const kind_names[K__COUNT] = {
	"organisation", "network", "asn", "domain", "contact", "cert", "cert_contact"
};
static const char *const json_arrays[K__COUNT] = {
	"organisations", "networks", "asns", "domains", "contacts", "certs", "contacts"
};

/* A growable array of n elements of `size` bytes. */
struct vec {
	void *p;
	size_t n, cap;
};

static void *vec_push(struct vec *v, size_t size)
{
	if (v->n == v->cap) {
		size_t c = v->cap ? v->cap * 2 : 8;
		void *q = realloc(v->p, c * size);
		if (!q)
			return NULL;
		v->p = q;
		v->cap = c;
	}
	memset((char *)v->p + v->n * size, 0, size);
	return (char *)v->p + v->n++ * size;
}

struct f_org {
	struct store_org org;  /* its arrays point into the vectors (set by finish_orgs) */
	struct loc at;
	struct vec nets, asns, doms, cons;        /* store_network, int64_t, char *, contact */
	struct vec net_at, asn_at, dom_at;        /* struct loc of each */
};

struct f_cert {
	struct store_cert cert;
	struct loc at;
	struct vec cons;
};

struct constituency_file {
	const char *path;       /* borrowed */
	int json;
	struct vec orgs;        /* struct f_org */
	struct vec certs;       /* struct f_cert */
	struct vec strs;        /* char *: every string the records point to */
	long order;
	/* organisation names (lower-case hash) -> index + 1, for owners and duplicates */
	uint32_t *name_slot;
	size_t name_mask;
	/* constituency_file_check_buffer: every bad CSV row or JSON entry to on_error, and go on */
	constituency_row_error_cb on_error;
	void *on_error_arg;
	size_t nbad;
};

static void org_fini(struct f_org *o)
{
	free(o->nets.p);
	free(o->asns.p);
	free(o->doms.p);
	free(o->cons.p);
	free(o->net_at.p);
	free(o->asn_at.p);
	free(o->dom_at.p);
}

void constituency_file_free(struct constituency_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->orgs.n; i++)
		org_fini(&((struct f_org *)f->orgs.p)[i]);
	for (size_t i = 0; i < f->certs.n; i++)
		free(((struct f_cert *)f->certs.p)[i].cons.p);
	for (size_t i = 0; i < f->strs.n; i++)
		free(((char **)f->strs.p)[i]);
	free(f->orgs.p);
	free(f->certs.p);
	free(f->strs.p);
	free(f->name_slot);
	free(f);
}

void constituency_file_counts(const struct constituency_file *f, size_t *orgs, size_t *certs)
{
	if (orgs)
		*orgs = f->orgs.n;
	if (certs)
		*certs = f->certs.n;
}

static int nomem(struct verr *err)
{
	return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
}

/* A copy of s[0..n) the file owns (freed with it).  NULL when out of memory. */
static const char *keep(struct constituency_file *f, const char *s, size_t n)
{
	char **slot, *d;

	if (!(d = malloc(n + 1)))
		return NULL;
	memcpy(d, s, n);
	d[n] = 0;
	if (!(slot = vec_push(&f->strs, sizeof(char *)))) {
		free(d);
		return NULL;
	}
	*slot = d;
	return d;
}

static const char *keep_str(struct constituency_file *f, const char *s)
{
	return keep(f, s, strlen(s));
}

/* Where: "organisations[2].networks[0]" for JSON, the column for CSV; into err. */
static int at(struct constituency_file *f, const struct loc *l, const char *col, int rc,
	      struct verr *err)
{
	if (!err)
		return rc;
	err->file = f->path;
	err->line = l->line;
	if (!f->json) {
		snprintf(err->field, sizeof(err->field), "%s", col ? col : "");
	} else if (l->kind == K_CERT || l->kind == K_CERT_CONTACT) {
		if (l->item >= 0)
			snprintf(err->field, sizeof(err->field), "certs[%d].contacts[%d]%s%s",
				 l->org, l->item, col ? "." : "", col ? col : "");
		else
			snprintf(err->field, sizeof(err->field), "certs[%d]%s%s", l->org,
				 col ? "." : "", col ? col : "");
	} else if (l->item >= 0) {
		snprintf(err->field, sizeof(err->field), "organisations[%d].%s[%d]%s%s", l->org,
			 json_arrays[l->kind], l->item, col ? "." : "", col ? col : "");
	} else {
		snprintf(err->field, sizeof(err->field), "organisations[%d]%s%s", l->org,
			 col ? "." : "", col ? col : "");
	}
	return rc;
}

static int bad(struct constituency_file *f, const struct loc *l, const char *col, int code,
	       struct verr *err, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Fill err with the reason and where (as at()).  Returns code. */
static int bad(struct constituency_file *f, const struct loc *l, const char *col, int code,
	       struct verr *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
		va_end(ap);
	}
	return at(f, l, col, code, err);
}

/* Name the file and line of an error already filled (err may be NULL).  Returns rc. */
static int where(struct verr *err, const char *path, long line, int rc)
{
	if (err) {
		err->file = path;
		err->line = line;
	}
	return rc;
}

/* ---- organisation names ---------------------------------------------------------------------- */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* The index of organisation `name` (ASCII case ignored), or -1. */
static long org_find(const struct constituency_file *f, const char *name)
{
	size_t h;

	if (!f->name_slot)
		return -1;
	for (h = (size_t)name_hash(name) & f->name_mask; f->name_slot[h];
	     h = (h + 1) & f->name_mask) {
		const struct f_org *o = &((const struct f_org *)f->orgs.p)[f->name_slot[h] - 1];
		if (!strcasecmp(o->org.name, name))
			return (long)f->name_slot[h] - 1;
	}
	return -1;
}

static int name_insert(struct constituency_file *f, const char *name, uint32_t idx)
{
	size_t h;

	/* keep the table at most half full: rebuild twice as big */
	if (!f->name_slot || 2 * (size_t)(idx + 1) > f->name_mask + 1) {
		size_t size = f->name_slot ? 2 * (f->name_mask + 1) : 64;
		uint32_t *slot = calloc(size, sizeof(*slot));
		if (!slot)
			return -1;
		for (uint32_t i = 0; i < idx; i++) {
			const char *n = ((struct f_org *)f->orgs.p)[i].org.name;
			h = (size_t)name_hash(n) & (size - 1);
			while (slot[h])
				h = (h + 1) & (size - 1);
			slot[h] = i + 1;
		}
		free(f->name_slot);
		f->name_slot = slot;
		f->name_mask = size - 1;
	}
	for (h = (size_t)name_hash(name) & f->name_mask; f->name_slot[h];
	     h = (h + 1) & f->name_mask)
		;
	f->name_slot[h] = idx + 1;
	return 0;
}

/* ---- adding what a row or an object says ----------------------------------------------------- */

static int new_org(struct constituency_file *f, const char *name, const struct loc *l,
		   const char *col, struct f_org **out, struct verr *err)
{
	struct f_org *o;
	long prev;

	if (!*name)
		return bad(f, l, col, V_ERR_INVALID, err, "%s", _("an organisation needs a name"));
	if ((prev = org_find(f, name)) >= 0) {
		const struct f_org *p = &((struct f_org *)f->orgs.p)[prev];
		if (f->json)
			verr_set(err, V_ERR_INVALID, "",
				 _("organisation '%s' is in the file twice (also "
				   "organisations[%d])"),
				 name, p->at.org);
		else
			verr_set(err, V_ERR_INVALID, "",
				 _("organisation '%s' is declared twice (also on line %ld)"), name,
				 p->at.line);
		return at(f, l, col, V_ERR_INVALID, err);
	}
	if (!(o = vec_push(&f->orgs, sizeof(*o))) || !(o->org.name = keep_str(f, name)) ||
	    name_insert(f, o->org.name, (uint32_t)(f->orgs.n - 1)) != 0)
		return nomem(err);
	o->at = *l;
	*out = o;
	return V_OK;
}

static int new_cert(struct constituency_file *f, const char *cc_text, const char *name,
		    const struct loc *l, const char *cc_col, const char *name_col,
		    struct f_cert **out, struct verr *err)
{
	struct f_cert *t;
	char cc[3];
	int rc;

	if ((rc = constituency_cc(cc_text, cc, err)) != V_OK)
		return at(f, l, cc_col, rc, err);
	for (size_t i = 0; i < f->certs.n; i++) {
		const struct f_cert *p = &((struct f_cert *)f->certs.p)[i];
		if (strcmp(p->cert.cc, cc))
			continue;
		if (f->json)
			verr_set(err, V_ERR_INVALID, "",
				 _("the partner CERT of %s is in the file twice (also certs[%d])"),
				 cc, p->at.org);
		else
			verr_set(err, V_ERR_INVALID, "",
				 _("the partner CERT of %s is declared twice (also on line %ld)"),
				 cc, p->at.line);
		return at(f, l, cc_col, V_ERR_INVALID, err);
	}
	if (!*name)
		return bad(f, l, name_col, V_ERR_INVALID, err, "%s",
			   _("a partner CERT needs a name"));
	if (!(t = vec_push(&f->certs, sizeof(*t))) || !(t->cert.cc = keep_str(f, cc)) ||
	    !(t->cert.name = keep_str(f, name)))
		return nomem(err);
	t->at = *l;
	*out = t;
	return V_OK;
}

static int add_network(struct constituency_file *f, struct f_org *o, const char *cidr, int dnn,
		       const struct loc *l, const char *col, struct verr *err)
{
	struct constituency_net n;
	char text[CONSTITUENCY_NETSTRLEN];
	struct store_network *sn;
	struct loc *sl;
	int rc;

	if ((rc = constituency_net_parse(cidr, &n, err)) != V_OK)
		return at(f, l, col, rc, err);
	constituency_net_format(&n, text);
	if (!(sn = vec_push(&o->nets, sizeof(*sn))) || !(sn->cidr = keep_str(f, text)) ||
	    !(sl = vec_push(&o->net_at, sizeof(*sl))))
		return nomem(err);
	sn->do_not_notify = dnn;
	*sl = *l;
	return V_OK;
}

static int add_asn(struct f_org *o, int64_t asn, const struct loc *l, struct verr *err)
{
	int64_t *a;
	struct loc *sl;

	if (!(a = vec_push(&o->asns, sizeof(*a))) || !(sl = vec_push(&o->asn_at, sizeof(*sl))))
		return nomem(err);
	*a = asn;
	*sl = *l;
	return V_OK;
}

static int add_domain(struct constituency_file *f, struct f_org *o, const char *d,
		      const struct loc *l, const char *col, struct verr *err)
{
	char canon[CONSTITUENCY_DOMAINLEN];
	const char **sd;
	struct loc *sl;
	int rc;

	if ((rc = constituency_domain(d, canon, err)) != V_OK)
		return at(f, l, col, rc, err);
	if (!(sd = vec_push(&o->doms, sizeof(*sd))) || !(*sd = keep_str(f, canon)) ||
	    !(sl = vec_push(&o->dom_at, sizeof(*sl))))
		return nomem(err);
	*sl = *l;
	return V_OK;
}

/* The values of a contact as text ("" = not given), and where each came from. */
struct contact_in {
	const char *email, *name, *lang, *format, *fingerprint;
	const char *email_col, *name_col, *lang_col, *format_col, *fpr_col;
};

static int add_contact(struct constituency_file *f, struct vec *cons, const struct contact_in *in,
		       const struct loc *l, struct verr *err)
{
	char email[256], fpr[CONSTITUENCY_FPRLEN];
	struct store_contact *c;
	const char *lang = NULL, *format = NULL;
	int rc;

	if (!*in->email)
		return bad(f, l, in->email_col, V_ERR_INVALID, err, "%s",
			   _("a contact needs an e-mail address"));
	if ((rc = constituency_email(in->email, email, sizeof(email), err)) != V_OK)
		return at(f, l, in->email_col, rc, err);
	if (*in->lang && (rc = constituency_lang(in->lang, &lang, err)) != V_OK)
		return at(f, l, in->lang_col, rc, err);
	if (*in->format && (rc = constituency_format(in->format, &format, err)) != V_OK)
		return at(f, l, in->format_col, rc, err);
	if (*in->fingerprint && (rc = constituency_fingerprint(in->fingerprint, fpr, err)) != V_OK)
		return at(f, l, in->fpr_col, rc, err);
	for (size_t i = 0; i < cons->n; i++)
		if (!strcasecmp(((struct store_contact *)cons->p)[i].email, email)) {
			verr_set(err, V_ERR_INVALID, "", _("contact %s is listed twice"), email);
			return at(f, l, in->email_col, V_ERR_INVALID, err);
		}
	if (!(c = vec_push(cons, sizeof(*c))) || !(c->email = keep_str(f, email)) ||
	    (*in->name && !(c->name = keep_str(f, in->name))) ||
	    (*in->fingerprint && !(c->fingerprint = keep_str(f, fpr))))
		return nomem(err);
	c->lang = lang;
	c->format = format;
	return V_OK;
}

/* Point every record at its vectors (they do not move any more). */
static void finish(struct constituency_file *f)
{
	for (size_t i = 0; i < f->orgs.n; i++) {
		struct f_org *o = &((struct f_org *)f->orgs.p)[i];
		o->org.networks = o->nets.p;
		o->org.nnetworks = o->nets.n;
		o->org.asns = o->asns.p;
		o->org.nasns = o->asns.n;
		o->org.domains = o->doms.p;
		o->org.ndomains = o->doms.n;
		o->org.contacts = o->cons.p;
		o->org.ncontacts = o->cons.n;
	}
	for (size_t i = 0; i < f->certs.n; i++) {
		struct f_cert *t = &((struct f_cert *)f->certs.p)[i];
		t->cert.contacts = t->cons.p;
		t->cert.ncontacts = t->cons.n;
	}
}

/* ---- conflicts: one network, ASN or domain, two organisations -------------------------------- */

struct key {
	char text[CONSTITUENCY_DOMAINLEN + 2]; /* "n:192.0.2.0/24", "a:64500", "d:example.com" */
	long owner;            /* organisation of the file, or -1: one in the store */
	const char *owner_name;
	const struct loc *at;  /* NULL for the store's */
	int kind;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	if (c)
		return c;
	/* the store's first, then the file's in file order */
	if (!x->at || !y->at)
		return !x->at ? (y->at ? -1 : 0) : 1;
	return x->at->order < y->at->order ? -1 : x->at->order > y->at->order;
}

static int key_push(struct vec *keys, int kind, const char *value, long owner, const char *name,
		    const struct loc *l)
{
	struct key *k = vec_push(keys, sizeof(*k));

	if (!k)
		return -1;
	snprintf(k->text, sizeof(k->text), "%c:%s", "xnad"[kind < 4 ? kind : 0], value);
	k->owner = owner;
	k->owner_name = name;
	k->at = l;
	k->kind = kind;
	return 0;
}

static int file_keys(const struct constituency_file *f, struct vec *keys)
{
	for (size_t i = 0; i < f->orgs.n; i++) {
		const struct f_org *o = &((const struct f_org *)f->orgs.p)[i];
		char num[24];
		for (size_t j = 0; j < o->nets.n; j++)
			if (key_push(keys, K_NETWORK, o->org.networks[j].cidr, (long)i, o->org.name,
				     &((struct loc *)o->net_at.p)[j]) != 0)
				return -1;
		for (size_t j = 0; j < o->asns.n; j++) {
			snprintf(num, sizeof(num), "%lld", (long long)o->org.asns[j]);
			if (key_push(keys, K_ASN, num, (long)i, o->org.name,
				     &((struct loc *)o->asn_at.p)[j]) != 0)
				return -1;
		}
		for (size_t j = 0; j < o->doms.n; j++)
			if (key_push(keys, K_DOMAIN, o->org.domains[j], (long)i, o->org.name,
				     &((struct loc *)o->dom_at.p)[j]) != 0)
				return -1;
	}
	return 0;
}

/* The first value two organisations claim: an error at the later claim of the file. */
static int check_keys(struct constituency_file *f, struct vec *keys, struct verr *err)
{
	struct key *k = keys->p;

	if (keys->n)
		qsort(k, keys->n, sizeof(*k), key_cmp);
	for (size_t i = 1; i < keys->n; i++) {
		const struct key *a = &k[i - 1], *b = &k[i];
		const char *what = b->text + 2;
		char val[CONSTITUENCY_DOMAINLEN + 8];
		if (strcmp(a->text, b->text) || a->owner == b->owner || !b->at)
			continue;
		if (b->kind == K_NETWORK)
			snprintf(val, sizeof(val), _("network %s"), what);
		else if (b->kind == K_ASN)
			snprintf(val, sizeof(val), "AS%s", what);
		else
			snprintf(val, sizeof(val), _("domain %s"), what);
		if (!a->at)
			verr_set(err, V_ERR_EXISTS, "",
				 _("%s already belongs to organisation %s (in the store): remove "
				   "it there first, or import with --replace"), val, a->owner_name);
		else if (!f->json)
			verr_set(err, V_ERR_EXISTS, "",
				 _("%s belongs to two organisations: %s (line %ld) and %s"), val,
				 a->owner_name, a->at->line, b->owner_name);
		else
			verr_set(err, V_ERR_EXISTS, "",
				 _("%s belongs to two organisations: %s (organisations[%d]) and "
				   "%s"),
				 val, a->owner_name, a->at->org, b->owner_name);
		return at(f, b->at, f->json ? NULL : "value", V_ERR_EXISTS, err);
	}
	return V_OK;
}

/* ---- reading a file -------------------------------------------------------------------------- */

static int slurp(const char *path, struct buf *b, struct verr *err)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char chunk[65536];
	size_t n;
	int rc = V_OK;

	if (!fp)
		return verr_set(err, V_ERR_IO, "", _("cannot open %s: %s"), path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if ((rc = buf_append(b, chunk, n)) != V_OK)
			break;
	if (rc == V_ERR_LIMIT)
		verr_set(err, rc, "", _("%s is larger than %zu MiB: not a constituency file"), path,
			 FILE_CAP >> 20);
	else if (rc != V_OK)
		nomem(err);
	else if (ferror(fp))
		rc = verr_set(err, V_ERR_IO, "", _("cannot read %s: %s"), path, strerror(errno));
	if (fp != stdin)
		fclose(fp);
	return rc;
}

/* ---- CSV ------------------------------------------------------------------------------------- */

enum { C_KIND, C_OWNER, C_VALUE, C_NAME, C_DNN, C_LANG, C_FORMAT, C_FPR, C_NOTES, C__COUNT };

static const char *const col_names[C__COUNT] = {
	"kind", "owner", "value", "name", "do_not_notify", "lang", "format", "fingerprint", "notes"
};

/* Which columns each kind of row uses (bits of C_*); kind and owner always. */
#define B(c) (1u << (c))
static const unsigned kind_cols[K__COUNT] = {
	[K_ORG] = B(C_DNN) | B(C_NOTES),
	[K_NETWORK] = B(C_VALUE) | B(C_DNN),
	[K_ASN] = B(C_VALUE),
	[K_DOMAIN] = B(C_VALUE),
	[K_CONTACT] = B(C_VALUE) | B(C_NAME) | B(C_LANG) | B(C_FORMAT) | B(C_FPR),
	[K_CERT] = B(C_NAME) | B(C_NOTES),
	[K_CERT_CONTACT] = B(C_VALUE) | B(C_NAME) | B(C_LANG) | B(C_FORMAT) | B(C_FPR),
};

/* One record: its fields (text owned by the file) and where it starts. */
struct record {
	const char *f[CSV_COLS];
	size_t n;
	struct loc at;
	int bad; /* reported to on_error already: not read again */
};

/*
 * Cut the next record out of s[*pos..n) (RFC 4180: quoted fields may hold commas, quotes
 * doubled, and line breaks).  *line counts lines.  V_OK, V_SKIP at the end, V_ERR_PARSE.
 */
static int csv_next(struct constituency_file *f, const char *s, size_t n, size_t *pos,
		    long *line, struct record *r, struct buf *field, struct verr *err)
{
	size_t p = *pos;

	memset(r, 0, sizeof(*r));
	if (p >= n)
		return V_SKIP;
	r->at.line = *line;
	r->at.item = -1;
	for (;;) {
		int quoted = 0;
		buf_reset(field);
		if (p < n && s[p] == '"') {
			quoted = 1;
			p++;
			for (;;) {
				if (p >= n)
					return bad(f, &r->at, NULL, V_ERR_PARSE, err, "%s",
						   _("a quoted field is not closed"));
				if (s[p] == '"' && p + 1 < n && s[p + 1] == '"') {
					if (buf_putc(field, '"') != V_OK)
						return nomem(err);
					p += 2;
				} else if (s[p] == '"') {
					p++;
					break;
				} else {
					if (s[p] == '\n')
						(*line)++;
					if (buf_putc(field, s[p++]) != V_OK)
						return nomem(err);
				}
			}
		}
		while (p < n && s[p] != ',' && s[p] != '\n' && s[p] != '\r') {
			if (quoted && s[p] != ' ' && s[p] != '\t')
				return bad(f, &r->at, NULL, V_ERR_PARSE, err, "%s",
					   _("text after the closing quote of a field"));
			if (s[p] == '"')
				return bad(f, &r->at, NULL, V_ERR_PARSE, err, "%s",
					   _("a quote inside an unquoted field (quote the field "
					     "and double the quote)"));
			if (buf_putc(field, s[p++]) != V_OK)
				return nomem(err);
		}
		if (r->n >= CSV_COLS)
			return bad(f, &r->at, NULL, V_ERR_PARSE, err, _("more than %d fields"),
				   CSV_COLS);
		if (!(r->f[r->n++] = keep(f, field->data ? field->data : "", field->len)))
			return nomem(err);
		if (p < n && s[p] == ',') {
			p++;
			continue;
		}
		if (p < n && s[p] == '\r')
			p++;
		if (p < n && s[p] == '\n')
			p++;
		(*line)++;
		break;
	}
	*pos = p;
	return V_OK;
}

/* Spaces around a field do not count (but notes keep theirs). */
static const char *trim(struct constituency_file *f, const char *s)
{
	size_t n = strlen(s), b = 0;

	while (b < n && (s[b] == ' ' || s[b] == '\t'))
		b++;
	while (n > b && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (b == 0 && s[n] == 0)
		return s;
	return keep(f, s + b, n - b);
}

/* Every field empty or spaces (a blank line, or ",,,,"). */
static int blank(const struct record *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i][strspn(r->f[i], " \t")])
			return 0;
	return 1;
}

struct csv {
	struct constituency_file *f;
	int col[C__COUNT];    /* column index of each known column, -1 if absent */
	size_t ncols;
};

/* The value of column c in r ("" when the column is absent or the row short). */
static const char *cell(const struct csv *cv, const struct record *r, int c)
{
	int i = cv->col[c];

	return i >= 0 && (size_t)i < r->n ? r->f[i] : "";
}

static int csv_header(struct csv *cv, struct record *r, struct verr *err)
{
	struct constituency_file *f = cv->f;

	for (int c = 0; c < C__COUNT; c++)
		cv->col[c] = -1;
	cv->ncols = r->n;
	for (size_t i = 0; i < r->n; i++) {
		const char *h = trim(f, r->f[i]);
		int c;
		if (!h)
			return nomem(err);
		if (i == 0 && !strncmp(h, "\xef\xbb\xbf", 3))
			h += 3; /* a byte order mark */
		for (c = 0; c < C__COUNT && strcasecmp(h, col_names[c]); c++)
			;
		if (c == C__COUNT)
			return bad(f, &r->at, h, V_ERR_INVALID, err,
				   _("unknown column '%s' (the columns are kind, owner, value, "
				     "name, do_not_notify, lang, format, fingerprint, notes)"), h);
		if (cv->col[c] >= 0)
			return bad(f, &r->at, h, V_ERR_INVALID, err,
				   _("column '%s' is there twice"), h);
		cv->col[c] = (int)i;
	}
	for (int c = C_KIND; c <= C_VALUE; c++)
		if (cv->col[c] < 0)
			return bad(f, &r->at, NULL, V_ERR_INVALID, err,
				   _("the header has no column '%s' (the first line must name "
				     "the columns: kind,owner,value,...)"), col_names[c]);
	return V_OK;
}

/* The kind of a row: K_*, or -1. */
static int row_kind(const char *s)
{
	if (!strcasecmp(s, "org") || !strcasecmp(s, "organization"))
		return K_ORG;
	for (int k = 0; k < K__COUNT; k++)
		if (!strcasecmp(s, kind_names[k]))
			return k;
	return -1;
}

/* Check the row's shape: its kind, its length, no value in a column its kind does not use;
 * trims every field but notes.  The kind into *kind. */
static int csv_row_check(struct csv *cv, struct record *r, int *kind, struct verr *err)
{
	struct constituency_file *f = cv->f;
	const char *k;

	/* spreadsheets may end rows with empty fields past the header's */
	while (r->n > cv->ncols && !*r->f[r->n - 1])
		r->n--;
	if (r->n > cv->ncols)
		return bad(f, &r->at, NULL, V_ERR_PARSE, err,
			   _("%zu fields, but the header names %zu"), r->n, cv->ncols);
	for (size_t i = 0; i < r->n; i++)
		if ((int)i != cv->col[C_NOTES] && !(r->f[i] = trim(f, r->f[i])))
			return nomem(err);
	k = cell(cv, r, C_KIND);
	if ((*kind = row_kind(k)) < 0)
		return bad(f, &r->at, "kind", V_ERR_INVALID, err,
			   _("'%s' is not a kind of row (organisation, network, asn, domain, "
			     "contact, cert, cert_contact)"), k);
	r->at.kind = *kind;
	if (!*cell(cv, r, C_OWNER))
		return bad(f, &r->at, "owner", V_ERR_INVALID, err, "%s",
			   *kind == K_CERT || *kind == K_CERT_CONTACT
				   ? _("the owner (the CERT's country code) is empty")
				   : _("the owner (the organisation's name) is empty"));
	for (int c = C_VALUE; c < C__COUNT; c++)
		if (!(kind_cols[*kind] & B(c)) && *cell(cv, r, c))
			return bad(f, &r->at, col_names[c], V_ERR_INVALID, err,
				   _("a %s row has no %s (leave the column empty)"),
				   kind_names[*kind], col_names[c]);
	if ((kind_cols[*kind] & B(C_VALUE)) && !*cell(cv, r, C_VALUE))
		return bad(f, &r->at, "value", V_ERR_INVALID, err, _("a %s row needs a value"),
			   kind_names[*kind]);
	return V_OK;
}

static int csv_declare(struct csv *cv, struct record *r, int kind, struct verr *err)
{
	struct constituency_file *f = cv->f;
	struct f_org *o;
	struct f_cert *t;
	int rc;

	if (kind == K_ORG) {
		if ((rc = new_org(f, cell(cv, r, C_OWNER), &r->at, "owner", &o, err)) != V_OK)
			return rc;
		rc = constituency_flag(cell(cv, r, C_DNN), &o->org.do_not_notify, err);
		if (rc != V_OK)
			return at(f, &r->at, "do_not_notify", rc, err);
		if (*cell(cv, r, C_NOTES))
			o->org.notes = cell(cv, r, C_NOTES);
		return V_OK;
	}
	if ((rc = new_cert(f, cell(cv, r, C_OWNER), cell(cv, r, C_NAME), &r->at, "owner", "name",
			   &t, err)) != V_OK)
		return rc;
	if (*cell(cv, r, C_NOTES))
		t->cert.notes = cell(cv, r, C_NOTES);
	return V_OK;
}

static int csv_item(struct csv *cv, struct record *r, int kind, struct verr *err)
{
	struct constituency_file *f = cv->f;
	const char *owner = cell(cv, r, C_OWNER), *value = cell(cv, r, C_VALUE);
	struct contact_in ci = {
		.email = value, .name = cell(cv, r, C_NAME), .lang = cell(cv, r, C_LANG),
		.format = cell(cv, r, C_FORMAT), .fingerprint = cell(cv, r, C_FPR),
		.email_col = "value", .name_col = "name", .lang_col = "lang",
		.format_col = "format", .fpr_col = "fingerprint",
	};
	struct f_org *o;
	long i;
	int64_t asn;
	int rc, dnn;

	if (kind == K_CERT_CONTACT) {
		char cc[3];
		if ((rc = constituency_cc(owner, cc, err)) != V_OK)
			return at(f, &r->at, "owner", rc, err);
		for (size_t j = 0; j < f->certs.n; j++) {
			struct f_cert *t = &((struct f_cert *)f->certs.p)[j];
			if (!strcmp(t->cert.cc, cc))
				return add_contact(f, &t->cons, &ci, &r->at, err);
		}
		return bad(f, &r->at, "owner", V_ERR_INVALID, err,
			   _("no partner CERT of %s in this file (a 'cert' row declares it)"), cc);
	}
	if ((i = org_find(f, owner)) < 0)
		return bad(f, &r->at, "owner", V_ERR_INVALID, err,
			   _("organisation '%s' is not in this file (an 'organisation' row "
			     "declares it)"), owner);
	o = &((struct f_org *)f->orgs.p)[i];
	switch (kind) {
	case K_NETWORK:
		if ((rc = constituency_flag(cell(cv, r, C_DNN), &dnn, err)) != V_OK)
			return at(f, &r->at, "do_not_notify", rc, err);
		return add_network(f, o, value, dnn, &r->at, "value", err);
	case K_ASN:
		if ((rc = constituency_asn(value, &asn, err)) != V_OK)
			return at(f, &r->at, "value", rc, err);
		return add_asn(o, asn, &r->at, err);
	case K_DOMAIN:
		return add_domain(f, o, value, &r->at, "value", err);
	default:
		return add_contact(f, &o->cons, &ci, &r->at, err);
	}
}

static int read_csv(struct constituency_file *f, const char *s, size_t n, struct verr *err)
{
	struct csv cv = { .f = f };
	struct vec recs = { 0 };
	struct buf field;
	size_t pos = 0;
	long line = 1;
	int rc, have_header = 0;

	buf_init(&field, (size_t)1 << 20);
	/* every record first: owners may be declared after the rows that use them */
	for (;;) {
		struct record r, *slot;
		if ((rc = csv_next(f, s, n, &pos, &line, &r, &field, err)) == V_SKIP) {
			rc = V_OK;
			break;
		}
		if (rc != V_OK)
			goto out;
		r.at.order = f->order++;
		/* blank lines and comment lines ("#...") are skipped */
		if (blank(&r) || r.f[0][0] == '#')
			continue;
		if (!have_header) {
			if ((rc = csv_header(&cv, &r, err)) != V_OK)
				goto out;
			have_header = 1;
			continue;
		}
		if (!(slot = vec_push(&recs, sizeof(r)))) {
			rc = nomem(err);
			goto out;
		}
		*slot = r;
	}
	if (!have_header) {
		rc = where(err, f->path, 0,
			   verr_set(err, V_ERR_INVALID, "", "%s",
				    _("the file is empty: a constituency CSV starts with a header "
				      "line")));
		goto out;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < recs.n; i++) {
			struct record *r = &((struct record *)recs.p)[i];
			int kind = -1;
			if (r->bad)
				continue;
			if (pass == 0) {
				rc = csv_row_check(&cv, r, &kind, err);
				if (rc == V_OK && (kind == K_ORG || kind == K_CERT))
					rc = csv_declare(&cv, r, kind, err);
			} else if (r->at.kind != K_ORG && r->at.kind != K_CERT) {
				rc = csv_item(&cv, r, r->at.kind, err);
			}
			if (rc == V_OK)
				continue;
			/* a bad row: the first ends the read, unless the caller wants them all */
			if (rc == V_ERR_NOMEM || !f->on_error || !err)
				goto out;
			r->bad = 1;
			f->nbad++;
			if ((rc = f->on_error(f->on_error_arg, err)) != V_OK)
				goto out;
			memset(err, 0, sizeof(*err));
			rc = V_OK;
		}
	}
	if (f->nbad) {
		rc = where(err, f->path, 0,
			   verr_set(err, V_ERR_INVALID, "", _("%zu rows of the file are wrong"),
				    f->nbad));
		goto out;
	}
	rc = V_OK;
out:
	free(recs.p);
	buf_fini(&field);
	return rc;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

/* A string member ("" when absent or null).  V_ERR_INVALID for another type. */
static int jstr(struct constituency_file *f, const json_t *o, const char *key, const struct loc *l,
		const char **out, struct verr *err)
{
	const json_t *v = json_object_get(o, key);

	*out = "";
	if (!v || json_is_null(v))
		return V_OK;
	if (!json_is_string(v))
		return bad(f, l, key, V_ERR_INVALID, err, "%s", _("must be a string"));
	*out = json_string_value(v);
	return V_OK;
}

static int jbool(struct constituency_file *f, const json_t *o, const char *key,
		 const struct loc *l, int *out, struct verr *err)
{
	const json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v || json_is_null(v))
		return V_OK;
	if (!json_is_boolean(v))
		return bad(f, l, key, V_ERR_INVALID, err, "%s", _("must be true or false"));
	*out = json_is_true(v);
	return V_OK;
}

/* Every key of o is one of the NULL-terminated list. */
static int jkeys(struct constituency_file *f, const json_t *o, const char *const *known,
		 const struct loc *l, struct verr *err)
{
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		const char *const *k = known;
		(void)v;
		while (*k && strcmp(*k, key))
			k++;
		if (!*k)
			return bad(f, l, key, V_ERR_INVALID, err, _("unknown key '%s'"), key);
	}
	return V_OK;
}

/* The array member key (NULL when absent).  V_ERR_INVALID when not an array. */
static int jarray(struct constituency_file *f, const json_t *o, const char *key,
		  const struct loc *l, const json_t **out, struct verr *err)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return V_OK;
	if (!json_is_array(v))
		return bad(f, l, key, V_ERR_INVALID, err, "%s", _("must be an array"));
	*out = v;
	return V_OK;
}

static int json_contacts(struct constituency_file *f, const json_t *arr, struct vec *cons,
			 struct loc l, struct verr *err)
{
	static const char *const keys[] = { "email", "name", "lang", "format", "fingerprint",
					    NULL };
	size_t i;
	const json_t *c;
	int rc;

	json_array_foreach(arr, i, c) {
		struct contact_in ci = { .email_col = "email", .name_col = "name",
					 .lang_col = "lang", .format_col = "format",
					 .fpr_col = "fingerprint" };
		l.item = (int)i;
		l.order = f->order++;
		if (!json_is_object(c))
			return bad(f, &l, NULL, V_ERR_INVALID, err, "%s",
				   _("a contact must be an object"));
		if ((rc = jkeys(f, c, keys, &l, err)) != V_OK ||
		    (rc = jstr(f, c, "email", &l, &ci.email, err)) != V_OK ||
		    (rc = jstr(f, c, "name", &l, &ci.name, err)) != V_OK ||
		    (rc = jstr(f, c, "lang", &l, &ci.lang, err)) != V_OK ||
		    (rc = jstr(f, c, "format", &l, &ci.format, err)) != V_OK ||
		    (rc = jstr(f, c, "fingerprint", &l, &ci.fingerprint, err)) != V_OK ||
		    (rc = add_contact(f, cons, &ci, &l, err)) != V_OK)
			return rc;
	}
	return V_OK;
}

static int json_org(struct constituency_file *f, const json_t *jo, int idx, struct verr *err)
{
	static const char *const keys[] = { "name", "do_not_notify", "notes", "networks", "asns",
					    "domains", "contacts", NULL };
	struct loc l = { .org = idx, .item = -1, .kind = K_ORG, .order = f->order++ };
	const json_t *arr, *v;
	const char *name, *notes;
	struct f_org *o;
	size_t i;
	int rc;

	if (!json_is_object(jo))
		return bad(f, &l, NULL, V_ERR_INVALID, err, "%s",
			   _("an organisation must be an object"));
	if ((rc = jkeys(f, jo, keys, &l, err)) != V_OK ||
	    (rc = jstr(f, jo, "name", &l, &name, err)) != V_OK ||
	    (rc = new_org(f, name, &l, "name", &o, err)) != V_OK ||
	    (rc = jbool(f, jo, "do_not_notify", &l, &o->org.do_not_notify, err)) != V_OK ||
	    (rc = jstr(f, jo, "notes", &l, &notes, err)) != V_OK)
		return rc;
	if (*notes && !(o->org.notes = keep_str(f, notes)))
		return nomem(err);
	/* o stays valid: no other organisation is added while this one is read */
	if ((rc = jarray(f, jo, "networks", &l, &arr, err)) != V_OK)
		return rc;
	json_array_foreach(arr, i, v) {
		struct loc nl = { .org = idx, .item = (int)i, .kind = K_NETWORK,
				  .order = f->order++ };
		static const char *const nkeys[] = { "cidr", "do_not_notify", NULL };
		const char *cidr = NULL;
		int dnn = 0;
		if (json_is_string(v)) {
			cidr = json_string_value(v);
		} else if (json_is_object(v)) {
			if ((rc = jkeys(f, v, nkeys, &nl, err)) != V_OK ||
			    (rc = jstr(f, v, "cidr", &nl, &cidr, err)) != V_OK ||
			    (rc = jbool(f, v, "do_not_notify", &nl, &dnn, err)) != V_OK)
				return rc;
		} else {
			return bad(f, &nl, NULL, V_ERR_INVALID, err, "%s",
				   _("a network is a string (\"192.0.2.0/24\") or an object "
				     "with cidr and do_not_notify"));
		}
		if ((rc = add_network(f, o, cidr, dnn, &nl, json_is_object(v) ? "cidr" : NULL,
				      err)) != V_OK)
			return rc;
	}
	if ((rc = jarray(f, jo, "asns", &l, &arr, err)) != V_OK)
		return rc;
	json_array_foreach(arr, i, v) {
		struct loc al = { .org = idx, .item = (int)i, .kind = K_ASN, .order = f->order++ };
		int64_t asn = 0;
		char num[32];
		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		} else if (json_is_string(v)) {
			snprintf(num, sizeof(num), "%s", json_string_value(v));
		} else {
			return bad(f, &al, NULL, V_ERR_INVALID, err, "%s",
				   _("an AS number is a number (64500)"));
		}
		if ((rc = constituency_asn(num, &asn, err)) != V_OK)
			return at(f, &al, NULL, rc, err);
		if ((rc = add_asn(o, asn, &al, err)) != V_OK)
			return rc;
	}
	if ((rc = jarray(f, jo, "domains", &l, &arr, err)) != V_OK)
		return rc;
	json_array_foreach(arr, i, v) {
		struct loc dl = { .org = idx, .item = (int)i, .kind = K_DOMAIN,
				  .order = f->order++ };
		if (!json_is_string(v))
			return bad(f, &dl, NULL, V_ERR_INVALID, err, "%s",
				   _("a domain is a string"));
		if ((rc = add_domain(f, o, json_string_value(v), &dl, NULL, err)) != V_OK)
			return rc;
	}
	if ((rc = jarray(f, jo, "contacts", &l, &arr, err)) != V_OK)
		return rc;
	l.kind = K_CONTACT;
	return arr ? json_contacts(f, arr, &o->cons, l, err) : V_OK;
}

static int json_cert(struct constituency_file *f, const json_t *jc, int idx, struct verr *err)
{
	static const char *const keys[] = { "country", "name", "notes", "contacts", NULL };
	struct loc l = { .org = idx, .item = -1, .kind = K_CERT, .order = f->order++ };
	const char *cc, *name, *notes;
	const json_t *arr;
	struct f_cert *t;
	int rc;

	if (!json_is_object(jc))
		return bad(f, &l, NULL, V_ERR_INVALID, err, "%s",
			   _("a partner CERT must be an object"));
	if ((rc = jkeys(f, jc, keys, &l, err)) != V_OK ||
	    (rc = jstr(f, jc, "country", &l, &cc, err)) != V_OK ||
	    (rc = jstr(f, jc, "name", &l, &name, err)) != V_OK ||
	    (rc = jstr(f, jc, "notes", &l, &notes, err)) != V_OK ||
	    (rc = new_cert(f, cc, name, &l, "country", "name", &t, err)) != V_OK)
		return rc;
	if (*notes && !(t->cert.notes = keep_str(f, notes)))
		return nomem(err);
	if ((rc = jarray(f, jc, "contacts", &l, &arr, err)) != V_OK)
		return rc;
	l.kind = K_CERT_CONTACT;
	return arr ? json_contacts(f, arr, &t->cons, l, err) : V_OK;
}

/* An organisation or CERT of a JSON file was wrong (rc, err): the first ends the read, unless
 * the caller wants them all (constituency_file_check_buffer's on_error) — then it is handed
 * over and the read goes on with the next one: V_OK.  What was read of the bad one stays in
 * f, harmless, since a file with a bad entry is never applied. */
static int json_bad(struct constituency_file *f, int rc, struct verr *err)
{
	if (rc == V_ERR_NOMEM || !f->on_error || !err)
		return rc;
	f->nbad++;
	if ((rc = f->on_error(f->on_error_arg, err)) != V_OK)
		return rc;
	memset(err, 0, sizeof(*err));
	return V_OK;
}

static int read_json(struct constituency_file *f, const char *s, size_t n, struct verr *err)
{
	static const char *const keys[] = { "vigia_constituency", "organisations", "certs", NULL };
	struct loc top = { .item = -1, .kind = -1 };
	json_error_t je;
	json_t *doc = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
	const json_t *arr, *v, *ver;
	size_t i;
	int rc = V_OK;

	if (!doc)
		return where(err, f->path, je.line,
			     verr_set(err, V_ERR_PARSE, "", _("not valid JSON: %s"), je.text));
	if (!json_is_object(doc)) {
		rc = where(err, f->path, 0,
			   verr_set(err, V_ERR_INVALID, "", "%s",
				    _("a constituency JSON file is one object with "
				      "\"organisations\" and \"certs\"")));
		goto out;
	}
	/* errors at the top level name only the key */
	f->json = 0;
	if ((rc = jkeys(f, doc, keys, &top, err)) != V_OK)
		goto out;
	ver = json_object_get(doc, "vigia_constituency");
	if (ver && !(json_is_integer(ver) && json_integer_value(ver) == 1)) {
		rc = bad(f, &top, "vigia_constituency", V_ERR_INVALID, err, "%s",
			 _("this vigia reads version 1 of the format"));
		goto out;
	}
	if ((rc = jarray(f, doc, "organisations", &top, &arr, err)) != V_OK)
		goto out;
	f->json = 1;
	json_array_foreach(arr, i, v)
		if ((rc = json_org(f, v, (int)i, err)) != V_OK && (rc = json_bad(f, rc, err)) != V_OK)
			goto out;
	f->json = 0;
	if ((rc = jarray(f, doc, "certs", &top, &arr, err)) != V_OK)
		goto out;
	f->json = 1;
	json_array_foreach(arr, i, v)
		if ((rc = json_cert(f, v, (int)i, err)) != V_OK && (rc = json_bad(f, rc, err)) != V_OK)
			goto out;
	if (f->nbad)
		rc = where(err, f->path, 0,
			   verr_set(err, V_ERR_INVALID, "",
				    _("%zu organisations or CERTs of the file are wrong"), f->nbad));
out:
	f->json = 1;
	json_decref(doc);
	return rc;
}

/* ---- reading, applying ----------------------------------------------------------------------- */

int constituency_fmt_parse(const char *s, enum constituency_fmt *out)
{
	if (!strcasecmp(s, "csv"))
		*out = CONSTITUENCY_FMT_CSV;
	else if (!strcasecmp(s, "json"))
		*out = CONSTITUENCY_FMT_JSON;
	else
		return V_ERR_USAGE;
	return V_OK;
}

static int ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && !strcasecmp(s + n - m, sfx);
}

int constituency_file_read(const char *path, enum constituency_fmt fmt,
			   struct constituency_file **out, struct verr *err)
{
	return constituency_file_check(path, fmt, NULL, NULL, out, err);
}

int constituency_file_check(const char *path, enum constituency_fmt fmt,
			    constituency_row_error_cb on_error, void *arg,
			    struct constituency_file **out, struct verr *err)
{
	struct buf b;
	int rc;

	*out = NULL;
	buf_init(&b, FILE_CAP);
	if ((rc = slurp(path, &b, err)) == V_OK)
		rc = constituency_file_check_buffer(path, b.data ? b.data : "", b.len, fmt,
						    on_error, arg, out, err);
	buf_fini(&b);
	return rc;
}

int constituency_file_read_buffer(const char *name, const char *data, size_t len,
				  enum constituency_fmt fmt, struct constituency_file **out,
				  struct verr *err)
{
	return constituency_file_check_buffer(name, data, len, fmt, NULL, NULL, out, err);
}

int constituency_file_check_buffer(const char *name, const char *data, size_t len,
				   enum constituency_fmt fmt, constituency_row_error_cb on_error,
				   void *arg, struct constituency_file **out, struct verr *err)
{
	struct constituency_file *f = calloc(1, sizeof(*f));
	struct vec keys = { 0 };
	size_t bad = 0, skip = 0;
	int rc;

	*out = NULL;
	if (!f)
		return nomem(err);
	f->path = name;
	f->on_error = on_error;
	f->on_error_arg = arg;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		skip = 3;
	if (len && !utf8_valid(data, len, &bad)) {
		long line = 1;
		for (size_t i = 0; i < bad; i++)
			line += data[i] == '\n';
		rc = where(err, name, line,
			   verr_set(err, V_ERR_PARSE, "", "%s",
				    _("the file is not UTF-8 text (save it as UTF-8)")));
		goto out;
	}
	if (fmt == CONSTITUENCY_FMT_AUTO) {
		const char *p = data + skip;
		while (p < data + len && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (ends_with(name, ".json"))
			fmt = CONSTITUENCY_FMT_JSON;
		else if (ends_with(name, ".csv"))
			fmt = CONSTITUENCY_FMT_CSV;
		else
			fmt = p < data + len && *p == '{' ? CONSTITUENCY_FMT_JSON : CONSTITUENCY_FMT_CSV;
	}
	f->json = fmt == CONSTITUENCY_FMT_JSON;
	if (f->json)
		rc = read_json(f, data + skip, len - skip, err);
	else
		rc = read_csv(f, data, len, err);
	if (rc != V_OK)
		goto out;
	finish(f);
	if (file_keys(f, &keys) != 0) {
		rc = nomem(err);
		goto out;
	}
	rc = check_keys(f, &keys, err);
out:
	free(keys.p);
	if (rc != V_OK)
		constituency_file_free(f);
	else
		*out = f;
	return rc;
}

/* The store's organisations that the file does not replace: their values, as keys. */
struct outside {
	struct constituency_file *f;
	struct vec *keys;
	struct vec names;  /* char *: owner names, kept until the check is done */
	int oom;
};

static int outside_org(void *arg, const struct store_org *org)
{
	struct outside *os = arg;
	char **slot, *name;

	if (org_find(os->f, org->name) >= 0)
		return 0;
	if (!(name = strdup(org->name)) || !(slot = vec_push(&os->names, sizeof(char *)))) {
		free(name);
		os->oom = 1;
		return V_ERR_NOMEM;
	}
	*slot = name;
	for (size_t i = 0; i < org->nnetworks; i++) {
		struct constituency_net n;
		char text[CONSTITUENCY_NETSTRLEN];
		if (constituency_net_parse(org->networks[i].cidr, &n, NULL) != V_OK)
			continue;
		constituency_net_format(&n, text);
		if (key_push(os->keys, K_NETWORK, text, -1, name, NULL) != 0)
			goto oom;
	}
	for (size_t i = 0; i < org->nasns; i++) {
		char num[24];
		snprintf(num, sizeof(num), "%lld", (long long)org->asns[i]);
		if (key_push(os->keys, K_ASN, num, -1, name, NULL) != 0)
			goto oom;
	}
	for (size_t i = 0; i < org->ndomains; i++)
		if (key_push(os->keys, K_DOMAIN, org->domains[i], -1, name, NULL) != 0)
			goto oom;
	return 0;
oom:
	os->oom = 1;
	return V_ERR_NOMEM;
}

int constituency_file_apply(struct store *st, const struct constituency_file *cf, int replace,
			    struct verr *err)
{
	struct constituency_file *f = (struct constituency_file *)cf;
	struct vec keys = { 0 };
	struct outside os = { .f = f, .keys = &keys };
	int rc = V_OK;

	if (!replace) {
		if (file_keys(f, &keys) != 0) {
			rc = nomem(err);
			goto out;
		}
		rc = store_orgs_list(st, outside_org, &os, err);
		if (os.oom)
			rc = nomem(err);
		if (rc != V_OK || (rc = check_keys(f, &keys, err)) != V_OK)
			goto out;
	}
	if (replace && (rc = store_constituency_clear(st, err)) != V_OK)
		goto out;
	/* the file's organisations go first, so that a value moving between two of them is
	 * never held twice on the way */
	for (size_t i = 0; !replace && i < f->orgs.n; i++) {
		rc = store_org_remove(st, ((struct f_org *)f->orgs.p)[i].org.name, err);
		if (rc == V_ERR_NOTFOUND)
			rc = V_OK;
		if (rc != V_OK)
			goto out;
	}
	for (size_t i = 0; i < f->orgs.n; i++) {
		const struct f_org *o = &((struct f_org *)f->orgs.p)[i];
		if ((rc = store_org_put(st, &o->org, err)) != V_OK) {
			at(f, &o->at, NULL, rc, err);
			goto out;
		}
	}
	for (size_t i = 0; i < f->certs.n; i++) {
		const struct f_cert *t = &((struct f_cert *)f->certs.p)[i];
		if ((rc = store_cert_put(st, &t->cert, err)) != V_OK) {
			at(f, &t->at, NULL, rc, err);
			goto out;
		}
	}
out:
	for (size_t i = 0; i < os.names.n; i++)
		free(((char **)os.names.p)[i]);
	free(os.names.p);
	free(keys.p);
	return rc;
}

/* ---- what an import would change ------------------------------------------------------------ */

static int dump_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* j (an organisation or CERT as JSON, stolen) with every array's members in one order, as a
 * text: the store may keep networks, domains or contacts in another order than the file. */
static char *canonical(json_t *j)
{
	const char *key;
	json_t *v;
	char *text = NULL;

	if (!j)
		return NULL;
	json_object_foreach(j, key, v) {
		size_t n = json_array_size(v), i;
		char **d;
		json_t *a;
		if (!json_is_array(v) || n < 2)
			continue;
		if (!(d = calloc(n, sizeof(*d))) || !(a = json_array())) {
			free(d);
			goto out;
		}
		for (i = 0; i < n; i++)
			if (!(d[i] = json_dumps(json_array_get(v, i),
						JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)))
				break;
		if (i == n) {
			qsort(d, n, sizeof(*d), dump_cmp);
			for (i = 0; i < n; i++)
				json_array_append_new(a, json_string(d[i]));
		}
		for (size_t k = 0; k < n; k++)
			free(d[k]);
		free(d);
		json_object_set_new(j, key, a); /* replaces v: the iteration stays valid */
	}
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(j);
	return text;
}

/* 1 when the two differ, 0 when the same, -1 when out of memory. */
static int differs(json_t *a, json_t *b)
{
	char *x = canonical(a), *y = canonical(b);
	int r = x && y ? strcmp(x, y) != 0 : -1;

	free(x);
	free(y);
	return r;
}

struct removed {
	const struct constituency_file *f;
	size_t n;
};

static int removed_org(void *arg, const struct store_org *org)
{
	struct removed *r = arg;

	if (org_find(r->f, org->name) < 0)
		r->n++;
	return 0;
}

static long cert_find(const struct constituency_file *f, const char *cc)
{
	for (size_t i = 0; i < f->certs.n; i++)
		if (!strcasecmp(((struct f_cert *)f->certs.p)[i].cert.cc, cc))
			return (long)i;
	return -1;
}

static int removed_cert(void *arg, const struct store_cert *cert)
{
	struct removed *r = arg;

	if (cert_find(r->f, cert->cc) < 0)
		r->n++;
	return 0;
}

int constituency_file_diff(struct store *st, const struct constituency_file *f, int replace,
			   struct constituency_diff *d, struct verr *err)
{
	struct removed rm = { .f = f };
	int rc = V_OK, x;

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; rc == V_OK && i < f->orgs.n; i++) {
		const struct store_org *o = &((struct f_org *)f->orgs.p)[i].org;
		struct store_org *have = NULL;
		if ((rc = store_org_get(st, o->name, &have, err)) == V_ERR_NOTFOUND) {
			d->orgs_added++;
			rc = V_OK;
			continue;
		}
		if (rc != V_OK)
			break;
		x = differs(constituency_org_json(have), constituency_org_json(o));
		store_org_free(have);
		if (x < 0)
			rc = nomem(err);
		else if (x)
			d->orgs_changed++;
		else
			d->orgs_unchanged++;
	}
	for (size_t i = 0; rc == V_OK && i < f->certs.n; i++) {
		const struct store_cert *c = &((struct f_cert *)f->certs.p)[i].cert;
		struct store_cert *have = NULL;
		if ((rc = store_cert_get(st, c->cc, &have, err)) == V_ERR_NOTFOUND) {
			d->certs_added++;
			rc = V_OK;
			continue;
		}
		if (rc != V_OK)
			break;
		x = differs(constituency_cert_json(have), constituency_cert_json(c));
		store_cert_free(have);
		if (x < 0)
			rc = nomem(err);
		else if (x)
			d->certs_changed++;
		else
			d->certs_unchanged++;
	}
	if (rc == V_OK && replace) {
		if ((rc = store_orgs_list(st, removed_org, &rm, err)) == V_OK)
			d->orgs_removed = rm.n;
		rm.n = 0;
		if (rc == V_OK && (rc = store_certs_list(st, removed_cert, &rm, err)) == V_OK)
			d->certs_removed = rm.n;
	}
	return rc;
}

/* ---- writing --------------------------------------------------------------------------------- */

static json_t *contacts_json(const struct store_contact *c, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = json_object();
		if (!o || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
		json_object_set_new(o, "email", json_string(c[i].email));
		if (c[i].name)
			json_object_set_new(o, "name", json_string(c[i].name));
		if (c[i].lang)
			json_object_set_new(o, "lang", json_string(c[i].lang));
		if (c[i].format)
			json_object_set_new(o, "format", json_string(c[i].format));
		if (c[i].fingerprint)
			json_object_set_new(o, "fingerprint", json_string(c[i].fingerprint));
	}
	return arr;
}

json_t *constituency_org_json(const struct store_org *org)
{
	json_t *o = json_object(), *nets = json_array(), *asns = json_array(),
	       *doms = json_array(), *cons = contacts_json(org->contacts, org->ncontacts);

	if (!o || !nets || !asns || !doms || !cons) {
		json_decref(o);
		json_decref(nets);
		json_decref(asns);
		json_decref(doms);
		json_decref(cons);
		return NULL;
	}
	json_object_set_new(o, "name", json_string(org->name));
	json_object_set_new(o, "do_not_notify", json_boolean(org->do_not_notify));
	if (org->notes)
		json_object_set_new(o, "notes", json_string(org->notes));
	for (size_t i = 0; i < org->nnetworks; i++) {
		json_t *n = json_object();
		json_object_set_new(n, "cidr", json_string(org->networks[i].cidr));
		json_object_set_new(n, "do_not_notify",
				    json_boolean(org->networks[i].do_not_notify));
		json_array_append_new(nets, n);
	}
	for (size_t i = 0; i < org->nasns; i++)
		json_array_append_new(asns, json_integer(org->asns[i]));
	for (size_t i = 0; i < org->ndomains; i++)
		json_array_append_new(doms, json_string(org->domains[i]));
	json_object_set_new(o, "networks", nets);
	json_object_set_new(o, "asns", asns);
	json_object_set_new(o, "domains", doms);
	json_object_set_new(o, "contacts", cons);
	return o;
}

json_t *constituency_cert_json(const struct store_cert *cert)
{
	json_t *o = json_object(), *cons = contacts_json(cert->contacts, cert->ncontacts);

	if (!o || !cons) {
		json_decref(o);
		json_decref(cons);
		return NULL;
	}
	json_object_set_new(o, "country", json_string(cert->cc));
	json_object_set_new(o, "name", json_string(cert->name));
	if (cert->notes)
		json_object_set_new(o, "notes", json_string(cert->notes));
	json_object_set_new(o, "contacts", cons);
	return o;
}

/* A CSV field, quoted when it must be. */
static int csv_field(struct buf *b, const char *s, int last)
{
	int rc = V_OK;

	if (!s)
		s = "";
	if (strpbrk(s, ",\"\r\n") || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' ')) ||
	    s[0] == '#') {
		rc |= buf_putc(b, '"');
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				rc |= buf_putc(b, '"');
			rc |= buf_putc(b, *p);
		}
		rc |= buf_putc(b, '"');
	} else {
		rc |= buf_puts(b, s);
	}
	rc |= buf_putc(b, last ? '\n' : ',');
	return rc ? V_ERR_NOMEM : V_OK;
}

/* One row: the nine columns in order (NULL = empty). */
static int csv_row(struct buf *b, const char *const v[C__COUNT])
{
	for (int c = 0; c < C__COUNT; c++)
		if (csv_field(b, v[c], c == C__COUNT - 1) != V_OK)
			return V_ERR_NOMEM;
	return V_OK;
}

static int csv_contacts(struct buf *b, const char *kind, const char *owner,
			const struct store_contact *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v[C__COUNT] = { kind, owner, c[i].email, c[i].name, NULL, c[i].lang,
					    c[i].format, c[i].fingerprint, NULL };
		if (csv_row(b, v) != V_OK)
			return V_ERR_NOMEM;
	}
	return V_OK;
}

struct export {
	enum constituency_fmt fmt;
	FILE *out;
	struct buf b;
	json_t *arr;
	int failed;
};

/* Write out what b holds. */
static int flush(struct export *x)
{
	if (x->b.len && fwrite(x->b.data, 1, x->b.len, x->out) != x->b.len)
		return V_ERR_IO;
	buf_reset(&x->b);
	return V_OK;
}

static int export_org(void *arg, const struct store_org *o)
{
	struct export *x = arg;
	char num[24];
	int rc = V_OK;

	if (x->fmt == CONSTITUENCY_FMT_JSON) {
		json_t *j = constituency_org_json(o);
		if (!j || json_array_append_new(x->arr, j) != 0)
			return V_ERR_NOMEM;
		return V_OK;
	}
	{
		const char *v[C__COUNT] = { "organisation", o->name, NULL, NULL,
					    o->do_not_notify ? "yes" : "no", NULL, NULL, NULL,
					    o->notes };
		rc |= csv_row(&x->b, v);
	}
	for (size_t i = 0; i < o->nnetworks; i++) {
		const char *v[C__COUNT] = { "network", o->name, o->networks[i].cidr, NULL,
					    o->networks[i].do_not_notify ? "yes" : "no" };
		rc |= csv_row(&x->b, v);
	}
	for (size_t i = 0; i < o->nasns; i++) {
		const char *v[C__COUNT] = { "asn", o->name, num };
		snprintf(num, sizeof(num), "%lld", (long long)o->asns[i]);
		rc |= csv_row(&x->b, v);
	}
	for (size_t i = 0; i < o->ndomains; i++) {
		const char *v[C__COUNT] = { "domain", o->name, o->domains[i] };
		rc |= csv_row(&x->b, v);
	}
	rc |= csv_contacts(&x->b, "contact", o->name, o->contacts, o->ncontacts);
	if (rc)
		return V_ERR_NOMEM;
	return flush(x);
}

static int export_cert(void *arg, const struct store_cert *c)
{
	struct export *x = arg;
	int rc = V_OK;

	if (x->fmt == CONSTITUENCY_FMT_JSON) {
		json_t *j = constituency_cert_json(c);
		if (!j || json_array_append_new(x->arr, j) != 0)
			return V_ERR_NOMEM;
		return V_OK;
	}
	{
		const char *v[C__COUNT] = { "cert", c->cc, NULL, c->name, NULL, NULL, NULL, NULL,
					    c->notes };
		rc |= csv_row(&x->b, v);
	}
	rc |= csv_contacts(&x->b, "cert_contact", c->cc, c->contacts, c->ncontacts);
	if (rc)
		return V_ERR_NOMEM;
	return flush(x);
}

int constituency_export(struct store *st, enum constituency_fmt fmt, FILE *out,
			struct verr *err)
{
	struct export x = { .fmt = fmt == CONSTITUENCY_FMT_JSON ? fmt : CONSTITUENCY_FMT_CSV,
			    .out = out };
	json_t *doc = NULL;
	int rc;

	buf_init(&x.b, 0);
	if (x.fmt == CONSTITUENCY_FMT_JSON) {
		if (!(doc = json_object()) || !(x.arr = json_array())) {
			rc = nomem(err);
			goto out;
		}
		json_object_set_new(doc, "vigia_constituency", json_integer(1));
		json_object_set_new(doc, "organisations", x.arr);
	} else {
		const char *const *h = col_names;
		if (csv_row(&x.b, h) != V_OK) {
			rc = nomem(err);
			goto out;
		}
	}
	rc = store_orgs_list(st, export_org, &x, err);
	if (rc == V_OK && x.fmt == CONSTITUENCY_FMT_JSON) {
		if (!(x.arr = json_array())) {
			rc = nomem(err);
			goto out;
		}
		json_object_set_new(doc, "certs", x.arr);
	}
	if (rc == V_OK)
		rc = store_certs_list(st, export_cert, &x, err);
	if (rc == V_ERR_NOMEM)
		nomem(err);
	if (rc == V_OK && x.fmt == CONSTITUENCY_FMT_JSON &&
	    (json_dumpf(doc, out, JSON_INDENT(2)) != 0 ||
	     fputc('\n', out) == EOF))
		rc = V_ERR_IO;
	if (rc == V_OK && x.fmt == CONSTITUENCY_FMT_CSV)
		rc = flush(&x);
	if (rc == V_OK && fflush(out) != 0)
		rc = V_ERR_IO;
	if (rc == V_ERR_IO)
		verr_set(err, V_ERR_IO, "", _("cannot write the export: %s"), strerror(errno));
out:
	json_decref(doc);
	buf_fini(&x.b);
	return rc;
}
