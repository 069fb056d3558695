/*
 * libFuzzer harness: control requests and responses, as the daemon and
 * the client decode them.
 */
#include <stdint.h>

#include "tafel/ctl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct tafel_ctl_req req;
	struct tafel_ctl_resp resp;
	struct tafel_mp_field f[3] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
		{ "category", TAFEL_MP_ID, 1, 31, false, NULL },
		{ "text", TAFEL_MP_TEXT, 1, 262144, false, NULL },
	};
	msgpack_unpacked u;

	if (tafel_ctl_req_decode(&u, buf, len, &req) == 0) {
		(void)tafel_mp_fields(req.args, f, 3);
		msgpack_unpacked_destroy(&u);
	}
	if (tafel_ctl_resp_decode(&u, buf, len, &resp) == 0)
		msgpack_unpacked_destroy(&u);
	return 0;
}
