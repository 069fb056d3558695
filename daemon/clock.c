/*
 * The daemon's clocks, in a module of their own so that unit tests and
 * benchmarks that link libtafeld.a (but not main.c) have them too; and
 * the message ids, which begin with the time.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "daemon.h"

uint64_t
now_sec(void)
{
	return (uint64_t)time(NULL);
}

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
now_ms_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A new message id: the Unix time in milliseconds (48 bits, big-endian),
 * then 10 random bytes, as a UUIDv7 is laid out.  Receivers treat an id
 * as 16 opaque bytes; the time first only makes each store's DB_SEEN
 * (keyed by sender and id) and DB_EVDELIV (keyed by id) grow at their
 * end, so that a commit dirties a few pages there instead of one per
 * record.  The header's time says as much, so the id tells a reader
 * nothing new.
 *
 * Ids are strictly increasing within the process (RFC 9562, 6.2, method
 * 2): an id made in the same millisecond as the one before it, or after
 * the clock stepped back, is the one before plus a random 32-bit step,
 * the 16 bytes counted as one big-endian number.  Out of order, half of
 * a group commit's ids would land inside the last page and split it in
 * the middle, and those pages stay half full.
 */
void
msgid_new(uint8_t id[16])
{
	static uint8_t last[16];
	static uint64_t last_t;
	uint64_t t = now_ms_wall(), step;
	uint32_t r;
	int i;

	if (t > last_t) {
		last_t = t;
		for (i = 5; i >= 0; i--) {
			last[i] = t & 0xff;
			t >>= 8;
		}
		randombytes_buf(last + 6, 10);
	} else {
		randombytes_buf(&r, sizeof(r));
		step = (uint64_t)r + 1;
		for (i = 15; i >= 0 && step != 0; i--) {
			step += last[i];
			last[i] = step & 0xff;
			step >>= 8;
		}
		/* A carry may have reached the time. */
		for (last_t = 0, i = 0; i < 6; i++)
			last_t = last_t << 8 | last[i];
	}
	memcpy(id, last, 16);
}
