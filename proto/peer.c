/*
 * Frames between daemons.  See include/tafel/peer.h.
 */
#include <string.h>

#include "tafel/mp.h"
#include "tafel/peer.h"
#include "tafel/tafel.h"

static const char *const ack_names[] = { NULL, "ok", "refused", "retry" };

const char *
tafel_ack_status_name(enum tafel_ack_status st)
{
	if (st < TAFEL_ACK_OK || st > TAFEL_ACK_RETRY)
		return "unknown";
	return ack_names[st];
}

static int
carrier(const char *t, const char *key, const uint8_t *p, size_t len,
    uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;

	if (p == NULL || len == 0 || len > TAFEL_MAX_FRAME - 64)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "t");
	tafel_mpw_str(&w, t);
	tafel_mpw_str(&w, key);
	tafel_mpw_bin(&w, p, len);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_peer_env_encode(const uint8_t *env, size_t envlen, uint8_t **out,
    size_t *outlen)
{
	return carrier("env", "env", env, envlen, out, outlen);
}

int
tafel_peer_table_encode(const uint8_t *doc, size_t len, uint8_t **out,
    size_t *outlen)
{
	return carrier("table", "doc", doc, len, out, outlen);
}

int
tafel_peer_rcpt_encode(const uint8_t *rcpt, size_t len, uint8_t **out,
    size_t *outlen)
{
	return carrier("rcpt", "rcpt", rcpt, len, out, outlen);
}

int
tafel_peer_want_encode(const uint8_t (*h)[TAFEL_HASH_BYTES], size_t n,
    uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	size_t i;

	if (n == 0 || n > TAFEL_MAX_PREV)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "t");
	tafel_mpw_str(&w, "want");
	tafel_mpw_str(&w, "want");
	tafel_mpw_array(&w, n);
	for (i = 0; i < n; i++)
		tafel_mpw_bin(&w, h[i], TAFEL_HASH_BYTES);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_peer_ack_encode(const uint8_t h[TAFEL_HASH_BYTES],
    enum tafel_ack_status st, const char *why, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	size_t n = strlen(why);

	if (st < TAFEL_ACK_OK || st > TAFEL_ACK_RETRY)
		return TAFEL_EINVAL;
	if (n > TAFEL_PEER_WHY_MAX)
		n = TAFEL_PEER_WHY_MAX;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 5);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "t");
	tafel_mpw_str(&w, "ack");
	tafel_mpw_str(&w, "h");
	tafel_mpw_bin(&w, h, TAFEL_HASH_BYTES);
	tafel_mpw_str(&w, "st");
	tafel_mpw_str(&w, ack_names[st]);
	tafel_mpw_str(&w, "why");
	tafel_mpw_strn(&w, why, n);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_peer_decode(const uint8_t *buf, size_t len, struct tafel_peer_msg *m)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "t", TAFEL_MP_ID, 1, 8, false, NULL },
		{ "env", TAFEL_MP_BIN, 1, TAFEL_MAX_FRAME, true, NULL },
		{ "h", TAFEL_MP_BIN, TAFEL_HASH_BYTES, TAFEL_HASH_BYTES, true,
		    NULL },
		{ "st", TAFEL_MP_ID, 1, 16, true, NULL },
		{ "why", TAFEL_MP_STR, 0, TAFEL_PEER_WHY_MAX, true, NULL },
		{ "doc", TAFEL_MP_BIN, 1, TAFEL_MAX_FRAME, true, NULL },
		{ "rcpt", TAFEL_MP_BIN, 1, TAFEL_MAX_FRAME, true, NULL },
		{ "want", TAFEL_MP_ARRAY, 1, TAFEL_MAX_PREV, true, NULL },
	};
	msgpack_unpacked u;
	int rc, i;

	memset(m, 0, sizeof(*m));
	if (len > TAFEL_MAX_FRAME)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 3)) != 0)
		return rc;
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (f[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
		rc = TAFEL_EVERSION;
		goto out;
	}
	if (tafel_mp_streq(f[1].obj, "env")) {
		if (f[2].obj == NULL || f[3].obj || f[4].obj || f[5].obj ||
		    f[6].obj || f[7].obj || f[8].obj)
			goto out;
		m->type = TAFEL_PEER_ENV;
		m->env = (const uint8_t *)f[2].obj->via.bin.ptr;
		m->envlen = f[2].obj->via.bin.size;
	} else if (tafel_mp_streq(f[1].obj, "table")) {
		if (f[6].obj == NULL || f[2].obj || f[3].obj || f[4].obj ||
		    f[5].obj || f[7].obj || f[8].obj)
			goto out;
		m->type = TAFEL_PEER_TABLE;
		m->env = (const uint8_t *)f[6].obj->via.bin.ptr;
		m->envlen = f[6].obj->via.bin.size;
	} else if (tafel_mp_streq(f[1].obj, "ack")) {
		if (f[2].obj || !f[3].obj || !f[4].obj || !f[5].obj ||
		    f[6].obj || f[7].obj || f[8].obj)
			goto out;
		m->type = TAFEL_PEER_ACK;
		memcpy(m->h, f[3].obj->via.bin.ptr, TAFEL_HASH_BYTES);
		for (i = TAFEL_ACK_OK; i <= TAFEL_ACK_RETRY; i++)
			if (tafel_mp_streq(f[4].obj, ack_names[i]))
				m->st = i;
		if (m->st == 0 ||
		    tafel_mp_strcpy(m->why, sizeof(m->why), f[5].obj) != 0)
			goto out;
	} else if (tafel_mp_streq(f[1].obj, "rcpt")) {
		if (f[7].obj == NULL || f[2].obj || f[3].obj || f[4].obj ||
		    f[5].obj || f[6].obj || f[8].obj)
			goto out;
		m->type = TAFEL_PEER_RCPT;
		m->env = (const uint8_t *)f[7].obj->via.bin.ptr;
		m->envlen = f[7].obj->via.bin.size;
	} else if (tafel_mp_streq(f[1].obj, "want")) {
		const msgpack_object_array *a;

		if (f[8].obj == NULL || f[2].obj || f[3].obj || f[4].obj ||
		    f[5].obj || f[6].obj || f[7].obj)
			goto out;
		a = &f[8].obj->via.array;
		for (i = 0; i < (int)a->size; i++) {
			if (!tafel_mp_check(&a->ptr[i], TAFEL_MP_BIN,
			    TAFEL_HASH_BYTES, TAFEL_HASH_BYTES))
				goto out;
			memcpy(m->want[i], a->ptr[i].via.bin.ptr,
			    TAFEL_HASH_BYTES);
		}
		m->nwant = a->size;
		m->type = TAFEL_PEER_WANT;
	} else
		goto out;
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		memset(m, 0, sizeof(*m));
	return rc;
}
