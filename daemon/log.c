/*
 * Logging to stderr, in the shape of OpenBSD's log.c: log_warn appends
 * strerror(errno), fatal exits.  Messages never carry case content or
 * key material: only ids, orgs, hashes and reasons.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

static int	 log_debug_on;
static const char *log_name = "tafeld";
static pid_t	 log_pid;

#define LOG_LINE_MAX	2048

void
log_init(int debug, const char *procname)
{
	log_debug_on = debug;
	log_pid = getpid();
	if (procname != NULL)
		log_name = procname;
}

/*
 * One write(2) per line: stderr is unbuffered, so fprintf would make
 * one system call per piece, and lines of concurrent writers to the
 * same file could interleave.  A line longer than LOG_LINE_MAX is cut.
 */
static void
vlog(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	char line[LOG_LINE_MAX], ts[32];
	struct timespec tv;
	struct tm tm;
	size_t n, off;
	ssize_t w;
	int r, saved = errno;

	if (log_pid == 0)
		log_pid = getpid();
	clock_gettime(CLOCK_REALTIME, &tv);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld] %s: ", ts,
	    tv.tv_nsec / 1000000, log_name, (long)log_pid, level);
	n = r < 0 ? 0 : (size_t)r;
	if (n < sizeof(line)) {
		r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		n += r < 0 ? 0 : (size_t)r;
	}
	if (suffix != NULL && n < sizeof(line)) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", suffix);
		n += r < 0 ? 0 : (size_t)r;
	}
	if (n > sizeof(line) - 1)
		n = sizeof(line) - 1;
	line[n++] = '\n';
	for (off = 0; off < n; ) {
		if ((w = write(STDERR_FILENO, line + off, n - off)) > 0)
			off += (size_t)w;
		else if (w == 0 || errno != EINTR)
			break;
	}
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog("warning", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("info", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	vlog("debug", fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog("fatal", fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
