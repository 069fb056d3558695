/*
 * libFuzzer harness: audit entries, export bundles (and the entries and
 * notes inside them) and witnessing frames.  The first byte picks the
 * decoder, so that one corpus covers all three.  Entries and bundles are
 * decoded twice, by libtafel's reader and by the msgpack-c reference of
 * tests/unit/audit_ref.h: any difference in the result or in what was
 * decoded aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/audit.h"
#include "tafel/note.h"

#include "../unit/audit_ref.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
entry_both(const uint8_t *buf, size_t len)
{
	static struct tafel_audit_entry e, r;

	if (tafel_audit_entry_decode(buf, len, &e) !=
	    ref_entry_decode(buf, len, &r) || memcmp(&e, &r, sizeof(e)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static struct tafel_note n;
	static struct tafel_wit_msg m;
	const msgpack_object *part[8];
	struct tafel_audit_bundle b;
	struct tafel_checkpoint cp;
	msgpack_unpacked u;
	size_t i;
	int rc;

	if (len < 1)
		return 0;
	switch (buf[0] % 3) {
	case 0:
		entry_both(buf + 1, len - 1);
		break;
	case 1:
		rc = tafel_audit_bundle_parse(buf + 1, len - 1, &b);
		if (rc != ref_bundle_parse(buf + 1, len - 1, &u, part))
			abort();
		if (rc != 0)
			break;
		if (!ref_bundle_same(&b, buf + 1, part))
			abort();
		msgpack_unpacked_destroy(&u);
		for (i = 0; i < b.nleaves; i++)
			entry_both(b.leaf[i], b.leaflen[i]);
		for (i = 0; i < b.nckpts; i++)
			if (tafel_note_parse(b.ckpt[i].note,
			    b.ckpt[i].notelen, &n) == 0)
				(void)tafel_checkpoint_parse(n.text, n.textlen,
				    &cp);
		tafel_audit_bundle_free(&b);
		break;
	default:
		if (tafel_wit_decode(buf + 1, len - 1, &m) == 0 &&
		    m.type == TAFEL_WIT_CKPT &&
		    tafel_note_parse(m.note, m.notelen, &n) == 0)
			(void)tafel_checkpoint_parse(n.text, n.textlen, &cp);
		break;
	}
	return 0;
}
