/*
 * tafel status: the daemon, its partner tables and its partners (the
 * control operation "status", docs/protocol.md).
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "tafel/ctl.h"
#include "tafel/mp.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define DAY		86400
#define WARN_DAYS	30	/* warn this long before a table expires */

static void
print_table(const msgpack_object *t, uint64_t now)
{
	char date[11], *id, *fpr;
	uint64_t expires, days;

	id = ctl_str(t, "table", false);
	fpr = ctl_str(t, "fingerprint", false);
	expires = ctl_uint(t, "expires");
	tafel_date(date, expires);
	printf("  %s version %" PRIu64 ", %" PRIu64 " members, expires %s\n",
	    id, ctl_uint(t, "version"), ctl_uint(t, "members"), date);
	printf("      fingerprint %s\n", fpr);
	if (expires <= now)
		printf("      warning: EXPIRED on %s: nothing new can be "
		    "shared until a new version is adopted\n", date);
	else if ((days = (expires - now + DAY - 1) / DAY) <= WARN_DAYS)
		printf("      warning: expires in %" PRIu64 " day%s; ask the "
		    "coordinator for a new version\n", days,
		    days == 1 ? "" : "s");
	free(id);
	free(fpr);
}

/* The exchange log: its size, and loudly, any fork seen either way. */
static void
print_audit(const msgpack_object *a)
{
	const msgpack_object *l;
	char *s;
	uint32_t i;

	s = ctl_str(a, "origin", false);
	printf("\nAudit:   log %s, %" PRIu64 " entries, last checkpoint at %"
	    PRIu64 "\n", s, ctl_uint(a, "size"), ctl_uint(a, "checkpoint"));
	free(s);
	if (ctl_bool(a, "halted"))
		printf("WARNING: this daemon refuses to sign its log: it is "
		    "damaged (see the daemon's log)\n");
	l = ctl_field(a, "forked", MSGPACK_OBJECT_ARRAY);
	for (i = 0; i < l->via.array.size; i++) {
		s = ctl_strdup(&l->via.array.ptr[i], false);
		printf("WARNING: the log of %s has forked (it showed a "
		    "checkpoint inconsistent with one it signed before); "
		    "not cosigned\n", s);
		free(s);
	}
	l = ctl_field(a, "accused_by", MSGPACK_OBJECT_ARRAY);
	for (i = 0; i < l->via.array.size; i++) {
		s = ctl_strdup(&l->via.array.ptr[i], false);
		printf("WARNING: %s refuses to cosign this daemon's log\n", s);
		free(s);
	}
}

/* "3 min", "2 h", "5 days": how long ago t was. */
static void
fmt_age(char *buf, size_t sz, uint64_t t, uint64_t now)
{
	uint64_t a = now > t ? now - t : 0;

	if (t == 0)
		snprintf(buf, sz, "-");
	else if (a < 120)
		snprintf(buf, sz, "%" PRIu64 " s", a);
	else if (a < 7200)
		snprintf(buf, sz, "%" PRIu64 " min", a / 60);
	else if (a < 2 * DAY)
		snprintf(buf, sz, "%" PRIu64 " h", a / 3600);
	else
		snprintf(buf, sz, "%" PRIu64 " days", a / DAY);
}

static void
print_peers(const msgpack_object *peers)
{
	const msgpack_object *p;
	char when[32], age[32], *org, *ep;
	size_t worg = 3, wep = 8, n;
	uint64_t seen, now = (uint64_t)time(NULL);
	uint32_t i;

	for (i = 0; i < peers->via.array.size; i++) {
		p = &peers->via.array.ptr[i];
		n = ctl_field(p, "org", MSGPACK_OBJECT_STR)->via.str.size;
		if (n > worg)
			worg = n;
		n = ctl_field(p, "endpoint", MSGPACK_OBJECT_STR)->via.str.size;
		if (n > wep)
			wep = n;
	}
	printf("  %-*s  %-*s  %-9s  %-20s  %6s  %s\n", (int)worg, "ORG",
	    (int)wep, "ENDPOINT", "CONNECTED", "LAST CONTACT", "OUTBOX",
	    "OLDEST WAITING");
	for (i = 0; i < peers->via.array.size; i++) {
		p = &peers->via.array.ptr[i];
		org = ctl_str(p, "org", false);
		ep = ctl_str(p, "endpoint", false);
		if ((seen = ctl_uint(p, "last_seen")) == 0)
			snprintf(when, sizeof(when), "never");
		else
			fmt_time(when, seen);
		fmt_age(age, sizeof(age), ctl_uint(p, "oldest"), now);
		printf("  %-*s  %-*s  %-9s  %-20s  %6" PRIu64 "  %s\n",
		    (int)worg, org, (int)wep, ep, ctl_bool(p, "connected") ?
		    "yes" : "no", when, ctl_uint(p, "outbox"), age);
		free(org);
		free(ep);
	}
}

int
status_main(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--json", OPT_FLAG),
	};
	const msgpack_object *d, *tables, *peers;
	struct tafel_mpw w;
	struct ctl_reply rep;
	uint64_t now = (uint64_t)time(NULL);
	char *s;
	uint32_t i;

	(void)opt_parse("status", "status", argc, argv, 1, o, 1, NULL, 0);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "status");
	tafel_mpw_map(&w, 0);
	ctl_call(c, &w, &rep);
	d = rep.data;
	if (o[0].seen) {
		json_print(stdout, d);
		ctl_reply_free(&rep);
		return 0;
	}

	s = ctl_str(d, "org", false);
	printf("Org:     %s\n", s);
	free(s);
	s = ctl_str(d, "name", false);
	printf("Name:    %s\n", s);
	free(s);
	s = ctl_str(d, "role", false);
	printf("Role:    %s\n", s);
	free(s);
	s = ctl_str(d, "listen", false);
	printf("Listen:  %s\n", s);
	free(s);
	s = ctl_str(d, "version", false);
	printf("Daemon:  tafeld %s, running as uid %" PRIu64 ", %" PRIu64
	    " case%s\n", s, ctl_uint(d, "uid"), ctl_uint(d, "cases"),
	    ctl_uint(d, "cases") == 1 ? "" : "s");
	free(s);

	tables = ctl_field(d, "tables", MSGPACK_OBJECT_ARRAY);
	printf("\n");
	if (tables->via.array.size == 0)
		printf("Tables:  none yet (adopt one with: tafel -d %s table "
		    "adopt FILE --expect FINGERPRINT)\n", c->dir);
	else {
		printf("Tables:\n");
		for (i = 0; i < tables->via.array.size; i++)
			print_table(&tables->via.array.ptr[i], now);
	}

	peers = ctl_field(d, "peers", MSGPACK_OBJECT_ARRAY);
	printf("\n");
	if (peers->via.array.size == 0)
		printf("Peers:   none yet\n");
	else {
		printf("Peers:\n");
		print_peers(peers);
	}
	print_audit(ctl_field(d, "audit", MSGPACK_OBJECT_MAP));
	ctl_reply_free(&rep);
	return 0;
}

/* tafel peers [--json]: every partner daemon and what waits for it. */
int
peers_main(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--json", OPT_FLAG),
	};
	struct tafel_mpw w;
	struct ctl_reply rep;
	const msgpack_object *peers;

	(void)opt_parse("peers", "peers", argc, argv, 1, o, 1, NULL, 0);
	state_need(c);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "peers");
	tafel_mpw_map(&w, 0);
	ctl_call(c, &w, &rep);
	if (o[0].seen)
		json_print(stdout, rep.data);
	else {
		peers = ctl_field(rep.data, "peers", MSGPACK_OBJECT_ARRAY);
		if (peers->via.array.size == 0)
			printf("no partners yet (no table adopted)\n");
		else
			print_peers(peers);
	}
	ctl_reply_free(&rep);
	return 0;
}
