/*
 * i18n.c — gettext set-up.  The catalogue is looked up in $VIGIA_LOCALEDIR, else in the
 * directory the build wrote (VIGIA_LOCALEDIR at compile time), else the system's.
 */
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/i18n.h"

#ifndef VIGIA_LOCALEDIR
#define VIGIA_LOCALEDIR "/usr/share/locale"
#endif

void i18n_init(void)
{
	const char *dir = getenv("VIGIA_LOCALEDIR");

	setlocale(LC_ALL, "");
	/* Numbers are data, not prose: keep "." as the decimal point whatever the locale. */
	setlocale(LC_NUMERIC, "C");
	if (!dir || !*dir)
		dir = VIGIA_LOCALEDIR;
	bindtextdomain("vigia", dir);
	bind_textdomain_codeset("vigia", "UTF-8");
	textdomain("vigia");
}
