/*
 * cmd_taxii.c — `vigia taxii pull`: fetch a TAXII 2.1 collection's objects incrementally and
 * import them through the same path as `vigia import --format stix` (so with the provenance
 * of --from, the one STIX reader, and its error reports).  The added_after to ask for next
 * time (the X-TAXII-Date-Added-Last of the last page) is remembered in the store per (URL,
 * collection) and moves only after the import succeeded, so an interrupted pull is repeated,
 * never skipped.  Pages (limit/next/more) are followed; a 429, a 5xx or a network error is
 * retried with a growing pause.  The token comes from $VIGIA_TAXII_TOKEN (never the command
 * line, which other users can read); with --user it is sent as HTTP Basic.
 *
 * `vigia taxii push` sends the objects of STIX files (a bundle, one object or an array; "-"
 * for standard input, e.g. `vigia export --format stix --for X -o -`) to a collection, in
 * envelopes of at most --limit objects, with the same retries; each envelope is all or nothing
 * on a vigia server, and the status resource the server returns is checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "store/store.h"

#define MAX_PAGE (64u << 20)
#define ATTEMPTS 4

static void taxii_usage(FILE *f)
{
	fputs(
	    _("usage: vigia taxii pull --from URL --collection ID [--user NAME] [--partner NAME]\n"
	      "                        [--limit N] [--db PATH]\n"
	      "Fetch a TAXII 2.1 collection's objects added since the last pull (remembered\n"
	      "per URL and collection) and import them as 'vigia import --format stix' does.\n"
	      "URL is the API root (https://host/taxii2/cti/).  The token is read from\n"
	      "$VIGIA_TAXII_TOKEN: Bearer, or HTTP Basic with --user.  --partner names the\n"
	      "partner the objects come from (their provenance).\n\n"
	      "usage: vigia taxii push --to URL --collection ID [--user NAME] [--limit N]\n"
	      "                        FILE...\n"
	      "Send the objects of STIX files (a bundle, an object or an array; '-' for\n"
	      "standard input) to a TAXII 2.1 collection, in envelopes of at most N objects\n"
	      "(default 100).  The token is read from $VIGIA_TAXII_TOKEN as for pull.\n"),
	    f);
}

struct page {
	struct buf body;
	char last[STORE_CURSOR_LEN];
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct page *pg = arg;

	return buf_append(&pg->body, p, size * n) == V_OK ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char name[] = "x-taxii-date-added-last:";
	struct page *pg = arg;
	size_t len = size * n, k = sizeof(name) - 1;

	if (len > k && !strncasecmp(p, name, k)) {
		const char *v = p + k;
		size_t vl = len - k;

		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		if (vl < sizeof(pg->last)) {
			memcpy(pg->last, v, vl);
			pg->last[vl] = 0;
		}
	}
	return len;
}

/* GET url into pg (POST body[0..len) when body is not NULL), with retries.  0, or an exit
 * status (reported). */
static int fetch(const char *url, const char *user, const char *token, const char *body,
                 size_t len, struct page *pg)
{
	struct curl_slist *h = NULL;
	char auth[600];
	long code = 0;
	CURLcode cc = CURLE_OK;
	CURL *c = curl_easy_init();
	int status = EXIT_IO;

	if (!c)
		return EXIT_INTERNAL;
	h = curl_slist_append(h, "Accept: application/taxii+json;version=2.1");
	if (body)
		h = curl_slist_append(h, "Content-Type: application/taxii+json;version=2.1");
	if (!user) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
		buf_fini(&pg->body);
		buf_init(&pg->body, MAX_PAGE);
		pg->last[0] = 0;
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		if (user) {
			curl_easy_setopt(c, CURLOPT_USERNAME, user);
			curl_easy_setopt(c, CURLOPT_PASSWORD, token);
		}
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, pg);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, pg);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
		if (body) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		}
		cc = curl_easy_perform(c);
		code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (cc == CURLE_OK && (code == 200 || (body && code == 202))) {
			status = 0;
			break;
		}
		if (cc == CURLE_OK && code != 429 && code < 500)
			break; /* the server said no: asking again changes nothing */
		if (attempt < ATTEMPTS) {
			log_info(_("taxii: %s: %s; again in %d s"), url,
			         cc != CURLE_OK ? curl_easy_strerror(cc)
			                        : _("server busy or failing"),
			         attempt);
			sleep((unsigned)attempt);
		}
	}
	if (status) {
		if (cc != CURLE_OK)
			log_error(_("taxii: %s: %s"), url, curl_easy_strerror(cc));
		else
			log_error(_("taxii: %s: HTTP status %ld"), url, code);
		if (cc == CURLE_OK && pg->body.len && pg->body.len < 4096)
			log_error("taxii: %.*s", (int)pg->body.len, pg->body.data);
		if (code == 401 || code == 403 || code == 404 || code == 406)
			status = EXIT_USAGE;
		else if (code == 422) /* the server refused objects it was sent */
			status = EXIT_REJECTS;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* The URL of a page: root + collections/ID/objects/?limit=N[&added_after=][&next=]. */
static char *page_url(CURL *c, const char *root, const char *coll, long limit, const char *after,
                      const char *next)
{
	char *ec = curl_easy_escape(c, coll, 0),
	     *ea = after && *after ? curl_easy_escape(c, after, 0) : NULL;
	char *en = next ? curl_easy_escape(c, next, 0) : NULL, *url = NULL;
	size_t z = strlen(root) + (ec ? strlen(ec) : 0) + (ea ? strlen(ea) : 0) +
	           (en ? strlen(en) : 0) + 100;

	if (ec && (url = malloc(z)))
		snprintf(url, z, "%s%scollections/%s/objects/?limit=%ld%s%s%s%s", root,
		         root[strlen(root) - 1] == '/' ? "" : "/", ec, limit,
		         ea ? "&added_after=" : "", ea ? ea : "", en ? "&next=" : "", en ? en : "");
	curl_free(ec);
	curl_free(ea);
	curl_free(en);
	return url;
}

static int taxii_pull(int argc, char **argv, const char *db)
{
	const char *root = NULL, *coll = NULL, *user = NULL, *partner = NULL;
	const char *token = getenv("VIGIA_TAXII_TOKEN");
	char cursor[STORE_CURSOR_LEN], last[STORE_CURSOR_LEN] = "",
	                               file[] = "/tmp/vigia-taxii-XXXXXX";
	char *next = NULL, *url;
	long limit = 1000;
	struct page pg;
	struct store *st = NULL;
	struct verr e = {0};
	json_t *all = NULL;
	size_t pages = 0;
	int status, fd, more;
	CURL *c;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return taxii_usage(stdout), 0;
		if (!v) {
			log_error(_("taxii pull: unknown or incomplete option '%s'"), a);
			return EXIT_USAGE;
		}
		if (!strcmp(a, "--from"))
			root = v;
		else if (!strcmp(a, "--collection"))
			coll = v;
		else if (!strcmp(a, "--user"))
			user = v;
		else if (!strcmp(a, "--partner"))
			partner = v;
		else if (!strcmp(a, "--limit")) {
			char *end;

			errno = 0;
			limit = strtol(v, &end, 10);
			if (errno || *end || end == v || limit < 1 || limit > 100000) {
				log_error(_("taxii pull: --limit is 1..100000, not '%s'"), v);
				return EXIT_USAGE;
			}
		} else {
			log_error(_("taxii pull: unknown or incomplete option '%s'"), a);
			return EXIT_USAGE;
		}
		i++;
	}
	if (!root || !coll || !*root || !*coll) {
		log_error("%s", _("taxii pull: needs --from URL and --collection ID"));
		return EXIT_USAGE;
	}
	if (!token || !*token) {
		log_error("%s", _("taxii pull: set $VIGIA_TAXII_TOKEN to the server's token"));
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db, &st)) != 0)
		return status;
	if (store_taxii_cursor_get(st, root, coll, cursor, &e) != V_OK) {
		cli_report(&e);
		store_close(st);
		return EXIT_IO;
	}
	store_close(st);
	st = NULL;
	if (!(c = curl_easy_init()) || !(all = json_array())) {
		curl_easy_cleanup(c);
		json_decref(all);
		return EXIT_INTERNAL;
	}
	buf_init(&pg.body, MAX_PAGE);
	do {
		json_t *env, *objs;

		more = 0;
		if (!(url = page_url(c, root, coll, limit, cursor, next))) {
			status = EXIT_INTERNAL;
			break;
		}
		status = fetch(url, user, token, NULL, 0, &pg);
		free(url);
		if (status)
			break;
		env = json_loadb(pg.body.data ? pg.body.data : "", pg.body.len, 0, NULL);
		objs = json_object_get(env, "objects");
		if (!env || (objs && !json_is_array(objs))) {
			log_error(_("taxii: %s: the answer is not a TAXII envelope"), root);
			json_decref(env);
			status = EXIT_IO;
			break;
		}
		json_array_extend(all, objs ? objs : json_array());
		more = json_is_true(json_object_get(env, "more"));
		free(next);
		next = json_string_value(json_object_get(env, "next"))
		           ? strdup(json_string_value(json_object_get(env, "next")))
		           : NULL;
		if (pg.last[0])
			memcpy(last, pg.last, sizeof(last));
		json_decref(env);
		pages++;
		if (more && !next) {
			log_error(_("taxii: %s: 'more' without 'next'"), root);
			status = EXIT_IO;
		}
	} while (!status && more);
	buf_fini(&pg.body);
	curl_easy_cleanup(c);
	free(next);
	if (!status && json_array_size(all) > 0) {
		json_t *bundle =
		    json_pack("{s:s, s:s, s:O}", "type", "bundle", "id",
		              "bundle--00000000-0000-4000-8000-000000000000", "objects", all);
		char *av[12];
		int ac = 0;

		if ((fd = mkstemp(file)) < 0 || !bundle ||
		    json_dumpfd(bundle, fd, JSON_COMPACT) != 0) {
			log_error(_("cannot write %s"), file);
			status = EXIT_IO;
		}
		if (fd >= 0)
			close(fd);
		json_decref(bundle);
		if (!status) {
			av[ac++] = "import";
			av[ac++] = "--format";
			av[ac++] = "stix";
			if (partner) {
				av[ac++] = "--from";
				av[ac++] = (char *)partner;
			}
			if (db) {
				av[ac++] = "--db";
				av[ac++] = (char *)db;
			}
			av[ac++] = file;
			av[ac] = NULL;
			status = cmd_import(ac, av);
		}
		unlink(file);
	}
	log_info(_("taxii: %zu objects in %zu pages from %s"), json_array_size(all), pages, root);
	json_decref(all);
	/* move the cursor only once the objects are in (rejected records are reported, and a
	 * pull again would only reject them again) */
	if ((status == 0 || status == EXIT_REJECTS) && last[0]) {
		if (cli_store_open(db, &st) != 0)
			return EXIT_IO;
		if (store_taxii_cursor_set(st, root, coll, last, &e) != V_OK) {
			cli_report(&e);
			status = EXIT_IO;
		}
		store_close(st);
	}
	return status;
}

/* The objects of one STIX file (bundle, object or array), appended to all.  0 or an exit status
 * (reported). */
static int read_objects(const char *path, json_t *all)
{
	json_error_t je;
	json_t *j = strcmp(path, "-") ? json_load_file(path, 0, &je) : json_loadf(stdin, 0, &je);
	json_t *objs;

	if (!j) {
		log_error(_("%s: line %d: not JSON: %s"), path, je.line, je.text);
		return EXIT_USAGE;
	}
	objs = json_is_array(j) ? j : json_object_get(j, "objects");
	if (json_is_array(objs))
		json_array_extend(all, objs);
	else if (json_is_object(j) && json_is_string(json_object_get(j, "type")))
		json_array_append(all, j);
	else {
		log_error(_("%s: not a STIX bundle, object or array of objects"), path);
		json_decref(j);
		return EXIT_USAGE;
	}
	json_decref(j);
	return 0;
}

static int taxii_push(int argc, char **argv)
{
	const char *root = NULL, *coll = NULL, *user = NULL;
	const char *token = getenv("VIGIA_TAXII_TOKEN");
	long limit = 100;
	json_t *all;
	size_t sent = 0, envelopes = 0, n;
	struct page pg;
	char *url = NULL, *ec;
	int status = 0, i;
	CURL *c;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return taxii_usage(stdout), 0;
		if (a[0] != '-' || !strcmp(a, "-"))
			break; /* the files */
		if (!v) {
			log_error(_("taxii push: unknown or incomplete option '%s'"), a);
			return EXIT_USAGE;
		}
		if (!strcmp(a, "--to"))
			root = v;
		else if (!strcmp(a, "--collection"))
			coll = v;
		else if (!strcmp(a, "--user"))
			user = v;
		else if (!strcmp(a, "--limit")) {
			char *end;

			errno = 0;
			limit = strtol(v, &end, 10);
			if (errno || *end || end == v || limit < 1 || limit > 100000) {
				log_error(_("taxii push: --limit is 1..100000, not '%s'"), v);
				return EXIT_USAGE;
			}
		} else {
			log_error(_("taxii push: unknown or incomplete option '%s'"), a);
			return EXIT_USAGE;
		}
		i++;
	}
	if (!root || !coll || !*root || !*coll || i >= argc) {
		log_error("%s", _("taxii push: needs --to URL, --collection ID and files"));
		return EXIT_USAGE;
	}
	if (!token || !*token) {
		log_error("%s", _("taxii push: set $VIGIA_TAXII_TOKEN to the server's token"));
		return EXIT_USAGE;
	}
	if (!(all = json_array()))
		return EXIT_INTERNAL;
	for (; i < argc && !status; i++)
		status = read_objects(argv[i], all);
	if (status) {
		json_decref(all);
		return status;
	}
	if (!(c = curl_easy_init()) || !(ec = curl_easy_escape(c, coll, 0))) {
		curl_easy_cleanup(c);
		json_decref(all);
		return EXIT_INTERNAL;
	}
	n = strlen(root) + strlen(ec) + 40;
	if ((url = malloc(n)))
		snprintf(url, n, "%s%scollections/%s/objects/", root,
		         root[strlen(root) - 1] == '/' ? "" : "/", ec);
	curl_free(ec);
	curl_easy_cleanup(c);
	buf_init(&pg.body, MAX_PAGE);
	for (size_t k = 0; url && !status && k < json_array_size(all); k += (size_t)limit) {
		json_t *env = json_pack("{s:[]}", "objects"), *st;
		char *body;

		for (size_t m = k; m < k + (size_t)limit && m < json_array_size(all); m++)
			json_array_append(json_object_get(env, "objects"), json_array_get(all, m));
		body = json_dumps(env, JSON_COMPACT);
		json_decref(env);
		if (!body) {
			status = EXIT_INTERNAL;
			break;
		}
		status = fetch(url, user, token, body, strlen(body), &pg);
		free(body);
		if (status)
			break;
		st = json_loadb(pg.body.data ? pg.body.data : "", pg.body.len, 0, NULL);
		if (!json_is_object(st) ||
		    json_integer_value(json_object_get(st, "failure_count")) != 0) {
			log_error(_("taxii: %s: the server did not take every object: %.*s"), url,
			          (int)(pg.body.len < 2000 ? pg.body.len : 2000),
			          pg.body.data ? pg.body.data : "");
			status = EXIT_REJECTS;
		} else {
			sent += (size_t)json_integer_value(json_object_get(st, "success_count"));
			envelopes++;
			log_info(_("taxii: status %s: %s"),
			         json_string_value(json_object_get(st, "id"))
			             ? json_string_value(json_object_get(st, "id"))
			             : "-",
			         json_string_value(json_object_get(st, "status"))
			             ? json_string_value(json_object_get(st, "status"))
			             : "-");
		}
		json_decref(st);
	}
	if (!url)
		status = EXIT_INTERNAL;
	buf_fini(&pg.body);
	log_info(_("taxii: %zu objects sent in %zu envelopes to %s"), sent, envelopes, root);
	free(url);
	json_decref(all);
	return status;
}

int cmd_taxii(int argc, char **argv)
{
	const char *db = NULL;
	int status = 0;

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		taxii_usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "pull"))
		return taxii_pull(argc - 1, argv + 1, db);
	if (argc >= 2 && !strcmp(argv[1], "push"))
		return taxii_push(argc - 1, argv + 1);
	if (argc >= 2)
		log_error(_("taxii: '%s' is not a subcommand (pull, push)"), argv[1]);
	taxii_usage(stderr);
	return EXIT_USAGE;
}
