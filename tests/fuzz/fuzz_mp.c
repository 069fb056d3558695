/*
 * libFuzzer harness for proto/mp.c: the pre-scan, the decoder, the
 * field checker and the reader.  A tree that decodes is written out
 * again with msgpack-c's packer and must decode again; the reader must
 * skip it to its exact end and check its fields as the tree does.
 */
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/mp.h"
#include "tafel/tafel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Checks every object of a tree against every type, for coverage. */
static void
walk(const msgpack_object *o, unsigned depth)
{
	uint32_t i;
	int t;

	if (depth > TAFEL_MAX_DEPTH)
		abort();	/* the scanner let something too deep through */
	for (t = TAFEL_MP_UINT; t <= TAFEL_MP_BOOL; t++)
		(void)tafel_mp_check(o, (enum tafel_mp_type)t, 0, 64);
	if (o->type == MSGPACK_OBJECT_ARRAY)
		for (i = 0; i < o->via.array.size; i++)
			walk(&o->via.array.ptr[i], depth + 1);
	else if (o->type == MSGPACK_OBJECT_MAP)
		for (i = 0; i < o->via.map.size; i++) {
			walk(&o->via.map.ptr[i].key, depth + 1);
			walk(&o->via.map.ptr[i].val, depth + 1);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 1, 1, false, NULL },
		{ "id", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, true, NULL },
		{ "name", TAFEL_MP_STR, 0, 128, true, NULL },
		{ "text", TAFEL_MP_TEXT, 0, 4096, true, NULL },
		{ "key", TAFEL_MP_BIN, 32, 32, true, NULL },
		{ "list", TAFEL_MP_ARRAY, 0, 16, true, NULL },
		{ "map", TAFEL_MP_MAP, 0, 16, true, NULL },
		{ "flag", TAFEL_MP_BOOL, 0, 0, true, NULL },
	};
	struct tafel_mpr_field g[sizeof(f) / sizeof(f[0])];
	msgpack_unpacked u, u2;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct tafel_mpr r;
	char buf[64];
	size_t i;
	int rc;

	if (size > TAFEL_MAX_FRAME)
		return 0;
	(void)tafel_mp_scan(data, size, 2, 16);
	/* The reader never reads outside; on anything. */
	tafel_mpr_init(&r, data, size);
	(void)tafel_mpr_skip(&r);
	if (tafel_mp_decode(&u, data, size, TAFEL_MAX_DEPTH) != 0)
		return 0;
	walk(&u.data, 1);
	tafel_mpr_init(&r, data, size);
	if (tafel_mpr_skip(&r) != 0 || !tafel_mpr_done(&r))
		abort();
	rc = tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0]));
	if (rc == 0 && f[1].obj != NULL &&
	    tafel_mp_strcpy(buf, sizeof(buf), f[1].obj) != 0)
		abort();	/* an id of at most 63 bytes must fit */
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		g[i] = (struct tafel_mpr_field){ f[i].key, f[i].type,
		    f[i].min, f[i].max, f[i].optional, false, { 0 } };
	tafel_mpr_init(&r, data, size);
	if (tafel_mpr_fields(&r, g, sizeof(g) / sizeof(g[0])) != rc)
		abort();	/* the reader checks fields as the tree */

	/* The same tree, written canonically, decodes again. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_object(&pk, u.data) == 0) {
		if (sb.size > size)
			abort();	/* never longer than the input */
		if (tafel_mp_decode(&u2, (const uint8_t *)sb.data, sb.size,
		    TAFEL_MAX_DEPTH) != 0)
			abort();
		msgpack_unpacked_destroy(&u2);
	}
	msgpack_sbuffer_destroy(&sb);
	msgpack_unpacked_destroy(&u);
	return 0;
}
