/*
 * libFuzzer harness: frames between daemons, then the envelope inside.
 */
#include <stdint.h>

#include "tafel/envelope.h"
#include "tafel/peer.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static struct tafel_env e;
	struct tafel_peer_msg m;

	if (tafel_peer_decode(buf, len, &m) != 0)
		return 0;
	if (m.type == TAFEL_PEER_ENV)
		(void)tafel_env_parse(m.env, m.envlen, &e);
	return 0;
}
