/*
 * cmd_info.c — commands that describe vigia itself: feeds, parsers, fields, config.
 */
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "event/event.h"
#include "ingest/ingest.h"

int cmd_feeds(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(_("usage: vigia feeds [NAME]\n\n"
			 "Without NAME, lists the feeds of the built-in catalogue; with NAME, prints its\n"
			 "definition (JSON), which can be copied and edited for --feed-file.\n"));
		return 0;
	}
	if (argc > 1) {
		char path[256];
		size_t len;
		snprintf(path, sizeof(path), "feeds/%s.json", argv[1]);
		const char *d = blob_get(path, &len);
		if (!d) {
			log_error(_("no feed named '%s' in the catalogue"), argv[1]);
			return EXIT_USAGE;
		}
		fwrite(d, 1, len, stdout);
		return 0;
	}
	for (const char *const *n = feed_catalogue_names(); *n; n++) {
		char path[256];
		size_t len;
		snprintf(path, sizeof(path), "feeds/%s", *n);
		const char *d = blob_get(path, &len);
		json_error_t je;
		json_t *j = d ? json_loadb(d, len, 0, &je) : NULL;
		const char *desc = j ? json_string_value(json_object_get(j, "description")) : NULL;
		const char *parser = j ? json_string_value(json_object_get(j, "parser")) : NULL;
		printf("%-28.*s %-16s %s\n", (int)(strlen(*n) - 5), *n, parser ? parser : "?",
		       desc ? desc : "");
		json_decref(j);
	}
	return 0;
}

int cmd_parsers(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(_("usage: vigia parsers\n\nLists the parsers and the IntelMQ bot modules each accepts.\n"));
		return 0;
	}
	for (const struct parser *const *p = parser_registry; *p; p++) {
		printf("%-18s %s\n", (*p)->name, _((*p)->description));
		for (const char *const *a = (*p)->aliases; a && *a; a++)
			printf("%-18s   %s %s\n", "", _("alias:"), *a);
	}
	return 0;
}

int cmd_fields(int argc, char **argv)
{
	int json = argc > 1 && !strcmp(argv[1], "--json");

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(_("usage: vigia fields [--json]\n\nLists the canonical event's fields "
			 "(IntelMQ harmonization names), their types and meaning.\n"));
		return 0;
	}
	if (json) {
		json_t *o = json_object();
		for (int i = 0; i < F__COUNT; i++)
			json_object_set_new(o, schema_fields[i].name,
					    json_pack("{s:s,s:s}", "type", ftype_name(schema_fields[i].type),
						      "description", schema_fields[i].description));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(o);
		return 0;
	}
	for (int i = 0; i < F__COUNT; i++)
		printf("%-40s %-22s %s\n", schema_fields[i].name, ftype_name(schema_fields[i].type),
		       schema_fields[i].description);
	return 0;
}

int cmd_config(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(_("usage: vigia config\n\nShows every setting with its current value.  Settings "
			 "come from the\nconfiguration file (--config FILE, $VIGIA_CONFIG, "
			 "~/.config/vigia/vigia.conf,\n/etc/vigia/vigia.conf) and from flags "
			 "--SECTION.KEY=VALUE, which win.\n"));
		return 0;
	}
	for (const struct conf_setting *s = conf_settings; s->name; s++)
		printf("%-22s = %-12s # %s\n", s->name, conf_get(s->name), _(s->description));
	return 0;
}
