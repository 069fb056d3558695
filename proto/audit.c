/*
 * Audit entries, export bundles and witnessing frames of the signed
 * exchange log.  See include/tafel/audit.h and docs/protocol.md.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/audit.h"
#include "tafel/mp.h"
#include "tafel/util.h"

#define BUNDLE_MAX_ITEMS	((size_t)1 << 25)
#define ORIGIN_DOMAIN		"tafel audit log v1"

static const char *const kind_names[] = {
	NULL, "sent", "received", "receipt", "refused", "table-adopted",
	"case-opened", "members-changed", "revealed", "decided", "closed",
	"viewed", "exported"
};

const char *
tafel_audit_kind_name(enum tafel_audit_kind k)
{
	if (k < TAFEL_AUDIT_SENT || k > TAFEL_AUDIT_KIND_MAX)
		return NULL;
	return kind_names[k];
}

enum tafel_audit_kind
tafel_audit_kind_parse(const char *s)
{
	int i;

	for (i = TAFEL_AUDIT_SENT; i <= TAFEL_AUDIT_KIND_MAX; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return 0;
}

/* Optional fields, as bits. */
#define F_TABLE		0x001
#define F_TVER		0x002
#define F_CASE		0x004
#define F_ENV		0x008
#define F_EVENT		0x010
#define F_CAT		0x020
#define F_FROM		0x040
#define F_TO		0x080
#define F_PERSON	0x100
#define F_STATUS	0x200
#define F_WHY		0x400

/* Per kind: the fields it must have, and those it may have besides. */
static const struct {
	unsigned	need;
	unsigned	may;
} shape[] = {
	{ 0, 0 },
	/* sent */
	{ F_TABLE | F_CASE | F_ENV | F_EVENT | F_FROM | F_TO,
	    F_CAT | F_PERSON },
	/* received */
	{ F_TABLE | F_CASE | F_ENV | F_EVENT | F_FROM, F_CAT | F_TO },
	/* receipt */
	{ F_ENV | F_FROM | F_STATUS, F_TABLE | F_CASE | F_WHY },
	/* refused */
	{ F_ENV | F_FROM | F_WHY, F_TABLE | F_CASE | F_EVENT },
	/* table-adopted */
	{ F_TABLE | F_TVER | F_ENV, F_FROM | F_PERSON },
	/* case-opened */
	{ F_TABLE | F_CASE | F_ENV | F_TO | F_PERSON, 0 },
	/* members-changed */
	{ F_TABLE | F_CASE | F_ENV | F_TO | F_PERSON, 0 },
	/* revealed */
	{ F_TABLE | F_CASE | F_ENV | F_TO | F_PERSON, 0 },
	/* decided */
	{ F_TABLE | F_CASE | F_ENV | F_PERSON, 0 },
	/* closed */
	{ F_TABLE | F_CASE | F_ENV | F_PERSON, 0 },
	/* viewed */
	{ F_TABLE | F_CASE | F_PERSON, 0 },
	/* exported */
	{ F_PERSON, 0 },
};

static unsigned
present(const struct tafel_audit_entry *e)
{
	unsigned m = 0;

	if (e->table[0] != '\0')
		m |= F_TABLE;
	if (e->has_tver)
		m |= F_TVER;
	if (e->has_case)
		m |= F_CASE;
	if (e->has_env)
		m |= F_ENV;
	if (e->event[0] != '\0')
		m |= F_EVENT;
	if (e->cat[0] != '\0')
		m |= F_CAT;
	if (e->from[0] != '\0')
		m |= F_FROM;
	if (e->has_to)
		m |= F_TO;
	if (e->person[0] != '\0')
		m |= F_PERSON;
	if (e->status[0] != '\0')
		m |= F_STATUS;
	if (e->why[0] != '\0')
		m |= F_WHY;
	return m;
}

static bool
str_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1), i;

	if (n > max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool
shape_ok(const struct tafel_audit_entry *e)
{
	unsigned m;
	size_t i;

	if (e->kind < TAFEL_AUDIT_SENT || e->kind > TAFEL_AUDIT_KIND_MAX)
		return false;
	m = present(e);
	if ((m & shape[e->kind].need) != shape[e->kind].need ||
	    (m & ~(shape[e->kind].need | shape[e->kind].may)) != 0)
		return false;
	if (e->seq > TAFEL_MERKLE_MAX_SIZE)
		return false;
	if ((m & F_TABLE) && !tafel_id_valid(e->table))
		return false;
	if ((m & F_EVENT) && !tafel_id_validn(e->event,
	    strnlen(e->event, sizeof(e->event))))
		return false;
	if ((m & F_CAT) && !tafel_id_validn(e->cat,
	    strnlen(e->cat, sizeof(e->cat))))
		return false;
	if ((m & F_FROM) && !tafel_id_valid(e->from))
		return false;
	if ((m & F_STATUS) && strcmp(e->status, "ok") != 0 &&
	    strcmp(e->status, "refused") != 0)
		return false;
	if (!str_ok(e->person, TAFEL_PERSON_MAX) ||
	    !str_ok(e->why, TAFEL_AUDIT_WHY_MAX))
		return false;
	if (e->has_to) {
		if (e->nto == 0 || e->nto > TAFEL_MAX_RECIPIENTS)
			return false;
		for (i = 0; i < e->nto; i++)
			if (!tafel_id_valid(e->to[i]))
				return false;
	} else if (e->nto != 0)
		return false;
	return true;
}

int
tafel_audit_entry_encode(const struct tafel_audit_entry *e, uint8_t **out,
    size_t *outlen)
{
	struct tafel_mpw w;
	unsigned m;
	size_t n, i;

	*out = NULL;
	*outlen = 0;
	if (!shape_ok(e))
		return TAFEL_EINVAL;
	m = present(e);
	n = 4 + (size_t)__builtin_popcount(m);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, n);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "seq");
	tafel_mpw_uint(&w, e->seq);
	tafel_mpw_str(&w, "time");
	tafel_mpw_uint(&w, e->time);
	tafel_mpw_str(&w, "kind");
	tafel_mpw_str(&w, kind_names[e->kind]);
	if (m & F_TABLE) {
		tafel_mpw_str(&w, "table");
		tafel_mpw_str(&w, e->table);
	}
	if (m & F_TVER) {
		tafel_mpw_str(&w, "tver");
		tafel_mpw_uint(&w, e->tver);
	}
	if (m & F_CASE) {
		tafel_mpw_str(&w, "case");
		tafel_mpw_bin(&w, e->case_id, TAFEL_ID_BYTES);
	}
	if (m & F_ENV) {
		tafel_mpw_str(&w, "env");
		tafel_mpw_bin(&w, e->env, TAFEL_HASH_BYTES);
	}
	if (m & F_EVENT) {
		tafel_mpw_str(&w, "event");
		tafel_mpw_str(&w, e->event);
	}
	if (m & F_CAT) {
		tafel_mpw_str(&w, "cat");
		tafel_mpw_str(&w, e->cat);
	}
	if (m & F_FROM) {
		tafel_mpw_str(&w, "from");
		tafel_mpw_str(&w, e->from);
	}
	if (m & F_TO) {
		tafel_mpw_str(&w, "to");
		tafel_mpw_array(&w, e->nto);
		for (i = 0; i < e->nto; i++)
			tafel_mpw_str(&w, e->to[i]);
	}
	if (m & F_PERSON) {
		tafel_mpw_str(&w, "person");
		tafel_mpw_str(&w, e->person);
	}
	if (m & F_STATUS) {
		tafel_mpw_str(&w, "status");
		tafel_mpw_str(&w, e->status);
	}
	if (m & F_WHY) {
		tafel_mpw_str(&w, "why");
		tafel_mpw_str(&w, e->why);
	}
	return tafel_mpw_finish(&w, out, outlen);
}

/*
 * The fields of an entry, in the order the encoder writes them.  The
 * first ENTRY_NEED are in every entry.
 */
enum {
	EF_V, EF_SEQ, EF_TIME, EF_KIND, EF_TABLE, EF_TVER, EF_CASE, EF_ENV,
	EF_EVENT, EF_CAT, EF_FROM, EF_TO, EF_PERSON, EF_STATUS, EF_WHY,
	ENTRY_NFIELDS
};
#define ENTRY_NEED	(EF_KIND + 1)

static const struct tafel_mpr_field entry_fields[ENTRY_NFIELDS] = {
	[EF_V] = { "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, false, { 0 } },
	[EF_SEQ] = { "seq", TAFEL_MP_UINT, 0, TAFEL_MERKLE_MAX_SIZE, false,
	    false, { 0 } },
	[EF_TIME] = { "time", TAFEL_MP_UINT, 0, UINT64_MAX, false, false,
	    { 0 } },
	[EF_KIND] = { "kind", TAFEL_MP_ID, 1, 31, false, false, { 0 } },
	[EF_TABLE] = { "table", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, true, false,
	    { 0 } },
	[EF_TVER] = { "tver", TAFEL_MP_UINT, 0, UINT64_MAX, true, false,
	    { 0 } },
	[EF_CASE] = { "case", TAFEL_MP_BIN, TAFEL_ID_BYTES, TAFEL_ID_BYTES,
	    true, false, { 0 } },
	[EF_ENV] = { "env", TAFEL_MP_BIN, TAFEL_HASH_BYTES, TAFEL_HASH_BYTES,
	    true, false, { 0 } },
	[EF_EVENT] = { "event", TAFEL_MP_ID, 1, TAFEL_AUDIT_EVENT_MAX, true,
	    false, { 0 } },
	[EF_CAT] = { "cat", TAFEL_MP_ID, 1, TAFEL_CAT_MAX, true, false,
	    { 0 } },
	[EF_FROM] = { "from", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, true, false,
	    { 0 } },
	[EF_TO] = { "to", TAFEL_MP_ARRAY, 1, TAFEL_MAX_RECIPIENTS, true, false,
	    { 0 } },
	[EF_PERSON] = { "person", TAFEL_MP_STR, 1, TAFEL_PERSON_MAX, true,
	    false, { 0 } },
	[EF_STATUS] = { "status", TAFEL_MP_ID, 1, TAFEL_AUDIT_STATUS_MAX,
	    true, false, { 0 } },
	[EF_WHY] = { "why", TAFEL_MP_STR, 1, TAFEL_AUDIT_WHY_MAX, true, false,
	    { 0 } },
};

/* Copies a str that the field checks have bounded by dst's size. */
static void
str_put(char *dst, const struct tafel_mpr_obj *o)
{
	memcpy(dst, o->ptr, o->u);
	dst[o->u] = '\0';
}

/* The next key of the schema from *j on that is s; false if none. */
static bool
key_next(const uint8_t *s, size_t n, size_t *j)
{
	for (; *j < ENTRY_NFIELDS; (*j)++) {
		const char *k = entry_fields[*j].key;

		if (n == strlen(k) && memcmp(s, k, n) == 0)
			return true;
		if (*j < ENTRY_NEED)
			return false;	/* a required key is missing */
	}
	return false;
}

/*
 * Reads an entry in its canonical form only: the keys in the order of
 * entry_fields, each header in its smallest form.  The canonical bytes
 * are exactly what tafel_audit_entry_encode writes for an entry of a
 * valid shape, so with each field's check and the shape this accepts
 * exactly what decoding and comparing with the re-encoding accepted,
 * without a tree or a second copy.  Returns 0 or -1; entry_error() then
 * tells which error it is.
 */
static int
entry_read(const uint8_t *buf, size_t len, struct tafel_audit_entry *e)
{
	struct tafel_mpr r;
	struct tafel_mpr_obj o;
	const uint8_t *key;
	size_t npairs, keylen, i, j = 0, k;
	char kind[32];

	tafel_mpr_init(&r, buf, len);
	r.canon = true;
	if (tafel_mpr_map(&r, &npairs) != 0 || npairs < ENTRY_NEED)
		return -1;
	for (i = 0; i < npairs; i++, j++) {
		const struct tafel_mpr_field *f;

		if (tafel_mpr_str(&r, &key, &keylen) != 0 ||
		    !key_next(key, keylen, &j))
			return -1;
		f = &entry_fields[j];
		if (tafel_mpr_next(&r, &o) != 0 || !o.canon ||
		    !tafel_mpr_check(&o, f->type, f->min, f->max))
			return -1;
		switch (j) {
		case EF_V:
			if (o.u != 1)
				return -1;
			break;
		case EF_SEQ:
			e->seq = o.u;
			break;
		case EF_TIME:
			e->time = o.u;
			break;
		case EF_KIND:
			str_put(kind, &o);
			if ((e->kind = tafel_audit_kind_parse(kind)) == 0)
				return -1;
			break;
		case EF_TABLE:
			str_put(e->table, &o);
			break;
		case EF_TVER:
			e->has_tver = true;
			e->tver = o.u;
			break;
		case EF_CASE:
			e->has_case = true;
			memcpy(e->case_id, o.ptr, TAFEL_ID_BYTES);
			break;
		case EF_ENV:
			e->has_env = true;
			memcpy(e->env, o.ptr, TAFEL_HASH_BYTES);
			break;
		case EF_EVENT:
			str_put(e->event, &o);
			break;
		case EF_CAT:
			str_put(e->cat, &o);
			break;
		case EF_FROM:
			str_put(e->from, &o);
			break;
		case EF_TO:
			e->has_to = true;
			e->nto = o.u;
			for (k = 0; k < e->nto; k++) {
				if (tafel_mpr_next(&r, &o) != 0 || !o.canon ||
				    !tafel_mpr_check(&o, TAFEL_MP_ID, 1,
				    TAFEL_ORG_MAX))
					return -1;
				str_put(e->to[k], &o);
			}
			break;
		case EF_PERSON:
			str_put(e->person, &o);
			break;
		case EF_STATUS:
			str_put(e->status, &o);
			break;
		default:	/* EF_WHY */
			str_put(e->why, &o);
			break;
		}
	}
	if (!tafel_mpr_done(&r) || !shape_ok(e))
		return -1;
	return 0;
}

/*
 * The error of an entry that entry_read refused, in the order in which
 * a strict decode finds it: not MessagePack (the scan), not the fields
 * of an entry (keys, types, ranges), a version other than 1, and then
 * anything else (kind, shape, canonical form).
 */
static int
entry_error(const uint8_t *buf, size_t len)
{
	struct tafel_mpr_field f[ENTRY_NFIELDS];
	struct tafel_mpr r;
	int rc;

	if ((rc = tafel_mp_scan(buf, len, 3, TAFEL_MAX_ITEMS)) != 0)
		return rc;
	memcpy(f, entry_fields, sizeof(f));
	tafel_mpr_init(&r, buf, len);
	if (tafel_mpr_fields(&r, f, ENTRY_NFIELDS) != 0)
		return TAFEL_EMALFORMED;
	return f[EF_V].obj.u != 1 ? TAFEL_EVERSION : TAFEL_EMALFORMED;
}

int
tafel_audit_entry_decode(const uint8_t *buf, size_t len,
    struct tafel_audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (len > TAFEL_AUDIT_ENTRY_MAX)
		return TAFEL_ETOOBIG;
	if (buf != NULL && entry_read(buf, len, e) == 0)
		return 0;
	memset(e, 0, sizeof(*e));
	return entry_error(buf, len);
}

int
tafel_audit_origin(const char *org, const uint8_t sign_pk[32],
    char out[TAFEL_CKPT_ORIGIN_MAX + 1])
{
	crypto_hash_sha256_state st;
	uint8_t h[32];
	char hex[65];

	if (!tafel_id_valid(org))
		return TAFEL_EINVAL;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)ORIGIN_DOMAIN,
	    sizeof(ORIGIN_DOMAIN));	/* with its NUL */
	crypto_hash_sha256_update(&st, sign_pk, 32);
	crypto_hash_sha256_final(&st, h);
	tafel_hex(hex, h, 32);
	snprintf(out, TAFEL_CKPT_ORIGIN_MAX + 1, "%s%s/%.16s",
	    TAFEL_AUDIT_ORIGIN_PREFIX, org, hex);
	return 0;
}

/* Bundles. */

void
tafel_audit_bundle_free(struct tafel_audit_bundle *b)
{
	free(b->leaf);
	free(b->leaflen);
	free(b->hash);
	free(b->ckpt);
	free(b->table);
	free(b->tablelen);
	free(b->leaf_off);
	free(b->hash_off);
	free(b->note_off);
	free(b->proof_off);
	free(b->table_off);
	memset(b, 0, sizeof(*b));
}

/*
 * Checks the array whose header is at off in buf: bin elements, each of
 * a length in [min, max].  Where ptr (and len, off) are not NULL, also
 * notes where each one is.  Returns 0 or TAFEL_EMALFORMED.
 */
static int
bins(const uint8_t *buf, size_t buflen, size_t at, uint64_t min,
    uint64_t max, const uint8_t **ptr, size_t *len, size_t *off)
{
	struct tafel_mpr r;
	struct tafel_mpr_obj o;
	size_t n, i;

	tafel_mpr_init(&r, buf, buflen);
	r.off = at;
	if (tafel_mpr_array(&r, &n) != 0)
		return TAFEL_EMALFORMED;
	for (i = 0; i < n; i++) {
		if (tafel_mpr_next(&r, &o) != 0 ||
		    !tafel_mpr_check(&o, TAFEL_MP_BIN, min, max))
			return TAFEL_EMALFORMED;
		if (ptr != NULL)
			ptr[i] = o.ptr;
		if (len != NULL)
			len[i] = o.u;
		if (off != NULL)
			off[i] = (size_t)(o.ptr - buf);
	}
	return 0;
}

/*
 * The bundle is read in place with the reader (include/tafel/mp.h): a
 * bundle of a million entries is millions of objects, too many for a
 * msgpack_object tree.  The checks and their order are those of a
 * strict decode: the scan, the top-level fields, the version, then the
 * elements; every part found is a pointer into buf.
 */
int
tafel_audit_bundle_parse(const uint8_t *buf, size_t len,
    struct tafel_audit_bundle *b)
{
	struct tafel_mpr_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, false, { 0 } },
		{ "type", TAFEL_MP_STR, 1, 64, false, false, { 0 } },
		{ "org", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, false, { 0 } },
		{ "vkey", TAFEL_MP_STR, 1, TAFEL_NOTE_VKEY_MAX - 1, false,
		    false, { 0 } },
		{ "leaves", TAFEL_MP_ARRAY, 0, TAFEL_AUDIT_MAX_LEAVES, false,
		    false, { 0 } },
		{ "hashes", TAFEL_MP_ARRAY, 0, TAFEL_AUDIT_MAX_LEAVES, false,
		    false, { 0 } },
		{ "checkpoints", TAFEL_MP_ARRAY, 0, TAFEL_AUDIT_MAX_CKPTS,
		    false, false, { 0 } },
		{ "tables", TAFEL_MP_ARRAY, 0, TAFEL_AUDIT_MAX_TABLES, false,
		    false, { 0 } },
	};
	static const char type[] = "tafel-audit-bundle";
	struct tafel_mpr r;
	size_t nl, nc, nt, i;
	int rc;

	memset(b, 0, sizeof(*b));
	if (buf == NULL || len == 0)
		return TAFEL_EMALFORMED;
	if (len > TAFEL_AUDIT_BUNDLE_MAX)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_scan(buf, len, 5, BUNDLE_MAX_ITEMS)) != 0)
		return rc;
	tafel_mpr_init(&r, buf, len);
	if (tafel_mpr_fields(&r, f, sizeof(f) / sizeof(f[0])) != 0)
		return TAFEL_EMALFORMED;
	if (f[0].obj.u != 1)
		return TAFEL_EVERSION;
	if (f[1].obj.u != sizeof(type) - 1 ||
	    memcmp(f[1].obj.ptr, type, sizeof(type) - 1) != 0)
		return TAFEL_EMALFORMED;
	str_put(b->org, &f[2].obj);
	str_put(b->vkey, &f[3].obj);
	nl = f[4].obj.u;
	nc = f[6].obj.u;
	nt = f[7].obj.u;
	if (nl != f[5].obj.u ||
	    bins(buf, len, f[4].obj.off, 1, TAFEL_AUDIT_ENTRY_MAX, NULL, NULL,
	    NULL) != 0 ||
	    bins(buf, len, f[5].obj.off, 32, 32, NULL, NULL, NULL) != 0 ||
	    bins(buf, len, f[7].obj.off, 1, TAFEL_MAX_FRAME, NULL, NULL,
	    NULL) != 0) {
		memset(b, 0, sizeof(*b));
		return TAFEL_EMALFORMED;
	}
	rc = TAFEL_ENOMEM;
	b->nleaves = nl;
	b->nckpts = nc;
	b->ntables = nt;
	if ((b->leaf = calloc(nl + 1, sizeof(*b->leaf))) == NULL ||
	    (b->leaflen = calloc(nl + 1, sizeof(size_t))) == NULL ||
	    (b->hash = calloc(nl + 1, sizeof(*b->hash))) == NULL ||
	    (b->leaf_off = calloc(nl + 1, sizeof(size_t))) == NULL ||
	    (b->hash_off = calloc(nl + 1, sizeof(size_t))) == NULL ||
	    (b->ckpt = calloc(nc + 1, sizeof(*b->ckpt))) == NULL ||
	    (b->note_off = calloc(nc + 1, sizeof(size_t))) == NULL ||
	    (b->proof_off = calloc(nc + 1, sizeof(size_t))) == NULL ||
	    (b->table = calloc(nt + 1, sizeof(*b->table))) == NULL ||
	    (b->tablelen = calloc(nt + 1, sizeof(size_t))) == NULL ||
	    (b->table_off = calloc(nt + 1, sizeof(size_t))) == NULL)
		goto out;
	rc = TAFEL_EMALFORMED;
	if (bins(buf, len, f[4].obj.off, 1, TAFEL_AUDIT_ENTRY_MAX, b->leaf,
	    b->leaflen, b->leaf_off) != 0 ||
	    bins(buf, len, f[5].obj.off, 32, 32, b->hash, NULL,
	    b->hash_off) != 0 ||
	    bins(buf, len, f[7].obj.off, 1, TAFEL_MAX_FRAME, b->table,
	    b->tablelen, b->table_off) != 0)
		goto out;
	r.off = f[6].obj.off;
	if (tafel_mpr_array(&r, &nc) != 0)
		goto out;
	for (i = 0; i < nc; i++) {
		struct tafel_mpr_field g[] = {
			{ "note", TAFEL_MP_BIN, 1, TAFEL_NOTE_MAX, false,
			    false, { 0 } },
			{ "proof", TAFEL_MP_ARRAY, 0, TAFEL_MERKLE_MAX_PROOF,
			    false, false, { 0 } },
		};
		struct tafel_audit_ckpt *c = &b->ckpt[i];

		if (tafel_mpr_fields(&r, g, 2) != 0 ||
		    bins(buf, len, g[1].obj.off, 32, 32, c->proof, NULL,
		    NULL) != 0)
			goto out;
		c->note = g[0].obj.ptr;
		c->notelen = g[0].obj.u;
		c->nproof = g[1].obj.u;
		b->note_off[i] = (size_t)(c->note - buf);
		b->proof_off[i] = c->nproof > 0 ?
		    (size_t)(c->proof[0] - buf) : 0;
	}
	rc = 0;
out:
	if (rc != 0)
		tafel_audit_bundle_free(b);
	return rc;
}

/* Witnessing frames. */

static const char *const wit_names[] = { NULL, "ok", "old", "fork", "bad" };

const char *
tafel_wit_status_name(enum tafel_wit_status st)
{
	if (st < TAFEL_WIT_OK || st > TAFEL_WIT_BAD)
		return "unknown";
	return wit_names[st];
}

int
tafel_wit_ckpt_encode(const uint8_t *note, size_t notelen, uint64_t old,
    const uint8_t (*proof)[32], size_t nproof, uint8_t **out,
    size_t *outlen)
{
	struct tafel_mpw w;
	size_t i;

	if (note == NULL || notelen == 0 || notelen > TAFEL_NOTE_MAX ||
	    nproof > TAFEL_MERKLE_MAX_PROOF)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 5);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "t");
	tafel_mpw_str(&w, "ckpt");
	tafel_mpw_str(&w, "note");
	tafel_mpw_bin(&w, note, notelen);
	tafel_mpw_str(&w, "old");
	tafel_mpw_uint(&w, old);
	tafel_mpw_str(&w, "proof");
	tafel_mpw_array(&w, nproof);
	for (i = 0; i < nproof; i++)
		tafel_mpw_bin(&w, proof[i], 32);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_wit_cosig_encode(enum tafel_wit_status st, uint64_t size,
    const uint8_t *line, size_t linelen, const char *why, uint8_t **out,
    size_t *outlen)
{
	struct tafel_mpw w;
	size_t n = strlen(why);

	if (st < TAFEL_WIT_OK || st > TAFEL_WIT_BAD ||
	    linelen > TAFEL_NOTE_LINE_MAX || (st == TAFEL_WIT_OK &&
	    (line == NULL || linelen == 0)))
		return TAFEL_EINVAL;
	if (n > TAFEL_AUDIT_WHY_MAX)
		n = TAFEL_AUDIT_WHY_MAX;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 6);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "t");
	tafel_mpw_str(&w, "cosig");
	tafel_mpw_str(&w, "st");
	tafel_mpw_str(&w, wit_names[st]);
	tafel_mpw_str(&w, "size");
	tafel_mpw_uint(&w, size);
	tafel_mpw_str(&w, "line");
	tafel_mpw_bin(&w, line != NULL ? line : (const uint8_t *)"", linelen);
	tafel_mpw_str(&w, "why");
	tafel_mpw_strn(&w, why, n);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_wit_decode(const uint8_t *buf, size_t len, struct tafel_wit_msg *m)
{
	struct tafel_mp_field ck[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "t", TAFEL_MP_ID, 1, 8, false, NULL },
		{ "note", TAFEL_MP_BIN, 1, TAFEL_NOTE_MAX, false, NULL },
		{ "old", TAFEL_MP_UINT, 0, TAFEL_MERKLE_MAX_SIZE, false, NULL },
		{ "proof", TAFEL_MP_ARRAY, 0, TAFEL_MERKLE_MAX_PROOF, false,
		    NULL },
	};
	struct tafel_mp_field co[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "t", TAFEL_MP_ID, 1, 8, false, NULL },
		{ "st", TAFEL_MP_ID, 1, 8, false, NULL },
		{ "size", TAFEL_MP_UINT, 0, TAFEL_MERKLE_MAX_SIZE, false,
		    NULL },
		{ "line", TAFEL_MP_BIN, 0, TAFEL_NOTE_LINE_MAX, false, NULL },
		{ "why", TAFEL_MP_STR, 0, TAFEL_AUDIT_WHY_MAX, false, NULL },
	};
	const msgpack_object *t = NULL;
	msgpack_unpacked u;
	size_t i;
	int rc;

	memset(m, 0, sizeof(*m));
	/* Whatever is not clearly a witnessing frame is left to others. */
	if (len > TAFEL_MAX_FRAME || tafel_mp_decode(&u, buf, len, 3) != 0)
		return TAFEL_EINVAL;
	rc = TAFEL_EINVAL;
	if (u.data.type != MSGPACK_OBJECT_MAP)
		goto out;
	for (i = 0; i < u.data.via.map.size; i++)
		if (tafel_mp_streq(&u.data.via.map.ptr[i].key, "t"))
			t = &u.data.via.map.ptr[i].val;
	if (t == NULL)
		goto out;
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_streq(t, "ckpt")) {
		const msgpack_object_array *a;

		if (tafel_mp_fields(&u.data, ck, 5) != 0)
			goto out;
		if (ck[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
			rc = TAFEL_EVERSION;
			goto out;
		}
		a = &ck[4].obj->via.array;
		if (!tafel_mp_check_all(a, TAFEL_MP_BIN, 32, 32))
			goto out;
		m->type = TAFEL_WIT_CKPT;
		m->note = (const uint8_t *)ck[2].obj->via.bin.ptr;
		m->notelen = ck[2].obj->via.bin.size;
		m->size = ck[3].obj->via.u64;
		m->nproof = a->size;
		for (i = 0; i < a->size; i++)
			memcpy(m->proof[i], a->ptr[i].via.bin.ptr, 32);
	} else if (tafel_mp_streq(t, "cosig")) {
		int s;

		if (tafel_mp_fields(&u.data, co, 6) != 0)
			goto out;
		if (co[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
			rc = TAFEL_EVERSION;
			goto out;
		}
		m->type = TAFEL_WIT_COSIG;
		for (s = TAFEL_WIT_OK; s <= TAFEL_WIT_BAD; s++)
			if (tafel_mp_streq(co[2].obj, wit_names[s]))
				m->st = s;
		if (m->st == 0)
			goto out;
		m->size = co[3].obj->via.u64;
		m->note = (const uint8_t *)co[4].obj->via.bin.ptr;
		m->notelen = co[4].obj->via.bin.size;
		if (m->st == TAFEL_WIT_OK && m->notelen == 0)
			goto out;
		if (m->st != TAFEL_WIT_OK && m->notelen != 0)
			goto out;
		if (tafel_mp_strcpy(m->why, sizeof(m->why), co[5].obj) != 0)
			goto out;
	} else {
		rc = TAFEL_EINVAL;	/* another kind of peer frame */
		goto out;
	}
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		memset(m, 0, sizeof(*m));
	return rc;
}

void
tafel_audit_why(char *out, size_t outsz, const char *why)
{
	size_t n = 0, i, max = outsz - 1;

	if (max > TAFEL_AUDIT_WHY_MAX)
		max = TAFEL_AUDIT_WHY_MAX;
	for (i = 0; why[i] != '\0' && n < max; i++)
		out[n++] = (unsigned char)why[i] < 0x20 || why[i] == 0x7f ?
		    ' ' : why[i];
	/* Never end inside a UTF-8 sequence. */
	if (why[i] != '\0')
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
	if (n > 0 && why[i] != '\0' && (unsigned char)out[n - 1] >= 0xc0)
		n--;
	out[n] = '\0';
}
