/*
 * i18n.h — messages meant for people go through gettext.  English is the source language;
 * po/es.po keeps the Spanish translation complete (tests/i18n checks it).
 */
#ifndef VIGIA_BASE_I18N_H
#define VIGIA_BASE_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

void i18n_init(void); /* setlocale + bindtextdomain; VIGIA_LOCALEDIR overrides the build path */

#endif
