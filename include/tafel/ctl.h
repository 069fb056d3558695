/*
 * The control protocol between tafel (client) and tafeld (daemon).
 *
 * Transport: the Unix stream socket DIR/tafeld.sock (directory 0700,
 * socket 0600).  Each message is a 4-byte big-endian length (1 ..
 * TAFEL_MAX_FRAME) followed by that many bytes of msgpack.  One request,
 * one response, then the daemon closes the connection.
 *
 * Request:  { "v": 1, "op": str, "args": map }
 * Response: { "v": 1, "ok": true, "data": map }
 *        or { "v": 1, "ok": false, "code": id, "msg": str }
 *
 * The acting person is never taken from the request: the daemon reads
 * the caller's uid from the kernel (SO_PEERCRED).  The operations, their
 * arguments and results are specified in docs/protocol.md.
 */
#ifndef TAFEL_CTL_H
#define TAFEL_CTL_H

#include <msgpack.h>
#include <stdbool.h>

#include "mp.h"
#include "tafel.h"

#define TAFEL_CTL_OP_MAX	31
#define TAFEL_CTL_CODE_MAX	31
#define TAFEL_CTL_MSG_MAX	511
#define TAFEL_CTL_SOCK		"tafeld.sock"

struct tafel_ctl_req {
	char			 op[TAFEL_CTL_OP_MAX + 1];
	const msgpack_object	*args;		/* a map; points into u */
};

struct tafel_ctl_resp {
	bool			 ok;
	char			 code[TAFEL_CTL_CODE_MAX + 1];
	char			 msg[TAFEL_CTL_MSG_MAX + 1];
	const msgpack_object	*data;		/* a map when ok */
};

/*
 * Writers.  tafel_ctl_req_begin writes the request up to "args"; the
 * caller then writes exactly one map.  tafel_ctl_ok_begin likewise up to
 * "data".  tafel_ctl_err writes a whole error response.
 */
void	tafel_ctl_req_begin(struct tafel_mpw *, const char *op);
void	tafel_ctl_ok_begin(struct tafel_mpw *);
void	tafel_ctl_err(struct tafel_mpw *, const char *code, const char *msg);

/* Strict decoders; *u is destroyed by the caller on success. */
int	tafel_ctl_req_decode(msgpack_unpacked *u, const uint8_t *buf,
	    size_t len, struct tafel_ctl_req *r)
	    __attribute__((warn_unused_result));
int	tafel_ctl_resp_decode(msgpack_unpacked *u, const uint8_t *buf,
	    size_t len, struct tafel_ctl_resp *r)
	    __attribute__((warn_unused_result));

#endif
