/*
 * libFuzzer harness: event headers and bodies, as decoded after
 * decryption and when reading the store.
 */
#include <stdint.h>

#include "tafel/envelope.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static struct tafel_hdr h;
	const char *t;
	size_t n;

	(void)tafel_hdr_decode(buf, len, &h);
	(void)tafel_body_decode("record", buf, len, &t, &n);
	(void)tafel_body_decode("open", buf, len, &t, &n);
	(void)tafel_body_decode("close", buf, len, &t, &n);
	{
		char f[TAFEL_FOLLOWUP_MAX + 1];
		uint64_t review;

		char org[TAFEL_ORG_MAX + 1];

		(void)tafel_decision_decode(buf, len, f, &t, &n, &review);
		(void)tafel_reveal_decode(buf, len, org, &t, &n);
	}
	{
		static struct tafel_members_body mb;

		(void)tafel_members_decode(buf, len, &mb);
	}
	{
		static struct tafel_share_body sb;
		struct tafel_history_body hb;
		bool minor;

		(void)tafel_open_decode(buf, len, &t, &n, &minor);
		(void)tafel_share_decode(buf, len, &sb);
		(void)tafel_history_decode(buf, len, &hb);
	}
	return 0;
}
