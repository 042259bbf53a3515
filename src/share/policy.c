/*
 * policy.c — the sharing policy (policy.h): markings, recipients and their rights, the one
 * decision every exporter asks for, and victim pseudonyms.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "base/i18n.h"
#include "ingest/stix_ids.h"
#include "share/policy.h"
#include "store/store.h"

static const char *const tlp_names[TLP__COUNT] = { "CLEAR", "GREEN", "AMBER", "AMBER+STRICT",
						   "RED" };
static const char *const pap_names[PAP__COUNT] = { "CLEAR", "GREEN", "AMBER", "RED" };
static const char *const kind_names[RK__COUNT] = { "public", "community", "partner",
						   "internal" };
_Static_assert(TLP__COUNT == STIX_TLP_LEVELS, "the same TLP levels");
static const enum tlp kind_ceiling[RK__COUNT] = { TLP_CLEAR, TLP_GREEN, TLP_AMBER_STRICT,
						  TLP_RED };

/* s without a "TLP:"/"PAP:" prefix (any case). */
static const char *unprefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!strncasecmp(s, prefix, n))
		s += n;
	while (*s == ' ')
		s++;
	return s;
}

int policy_tlp_parse(const char *s, enum tlp *out, struct verr *err)
{
	const char *v = unprefix(s ? s : "", "TLP:");

	if (!strcasecmp(v, "WHITE")) {
		*out = TLP_CLEAR;
		return V_OK;
	}
	for (int i = 0; i < TLP__COUNT; i++)
		if (!strcasecmp(v, tlp_names[i])) {
			*out = (enum tlp)i;
			return V_OK;
		}
	return verr_set(err, V_ERR_INVALID, "tlp",
			_("'%s' is not a TLP level (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)"),
			s ? s : "");
}

const char *policy_tlp_name(enum tlp t)
{
	return (unsigned)t < TLP__COUNT ? tlp_names[t] : "?";
}

int policy_pap_parse(const char *s, enum pap *out, struct verr *err)
{
	const char *v = unprefix(s ? s : "", "PAP:");

	if (!strcasecmp(v, "WHITE")) {
		*out = PAP_CLEAR;
		return V_OK;
	}
	for (int i = 0; i < PAP__COUNT; i++)
		if (!strcasecmp(v, pap_names[i])) {
			*out = (enum pap)i;
			return V_OK;
		}
	return verr_set(err, V_ERR_INVALID, "pap",
			_("'%s' is not a PAP level (CLEAR, GREEN, AMBER, RED)"), s ? s : "");
}

const char *policy_pap_name(enum pap p)
{
	return (unsigned)p < PAP__COUNT ? pap_names[p] : "?";
}

int policy_kind_parse(const char *s, enum recipient_kind *out, struct verr *err)
{
	for (int i = 0; i < RK__COUNT; i++)
		if (s && !strcasecmp(s, kind_names[i])) {
			*out = (enum recipient_kind)i;
			return V_OK;
		}
	return verr_set(err, V_ERR_INVALID, "kind",
			_("'%s' is not a kind of recipient (public, community, partner, "
			  "internal)"), s ? s : "");
}

const char *policy_kind_name(enum recipient_kind k)
{
	return (unsigned)k < RK__COUNT ? kind_names[k] : "?";
}

enum tlp policy_kind_ceiling(enum recipient_kind k)
{
	return (unsigned)k < RK__COUNT ? kind_ceiling[k] : TLP_CLEAR;
}

const char *policy_tlp_stix_id(enum tlp t)
{
	return stix_tlp2_id((int)t);
}

int policy_tlp_from_stix_id(const char *id, enum tlp *out)
{
	int l = id ? stix_tlp_level(id) : -1;

	if (l < 0)
		return V_ERR_NOTFOUND;
	*out = (enum tlp)l;
	return V_OK;
}

/* ---- lists and recipients ------------------------------------------------------------------- */

void policy_list_free(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

int policy_list_parse(const char *s, const char *what, char ***out, size_t *n, struct verr *err)
{
	char **list = NULL;
	size_t cap = 0, k = 0;
	const char *p = s ? s : "*";

	*out = NULL;
	*n = 0;
	while (*p == ' ')
		p++;
	if (!strcmp(p, "*"))
		return V_OK;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len && p[0] == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (!len || (len == 1 && p[0] == '*')) {
			policy_list_free(list);
			return verr_set(err, V_ERR_INVALID, what,
					_("'%s': an empty item or a '*' among names (use '*' "
					  "alone for every one)"), s);
		}
		if (k + 2 > cap) {
			char **nl = realloc(list, (cap = cap ? cap * 2 : 8) * sizeof(*nl));
			if (!nl) {
				policy_list_free(list);
				return verr_set(err, V_ERR_NOMEM, what, "%s", vres_str(V_ERR_NOMEM));
			}
			list = nl;
		}
		if (!(list[k] = strndup(p, len))) {
			policy_list_free(list);
			return verr_set(err, V_ERR_NOMEM, what, "%s", vres_str(V_ERR_NOMEM));
		}
		list[++k] = NULL;
		if (!e)
			break;
		p = e + 1;
	}
	*out = list;
	*n = k;
	return V_OK;
}

static int hex_key(const char *hex, unsigned char *key, size_t n)
{
	size_t got = 0;

	if (!hex || strlen(hex) != 2 * n)
		return -1;
	if (sodium_hex2bin(key, n, hex, 2 * n, NULL, &got, NULL) != 0 || got != n)
		return -1;
	return 0;
}

int policy_partner_check(const struct store_partner *p, struct verr *err)
{
	enum recipient_kind k;
	enum tlp t;
	unsigned char key[POLICY_KEY_BYTES];
	char **list;
	size_t n;
	int rc;

	if (!p->name || !*p->name || strlen(p->name) > 100 || strchr(p->name, ','))
		return verr_set(err, V_ERR_INVALID, "name",
				_("a partner needs a name of 1 to 100 characters without commas"));
	if ((rc = policy_kind_parse(p->kind, &k, err)) != V_OK ||
	    (rc = policy_tlp_parse(p->tlp_max, &t, err)) != V_OK)
		return rc;
	if (t > kind_ceiling[k])
		return verr_set(err, V_ERR_INVALID, "tlp",
				_("a recipient of kind %s may receive at most TLP:%s, not TLP:%s"),
				kind_names[k], tlp_names[kind_ceiling[k]], tlp_names[t]);
	if ((rc = policy_list_parse(p->collections, "collections", &list, &n, err)) != V_OK)
		return rc;
	policy_list_free(list);
	if ((rc = policy_list_parse(p->orgs, "orgs", &list, &n, err)) != V_OK)
		return rc;
	policy_list_free(list);
	if (hex_key(p->pseudo_key, key, sizeof(key)))
		return verr_set(err, V_ERR_INVALID, "pseudo_key",
				_("the pseudonymisation key must be %d hex digits"),
				2 * POLICY_KEY_BYTES);
	sodium_memzero(key, sizeof(key));
	if (p->sign_key && hex_key(p->sign_key, key, crypto_sign_PUBLICKEYBYTES))
		return verr_set(err, V_ERR_INVALID, "sign_key",
				_("an Ed25519 public key is %d hex digits"),
				2 * crypto_sign_PUBLICKEYBYTES);
	if (p->identity && (strncmp(p->identity, "identity--", 10) || strlen(p->identity) != 46))
		return verr_set(err, V_ERR_INVALID, "identity",
				_("'%s' is not a STIX identity id (identity--<uuid>)"), p->identity);
	return V_OK;
}

void policy_recipient_kind(struct policy_recipient *r, enum recipient_kind k)
{
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->tlp_max = policy_kind_ceiling(k);
}

int policy_recipient_init(struct policy_recipient *r, const struct store_partner *p,
			  struct verr *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = policy_partner_check(p, err)) != V_OK) {
		char why[sizeof(err->reason)];
		if (err) {
			memcpy(why, err->reason, sizeof(why));
			verr_set(err, rc, err->field, _("partner %s: %s"), p->name ? p->name : "?",
				 why);
		}
		return rc;
	}
	policy_kind_parse(p->kind, &r->kind, NULL);
	policy_tlp_parse(p->tlp_max, &r->tlp_max, NULL);
	r->pseudonymise = p->pseudonymise != 0;
	hex_key(p->pseudo_key, r->key, sizeof(r->key));
	if (!(r->name = strdup(p->name)) ||
	    (p->identity && !(r->identity = strdup(p->identity))) ||
	    (p->sign_key && !(r->sign_key = strdup(p->sign_key)))) {
		policy_recipient_fini(r);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	if ((rc = policy_list_parse(p->collections, "collections", &r->collections,
				    &r->ncollections, err)) != V_OK ||
	    (rc = policy_list_parse(p->orgs, "orgs", &r->orgs, &r->norgs, err)) != V_OK) {
		policy_recipient_fini(r);
		return rc;
	}
	return V_OK;
}

void policy_recipient_fini(struct policy_recipient *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->identity);
	free(r->sign_key);
	policy_list_free(r->collections);
	policy_list_free(r->orgs);
	sodium_memzero(r->key, sizeof(r->key));
	memset(r, 0, sizeof(*r));
}

/* ---- the decision --------------------------------------------------------------------------- */

static int in_list(char **list, const char *s)
{
	for (char **p = list; p && *p; p++)
		if (!strcasecmp(*p, s))
			return 1;
	return 0;
}

void policy_decide(const struct policy_recipient *r, const struct policy_object *o, enum tlp dflt,
		   struct policy_verdict *v)
{
	enum tlp t = o->has_tlp ? o->tlp : dflt;
	enum tlp cap = r->tlp_max < kind_ceiling[r->kind] ? r->tlp_max : kind_ceiling[r->kind];
	const char *who = r->name ? r->name : kind_names[r->kind];

	memset(v, 0, sizeof(*v));
	v->tlp = t;
	v->form = PF_WITHHOLD;
	if ((unsigned)t >= TLP__COUNT) {
		snprintf(v->reason, sizeof(v->reason), "%s", _("unknown marking"));
		return;
	}
	if (t > cap) {
		snprintf(v->reason, sizeof(v->reason),
			 _("TLP:%s%s is above what %s may receive (TLP:%s)"), tlp_names[t],
			 o->has_tlp ? "" : _(" (unmarked: share.default_tlp)"), who, tlp_names[cap]);
		return;
	}
	if (r->collections && !(o->taxonomy && in_list(r->collections, o->taxonomy))) {
		snprintf(v->reason, sizeof(v->reason), _("class %s is not among %s's collections"),
			 o->taxonomy ? o->taxonomy : "-", who);
		return;
	}
	if (r->orgs && o->organisation && *o->organisation && !in_list(r->orgs, o->organisation)) {
		snprintf(v->reason, sizeof(v->reason),
			 _("%s may not receive data about organisation %s"), who, o->organisation);
		return;
	}
	v->form = r->pseudonymise ? PF_PSEUDONYMISED : PF_AS_IS;
}

void policy_decide_mail(const struct policy_recipient *r, int affected,
			const struct policy_object *o, enum tlp dflt, struct policy_verdict *v)
{
	enum tlp t = o->has_tlp ? o->tlp : dflt;
	const char *unmarked = o->has_tlp ? "" : _(" (unmarked: share.default_tlp)");

	if (t == TLP_RED || (!affected && (t == TLP_AMBER || t == TLP_AMBER_STRICT))) {
		memset(v, 0, sizeof(*v));
		v->tlp = t;
		v->form = PF_WITHHOLD;
		if (t == TLP_RED)
			snprintf(v->reason, sizeof(v->reason), _("TLP:RED%s never goes by e-mail"),
				 unmarked);
		else
			snprintf(v->reason, sizeof(v->reason),
				 _("TLP:%s%s goes only to the affected organisation"),
				 tlp_names[t], unmarked);
		return;
	}
	policy_decide(r, o, dflt, v);
}

void policy_pseudonym(const struct policy_recipient *r, const char *value, size_t len,
		      char out[POLICY_PSEUDONYM_LEN + 1])
{
	unsigned char h[16];

	crypto_generichash(h, sizeof(h), (const unsigned char *)value, len, r->key,
			   sizeof(r->key));
	memcpy(out, "pseudo:", 7);
	sodium_bin2hex(out + 7, 33, h, sizeof(h));
}

int policy_victim_side(const char *type, const char *taxonomy)
{
	return taxonomy_victim_side(type, taxonomy);
}

/* The victim side's identifying fields, which a pseudonymised event leaves without. */
static const char *const victim_fields[] = { "ip", "network", "fqdn", "reverse_dns", "url",
					     "urlpath", "account", "local_hostname", "local_ip",
					     NULL };

int policy_event_keeps(const struct policy_recipient *r, const struct policy_verdict *v,
		       const char *type, const char *taxonomy, const char *field)
{
	const char *side, *rest;
	size_t n;

	if (r->kind != RK_INTERNAL && !strcmp(field, "raw"))
		return 0;
	if (v->form != PF_PSEUDONYMISED)
		return 1;
	side = policy_victim_side(type, taxonomy) == 's' ? "source." : "destination.";
	n = strlen(side);
	if (strncmp(field, side, n))
		return 1;
	rest = field + n;
	for (int i = 0; victim_fields[i]; i++)
		if (!strcmp(rest, victim_fields[i]))
			return 0;
	return 1;
}

int policy_apply_event(const struct policy_recipient *r, const struct policy_verdict *v,
		       json_t *ev, size_t *removed)
{
	static const char *const keyed[] = { "ip", "fqdn", "url", "account", NULL };
	const char *type = json_string_value(json_object_get(ev, "classification.type"));
	const char *tax = json_string_value(json_object_get(ev, "classification.taxonomy"));
	const char *side;
	char key[64], pseudo[POLICY_PSEUDONYM_LEN + 1];
	size_t n = 0;

	if (r->kind != RK_INTERNAL && json_object_get(ev, "raw")) {
		json_object_del(ev, "raw");
		n++;
	}
	if (v->form == PF_PSEUDONYMISED) {
		side = policy_victim_side(type, tax) == 's' ? "source" : "destination";
		pseudo[0] = 0;
		for (int i = 0; keyed[i] && !pseudo[0]; i++) {
			const char *val;
			snprintf(key, sizeof(key), "%s.%s", side, keyed[i]);
			if ((val = json_string_value(json_object_get(ev, key))))
				policy_pseudonym(r, val, strlen(val), pseudo);
		}
		for (int i = 0; victim_fields[i]; i++) {
			snprintf(key, sizeof(key), "%s.%s", side, victim_fields[i]);
			if (!json_object_del(ev, key))
				n++;
		}
		if (pseudo[0]) {
			snprintf(key, sizeof(key), "extra.%s_pseudonym", side);
			if (json_object_set_new(ev, key, json_string(pseudo)))
				return V_ERR_NOMEM;
		}
	}
	if (removed)
		*removed = n;
	return V_OK;
}
