/*
 * libFuzzer harness for proto/keyfile.c.  The passphrase is "fuzz".
 *
 * Argon2 with the limits a file may legally ask for (up to 16 passes over
 * 1 GiB) takes seconds; the fuzzer would find such headers at once and
 * spend its time in the KDF.  So the harness skips inputs whose limits
 * are above a small budget; the checks on the limits themselves are run
 * for every input through tafel_keyfile_decode with pass == NULL.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/keyfile.h"
#include "tafel/tafel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_OPS_MAX	2
#define FUZZ_MEM_MAX	(64 * 1024)

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tafel_secrets s, s2;
	uint8_t out[TAFEL_KEYFILE_LEN];
	int alg, r;

	if (sodium_init() < 0)
		abort();
	alg = tafel_keyfile_alg(data, size);
	r = tafel_keyfile_decode(data, size, NULL, 0, &s);
	if (alg == TAFEL_KEYFILE_ALG_ARGON && r != TAFEL_EINVAL &&
	    r != TAFEL_EMALFORMED)
		abort();	/* a passphrase is needed */
	if (alg == TAFEL_KEYFILE_ALG_ARGON && size == TAFEL_KEYFILE_LEN &&
	    be64(data + 9) <= FUZZ_OPS_MAX && be64(data + 17) <= FUZZ_MEM_MAX)
		r = tafel_keyfile_decode(data, size, "fuzz", 4, &s);
	if (r != 0) {
		if (!sodium_is_zero((const uint8_t *)&s, sizeof(s)))
			abort();	/* a failure leaves nothing behind */
		return 0;
	}
	/* What decodes writes out again (in clear) and reads the same. */
	if (tafel_keyfile_encode(&s, NULL, 0, 0, 0, out) != 0 ||
	    tafel_keyfile_decode(out, sizeof(out), NULL, 0, &s2) != 0 ||
	    sodium_memcmp(&s, &s2, sizeof(s)) != 0)
		abort();
	sodium_memzero(&s, sizeof(s));
	sodium_memzero(&s2, sizeof(s2));
	sodium_memzero(out, sizeof(out));
	return 0;
}
