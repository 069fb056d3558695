/*
 * Control protocol messages.  See include/tafel/ctl.h.
 */
#include <string.h>

#include "tafel/ctl.h"
#include "tafel/tafel.h"

#define CTL_DEPTH	7	/* docs/protocol.md 1.6 */

void
tafel_ctl_req_begin(struct tafel_mpw *w, const char *op)
{
	tafel_mpw_map(w, 3);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(w, "op");
	tafel_mpw_str(w, op);
	tafel_mpw_str(w, "args");
}

void
tafel_ctl_ok_begin(struct tafel_mpw *w)
{
	tafel_mpw_map(w, 3);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(w, "ok");
	tafel_mpw_bool(w, true);
	tafel_mpw_str(w, "data");
}

void
tafel_ctl_err(struct tafel_mpw *w, const char *code, const char *msg)
{
	size_t n = strlen(msg);

	if (n > TAFEL_CTL_MSG_MAX)
		n = TAFEL_CTL_MSG_MAX;
	tafel_mpw_map(w, 4);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(w, "ok");
	tafel_mpw_bool(w, false);
	tafel_mpw_str(w, "code");
	tafel_mpw_str(w, code);
	tafel_mpw_str(w, "msg");
	tafel_mpw_strn(w, msg, n);
}

int
tafel_ctl_req_decode(msgpack_unpacked *u, const uint8_t *buf, size_t len,
    struct tafel_ctl_req *r)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 1, 1, false, NULL },
		{ "op", TAFEL_MP_STR, 1, TAFEL_CTL_OP_MAX, false, NULL },
		{ "args", TAFEL_MP_MAP, 0, 64, false, NULL },
	};
	int rc;

	if (len > TAFEL_MAX_FRAME)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(u, buf, len, CTL_DEPTH)) != 0)
		return rc;
	if ((rc = tafel_mp_fields(&u->data, f, 3)) != 0 ||
	    (rc = tafel_mp_strcpy(r->op, sizeof(r->op), f[1].obj)) != 0) {
		msgpack_unpacked_destroy(u);
		return TAFEL_EMALFORMED;
	}
	r->args = f[2].obj;
	return 0;
}

int
tafel_ctl_resp_decode(msgpack_unpacked *u, const uint8_t *buf, size_t len,
    struct tafel_ctl_resp *r)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 1, 1, false, NULL },
		{ "ok", TAFEL_MP_BOOL, 0, 0, false, NULL },
		{ "data", TAFEL_MP_MAP, 0, 4096, true, NULL },
		{ "code", TAFEL_MP_ID, 1, TAFEL_CTL_CODE_MAX, true, NULL },
		{ "msg", TAFEL_MP_TEXT, 0, TAFEL_CTL_MSG_MAX, true, NULL },
	};
	int rc;

	memset(r, 0, sizeof(*r));
	if (len > TAFEL_MAX_FRAME)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(u, buf, len, CTL_DEPTH)) != 0)
		return rc;
	if ((rc = tafel_mp_fields(&u->data, f, 5)) != 0)
		goto bad;
	r->ok = f[1].obj->via.boolean;
	if (r->ok) {
		if (f[2].obj == NULL || f[3].obj != NULL || f[4].obj != NULL)
			goto bad;
		r->data = f[2].obj;
	} else {
		if (f[2].obj != NULL || f[3].obj == NULL || f[4].obj == NULL ||
		    tafel_mp_strcpy(r->code, sizeof(r->code), f[3].obj) != 0 ||
		    tafel_mp_strcpy(r->msg, sizeof(r->msg), f[4].obj) != 0)
			goto bad;
	}
	return 0;
bad:
	msgpack_unpacked_destroy(u);
	return TAFEL_EMALFORMED;
}
