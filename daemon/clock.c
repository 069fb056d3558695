/*
 * The daemon's clocks, in a module of their own so that unit tests and
 * benchmarks that link libtafeld.a (but not main.c) have them too.
 */
#include <time.h>

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
