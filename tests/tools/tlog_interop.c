/*
 * Test tool for tests/integration/interop_go.sh: the C side of the
 * interoperability check with Go's golang.org/x/mod/sumdb/{note,tlog}.
 *
 *   tlog_interop gen DIR N     a log of N leaves, written with libtafel:
 *                              log.vkey, witness.vkey, leaves (hex, one a
 *                              line), cp-<size>.note (log signature and a
 *                              witness cosignature), cons-<m>-<n> (base64
 *                              lines), proof-<i>.tlog-proof for every i
 *   tlog_interop check DIR N   verifies what the Go side wrote with x/mod:
 *                              go-cp.note (signed by Go with the same key,
 *                              so byte-identical to cp-N.note), and
 *                              go-inc-<i>, go-cons-<m> (base64 lines)
 *
 * Keys are the fixed test keys of transparency-log.md section 4.5.  The
 * tool prints "ok - ..." lines and exits non-zero on the first failure.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tafel/merkle.h"
#include "tafel/note.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define MAXN	256
#define LOGNAME	"example.com/audit-log"
#define WITNAME	"example.org/witness"
#define LOGSEED	\
	"810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173"

struct tree {
	uint64_t	size;
	uint8_t		node[9][MAXN][32];
	uint8_t		leaf[MAXN][40];
	size_t		leaflen[MAXN];
};

static struct tree t;

static int
get_node(void *arg, unsigned level, uint64_t index, uint8_t out[32])
{
	struct tree *tr = arg;

	if (level >= 9 || ((index + 1) << level) > tr->size)
		return TAFEL_EINVAL;
	memcpy(out, tr->node[level][index], 32);
	return 0;
}

static void
build(size_t n)
{
	struct tafel_merkle_node nodes[TAFEL_MERKLE_MAX_LEVELS];
	uint8_t lh[32];
	size_t i, nn;
	int k;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < n; i++) {
		/* Leaves of varying length, one of them empty. */
		k = snprintf((char *)t.leaf[i], sizeof(t.leaf[i]),
		    "exchange %zu%.*s", i, (int)(i % 7), "!!!!!!!");
		if (k < 0 || (size_t)k >= sizeof(t.leaf[i]))
			errx(1, "leaf");
		t.leaflen[i] = i == 3 ? 0 : (size_t)k;
		tafel_merkle_leaf_hash(t.leaf[i], t.leaflen[i], lh);
		if (tafel_merkle_append(t.size, lh, get_node, &t, nodes,
		    &nn) != 0)
			errx(1, "append");
		while (nn-- > 0)
			memcpy(t.node[nodes[nn].level][nodes[nn].index],
			    nodes[nn].hash, 32);
		t.size++;
	}
}

static void
keys(struct tafel_note_key *lk, uint8_t lsk[64], struct tafel_note_key *wk,
    uint8_t wsk[64])
{
	uint8_t seed[32], pk[32];

	if (tafel_unhex(seed, 32, LOGSEED) != 0)
		errx(1, "seed");
	crypto_sign_seed_keypair(pk, lsk, seed);
	if (tafel_note_key_init(lk, LOGNAME, TAFEL_NOTE_ED25519, pk) != 0)
		errx(1, "log key");
	memset(seed, 0, sizeof(seed));
	seed[0] = 0x11;
	crypto_sign_seed_keypair(pk, wsk, seed);
	if (tafel_note_key_init(wk, WITNAME, TAFEL_NOTE_COSIG, pk) != 0)
		errx(1, "witness key");
	sodium_memzero(seed, sizeof(seed));
}

static void
put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;
	int k;

	k = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (k < 0 || (size_t)k >= sizeof(path))
		errx(1, "path");
	if ((f = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	if (fwrite(p, 1, n, f) != n || fclose(f) != 0)
		err(1, "%s", path);
}

static size_t
get(const char *dir, const char *name, uint8_t *p, size_t max)
{
	char path[4096];
	FILE *f;
	size_t n;
	int k;

	k = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (k < 0 || (size_t)k >= sizeof(path))
		errx(1, "path");
	if ((f = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	n = fread(p, 1, max, f);
	if (ferror(f) || !feof(f))
		errx(1, "%s: read error or too large", path);
	fclose(f);
	return n;
}

/* Signed and cosigned checkpoint for the first size leaves. */
static size_t
checkpoint(uint64_t size, const struct tafel_note_key *lk,
    const uint8_t lsk[64], const struct tafel_note_key *wk,
    const uint8_t wsk[64], uint8_t *out, size_t max)
{
	struct tafel_checkpoint cp;
	uint8_t text[512];
	size_t tl, n, ll;

	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, LOGNAME, sizeof(LOGNAME));
	cp.size = size;
	if (tafel_merkle_root(size, get_node, &t, cp.root) != 0 ||
	    tafel_checkpoint_encode(&cp, text, sizeof(text), &tl) != 0 ||
	    tafel_note_sign(lk, lsk, text, tl, out, max, &n) != 0 ||
	    tafel_cosig_sign_line(wk, wsk, 1700000000 + size, text, tl,
	    out + n, max - n, &ll) != 0)
		errx(1, "checkpoint %llu", (unsigned long long)size);
	return n + ll;
}

static void
gen(const char *dir, size_t n)
{
	struct tafel_note_key lk, wk;
	uint8_t lsk[64], wsk[64], note[1024], out[8192];
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32];
	char name[64], vkey[TAFEL_NOTE_VKEY_MAX], line[128];
	char *hex;
	size_t i, np, len, notelen, k;
	const uint64_t olds[] = { 1, 2, 3, 4, 5, 7, 8, 13, 16, 31 };

	build(n);
	keys(&lk, lsk, &wk, wsk);
	if (tafel_note_vkey_encode(&lk, vkey, sizeof(vkey)) != 0)
		errx(1, "vkey");
	put(dir, "log.vkey", vkey, strlen(vkey));
	if (tafel_note_vkey_encode(&wk, vkey, sizeof(vkey)) != 0)
		errx(1, "vkey");
	put(dir, "witness.vkey", vkey, strlen(vkey));

	/* Leaves. */
	hex = malloc(n * 81 + 1);
	if (hex == NULL)
		err(1, NULL);
	len = 0;
	for (i = 0; i < n; i++) {
		tafel_hex(hex + len, t.leaf[i], t.leaflen[i]);
		len += 2 * t.leaflen[i];
		hex[len++] = '\n';
	}
	put(dir, "leaves", hex, len);
	free(hex);

	/* Checkpoints and consistency proofs from each old size. */
	notelen = checkpoint(n, &lk, lsk, &wk, wsk, note, sizeof(note));
	snprintf(name, sizeof(name), "cp-%zu.note", n);
	put(dir, name, note, notelen);
	for (k = 0; k < sizeof(olds) / sizeof(olds[0]); k++) {
		if (olds[k] >= n)
			continue;
		len = checkpoint(olds[k], &lk, lsk, &wk, wsk, out,
		    sizeof(out));
		snprintf(name, sizeof(name), "cp-%llu.note",
		    (unsigned long long)olds[k]);
		put(dir, name, out, len);
		if (tafel_merkle_prove_consistency(olds[k], n, get_node, &t,
		    proof, &np) != 0)
			errx(1, "consistency");
		len = 0;
		for (i = 0; i < np; i++) {
			sodium_bin2base64(line, sizeof(line), proof[i], 32,
			    sodium_base64_VARIANT_ORIGINAL);
			len += (size_t)snprintf((char *)out + len,
			    sizeof(out) - len, "%s\n", line);
		}
		snprintf(name, sizeof(name), "cons-%llu-%zu",
		    (unsigned long long)olds[k], n);
		put(dir, name, out, len);
	}
	/* A tlog-proof for every leaf. */
	for (i = 0; i < n; i++) {
		if (tafel_merkle_prove_inclusion(i, n, get_node, &t, proof,
		    &np) != 0 ||
		    tafel_tlog_proof_encode(NULL, 0, i,
		    (const uint8_t (*)[32])proof, np, note, notelen, out,
		    sizeof(out), &len) != 0)
			errx(1, "tlog-proof %zu", i);
		snprintf(name, sizeof(name), "proof-%zu.tlog-proof", i);
		put(dir, name, out, len);
	}
	sodium_memzero(lsk, sizeof(lsk));
	sodium_memzero(wsk, sizeof(wsk));
	printf("ok - C wrote %zu leaves, checkpoints, proofs and vkeys\n", n);
}

/* base64 hash lines into proof[]. */
static size_t
read_hashes(const uint8_t *buf, size_t len, uint8_t proof[][32])
{
	size_t off = 0, np = 0, got;
	const uint8_t *nl;

	while (off < len) {
		if ((nl = memchr(buf + off, '\n', len - off)) == NULL ||
		    nl - (buf + off) != 44 || np == TAFEL_MERKLE_MAX_PROOF)
			errx(1, "hash line");
		if (sodium_base642bin(proof[np], 32, (const char *)buf + off,
		    44, NULL, &got, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || got != 32)
			errx(1, "hash");
		np++;
		off += 45;
	}
	return np;
}

static void
check(const char *dir, size_t n)
{
	static struct tafel_note note;
	struct tafel_note_verifier v;
	struct tafel_checkpoint cp;
	struct tafel_note_key wk;
	uint8_t lsk[64], wsk[64], gonote[1024], cnote[1024], buf[4096];
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], lh[32], r1[32];
	char name[64];
	size_t gl, cl, len, np, nv, i, inc = 0, cons = 0;

	build(n);
	memset(&v, 0, sizeof(v));
	keys(&v.key, lsk, &wk, wsk);
	/* Go's note: it opens here, and equals ours byte for byte. */
	gl = get(dir, "go-cp.note", gonote, sizeof(gonote));
	if (tafel_note_parse(gonote, gl, &note) != 0 ||
	    tafel_note_verify(&note, &v, 1, &nv) != 0 || nv != 1 ||
	    tafel_checkpoint_parse(note.text, note.textlen, &cp) != 0 ||
	    cp.size != n)
		errx(1, "go-cp.note does not verify");
	printf("ok - C verifies the checkpoint Go signed (size %zu)\n", n);
	snprintf(name, sizeof(name), "cp-%zu.note", n);
	cl = get(dir, name, cnote, sizeof(cnote));
	if (cl <= gl || memcmp(cnote, gonote, gl) != 0)
		errx(1, "Go and C signed notes differ");
	printf("ok - Go's signed checkpoint equals ours byte for byte\n");
	/* Go's proofs, against the root Go signed. */
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "go-inc-%zu", i);
		len = get(dir, name, buf, sizeof(buf));
		np = read_hashes(buf, len, proof);
		tafel_merkle_leaf_hash(t.leaf[i], t.leaflen[i], lh);
		if (tafel_merkle_verify_inclusion(i, n, lh,
		    (const uint8_t (*)[32])proof, np, cp.root) != 0)
			errx(1, "%s does not verify", name);
		if (n > 1 && tafel_merkle_verify_inclusion((i + 1) % n, n, lh,
		    (const uint8_t (*)[32])proof, np, cp.root) == 0)
			errx(1, "%s verifies for another index", name);
		inc++;
	}
	printf("ok - C verifies %zu inclusion proofs from Go's "
	    "tlog.ProveRecord\n", inc);
	for (i = 1; i < n; i++) {
		snprintf(name, sizeof(name), "go-cons-%zu", i);
		len = get(dir, name, buf, sizeof(buf));
		np = read_hashes(buf, len, proof);
		if (tafel_merkle_root(i, get_node, &t, r1) != 0 ||
		    tafel_merkle_verify_consistency(i, n, r1, cp.root,
		    (const uint8_t (*)[32])proof, np) != 0)
			errx(1, "%s does not verify", name);
		if (np > 0) {
			proof[np - 1][0] ^= 1;
			if (tafel_merkle_verify_consistency(i, n, r1, cp.root,
			    (const uint8_t (*)[32])proof, np) == 0)
				errx(1, "%s tampered verifies", name);
		}
		cons++;
	}
	printf("ok - C verifies %zu consistency proofs from Go's "
	    "tlog.ProveTree\n", cons);
	sodium_memzero(lsk, sizeof(lsk));
	sodium_memzero(wsk, sizeof(wsk));
}

int
main(int argc, char *argv[])
{
	char *end;
	unsigned long n;

	if (argc != 4)
		errx(2, "usage: tlog_interop gen|check DIR N");
	n = strtoul(argv[3], &end, 10);
	if (*argv[3] == '\0' || *end != '\0' || n < 1 || n > MAXN)
		errx(2, "N: 1..%d", MAXN);
	if (sodium_init() < 0)
		errx(1, "sodium_init");
	if (strcmp(argv[1], "gen") == 0)
		gen(argv[2], n);
	else if (strcmp(argv[1], "check") == 0)
		check(argv[2], n);
	else
		errx(2, "usage: tlog_interop gen|check DIR N");
	return 0;
}
