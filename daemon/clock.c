/*
 * The daemon's clocks, in a module of their own so that unit tests and
 * benchmarks that link libtafeld.a (but not main.c) have them too; and
 * the message ids, which begin with the time.
 */
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
 * (keyed by sender and id) grow at its end, so that a commit dirties a
 * few pages there instead of one per record.  The header's time says
 * as much, so the id tells a reader nothing new.
 */
void
msgid_new(uint8_t id[16])
{
	uint64_t t = now_ms_wall();
	int i;

	for (i = 5; i >= 0; i--) {
		id[i] = t & 0xff;
		t >>= 8;
	}
	randombytes_buf(id + 6, 10);
}
