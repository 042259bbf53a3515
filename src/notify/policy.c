/*
 * policy.c — what may leave by e-mail, by TLP.
 *
 * The interim rule of issue 6, until the sharing-policy module (src/share/policy) exists;
 * notify_tlp_allows() moves there when it lands, and this file goes:
 *   TLP:RED    never by e-mail;
 *   TLP:AMBER  (and AMBER+STRICT) only to the affected organisation: a recipient found in the
 *              constituency by network, AS or domain, not an abuse contact or a partner CERT;
 *   TLP:CLEAR, TLP:WHITE, TLP:GREEN, or no TLP: may be sent.
 * An unknown label is treated as RED: what we cannot read we do not send.
 */
#include <strings.h>

#include "base/i18n.h"
#include "notify/notify.h"

int notify_tlp_allows(const char *tlp, enum notify_kind kind, const char **why)
{
	const char *t = tlp;

	*why = NULL;
	if (t && !strncasecmp(t, "TLP:", 4))
		t += 4;
	if (!t || !*t || !strcasecmp(t, "CLEAR") || !strcasecmp(t, "WHITE") ||
	    !strcasecmp(t, "GREEN"))
		return 1;
	if (!strcasecmp(t, "AMBER") || !strcasecmp(t, "AMBER+STRICT")) {
		if (kind == NOTIFY_ORG)
			return 1;
		*why = N_("TLP:AMBER goes only to the affected organisation");
		return 0;
	}
	if (!strcasecmp(t, "RED")) {
		*why = N_("TLP:RED never goes by e-mail");
		return 0;
	}
	*why = N_("an unknown TLP label is treated as TLP:RED");
	return 0;
}
