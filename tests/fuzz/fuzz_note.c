/*
 * libFuzzer harness: the signed-note, checkpoint, tlog-proof, vkey and
 * skey parsers on the same input, with verification against two fixed
 * keys (the section 4.5 log and witness), and round-trip oracles: every
 * accepted checkpoint, tlog-proof and key string encodes back to exactly
 * the bytes it was parsed from.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/merkle.h"
#include "tafel/note.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *vkeys[2] = {
	"example.com/audit-log+6770f336+"
	    "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	"example.org/witness+cacf2e50+"
	    "BGbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+w3/bxCSn",
};

static void
check_checkpoint(const uint8_t *text, size_t len)
{
	static uint8_t out[TAFEL_CKPT_TEXT_MAX];
	struct tafel_checkpoint cp;
	size_t n;

	if (tafel_checkpoint_parse(text, len, &cp) != 0)
		return;
	if (tafel_checkpoint_encode(&cp, out, sizeof(out), &n) != 0 ||
	    n != len || memcmp(out, text, n) != 0)
		abort();
}

static void
check_keys(const uint8_t *buf, size_t len)
{
	struct tafel_note_key k;
	char out[TAFEL_NOTE_SKEY_MAX];
	uint8_t seed[32];

	if (tafel_note_vkey_parse((const char *)buf, len, &k) == 0) {
		if (tafel_note_vkey_encode(&k, out, sizeof(out)) != 0 ||
		    strlen(out) != len || memcmp(out, buf, len) != 0)
			abort();
	}
	if (tafel_note_skey_parse((const char *)buf, len, &k, seed) == 0) {
		if (tafel_note_skey_encode(k.name, seed, out,
		    sizeof(out)) != 0 || strlen(out) != len ||
		    memcmp(out, buf, len) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static struct tafel_note n;
	static struct tafel_tlog_proof p;
	static uint8_t out[TAFEL_TLOG_PROOF_MAX];
	struct tafel_note_verifier v[2];
	uint8_t leaf[32] = { 0 };
	size_t i, nv, olen;

	if (sodium_init() < 0)
		abort();
	memset(v, 0, sizeof(v));
	for (i = 0; i < 2; i++)
		if (tafel_note_vkey_parse(vkeys[i], strlen(vkeys[i]),
		    &v[i].key) != 0)
			abort();

	if (tafel_note_parse(buf, len, &n) == 0) {
		if (n.textlen + 1 > len || n.nsigs == 0)
			abort();
		(void)tafel_note_verify(&n, v, 2, &nv);
		check_checkpoint(n.text, n.textlen);
	}
	check_checkpoint(buf, len);
	check_keys(buf, len);

	if (tafel_tlog_proof_parse(buf, len, &p) == 0) {
		if (p.index >= p.cp.size || p.nproof > TAFEL_MERKLE_MAX_PROOF)
			abort();
		memcpy(leaf, p.proof[0], 32);
		(void)tafel_tlog_proof_verify(&p, leaf, v, 2, &nv);
		if (tafel_tlog_proof_encode(p.has_extra ? p.extra : NULL,
		    p.extralen, p.index, (const uint8_t (*)[32])p.proof,
		    p.nproof, p.note, p.notelen, out, sizeof(out),
		    &olen) != 0 || olen != len || memcmp(out, buf, len) != 0)
			abort();
	}
	return 0;
}
