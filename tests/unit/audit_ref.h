/*
 * Reference decoders for the audit formats: the msgpack-c paths that
 * libtafel used before it read entries and bundles with its own reader
 * (proto/mp.c, tafel_mpr_*).  A whole msgpack_object tree, the fields
 * checked on it, and an entry's canonical form checked by encoding it
 * again and comparing.  Slow, but plainly right; test_audit.c and
 * fuzz_audit.c hold the real decoders to them, result for result.
 */
#ifndef TAFEL_AUDIT_REF_H
#define TAFEL_AUDIT_REF_H

#include <stdlib.h>
#include <string.h>

#include "tafel/audit.h"
#include "tafel/mp.h"

static int
ref_entry_decode(const uint8_t *buf, size_t len, struct tafel_audit_entry *e)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "seq", TAFEL_MP_UINT, 0, TAFEL_MERKLE_MAX_SIZE, false, NULL },
		{ "time", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "kind", TAFEL_MP_ID, 1, 31, false, NULL },
		{ "table", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, true, NULL },
		{ "tver", TAFEL_MP_UINT, 0, UINT64_MAX, true, NULL },
		{ "case", TAFEL_MP_BIN, TAFEL_ID_BYTES, TAFEL_ID_BYTES, true,
		    NULL },
		{ "env", TAFEL_MP_BIN, TAFEL_HASH_BYTES, TAFEL_HASH_BYTES, true,
		    NULL },
		{ "event", TAFEL_MP_ID, 1, TAFEL_AUDIT_EVENT_MAX, true, NULL },
		{ "cat", TAFEL_MP_ID, 1, TAFEL_CAT_MAX, true, NULL },
		{ "from", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, true, NULL },
		{ "to", TAFEL_MP_ARRAY, 1, TAFEL_MAX_RECIPIENTS, true, NULL },
		{ "person", TAFEL_MP_STR, 1, TAFEL_PERSON_MAX, true, NULL },
		{ "status", TAFEL_MP_ID, 1, TAFEL_AUDIT_STATUS_MAX, true,
		    NULL },
		{ "why", TAFEL_MP_STR, 1, TAFEL_AUDIT_WHY_MAX, true, NULL },
	};
	char kind[32];
	msgpack_unpacked u;
	uint8_t *again = NULL;
	size_t againlen, i;
	int rc;

	memset(e, 0, sizeof(*e));
	if (len > TAFEL_AUDIT_ENTRY_MAX)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 3)) != 0)
		return rc;
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (f[0].obj->via.u64 != 1) {
		rc = TAFEL_EVERSION;
		goto out;
	}
	e->seq = f[1].obj->via.u64;
	e->time = f[2].obj->via.u64;
	if (tafel_mp_strcpy(kind, sizeof(kind), f[3].obj) != 0 ||
	    (e->kind = tafel_audit_kind_parse(kind)) == 0)
		goto out;
	if (f[4].obj && tafel_mp_strcpy(e->table, sizeof(e->table),
	    f[4].obj) != 0)
		goto out;
	if (f[5].obj) {
		e->has_tver = true;
		e->tver = f[5].obj->via.u64;
	}
	if (f[6].obj) {
		e->has_case = true;
		memcpy(e->case_id, f[6].obj->via.bin.ptr, TAFEL_ID_BYTES);
	}
	if (f[7].obj) {
		e->has_env = true;
		memcpy(e->env, f[7].obj->via.bin.ptr, TAFEL_HASH_BYTES);
	}
	if ((f[8].obj && tafel_mp_strcpy(e->event, sizeof(e->event),
	    f[8].obj) != 0) ||
	    (f[9].obj && tafel_mp_strcpy(e->cat, sizeof(e->cat),
	    f[9].obj) != 0) ||
	    (f[10].obj && tafel_mp_strcpy(e->from, sizeof(e->from),
	    f[10].obj) != 0))
		goto out;
	if (f[11].obj) {
		const msgpack_object_array *a = &f[11].obj->via.array;

		e->has_to = true;
		e->nto = a->size;
		for (i = 0; i < a->size; i++)
			if (!tafel_mp_check(&a->ptr[i], TAFEL_MP_ID, 1,
			    TAFEL_ORG_MAX) || tafel_mp_strcpy(e->to[i],
			    sizeof(e->to[i]), &a->ptr[i]) != 0)
				goto out;
	}
	if ((f[12].obj && tafel_mp_strcpy(e->person, sizeof(e->person),
	    f[12].obj) != 0) ||
	    (f[13].obj && tafel_mp_strcpy(e->status, sizeof(e->status),
	    f[13].obj) != 0) ||
	    (f[14].obj && tafel_mp_strcpy(e->why, sizeof(e->why),
	    f[14].obj) != 0))
		goto out;
	/* The shape (the encoder refuses a bad one), then canonical bytes. */
	if ((rc = tafel_audit_entry_encode(e, &again, &againlen)) != 0) {
		rc = rc == TAFEL_EINVAL ? TAFEL_EMALFORMED : TAFEL_ENOMEM;
		goto out;
	}
	rc = TAFEL_EMALFORMED;
	if (againlen != len || memcmp(again, buf, len) != 0)
		goto out;
	rc = 0;
out:
	free(again);
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		memset(e, 0, sizeof(*e));
	return rc;
}

/*
 * The old bundle parse, without the arrays: 0 and the counts, org and
 * vkey, or an error.  ref_bundle_same() compares the parts themselves.
 */
static int
ref_bundle_parse(const uint8_t *buf, size_t len, msgpack_unpacked *u,
    const msgpack_object **part)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "type", TAFEL_MP_STR, 1, 64, false, NULL },
		{ "org", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "vkey", TAFEL_MP_STR, 1, TAFEL_NOTE_VKEY_MAX - 1, false,
		    NULL },
		{ "leaves", TAFEL_MP_ARRAY, 0, TAFEL_AUDIT_MAX_LEAVES, false,
		    NULL },
		{ "hashes", TAFEL_MP_ARRAY, 0, TAFEL_AUDIT_MAX_LEAVES, false,
		    NULL },
		{ "checkpoints", TAFEL_MP_ARRAY, 0, TAFEL_AUDIT_MAX_CKPTS,
		    false, NULL },
		{ "tables", TAFEL_MP_ARRAY, 0, TAFEL_AUDIT_MAX_TABLES, false,
		    NULL },
	};
	const msgpack_object_array *cp;
	size_t off = 0, i;
	int rc;

	if (buf == NULL || len == 0)
		return TAFEL_EMALFORMED;
	if (len > TAFEL_AUDIT_BUNDLE_MAX)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_scan(buf, len, 5, (size_t)1 << 25)) != 0)
		return rc;
	msgpack_unpacked_init(u);
	if (msgpack_unpack_next(u, (const char *)buf, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != len) {
		msgpack_unpacked_destroy(u);
		return TAFEL_EMALFORMED;
	}
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u->data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto bad;
	if (f[0].obj->via.u64 != 1) {
		rc = TAFEL_EVERSION;
		goto bad;
	}
	if (!tafel_mp_streq(f[1].obj, "tafel-audit-bundle") ||
	    f[4].obj->via.array.size != f[5].obj->via.array.size ||
	    !tafel_mp_check_all(&f[4].obj->via.array, TAFEL_MP_BIN, 1,
	    TAFEL_AUDIT_ENTRY_MAX) ||
	    !tafel_mp_check_all(&f[5].obj->via.array, TAFEL_MP_BIN, 32, 32) ||
	    !tafel_mp_check_all(&f[7].obj->via.array, TAFEL_MP_BIN, 1,
	    TAFEL_MAX_FRAME))
		goto bad;
	cp = &f[6].obj->via.array;
	for (i = 0; i < cp->size; i++) {
		struct tafel_mp_field g[] = {
			{ "note", TAFEL_MP_BIN, 1, TAFEL_NOTE_MAX, false,
			    NULL },
			{ "proof", TAFEL_MP_ARRAY, 0, TAFEL_MERKLE_MAX_PROOF,
			    false, NULL },
		};

		if (tafel_mp_fields(&cp->ptr[i], g, 2) != 0 ||
		    !tafel_mp_check_all(&g[1].obj->via.array, TAFEL_MP_BIN,
		    32, 32))
			goto bad;
	}
	for (i = 0; i < 8; i++)
		part[i] = f[i].obj;
	return 0;
bad:
	msgpack_unpacked_destroy(u);
	return rc;
}

/* Whether b holds exactly the parts of the reference tree. */
static bool
ref_bundle_same(const struct tafel_audit_bundle *b, const uint8_t *buf,
    const msgpack_object **part)
{
	const msgpack_object_array *lv = &part[4]->via.array,
	    *hs = &part[5]->via.array, *cp = &part[6]->via.array,
	    *tb = &part[7]->via.array;
	size_t i, j;

	if (b->nleaves != lv->size || b->nckpts != cp->size ||
	    b->ntables != tb->size ||
	    part[2]->via.str.size != strlen(b->org) ||
	    memcmp(part[2]->via.str.ptr, b->org, strlen(b->org)) != 0 ||
	    part[3]->via.str.size != strlen(b->vkey) ||
	    memcmp(part[3]->via.str.ptr, b->vkey, strlen(b->vkey)) != 0)
		return false;
	for (i = 0; i < lv->size; i++)
		if (b->leaf[i] != (const uint8_t *)lv->ptr[i].via.bin.ptr ||
		    b->leaflen[i] != lv->ptr[i].via.bin.size ||
		    b->leaf_off[i] != (size_t)(b->leaf[i] - buf) ||
		    b->hash[i] != (const uint8_t *)hs->ptr[i].via.bin.ptr ||
		    b->hash_off[i] != (size_t)(b->hash[i] - buf))
			return false;
	for (i = 0; i < tb->size; i++)
		if (b->table[i] != (const uint8_t *)tb->ptr[i].via.bin.ptr ||
		    b->tablelen[i] != tb->ptr[i].via.bin.size ||
		    b->table_off[i] != (size_t)(b->table[i] - buf))
			return false;
	for (i = 0; i < cp->size; i++) {
		const msgpack_object_kv *kv = cp->ptr[i].via.map.ptr;
		const msgpack_object *note, *proof;

		note = tafel_mp_streq(&kv[0].key, "note") ? &kv[0].val :
		    &kv[1].val;
		proof = note == &kv[0].val ? &kv[1].val : &kv[0].val;
		if (b->ckpt[i].note != (const uint8_t *)note->via.bin.ptr ||
		    b->ckpt[i].notelen != note->via.bin.size ||
		    b->note_off[i] != (size_t)(b->ckpt[i].note - buf) ||
		    b->ckpt[i].nproof != proof->via.array.size ||
		    b->proof_off[i] != (proof->via.array.size > 0 ?
		    (size_t)(b->ckpt[i].proof[0] - buf) : 0))
			return false;
		for (j = 0; j < proof->via.array.size; j++) {
			const msgpack_object *h = &proof->via.array.ptr[j];

			if (b->ckpt[i].proof[j] != (const uint8_t *)h->via.bin.ptr)
				return false;
		}
	}
	return true;
}

#endif
