/*
 * taxii_views.h — TAXII collections defined in the configuration (taxii_views.c): a view of the
 * team's data for one partner, narrowed by a TLP ceiling and STIX types, filtered by the one
 * sharing policy.  Private to src/http/.
 */
#ifndef VIGIA_HTTP_TAXII_VIEWS_H
#define VIGIA_HTTP_TAXII_VIEWS_H

#include <jansson.h>

#include "http/http_impl.h"
#include "share/policy.h"

struct taxii_view {
	char name[64];
	char id[37];
	char partner[STORE_NAME_MAX + 1];
	enum tlp tlp;    /* ceiling (TLP_RED: none beyond the partner's rights) */
	char types[256]; /* STIX types separated by '+' or ' '; "" = every type */
};

/* Call cb for each definition of taxii.collections (a non-zero return stops and is returned).
 * V_OK, or V_ERR_USAGE naming the first bad definition. */
int taxii_views_each(int (*cb)(void *arg, const struct taxii_view *v), void *arg, struct verr *err);
/* Check the whole setting (vigia serve, at start).  V_OK or V_ERR_USAGE. */
int taxii_views_check(struct verr *err);
/* The view whose id is id.  OUT: *out.  1 found, 0 not. */
int taxii_view_find(const char *id, struct taxii_view *out);
/* May the caller see view v at all? */
int taxii_view_visible(const struct taxii_view *v, const struct http_call *c);
/* Is a STIX type part of the view? */
int taxii_view_has_type(const struct taxii_view *v, const char *type);
/* The collection resource (a new object). */
json_t *taxii_view_json(const struct taxii_view *v);
/* Append the views the caller may see to out (an array). */
void taxii_views_list(const struct http_call *c, json_t *out);

#endif
