/*
 * tafel audit: the signed exchange log.
 *
 *   checkpoint, vkey, export, prove, log    ask the daemon (-d DIR)
 *   verify, reconcile                       offline, on exported bundles
 *
 * verify trusts nothing in a bundle but what it checks itself: it
 * recomputes every leaf hash and every checkpoint root from the entries,
 * verifies the log's and the partners' signatures, the consistency proof
 * between each checkpoint and the one before, and each entry's shape.
 * The first thing wrong is named with its place (entry N, checkpoint N,
 * table document N), and the exit status is 1.  See docs/auditor.md.
 */
#include <err.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "tafel/audit.h"
#include "tafel/merkle.h"
#include "tafel/note.h"
#include "tafel/table.h"
#include "tafel/util.h"

#define PAGE_LEAVES	4096

static void
hex_print(FILE *fp, const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];

	while (n > 0) {
		size_t k = n > 64 ? 64 : n;

		tafel_hex(hex, p, k);
		fputs(hex, fp);
		p += k;
		n -= k;
	}
}

/* A bin field of the daemon's answer. */
static const msgpack_object *
ctl_bin(const msgpack_object *map, const char *key)
{
	return ctl_field(map, key, MSGPACK_OBJECT_BIN);
}

static int
audit_checkpoint(struct client *c, int argc, char **argv)
{
	struct ctl_reply rep;
	struct tafel_mpw w;
	const msgpack_object *o;

	(void)opt_parse("audit checkpoint", "audit", argc, argv, 2, NULL, 0,
	    NULL, 0);
	state_need(c);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "audit.checkpoint");
	tafel_mpw_map(&w, 0);
	ctl_call(c, &w, &rep);
	o = ctl_bin(rep.data, "note");
	/* The note exactly as signed: an independent tool reads it. */
	fwrite(o->via.bin.ptr, 1, o->via.bin.size, stdout);
	ctl_reply_free(&rep);
	return 0;
}

static int
audit_vkey(struct client *c, int argc, char **argv)
{
	struct ctl_reply rep;
	struct tafel_mpw w;
	char *s;

	(void)opt_parse("audit vkey", "audit", argc, argv, 2, NULL, 0, NULL,
	    0);
	state_need(c);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "audit.vkey");
	tafel_mpw_map(&w, 0);
	ctl_call(c, &w, &rep);
	s = ctl_str(rep.data, "vkey", false);
	printf("%s\n", s);
	free(s);
	ctl_reply_free(&rep);
	return 0;
}

static int
audit_prove(struct client *c, int argc, char **argv)
{
	struct ctl_reply rep;
	struct tafel_mpw w;
	const msgpack_object *o;
	char *pos[1], *end;
	unsigned long long index;

	if (opt_parse("audit prove", "audit", argc, argv, 2, NULL, 0, pos, 1) !=
	    1)
		errx(EXIT_USAGE, "audit prove needs the INDEX of an entry");
	errno = 0;
	index = strtoull(pos[0], &end, 10);
	if (errno != 0 || *end != '\0' || pos[0][0] < '0' || pos[0][0] > '9')
		errx(EXIT_USAGE, "audit prove: INDEX is a number (the entry's "
		    "sequence number)");
	state_need(c);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "audit.prove");
	tafel_mpw_map(&w, 1);
	tafel_mpw_str(&w, "index");
	tafel_mpw_uint(&w, index);
	ctl_call(c, &w, &rep);
	o = ctl_bin(rep.data, "proof");
	fwrite(o->via.bin.ptr, 1, o->via.bin.size, stdout);
	ctl_reply_free(&rep);
	return 0;
}

/* Leaves [from, size) from the daemon, in pages.  Caller frees. */
struct leaves {
	size_t		  n;
	uint8_t		**leaf;
	size_t		 *len;
};

static void
leaves_fetch(struct client *c, uint64_t from, uint64_t size, struct leaves *l)
{
	struct ctl_reply rep;
	struct tafel_mpw w;
	const msgpack_object *a;
	uint64_t at = from;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (size > from && ((l->leaf = calloc(size - from,
	    sizeof(*l->leaf))) == NULL || (l->len = calloc(size - from,
	    sizeof(size_t))) == NULL))
		err(1, NULL);
	while (at < size) {
		tafel_mpw_init(&w);
		tafel_ctl_req_begin(&w, "audit.leaves");
		tafel_mpw_map(&w, 2);
		tafel_mpw_str(&w, "from");
		tafel_mpw_uint(&w, at);
		tafel_mpw_str(&w, "max");
		tafel_mpw_uint(&w, size - at < PAGE_LEAVES ? size - at :
		    PAGE_LEAVES);
		ctl_call(c, &w, &rep);
		a = ctl_field(rep.data, "leaves", MSGPACK_OBJECT_ARRAY);
		if (a->via.array.size == 0)
			errx(1, "the daemon sent no entries from %llu on",
			    (unsigned long long)at);
		for (i = 0; i < a->via.array.size && at < size; i++, at++) {
			const msgpack_object *o = &a->via.array.ptr[i];

			if (o->type != MSGPACK_OBJECT_BIN)
				errx(1, "the daemon's answer was not "
				    "understood");
			if ((l->leaf[l->n] = malloc(o->via.bin.size + 1)) ==
			    NULL)
				err(1, NULL);
			memcpy(l->leaf[l->n], o->via.bin.ptr, o->via.bin.size);
			l->len[l->n++] = o->via.bin.size;
		}
		ctl_reply_free(&rep);
	}
}

static void
leaves_free(struct leaves *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->leaf[i]);
	free(l->leaf);
	free(l->len);
	memset(l, 0, sizeof(*l));
}

static uint64_t
log_size(struct client *c)
{
	struct ctl_reply rep;
	struct tafel_mpw w;
	uint64_t size;

	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "audit.leaves");
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "from");
	tafel_mpw_uint(&w, 0);
	tafel_mpw_str(&w, "max");
	tafel_mpw_uint(&w, 1);
	ctl_call(c, &w, &rep);
	size = ctl_uint(rep.data, "size");
	ctl_reply_free(&rep);
	return size;
}

static int
audit_export(struct client *c, int argc, char **argv)
{
	struct opt o[] = { OPT("-o", OPT_VALUE) };
	struct ctl_reply rep, cr;
	struct tafel_mpw w, b;
	const msgpack_object *tables, *cps = NULL;
	struct leaves l;
	uint8_t h[32], *out;
	char *org, *vkey;
	uint64_t size, after = 0;
	size_t outlen, i, j, ncp = 0;
	msgpack_object **cpv = NULL;
	struct ctl_reply *pages = NULL;
	size_t npages = 0;

	(void)opt_parse("audit export", "audit", argc, argv, 2, o, 1, NULL, 0);
	opt_require("audit export", &o[0], "OUT");
	state_need(c);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "audit.export");
	tafel_mpw_map(&w, 0);
	ctl_call(c, &w, &rep);
	org = ctl_str(rep.data, "org", false);
	vkey = ctl_str(rep.data, "vkey", false);
	size = ctl_uint(rep.data, "size");
	tables = ctl_field(rep.data, "tables", MSGPACK_OBJECT_ARRAY);
	/* Every checkpoint up to the one the export is anchored at. */
	while (after < size) {
		const msgpack_object *a, *last;

		tafel_mpw_init(&w);
		tafel_ctl_req_begin(&w, "audit.checkpoints");
		tafel_mpw_map(&w, 2);
		tafel_mpw_str(&w, "after");
		tafel_mpw_uint(&w, after);
		tafel_mpw_str(&w, "upto");
		tafel_mpw_uint(&w, size);
		ctl_call(c, &w, &cr);
		a = ctl_field(cr.data, "checkpoints", MSGPACK_OBJECT_ARRAY);
		if (a->via.array.size == 0)
			errx(1, "the daemon sent no checkpoint after size %llu",
			    (unsigned long long)after);
		if ((pages = realloc(pages, (npages + 1) * sizeof(*pages))) ==
		    NULL || (cpv = realloc(cpv, (ncp + a->via.array.size) *
		    sizeof(*cpv))) == NULL)
			err(1, NULL);
		for (i = 0; i < a->via.array.size; i++)
			cpv[ncp++] = &a->via.array.ptr[i];
		last = &a->via.array.ptr[a->via.array.size - 1];
		{
			struct tafel_note n;
			struct tafel_checkpoint cp;
			const msgpack_object *note = ctl_bin(last, "note");

			if (tafel_note_parse((const uint8_t *)note->via.bin.ptr,
			    note->via.bin.size, &n) != 0 ||
			    tafel_checkpoint_parse(n.text, n.textlen, &cp) !=
			    0 || cp.size <= after)
				errx(1, "the daemon sent a checkpoint that does "
				    "not parse");
			after = cp.size;
		}
		pages[npages++] = cr;
	}
	(void)cps;
	leaves_fetch(c, 0, size, &l);

	tafel_mpw_init(&b);
	tafel_mpw_map(&b, 8);
	tafel_mpw_str(&b, "v");
	tafel_mpw_uint(&b, 1);
	tafel_mpw_str(&b, "type");
	tafel_mpw_str(&b, "tafel-audit-bundle");
	tafel_mpw_str(&b, "org");
	tafel_mpw_str(&b, org);
	tafel_mpw_str(&b, "vkey");
	tafel_mpw_str(&b, vkey);
	tafel_mpw_str(&b, "leaves");
	tafel_mpw_array(&b, l.n);
	for (i = 0; i < l.n; i++)
		tafel_mpw_bin(&b, l.leaf[i], l.len[i]);
	tafel_mpw_str(&b, "hashes");
	tafel_mpw_array(&b, l.n);
	for (i = 0; i < l.n; i++) {
		tafel_merkle_leaf_hash(l.leaf[i], l.len[i], h);
		tafel_mpw_bin(&b, h, 32);
	}
	tafel_mpw_str(&b, "checkpoints");
	tafel_mpw_array(&b, ncp);
	for (i = 0; i < ncp; i++) {
		const msgpack_object *note = ctl_bin(cpv[i], "note");
		const msgpack_object *proof = ctl_field(cpv[i], "proof",
		    MSGPACK_OBJECT_ARRAY);

		tafel_mpw_map(&b, 2);
		tafel_mpw_str(&b, "note");
		tafel_mpw_bin(&b, note->via.bin.ptr, note->via.bin.size);
		tafel_mpw_str(&b, "proof");
		tafel_mpw_array(&b, proof->via.array.size);
		for (j = 0; j < proof->via.array.size; j++) {
			const msgpack_object *p = &proof->via.array.ptr[j];

			if (p->type != MSGPACK_OBJECT_BIN)
				errx(1, "the daemon's answer was not "
				    "understood");
			tafel_mpw_bin(&b, p->via.bin.ptr, p->via.bin.size);
		}
	}
	tafel_mpw_str(&b, "tables");
	tafel_mpw_array(&b, tables->via.array.size);
	for (i = 0; i < tables->via.array.size; i++) {
		const msgpack_object *t = &tables->via.array.ptr[i];

		if (t->type != MSGPACK_OBJECT_BIN)
			errx(1, "the daemon's answer was not understood");
		tafel_mpw_bin(&b, t->via.bin.ptr, t->via.bin.size);
	}
	if (tafel_mpw_finish(&b, &out, &outlen) != 0)
		errx(1, "out of memory");
	file_write(o[0].val, out, outlen, 0600, true);
	printf("exported %llu entries and %zu checkpoints of %s to %s\n",
	    (unsigned long long)size, ncp, org, o[0].val);
	free(out);
	leaves_free(&l);
	for (i = 0; i < npages; i++)
		ctl_reply_free(&pages[i]);
	free(pages);
	free(cpv);
	free(org);
	free(vkey);
	ctl_reply_free(&rep);
	return 0;
}

/* ---- Offline verification ---- */

/* An entry that names an envelope. */
struct envref {
	uint8_t		env[32];
	size_t		i;		/* the entry */
};

/*
 * A bundle and its parts, all pointers into buf.  No entry is kept
 * decoded (a decoded entry takes 4.7 KB, its bytes about 200): verify
 * decodes each in turn, reconcile decodes again what it looks at.
 */
struct verified {
	struct tafel_audit_bundle	 b;
	uint8_t				*buf;
	size_t				 len;
	char				 origin[TAFEL_CKPT_ORIGIN_MAX + 1];
	struct envref			*byenv;	/* entries with env, by env */
	size_t				 nbyenv;
};

static void
verified_free(struct verified *v)
{
	tafel_audit_bundle_free(&v->b);
	free(v->buf);
	free(v->byenv);
	memset(v, 0, sizeof(*v));
}

#define BAD(...)	do {						\
		snprintf(why, whylen, __VA_ARGS__);			\
		goto bad;						\
	} while (0)

/* Cosigner keys: every member of a table but the log's own org. */
struct keyset {
	size_t				 n;
	struct tafel_note_verifier	*v;
	char				(*org)[TAFEL_ORG_MAX + 1];
	size_t				*cosigs;	/* count, per key */
};

static void
keyset_add(struct keyset *k, const char *org, const uint8_t pk[32])
{
	char origin[TAFEL_CKPT_ORIGIN_MAX + 1];
	size_t i;

	if (tafel_audit_origin(org, pk, origin) != 0)
		return;
	for (i = 1; i < k->n; i++)
		if (memcmp(k->v[i].key.pk, pk, 32) == 0 &&
		    strcmp(k->org[i], org) == 0)
			return;
	if ((k->v = realloc(k->v, (k->n + 1) * sizeof(*k->v))) == NULL ||
	    (k->org = realloc(k->org, (k->n + 1) * sizeof(*k->org))) ==
	    NULL || (k->cosigs = realloc(k->cosigs, (k->n + 1) *
	    sizeof(size_t))) == NULL)
		err(1, NULL);
	memset(&k->v[k->n], 0, sizeof(k->v[0]));
	if (tafel_note_key_init(&k->v[k->n].key, origin, TAFEL_NOTE_COSIG,
	    pk) != 0)
		return;
	snprintf(k->org[k->n], sizeof(k->org[0]), "%s", org);
	k->cosigs[k->n] = 0;
	k->n++;
}

/*
 * Verifies the bundle in v->buf.  Returns 0, or -1 with the first
 * problem and its place in why.  quiet: no report on stdout.
 */
static int
bundle_verify(struct verified *v, const char *want_vkey, bool quiet,
    char *why, size_t whylen)
{
	struct tafel_audit_bundle *b = &v->b;
	struct tafel_merkle_frontier *fr = NULL;
	struct tafel_audit_entry *e = NULL;
	struct tafel_note *n = NULL;
	struct tafel_note_key lk;
	struct tafel_checkpoint cp;
	struct tafel_table **tv = NULL;
	struct keyset ks;
	uint8_t h[32], root[32], prev_root[32];
	uint64_t prev = 0;
	size_t i, j, nv, ntv = 0;
	bool key_in_table = false;
	int rc;

	memset(&ks, 0, sizeof(ks));
	if ((rc = tafel_audit_bundle_parse(v->buf, v->len, b)) != 0)
		BAD("the file is not a tafel audit bundle (%s)",
		    tafel_strerror(rc));
	if (tafel_note_vkey_parse(b->vkey, strlen(b->vkey), &lk) != 0 ||
	    lk.type != TAFEL_NOTE_ED25519)
		BAD("vkey: the log's verifier key does not parse");
	if (want_vkey != NULL && strcmp(want_vkey, b->vkey) != 0)
		BAD("vkey: the bundle's log key %.120s is not the key you gave "
		    "(%.120s)", b->vkey, want_vkey);
	if (tafel_audit_origin(b->org, lk.pk, v->origin) != 0 ||
	    strcmp(v->origin, lk.name) != 0)
		BAD("vkey: the key name %.100s is not the origin of the log of %s "
		    "with this key (%s)", lk.name, b->org, v->origin);

	/* Table documents: a valid chain per table; the partners' keys. */
	ks.n = 1;	/* slot 0: the log's own key */
	if ((ks.v = calloc(1, sizeof(*ks.v))) == NULL ||
	    (ks.org = calloc(1, sizeof(*ks.org))) == NULL ||
	    (ks.cosigs = calloc(1, sizeof(size_t))) == NULL ||
	    (tv = calloc(b->ntables + 1, sizeof(*tv))) == NULL)
		err(1, NULL);
	ks.v[0].key = lk;
	snprintf(ks.org[0], sizeof(ks.org[0]), "%s", b->org);
	for (i = 0; i < b->ntables; i++) {
		struct tafel_table *t = NULL, *p = ntv > 0 ? tv[ntv - 1] : NULL;
		const char *w = NULL;

		if ((rc = tafel_table_decode(b->table[i], b->tablelen[i], &t))
		    != 0)
			BAD("table document %zu: does not decode (%s)", i,
			    tafel_strerror(rc));
		tv[ntv++] = t;
		if (p != NULL && strcmp(p->id, t->id) == 0)
			rc = tafel_table_accept_next(p, t, &w);
		else if (t->version == 1)
			rc = tafel_table_accept_genesis(t, t->hash, &w);
		else
			rc = tafel_table_valid_sigs(t, t) >= t->threshold ? 0 :
			    TAFEL_ESIG;
		if (rc != 0)
			BAD("table document %zu (table %s version %llu): not "
			    "validly signed or does not follow the version "
			    "before (%s)", i, t->id,
			    (unsigned long long)t->version, w ? w :
			    tafel_strerror(rc));
		for (j = 0; j < t->nmembers; j++) {
			const struct tafel_card *cd = &t->members[j].card;

			if (strcmp(cd->org, b->org) == 0) {
				if (memcmp(cd->sign_pk, lk.pk, 32) == 0)
					key_in_table = true;
			} else
				keyset_add(&ks, cd->org, cd->sign_pk);
		}
	}
	if (b->ntables > 0 && !key_in_table)
		BAD("vkey: the log key is not the sign key of %s in any table "
		    "document of the bundle", b->org);

	/* Entries: the hash of each, its shape, its place. */
	if ((e = malloc(sizeof(*e))) == NULL)
		err(1, NULL);
	for (i = 0; i < b->nleaves; i++) {
		tafel_merkle_leaf_hash(b->leaf[i], b->leaflen[i], h);
		if (sodium_memcmp(h, b->hash[i], 32) != 0)
			BAD("entry %zu: its bytes do not match its leaf hash "
			    "(the entry or its hash was changed)", i);
		if ((rc = tafel_audit_entry_decode(b->leaf[i], b->leaflen[i],
		    e)) != 0)
			BAD("entry %zu: not a valid audit entry (%s)", i,
			    tafel_strerror(rc));
		if (e->seq != i)
			BAD("entry %zu: its sequence number says %llu", i,
			    (unsigned long long)e->seq);
	}

	/* Checkpoints: signatures, roots from the entries, consistency. */
	if (b->nckpts == 0 && b->nleaves > 0)
		BAD("checkpoints: the bundle has entries but no checkpoint");
	if ((fr = malloc(sizeof(*fr))) == NULL ||
	    (n = malloc(sizeof(*n))) == NULL)
		err(1, NULL);
	tafel_merkle_frontier_init(fr);
	for (i = 0; i < b->nckpts; i++) {
		const struct tafel_audit_ckpt *c = &b->ckpt[i];
		uint8_t (*proof)[32];

		if (tafel_note_parse(c->note, c->notelen, n) != 0)
			BAD("checkpoint %zu: not a valid signed note", i);
		for (j = 0; j < ks.n; j++)
			ks.v[j].verified = false;
		rc = tafel_note_verify(n, ks.v, ks.n, &nv);
		if (rc == TAFEL_ESIG)
			BAD("checkpoint %zu: a signature does not verify", i);
		if (rc != 0 || !ks.v[0].verified)
			BAD("checkpoint %zu: not signed by the log key", i);
		/* Every line is the log's or a partner's, verified. */
		if (nv != n->nsigs)
			BAD("checkpoint %zu: a signature line from a key that "
			    "is neither the log's nor a partner's", i);
		if (tafel_checkpoint_parse(n->text, n->textlen, &cp) != 0 ||
		    cp.extlen != 0)
			BAD("checkpoint %zu: not a valid checkpoint", i);
		if (strcmp(cp.origin, v->origin) != 0)
			BAD("checkpoint %zu: origin %.100s is not the log's (%.100s)",
			    i, cp.origin, v->origin);
		if (cp.size <= prev)
			BAD("checkpoint %zu: size %llu does not grow from "
			    "%llu", i, (unsigned long long)cp.size,
			    (unsigned long long)prev);
		if (cp.size > b->nleaves)
			BAD("checkpoint %zu: size %llu, but the bundle has "
			    "only %zu entries", i, (unsigned long long)cp.size,
			    b->nleaves);
		while (fr->size < cp.size)
			if (tafel_merkle_frontier_append(fr,
			    b->hash[fr->size]) != 0)
				BAD("entries: too many");
		tafel_merkle_frontier_root(fr, root);
		if (sodium_memcmp(root, cp.root, 32) != 0)
			BAD("checkpoint %zu (size %llu): its root does not "
			    "match entries %llu to %llu", i,
			    (unsigned long long)cp.size,
			    (unsigned long long)prev,
			    (unsigned long long)cp.size - 1);
		if ((proof = calloc(c->nproof + 1, 32)) == NULL)
			err(1, NULL);
		for (j = 0; j < c->nproof; j++)
			memcpy(proof[j], c->proof[j], 32);
		rc = prev == 0 ? (c->nproof == 0 ? 0 : TAFEL_EMALFORMED) :
		    tafel_merkle_verify_consistency(prev, cp.size, prev_root,
		    cp.root, (const uint8_t (*)[32])proof, c->nproof);
		free(proof);
		if (rc != 0)
			BAD("checkpoint %zu (size %llu): the consistency proof "
			    "from size %llu does not verify", i,
			    (unsigned long long)cp.size,
			    (unsigned long long)prev);
		for (j = 1; j < ks.n; j++)
			if (ks.v[j].verified)
				ks.cosigs[j]++;
		prev = cp.size;
		memcpy(prev_root, cp.root, 32);
	}
	if (prev != b->nleaves)
		BAD("entries %llu to %zu: not covered by any checkpoint",
		    (unsigned long long)prev, b->nleaves - 1);

	if (!quiet) {
		printf("bundle of %s: OK\n", b->org);
		printf("log:          %s\n", b->vkey);
		if (want_vkey == NULL)
			printf("              (key taken from the bundle: "
			    "compare it with the key you obtained from %s, "
			    "or pass --vkey)\n", b->org);
		printf("entries:      %zu, every leaf hash and shape checked\n",
		    b->nleaves);
		printf("checkpoints:  %zu, signed by the log key, each root "
		    "recomputed,\n              each consistent with the one "
		    "before\n", b->nckpts);
		if (b->nckpts > 0) {
			char b64[64];

			sodium_bin2base64(b64, sizeof(b64), prev_root, 32,
			    sodium_base64_VARIANT_ORIGINAL);
			printf("latest:       size %llu, root %s\n",
			    (unsigned long long)prev, b64);
		}
		for (j = 1; j < ks.n; j++)
			printf("cosigned by:  %s, %zu checkpoint(s)\n",
			    ks.org[j], ks.cosigs[j]);
		for (i = 0; i < ntv; i++) {
			char fpr[TAFEL_FPR_LEN + 1];

			tafel_fingerprint(fpr, tv[i]->hash);
			printf("table:        %s version %llu, fingerprint %s\n",
			    tv[i]->id, (unsigned long long)tv[i]->version,
			    fpr);
		}
	}
	rc = 0;
	goto out;
bad:
	rc = -1;
out:
	for (i = 0; i < ntv; i++)
		tafel_table_destroy(&tv[i]);
	free(tv);
	free(ks.v);
	free(ks.org);
	free(ks.cosigs);
	free(e);
	free(fr);
	free(n);
	return rc;
}

static void
bundle_load(const char *path, struct verified *v)
{
	char *buf;

	memset(v, 0, sizeof(*v));
	buf = file_read(path, TAFEL_AUDIT_BUNDLE_MAX, "audit bundle", &v->len);
	v->buf = (uint8_t *)buf;
}

static int
audit_verify(struct client *c, int argc, char **argv)
{
	struct opt o[] = { OPT("--vkey", OPT_VALUE) };
	struct verified v;
	char *pos[1], why[512];

	if (opt_parse("audit verify", "audit", argc, argv, 2, o, 1, pos, 1) !=
	    1)
		errx(EXIT_USAGE, "audit verify needs the bundle FILE");
	bundle_load(pos[0], &v);
	if (bundle_verify(&v, o[0].val, false, why, sizeof(why)) != 0) {
		printf("bundle %s: FAILED\n%s\n", pos[0], why);
		fprintf(stderr, "tafel: audit verify: %s: %s\n", pos[0], why);
		verified_free(&v);
		return 1;
	}
	verified_free(&v);
	return 0;
}

/* ---- Reconciliation ---- */

static bool
to_has(const struct tafel_audit_entry *e, const char *org)
{
	size_t i;

	for (i = 0; i < e->nto; i++)
		if (strcmp(e->to[i], org) == 0)
			return true;
	return false;
}

/* Entry i of a bundle that verified (so it decodes). */
static void
entry_at(const struct verified *v, size_t i, struct tafel_audit_entry *e)
{
	if (tafel_audit_entry_decode(v->b.leaf[i], v->b.leaflen[i], e) != 0)
		errx(1, "entry %zu of the bundle of %s does not decode", i,
		    v->b.org);
}

static int
cmp_env(const void *a, const void *b)
{
	const struct envref *x = a, *y = b;
	int c = memcmp(x->env, y->env, 32);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* An index of the entries that name an envelope, sorted by it. */
static void
index_env(struct verified *v)
{
	struct tafel_audit_entry e;
	size_t i;

	if ((v->byenv = calloc(v->b.nleaves + 1, sizeof(*v->byenv))) == NULL)
		err(1, NULL);
	for (i = 0; i < v->b.nleaves; i++) {
		entry_at(v, i, &e);
		if (!e.has_env)
			continue;
		memcpy(v->byenv[v->nbyenv].env, e.env, 32);
		v->byenv[v->nbyenv++].i = i;
	}
	qsort(v->byenv, v->nbyenv, sizeof(*v->byenv), cmp_env);
}

/* The position in byenv of the first entry about env (or past it). */
static size_t
first_env(const struct verified *v, const uint8_t env[32])
{
	size_t lo = 0, hi = v->nbyenv, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(v->byenv[mid].env, env, 32) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first entry of kind from org about env into *e, or -1. */
static long
find(const struct verified *v, enum tafel_audit_kind kind, const char *from,
    const uint8_t env[32], struct tafel_audit_entry *e)
{
	size_t i;

	for (i = first_env(v, env); i < v->nbyenv &&
	    memcmp(v->byenv[i].env, env, 32) == 0; i++) {
		entry_at(v, v->byenv[i].i, e);
		if (e->kind == kind && strcmp(e->from, from) == 0)
			return (long)v->byenv[i].i;
	}
	return -1;
}

/* The first entry that logs env as sent to org, or -1. */
static long
find_sent(const struct verified *v, const char *to, const uint8_t env[32])
{
	struct tafel_audit_entry e;
	size_t i;

	for (i = first_env(v, env); i < v->nbyenv &&
	    memcmp(v->byenv[i].env, env, 32) == 0; i++) {
		entry_at(v, v->byenv[i].i, &e);
		if (e.kind == TAFEL_AUDIT_SENT && to_has(&e, to))
			return (long)v->byenv[i].i;
	}
	return -1;
}

/* Envelopes x sent to y, and what y logged of x.  Returns mismatches. */
static size_t
reconcile_dir(const struct verified *x, const struct verified *y,
    size_t *matched)
{
	const char *xo = x->b.org, *yo = y->b.org;
	struct tafel_audit_entry e, o;
	size_t i, bad = 0;
	char hex[65];
	long j, r;

	for (i = 0; i < x->b.nleaves; i++) {
		bool refused;

		entry_at(x, i, &e);
		if (e.kind != TAFEL_AUDIT_SENT || !to_has(&e, yo))
			continue;
		tafel_hex(hex, e.env, 32);
		refused = false;
		if ((j = find(y, TAFEL_AUDIT_RECEIVED, xo, e.env, &o)) < 0) {
			j = find(y, TAFEL_AUDIT_REFUSED, xo, e.env, &o);
			refused = true;
		}
		if (j < 0) {
			printf("MISMATCH %s entry %zu: %s sent envelope %s "
			    "(%s) to %s; %s has not logged it (neither "
			    "received nor refused)\n", xo, i, xo, hex,
			    e.event, yo, yo);
			bad++;
			continue;
		}
		r = find(x, TAFEL_AUDIT_RECEIPT, yo, e.env, &o);
		if (r < 0) {
			printf("MISMATCH %s entry %zu: %s logged envelope %s as "
			    "%s (%s entry %ld), but %s has no receipt for it\n",
			    xo, i, yo, hex, refused ? "refused" : "received",
			    yo, j, xo);
			bad++;
		} else if (strcmp(o.status, refused ? "refused" : "ok") != 0) {
			printf("MISMATCH %s entry %ld: receipt from %s for "
			    "envelope %s says %s, but %s logged it as %s (%s "
			    "entry %ld)\n", xo, r, yo, hex, o.status, yo,
			    refused ? "refused" : "received", yo, j);
			bad++;
		} else
			(*matched)++;
	}
	/* The reverse: what y logged as coming from x, x must have sent. */
	for (i = 0; i < y->b.nleaves; i++) {
		entry_at(y, i, &e);
		if ((e.kind != TAFEL_AUDIT_RECEIVED &&
		    e.kind != TAFEL_AUDIT_REFUSED) ||
		    strcmp(e.from, xo) != 0 ||
		    strcmp(e.event, "checkpoint") == 0 ||
		    strcmp(e.event, "table") == 0)
			continue;	/* not an envelope */
		if (find_sent(x, yo, e.env) >= 0)
			continue;
		tafel_hex(hex, e.env, 32);
		printf("MISMATCH %s entry %zu: %s logged envelope %s as %s "
		    "from %s, but %s has not logged sending it to %s\n", yo, i,
		    yo, hex, e.kind == TAFEL_AUDIT_RECEIVED ? "received" :
		    "refused", xo, xo, yo);
		bad++;
	}
	return bad;
}

static int
audit_reconcile(struct client *c, int argc, char **argv)
{
	struct verified a, b;
	char *pos[2], why[512];
	size_t bad, ab = 0, ba = 0;

	if (opt_parse("audit reconcile", "audit", argc, argv, 2, NULL, 0, pos,
	    2) != 2)
		errx(EXIT_USAGE, "audit reconcile needs two bundles: A B");
	bundle_load(pos[0], &a);
	bundle_load(pos[1], &b);
	if (bundle_verify(&a, NULL, true, why, sizeof(why)) != 0)
		errx(1, "audit reconcile: %s does not verify: %s", pos[0], why);
	if (bundle_verify(&b, NULL, true, why, sizeof(why)) != 0)
		errx(1, "audit reconcile: %s does not verify: %s", pos[1], why);
	if (strcmp(a.b.org, b.b.org) == 0)
		errx(1, "audit reconcile: both bundles are of %s", a.b.org);
	index_env(&a);
	index_env(&b);
	bad = reconcile_dir(&a, &b, &ab) + reconcile_dir(&b, &a, &ba);
	if (bad > 0)
		printf("%zu mismatch(es) between %s and %s\n", bad, a.b.org,
		    b.b.org);
	else
		printf("no mismatch: %zu envelope(s) %s -> %s and %zu %s -> %s "
		    "each sent, received and receipted\n", ab, a.b.org,
		    b.b.org, ba, b.b.org, a.b.org);
	verified_free(&a);
	verified_free(&b);
	return bad > 0 ? 1 : 0;
}

/* ---- The log for people ---- */

static void
entry_text(const struct tafel_audit_entry *e, char *buf, size_t sz)
{
	char hex[65] = "", cs[33] = "", tm[32], to[512] = "";
	const char *tv[TAFEL_MAX_RECIPIENTS];
	size_t i;

	fmt_time(tm, e->time);
	if (e->has_env)
		tafel_hex(hex, e->env, 32);
	if (e->has_case)
		tafel_hex(cs, e->case_id, 16);
	for (i = 0; i < e->nto; i++)
		tv[i] = e->to[i];
	names_join(to, sizeof(to), tv, e->nto);
	snprintf(buf, sz, "%6llu  %s  %-15s%s%s%s%.8s%s%s%s%s%s%s%s%s%s%s%s%s"
	    "%s%.16s",
	    (unsigned long long)e->seq, tm, tafel_audit_kind_name(e->kind),
	    e->person[0] ? " by " : "", e->person,
	    e->has_case ? " case " : "", cs,
	    e->event[0] ? " " : "", e->event,
	    e->cat[0] ? "/" : "", e->cat,
	    e->from[0] ? " from " : "", e->from,
	    e->nto ? " to " : "", to,
	    e->status[0] ? " status " : "", e->status,
	    e->why[0] ? ": " : "", e->why,
	    e->has_env ? " env " : "", hex);
}

static void
json_str(const char *k, const char *s, bool *first)
{
	const unsigned char *p;

	printf("%s\"%s\": \"", *first ? "" : ", ", k);
	*first = false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	putchar('"');
}

static void
entry_json(const struct tafel_audit_entry *e, const uint8_t *leaf,
    size_t len, bool comma)
{
	uint8_t h[32];
	bool first = true;
	size_t i;

	printf("  {");
	printf("\"seq\": %llu, \"time\": %llu", (unsigned long long)e->seq,
	    (unsigned long long)e->time);
	first = false;
	json_str("kind", tafel_audit_kind_name(e->kind), &first);
	if (e->table[0])
		json_str("table", e->table, &first);
	if (e->has_tver)
		printf(", \"tver\": %llu", (unsigned long long)e->tver);
	if (e->has_case) {
		printf(", \"case\": \"");
		hex_print(stdout, e->case_id, 16);
		putchar('"');
	}
	if (e->has_env) {
		printf(", \"env\": \"");
		hex_print(stdout, e->env, 32);
		putchar('"');
	}
	if (e->event[0])
		json_str("event", e->event, &first);
	if (e->cat[0])
		json_str("cat", e->cat, &first);
	if (e->from[0])
		json_str("from", e->from, &first);
	if (e->has_to) {
		printf(", \"to\": [");
		for (i = 0; i < e->nto; i++)
			printf("%s\"%s\"", i ? ", " : "", e->to[i]);
		putchar(']');
	}
	if (e->person[0])
		json_str("person", e->person, &first);
	if (e->status[0])
		json_str("status", e->status, &first);
	if (e->why[0])
		json_str("why", e->why, &first);
	tafel_merkle_leaf_hash(leaf, len, h);
	printf(", \"leaf\": \"");
	hex_print(stdout, leaf, len);
	printf("\", \"hash\": \"");
	hex_print(stdout, h, 32);
	printf("\"}%s\n", comma ? "," : "");
}

static int
audit_log(struct client *c, int argc, char **argv)
{
	struct opt o[] = { OPT("--case", OPT_VALUE), OPT("--json", OPT_FLAG) };
	struct tafel_audit_entry *e;
	struct leaves l;
	char cs[2 * TAFEL_ID_BYTES + 1], line[1024];
	uint8_t want[16];
	uint64_t size;
	size_t i, shown = 0, last = 0;

	(void)opt_parse("audit log", "audit", argc, argv, 2, o, 2, NULL, 0);
	if (o[0].seen) {
		opt_case_id(o[0].val, cs);
		if (tafel_unhex(want, 16, cs) != 0)
			errx(EXIT_USAGE, "audit log: bad case id");
	}
	state_need(c);
	size = log_size(c);
	leaves_fetch(c, 0, size, &l);
	if ((e = calloc(l.n + 1, sizeof(*e))) == NULL)
		err(1, NULL);
	for (i = 0; i < l.n; i++) {
		if (tafel_audit_entry_decode(l.leaf[i], l.len[i], &e[i]) != 0)
			errx(1, "entry %zu of the daemon's log does not decode",
			    i);
		if (!o[0].seen || (e[i].has_case &&
		    memcmp(e[i].case_id, want, 16) == 0)) {
			shown++;
			last = i;
		}
	}
	if (o[1].seen)
		printf("[\n");
	for (i = 0; i < l.n; i++) {
		if (o[0].seen && (!e[i].has_case ||
		    memcmp(e[i].case_id, want, 16) != 0))
			continue;
		if (o[1].seen)
			entry_json(&e[i], l.leaf[i], l.len[i], i != last);
		else {
			entry_text(&e[i], line, sizeof(line));
			printf("%s\n", line);
		}
	}
	if (o[1].seen)
		printf("]\n");
	else if (shown == 0)
		printf("no entries%s\n", o[0].seen ? " for this case" : "");
	free(e);
	leaves_free(&l);
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(struct client *, int, char **);
} audit_cmds[] = {
	{ "checkpoint", audit_checkpoint },
	{ "vkey", audit_vkey },
	{ "export", audit_export },
	{ "verify", audit_verify },
	{ "prove", audit_prove },
	{ "reconcile", audit_reconcile },
	{ "log", audit_log },
};

int
audit_main(struct client *c, int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		errx(EXIT_USAGE, "audit needs a subcommand: checkpoint, vkey, "
		    "export, verify, prove, reconcile or log");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_print(stdout, "audit");
		return 0;
	}
	for (i = 0; i < sizeof(audit_cmds) / sizeof(audit_cmds[0]); i++)
		if (strcmp(argv[1], audit_cmds[i].name) == 0)
			return audit_cmds[i].fn(c, argc, argv);
	errx(EXIT_USAGE, "unknown subcommand 'audit %s' (checkpoint, vkey, "
	    "export, verify, prove, reconcile or log)", argv[1]);
}
