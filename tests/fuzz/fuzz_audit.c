/*
 * libFuzzer harness: audit entries, export bundles (and the entries and
 * notes inside them) and witnessing frames.  The first byte picks the
 * decoder, so that one corpus covers all three.
 */
#include <stdint.h>
#include <string.h>

#include "tafel/audit.h"
#include "tafel/note.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static struct tafel_audit_entry e;
	static struct tafel_note n;
	static struct tafel_wit_msg m;
	struct tafel_audit_bundle b;
	struct tafel_checkpoint cp;
	size_t i;

	if (len < 1)
		return 0;
	switch (buf[0] % 3) {
	case 0:
		(void)tafel_audit_entry_decode(buf + 1, len - 1, &e);
		break;
	case 1:
		if (tafel_audit_bundle_parse(buf + 1, len - 1, &b) != 0)
			break;
		for (i = 0; i < b.nleaves; i++)
			(void)tafel_audit_entry_decode(b.leaf[i], b.leaflen[i],
			    &e);
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
