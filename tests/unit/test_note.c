/*
 * Signed notes, vkeys, checkpoints, cosignatures and tlog-proofs: every
 * vector of transparency-log.md section 4.3 and the signed objects of
 * section 4.5, byte for byte, then the ways to break each format.
 *
 * The vectors are embedded: tests/run.sh does not fix the working
 * directory, so a test binary cannot rely on finding tests/vectors/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/merkle.h"
#include "tafel/note.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define DASH	"\xe2\x80\x94 "

/* ---- Vectors: sections 4.2, 4.3 and 4.5 ---- */

#define PN_SKEY \
	"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx0" \
	"9iUvxdXHKDFz"
#define PN_VKEY \
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PN_SEED \
	"810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173"
#define PN_PK \
	"1a5cd907143c384c41e830c5bce12aa8817ec5649aaabf2c31388b35b2d744d6"
#define PN_TEXT \
	"If you think cryptography is the answer to your problem,\n" \
	"then you don't know what your problem is.\n"
#define PN_SIG \
	"\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcE" \
	"lZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_VKEY \
	"EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define ENOCH_SIG \
	"\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2" \
	"/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
#define BAD_VKEY_LEN \
	"PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW" \
	"BADKEY=="
#define BAD_VKEY_ALG \
	"PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define LOCAL_VKEY \
	"localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBq" \
	"IeQ/YppAUtK6"
#define LOCAL_SKEY \
	"PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V5" \
	"9JK1owcFlJcHwwXHDfDGxSPk"
#define FOO_VKEY \
	"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3" \
	"U2k"
#define FOO_NOTE \
	"This is an example message.\n" \
	"\n" \
	"\xe2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXp" \
	"pzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
#define QUASIMODO_NOTE \
	"Ognuno sta solo sul cuor della terra\n" \
	"trafitto da un raggio di sole:\n" \
	"\n" \
	"ed \xc3\xa8 subito sera.\n" \
	"\n" \
	"\xe2\x80\x94 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeF" \
	"DkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc" \
	"=\n"
#define GOSUM_VKEY \
	"sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuA" \
	"n8"
#define GOSUM_TEXT \
	"go.sum database tree\n" \
	"30055305\n" \
	"mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=\n"
#define GOSUM_SIG \
	"\xe2\x80\x94 sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdx" \
	"vcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=\n"
#define SIGSUM_PK \
	"66e0b858e462a609e66fe71370c816d8846ff103d5499a22a7fec37fdbc424a7"
#define SIGSUM_ORIGIN \
	"sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1" \
	"ca40288dd1c679e69"
#define SIGSUM_VKEY \
	"sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1" \
	"ca40288dd1c679e69+809da1a3+AWbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+w3/" \
	"bxCSn"
#define SIGSUM_TEXT \
	"sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1" \
	"ca40288dd1c679e69\n" \
	"10\n" \
	"HA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
#define SIGSUM_SIG \
	"\xe2\x80\x94 sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3" \
	"100a3023b20b1ca40288dd1c679e69 gJ2ho0n8F8olcerUF1FFdv235A/5as/coWr" \
	"pLrtE7ovMeP5whgwouYExowG/lTznxu6OUGjjt5yJQ6bXtTcf718MqAQ=\n"
#define WIT_VKEY \
	"example.org/witness+cacf2e50+BGbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+w" \
	"3/bxCSn"
#define COSIG_TEXT \
	"example.org/log\n" \
	"10\n" \
	"HA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
#define COSIG_LINE \
	"\xe2\x80\x94 example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin" \
	"9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9" \
	"+Cg==\n"
#define COSIG_MSG \
	"cosignature/v1\n" \
	"time 1234\n" \
	"example.org/log\n" \
	"10\n" \
	"HA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
#define COSIG_BAD_ID \
	"\xe2\x80\x94 example.org/witness yX8uUAAAAAAAAATSftMzceM8zssdZ9jin" \
	"9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9" \
	"+Cg==\n"
#define COSIG_BAD_NAME \
	"\xe2\x80\x94 example.org/witness-2 ys8uUAAAAAAAAATSftMzceM8zssdZ9j" \
	"in9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1v" \
	"o9+Cg==\n"
#define COSIG_BAD_LEN \
	"\xe2\x80\x94 example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin" \
	"9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9" \
	"+CgXX\n"
#define VKEY_E1 \
	"log.example.org+0a72cd63+AV2yLmzeBL9B3zFJNqal0JuqxiFve0m/eqmT1+KkL" \
	"VeC"
#define VKEY_E2 \
	"example.org/log+b0201859+Aawb3XxZM7k072GrHtogNwVl3F5b5SbqFs83YYw+Y" \
	"jbq"
#define SOFA_NOTE \
	"example.com/behind-the-sofa\n" \
	"20852163\n" \
	"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n" \
	"\n" \
	"\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1My" \
	"q/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8" \
	"=\n" \
	"\xe2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDo" \
	"e9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBI" \
	"fZ+qnA==\n"
#define GOTREE_TEXT \
	"go.sum database tree\n" \
	"123456789012\n" \
	"TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
#define AUDIT_VKEY \
	"example.com/audit-log+6770f336+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE" \
	"4izWy10TW"
#define AUDIT_SKEY \
	"PRIVATE+KEY+example.com/audit-log+6770f336+AYEKFALVFGyNhPJEMzD1QID" \
	"r+Y7hfZx09iUvxdXHKDFz"
#define CP6_TEXT \
	"example.com/audit-log\n" \
	"6\n" \
	"duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n"
#define CP6_LOG \
	"\xe2\x80\x94 example.com/audit-log Z3DzNv8KDO4fDC/4v3BtBiKdH5Tplk5" \
	"b0dt54MNPDQiYIeTN/uQnmSSJ0z2kK5IZbSfwZKbWeU2ifSKs81si8BCLVAo=\n"
#define CP6_WIT \
	"\xe2\x80\x94 example.org/witness ys8uUAAAAABlU/EGh9uRRy4K/530+k4HS" \
	"8Z+TM45HIFGk2DRpJl5ZmV7hoQRFnmvsZkKH8nIEuMZ7FjB988xTo37OqsHX6QlyJa" \
	"ZCw==\n"
#define CP8_TEXT \
	"example.com/audit-log\n" \
	"8\n" \
	"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
#define CP8_LOG \
	"\xe2\x80\x94 example.com/audit-log Z3DzNs0I9idD9lMC1l8Av8kqYroWxyV" \
	"i44X3OWia/nBjqIUQsTVE+svdp5piZ75afNnJUpw2+IdXQ5Mbm9pzmV47Qgc=\n"
#define CP8_WIT \
	"\xe2\x80\x94 example.org/witness ys8uUAAAAABlU/EI21ooYTFcqz8WiHUko" \
	"N95eKDrahC2MlRZ1YGlgwr6t/i939ur6d+kPJ+mF8bextQwLRiWMDBiIOzfY90sCnr" \
	"0Cw==\n"
#define PROOF_HEAD \
	"c2sp.org/tlog-proof@v1\n" \
	"index 5\n" \
	"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=\n" \
	"yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=\n" \
	"037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=\n" \
	"\n"
#define WITREQ_HEAD \
	"old 6\n" \
	"DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=\n" \
	"yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=\n" \
	"037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=\n" \
	"\n"

/* The leaves of the section 4.1 tree, for the section 4.5 objects. */
static const char *leaves_hex[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

/* ---- Helpers ---- */

static size_t
cat(uint8_t *buf, size_t max, const char *a, const char *b, const char *c)
{
	size_t n = 0, k;
	const char *parts[3] = { a, b, c };
	int i;

	for (i = 0; i < 3; i++) {
		if (parts[i] == NULL)
			continue;
		k = strlen(parts[i]);
		assert_true(n + k <= max);
		memcpy(buf + n, parts[i], k);
		n += k;
	}
	return n;
}

static void
hex_to(uint8_t *out, size_t n, const char *hex)
{
	assert_int_equal(tafel_unhex(out, n, hex), 0);
}

static void
key_from_vkey(struct tafel_note_key *k, const char *vkey)
{
	assert_int_equal(tafel_note_vkey_parse(vkey, strlen(vkey), k), 0);
}

static void
verifier(struct tafel_note_verifier *v, const char *vkey)
{
	memset(v, 0, sizeof(*v));
	key_from_vkey(&v->key, vkey);
}

/* Secret key from a seed, and the key of the given name and type. */
static void
keypair(const uint8_t seed[32], const char *name, uint8_t type,
    struct tafel_note_key *k, uint8_t sk[64])
{
	uint8_t pk[32];

	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	assert_int_equal(tafel_note_key_init(k, name, type, pk), 0);
}

static void
pn_seed(uint8_t seed[32])
{
	hex_to(seed, 32, PN_SEED);
}

static void
sigsum_seed(uint8_t seed[32])
{
	memset(seed, 0, 32);
	seed[0] = 0x11;
}

/* Parses and verifies note[0..len) with the vkeys; returns the result. */
static int
open_note(const uint8_t *note, size_t len, const char **vkeys, size_t nk,
    size_t *nverified)
{
	struct tafel_note *n = malloc(sizeof(*n));
	struct tafel_note_verifier v[4];
	size_t i;
	int rc;

	assert_non_null(n);
	assert_true(nk <= 4);
	for (i = 0; i < nk; i++)
		verifier(&v[i], vkeys[i]);
	*nverified = 0;
	if ((rc = tafel_note_parse(note, len, n)) == 0)
		rc = tafel_note_verify(n, v, nk, nverified);
	free(n);
	return rc;
}

static int
open_str(const char *note, const char *vkey, size_t *nverified)
{
	return open_note((const uint8_t *)note, strlen(note), &vkey, 1,
	    nverified);
}

static int
parse_str(const char *s)
{
	struct tafel_note *n = malloc(sizeof(*n));
	int rc;

	assert_non_null(n);
	rc = tafel_note_parse((const uint8_t *)s, strlen(s), n);
	free(n);
	return rc;
}

/* A memory node store for the 8-leaf tree. */
struct store {
	uint64_t	size;
	uint8_t		node[4][8][32];
};

static int
store_get(void *arg, unsigned level, uint64_t index, uint8_t out[32])
{
	struct store *st = arg;

	if (level >= 4 || ((index + 1) << level) > st->size)
		return TAFEL_EINVAL;
	memcpy(out, st->node[level][index], 32);
	return 0;
}

static void
tree8(struct store *st, uint8_t lh[8][32])
{
	struct tafel_merkle_node nodes[TAFEL_MERKLE_MAX_LEVELS];
	uint8_t in[16];
	size_t i, j, nn, len;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < 8; i++) {
		len = strlen(leaves_hex[i]) / 2;
		hex_to(in, len, leaves_hex[i]);
		tafel_merkle_leaf_hash(in, len, lh[i]);
		assert_int_equal(tafel_merkle_append(st->size, lh[i],
		    store_get, st, nodes, &nn), 0);
		for (j = 0; j < nn; j++)
			memcpy(st->node[nodes[j].level][nodes[j].index],
			    nodes[j].hash, 32);
		st->size++;
	}
}

/* ---- Keys ---- */

static void
test_key_vectors(void **state)
{
	struct tafel_note_key k, k2;
	uint8_t seed[32], want[32], sk[64], h[32];
	char s[TAFEL_NOTE_SKEY_MAX], hex[65];
	const char *round[] = { PN_VKEY, ENOCH_VKEY, LOCAL_VKEY, FOO_VKEY,
	    GOSUM_VKEY, SIGSUM_VKEY, WIT_VKEY, VKEY_E1, VKEY_E2, AUDIT_VKEY };
	size_t i;

	/* (a) PeterNeumann: skey, seed, pk, key ID, vkey. */
	assert_int_equal(tafel_note_skey_parse(PN_SKEY, strlen(PN_SKEY), &k,
	    seed), 0);
	hex_to(want, 32, PN_SEED);
	assert_memory_equal(seed, want, 32);
	hex_to(want, 32, PN_PK);
	assert_memory_equal(k.pk, want, 32);
	assert_string_equal(k.name, "PeterNeumann");
	assert_int_equal(k.type, TAFEL_NOTE_ED25519);
	assert_int_equal(k.id, 0xc74f20a3);
	assert_int_equal(tafel_note_vkey_encode(&k, s, sizeof(s)), 0);
	assert_string_equal(s, PN_VKEY);
	assert_int_equal(tafel_note_skey_encode("PeterNeumann", seed, s,
	    sizeof(s)), 0);
	assert_string_equal(s, PN_SKEY);
	key_from_vkey(&k2, PN_VKEY);
	assert_memory_equal(&k2, &k, sizeof(k));
	/* A leading-zero key ID. */
	assert_int_equal(tafel_note_skey_parse(LOCAL_SKEY, strlen(LOCAL_SKEY),
	    &k, seed), 0);
	assert_int_equal(k.id, 0x00000c67);
	assert_int_equal(tafel_note_vkey_encode(&k, s, sizeof(s)), 0);
	assert_string_equal(s, LOCAL_VKEY);
	assert_int_equal(tafel_note_skey_encode(k.name, seed, s, sizeof(s)),
	    0);
	assert_string_equal(s, LOCAL_SKEY);
	/* Section 4.5: the same seed under another name. */
	pn_seed(seed);
	assert_int_equal(tafel_note_skey_encode("example.com/audit-log", seed,
	    s, sizeof(s)), 0);
	assert_string_equal(s, AUDIT_SKEY);
	keypair(seed, "example.com/audit-log", TAFEL_NOTE_ED25519, &k, sk);
	assert_int_equal(k.id, 0x6770f336);
	assert_int_equal(tafel_note_vkey_encode(&k, s, sizeof(s)), 0);
	assert_string_equal(s, AUDIT_VKEY);
	/* (d) sigsum: origin from the key, 0x01 and 0x04 vkeys. */
	sigsum_seed(seed);
	keypair(seed, "x", TAFEL_NOTE_ED25519, &k, sk);
	hex_to(want, 32, SIGSUM_PK);
	assert_memory_equal(k.pk, want, 32);
	crypto_hash_sha256(h, k.pk, 32);
	tafel_hex(hex, h, 32);
	assert_true(snprintf(s, sizeof(s), "sigsum.org/v1/tree/%s", hex) <
	    (int)sizeof(s));
	assert_string_equal(s, SIGSUM_ORIGIN);
	keypair(seed, SIGSUM_ORIGIN, TAFEL_NOTE_ED25519, &k, sk);
	assert_int_equal(tafel_note_vkey_encode(&k, s, sizeof(s)), 0);
	assert_string_equal(s, SIGSUM_VKEY);
	keypair(seed, "example.org/witness", TAFEL_NOTE_COSIG, &k, sk);
	assert_int_equal(k.id, 0xcacf2e50);
	assert_int_equal(tafel_note_vkey_encode(&k, s, sizeof(s)), 0);
	assert_string_equal(s, WIT_VKEY);
	/* Same key, other type: another key ID. */
	keypair(seed, "example.org/witness", TAFEL_NOTE_ED25519, &k2, sk);
	assert_int_not_equal(k2.id, k.id);
	/* Every vkey of the notes parses and encodes back the same. */
	for (i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		key_from_vkey(&k, round[i]);
		assert_int_equal(tafel_note_vkey_encode(&k, s, sizeof(s)), 0);
		assert_string_equal(s, round[i]);
	}
	key_from_vkey(&k, VKEY_E2);	/* base64 with "+" in it */
	assert_string_equal(k.name, "example.org/log");
	assert_int_equal(k.id, 0xb0201859);
	key_from_vkey(&k, WIT_VKEY);
	assert_int_equal(k.type, TAFEL_NOTE_COSIG);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
}

static void
test_key_negative(void **state)
{
	struct tafel_note_key k;
	uint8_t seed[32], pk[32] = { 1 };
	char s[TAFEL_NOTE_SKEY_MAX + 8], big[TAFEL_NOTE_VKEY_MAX + 8];
	const size_t n = strlen(PN_VKEY);
	size_t i, j;

	/* note_test.go: bad length, unknown algorithm. */
	assert_int_not_equal(tafel_note_vkey_parse(BAD_VKEY_LEN,
	    strlen(BAD_VKEY_LEN), &k), 0);
	assert_int_not_equal(tafel_note_vkey_parse(BAD_VKEY_ALG,
	    strlen(BAD_VKEY_ALG), &k), 0);
	/* Every proper substring and every single-byte increment. */
	for (i = 0; i < n; i++)
		for (j = i; j <= n; j++) {
			if (i == 0 && j == n)
				continue;
			if (tafel_note_vkey_parse(&PN_VKEY[i], j - i, &k) == 0)
				fail_msg("substring %zu..%zu accepted", i, j);
		}
	for (i = 0; i < n; i++) {
		memcpy(s, PN_VKEY, n + 1);
		s[i]++;
		if (tafel_note_vkey_parse(s, n, &k) == 0)
			fail_msg("increment at %zu accepted: %s", i, s);
	}
	/* A failed parse leaves nothing behind. */
	assert_int_equal(k.name[0], '\0');
	/* Upper-case hex, other types, bad names, no "+", too long. */
	assert_int_not_equal(tafel_note_vkey_parse(
	    "PeterNeumann+C74F20A3+"
	    "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    n, &k), 0);
	assert_int_not_equal(tafel_note_vkey_parse(
	    "PeterNeumann+c74f20a3+"
	    "AhpcdQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    n, &k), 0);
	assert_int_not_equal(tafel_note_vkey_parse(
	    "Peter Neumann+c74f20a3+"
	    "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    n + 1, &k), 0);
	assert_int_not_equal(tafel_note_vkey_parse(
	    "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", n - 12,
	    &k), 0);
	assert_int_not_equal(tafel_note_vkey_parse("PeterNeumann", 12, &k), 0);
	assert_int_not_equal(tafel_note_vkey_parse("", 0, &k), 0);
	assert_int_not_equal(tafel_note_vkey_parse(NULL, 0, &k), 0);
	memset(big, 'a', sizeof(big));
	assert_int_equal(tafel_note_vkey_parse(big, sizeof(big), &k),
	    TAFEL_ETOOBIG);
	/* Non-ASCII bytes in the base64 (libsodium reads them as "/"). */
	assert_int_not_equal(tafel_note_vkey_parse(
	    "example.org/log+b0201859+Aawb3XxZM7k072GrHtogNwVl3F5b5SbqFs83YYw"
	    "\xc3\xa9Yjbq", strlen(VKEY_E2) + 1, &k), 0);
	/* The vkey of a cosigner key is another key ID. */
	memcpy(s, WIT_VKEY, strlen(WIT_VKEY) + 1);
	s[strlen("example.org/witness+")] = 'd';
	assert_int_not_equal(tafel_note_vkey_parse(s, strlen(s), &k), 0);
	/* skey: wrong ID, truncated, not a private key. */
	memcpy(s, PN_SKEY, strlen(PN_SKEY) + 1);
	s[strlen("PRIVATE+KEY+PeterNeumann+")] = 'd';
	assert_int_not_equal(tafel_note_skey_parse(s, strlen(s), &k, seed), 0);
	assert_int_not_equal(tafel_note_skey_parse(PN_SKEY,
	    strlen(PN_SKEY) - 1, &k, seed), 0);
	assert_int_not_equal(tafel_note_skey_parse(PN_VKEY, n, &k, seed), 0);
	for (i = 0; i < 32; i++)
		assert_int_equal(seed[i], 0);
	/* Key init and encode refuse bad names and types. */
	assert_int_equal(tafel_note_key_init(&k, "a b", 1, pk), TAFEL_EINVAL);
	assert_int_equal(tafel_note_key_init(&k, "a+b", 1, pk), TAFEL_EINVAL);
	assert_int_equal(tafel_note_key_init(&k, "", 1, pk), TAFEL_EINVAL);
	assert_int_equal(tafel_note_key_init(&k, "a", 2, pk), TAFEL_EINVAL);
	assert_int_equal(tafel_note_key_init(&k, "a", 1, pk), 0);
	assert_int_equal(tafel_note_vkey_encode(&k, s, 10), TAFEL_EINVAL);
	assert_string_equal(s, "");
	k.id ^= 1;
	assert_int_equal(tafel_note_vkey_encode(&k, s, sizeof(s)),
	    TAFEL_EINVAL);
	memset(big, 'a', sizeof(big));
	big[TAFEL_NOTE_NAME_MAX] = '\0';
	assert_int_equal(tafel_note_key_init(&k, big, 1, pk), 0);
	assert_int_equal(tafel_note_vkey_encode(&k, s, sizeof(s)), 0);
	big[TAFEL_NOTE_NAME_MAX] = 'a';
	big[TAFEL_NOTE_NAME_MAX + 1] = '\0';
	assert_int_equal(tafel_note_key_init(&k, big, 1, pk), TAFEL_EINVAL);
	/* Names: Unicode spaces, "+", control characters, bad UTF-8. */
	assert_true(tafel_note_name_valid("example.com/log", 15));
	assert_true(tafel_note_name_valid("caf\xc3\xa9", 5));
	assert_false(tafel_note_name_valid("a\xc2\xa0" "b", 4));
	assert_false(tafel_note_name_valid("a\xe3\x80\x80" "b", 5));
	assert_false(tafel_note_name_valid("a\xe2\x80\xa8" "b", 5));
	assert_false(tafel_note_name_valid("a\tb", 3));
	assert_false(tafel_note_name_valid("a\x7f", 2));
	assert_false(tafel_note_name_valid("a\xc0\xa0", 3));
	assert_false(tafel_note_name_valid("a\xc3", 2));
}

/* ---- Signing and verifying the vectors ---- */

static void
test_sign_vectors(void **state)
{
	struct tafel_note_key k, w;
	uint8_t seed[32], sk[64], wsk[64], out[1024], want[1024];
	size_t n, wn;

	/* (a): libsodium reproduces Go's signature byte for byte. */
	pn_seed(seed);
	keypair(seed, "PeterNeumann", TAFEL_NOTE_ED25519, &k, sk);
	assert_int_equal(tafel_note_sign(&k, sk, (const uint8_t *)PN_TEXT,
	    strlen(PN_TEXT), out, sizeof(out), &n), 0);
	wn = cat(want, sizeof(want), PN_TEXT "\n", PN_SIG, NULL);
	assert_int_equal(n, wn);
	assert_memory_equal(out, want, n);
	assert_int_equal(tafel_note_sign_line(&k, sk, (const uint8_t *)PN_TEXT,
	    strlen(PN_TEXT), out, sizeof(out), &n), 0);
	assert_int_equal(n, strlen(PN_SIG));
	assert_memory_equal(out, PN_SIG, n);

	/* (d): the sigsum checkpoint and its cosignature at time 1234. */
	sigsum_seed(seed);
	keypair(seed, SIGSUM_ORIGIN, TAFEL_NOTE_ED25519, &k, sk);
	assert_int_equal(tafel_note_sign(&k, sk, (const uint8_t *)SIGSUM_TEXT,
	    strlen(SIGSUM_TEXT), out, sizeof(out), &n), 0);
	wn = cat(want, sizeof(want), SIGSUM_TEXT "\n", SIGSUM_SIG, NULL);
	assert_int_equal(n, wn);
	assert_memory_equal(out, want, n);
	keypair(seed, "example.org/witness", TAFEL_NOTE_COSIG, &w, wsk);
	assert_int_equal(tafel_cosig_sign_line(&w, wsk, 1234,
	    (const uint8_t *)COSIG_TEXT, strlen(COSIG_TEXT), out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, strlen(COSIG_LINE));
	assert_memory_equal(out, COSIG_LINE, n);

	/* Section 4.5: both checkpoints, log line and witness line. */
	pn_seed(seed);
	keypair(seed, "example.com/audit-log", TAFEL_NOTE_ED25519, &k, sk);
	assert_int_equal(tafel_note_sign(&k, sk, (const uint8_t *)CP6_TEXT,
	    strlen(CP6_TEXT), out, sizeof(out), &n), 0);
	wn = cat(want, sizeof(want), CP6_TEXT "\n", CP6_LOG, NULL);
	assert_int_equal(n, wn);
	assert_memory_equal(out, want, n);
	assert_int_equal(tafel_note_sign(&k, sk, (const uint8_t *)CP8_TEXT,
	    strlen(CP8_TEXT), out, sizeof(out), &n), 0);
	wn = cat(want, sizeof(want), CP8_TEXT "\n", CP8_LOG, NULL);
	assert_int_equal(n, wn);
	assert_memory_equal(out, want, n);
	assert_int_equal(tafel_cosig_sign_line(&w, wsk, 1700000006,
	    (const uint8_t *)CP6_TEXT, strlen(CP6_TEXT), out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, strlen(CP6_WIT));
	assert_memory_equal(out, CP6_WIT, n);
	assert_int_equal(tafel_cosig_sign_line(&w, wsk, 1700000008,
	    (const uint8_t *)CP8_TEXT, strlen(CP8_TEXT), out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, strlen(CP8_WIT));
	assert_memory_equal(out, CP8_WIT, n);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(wsk, sizeof(wsk));
}

static void
test_verify_vectors(void **state)
{
	const char *two[2];
	struct tafel_note_verifier v[2];
	struct tafel_note *n = malloc(sizeof(*n));
	uint8_t buf[2048];
	size_t len, nv;

	assert_non_null(n);
	/* (a) with one and with two signers. */
	len = cat(buf, sizeof(buf), PN_TEXT "\n", PN_SIG, NULL);
	two[0] = PN_VKEY;
	assert_int_equal(open_note(buf, len, two, 1, &nv), 0);
	assert_int_equal(nv, 1);
	len = cat(buf, sizeof(buf), PN_TEXT "\n", PN_SIG, ENOCH_SIG);
	two[1] = ENOCH_VKEY;
	assert_int_equal(open_note(buf, len, two, 2, &nv), 0);
	assert_int_equal(nv, 2);
	assert_int_equal(open_note(buf, len, two + 1, 1, &nv), 0);
	assert_int_equal(nv, 1);
	/* (b) the C2SP example; its blob starts with the key ID. */
	assert_int_equal(open_str(FOO_NOTE, FOO_VKEY, &nv), 0);
	assert_int_equal(tafel_note_parse((const uint8_t *)FOO_NOTE,
	    strlen(FOO_NOTE), n), 0);
	assert_int_equal(n->textlen, 28);
	assert_int_equal(n->sigs[0].id, 0x530d903a);
	assert_int_equal(n->sigs[0].siglen, 64);
	/* (c) sum.golang.org; origin and key name differ, which is legal. */
	len = cat(buf, sizeof(buf), GOSUM_TEXT "\n", GOSUM_SIG, NULL);
	two[0] = GOSUM_VKEY;
	assert_int_equal(open_note(buf, len, two, 1, &nv), 0);
	/* ... and with the size altered. */
	buf[strlen("go.sum database tree\n3")]++;
	assert_int_equal(open_note(buf, len, two, 1, &nv), TAFEL_ESIG);
	/* (d) the sigsum checkpoint and the cosignature. */
	len = cat(buf, sizeof(buf), SIGSUM_TEXT "\n", SIGSUM_SIG, NULL);
	two[0] = SIGSUM_VKEY;
	assert_int_equal(open_note(buf, len, two, 1, &nv), 0);
	len = cat(buf, sizeof(buf), COSIG_TEXT "\n", COSIG_LINE, NULL);
	verifier(&v[0], WIT_VKEY);
	assert_int_equal(tafel_note_parse(buf, len, n), 0);
	assert_int_equal(tafel_note_verify(n, v, 1, &nv), 0);
	assert_true(v[0].verified);
	assert_int_equal(v[0].time, 1234);
	assert_int_equal(n->sigs[0].siglen, 72);
	/* The signature is Ed25519 over the documented message. */
	assert_int_equal(crypto_sign_verify_detached(n->sigs[0].sig + 8,
	    (const uint8_t *)COSIG_MSG, strlen(COSIG_MSG), v[0].key.pk), 0);
	/* Its negative lines: unknown ID, unknown name, wrong length. */
	two[0] = WIT_VKEY;
	len = cat(buf, sizeof(buf), COSIG_TEXT "\n", COSIG_BAD_ID, NULL);
	assert_int_equal(open_note(buf, len, two, 1, &nv), TAFEL_EPOLICY);
	len = cat(buf, sizeof(buf), COSIG_TEXT "\n", COSIG_BAD_NAME, NULL);
	assert_int_equal(open_note(buf, len, two, 1, &nv), TAFEL_EPOLICY);
	len = cat(buf, sizeof(buf), COSIG_TEXT "\n", COSIG_BAD_LEN, NULL);
	assert_int_not_equal(open_note(buf, len, two, 1, &nv), 0);
	/* The 0x01 vkey of the same key does not open a cosignature. */
	len = cat(buf, sizeof(buf), COSIG_TEXT "\n", COSIG_LINE, NULL);
	two[0] = SIGSUM_VKEY;
	assert_int_equal(open_note(buf, len, two, 1, &nv), TAFEL_EPOLICY);
	/* Section 4.5: log and witness, each alone and both. */
	len = cat(buf, sizeof(buf), CP8_TEXT "\n", CP8_LOG, CP8_WIT);
	verifier(&v[0], AUDIT_VKEY);
	verifier(&v[1], WIT_VKEY);
	assert_int_equal(tafel_note_parse(buf, len, n), 0);
	assert_int_equal(tafel_note_verify(n, v, 2, &nv), 0);
	assert_int_equal(nv, 2);
	assert_true(v[0].verified && v[1].verified);
	assert_int_equal(v[0].time, 0);
	assert_int_equal(v[1].time, 1700000008);
	assert_int_equal(tafel_note_verify(n, v + 1, 1, &nv), 0);
	assert_int_equal(tafel_note_verify(n, v, 1, &nv), 0);
	len = cat(buf, sizeof(buf), CP6_TEXT "\n", CP6_LOG, CP6_WIT);
	assert_int_equal(tafel_note_parse(buf, len, n), 0);
	assert_int_equal(tafel_note_verify(n, v, 2, &nv), 0);
	assert_int_equal(nv, 2);
	assert_int_equal(v[1].time, 1700000006);
	/* The C2SP cosignature example: key ID and time of its line. */
	assert_int_equal(parse_str(SOFA_NOTE), 0);
	assert_int_equal(tafel_note_parse((const uint8_t *)SOFA_NOTE,
	    strlen(SOFA_NOTE), n), 0);
	assert_int_equal(n->nsigs, 2);
	assert_int_equal(n->sigs[0].id, 0x033de0ae);
	assert_int_equal(n->sigs[1].id, 0x8d66cf3f);
	assert_int_equal(n->sigs[1].siglen, 72);
	assert_int_equal(((uint64_t)n->sigs[1].sig[4] << 24 |
	    (uint64_t)n->sigs[1].sig[5] << 16 | n->sigs[1].sig[6] << 8 |
	    n->sigs[1].sig[7]), 1679315147);
	assert_int_equal(n->sigs[1].namelen, strlen("witness.example.com/w1"));
	/* The signed-note spec example: the text keeps its empty line. */
	assert_int_equal(tafel_note_parse((const uint8_t *)QUASIMODO_NOTE,
	    strlen(QUASIMODO_NOTE), n), 0);
	assert_int_equal(n->nsigs, 1);
	assert_int_equal(n->textlen, strlen(QUASIMODO_NOTE) -
	    n->sigs[0].linelen - 1);
	assert_memory_equal(n->text + n->textlen - 20, "\ned \xc3\xa8 subito "
	    "sera.\n", 20);
	free(n);
}

/* ---- Verification rules ---- */

static void
test_verify_rules(void **state)
{
	struct tafel_note *n = malloc(sizeof(*n));
	struct tafel_note_verifier v[3];
	struct tafel_note_key k, w;
	uint8_t seed[32], sk[64], wsk[64], buf[2048], line[512], blob[76];
	uint8_t msg[256];
	char b64[128];
	size_t len, ll, nv, i;
	int rc;

	assert_non_null(n);
	pn_seed(seed);
	keypair(seed, "example.com/audit-log", TAFEL_NOTE_ED25519, &k, sk);
	sigsum_seed(seed);
	keypair(seed, "example.org/witness", TAFEL_NOTE_COSIG, &w, wsk);
	verifier(&v[0], AUDIT_VKEY);
	verifier(&v[1], WIT_VKEY);
	verifier(&v[2], PN_VKEY);

	/* Unknown signers are ignored, a known bad one rejects all. */
	len = cat(buf, sizeof(buf), CP8_TEXT "\n", ENOCH_SIG, CP8_LOG);
	assert_int_equal(tafel_note_parse(buf, len, n), 0);
	assert_int_equal(tafel_note_verify(n, v, 3, &nv), 0);
	assert_int_equal(nv, 1);
	assert_false(v[2].verified);
	len = cat(buf, sizeof(buf), CP8_TEXT "\n", CP8_LOG, CP6_WIT);
	assert_int_equal(tafel_note_parse(buf, len, n), 0);
	assert_int_equal(tafel_note_verify(n, v, 2, &nv), TAFEL_ESIG);
	assert_int_equal(nv, 0);
	assert_false(v[0].verified);
	/* Without the witness key, the bad witness line is unknown. */
	assert_int_equal(tafel_note_verify(n, v, 1, &nv), 0);
	/* No known key at all. */
	assert_int_equal(tafel_note_verify(n, v + 2, 1, &nv), TAFEL_EPOLICY);
	assert_int_equal(tafel_note_verify(n, NULL, 0, &nv), TAFEL_EPOLICY);
	/* A key whose ID does not match its name and key is refused. */
	v[2].key = v[0].key;
	v[2].key.id ^= 1;
	assert_int_equal(tafel_note_verify(n, v + 2, 1, &nv), TAFEL_EINVAL);
	/* The log's name with another key (so another ID): unknown. */
	memset(v[2].key.pk, 7, 32);
	assert_int_equal(tafel_note_key_init(&v[2].key,
	    "example.com/audit-log", TAFEL_NOTE_ED25519, v[2].key.pk), 0);
	assert_int_equal(tafel_note_verify(n, v + 2, 1, &nv), TAFEL_EPOLICY);
	/* A key with an unknown type is the caller's error. */
	verifier(&v[2], PN_VKEY);
	v[2].key.type = 2;
	assert_int_equal(tafel_note_verify(n, v + 2, 1, &nv), TAFEL_EINVAL);

	/* Every byte of a signed note, flipped: refused. */
	len = cat(buf, sizeof(buf), CP8_TEXT "\n", CP8_LOG, CP8_WIT);
	for (i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		if (tafel_note_parse(buf, len, n) == 0 &&
		    (rc = tafel_note_verify(n, v, 2, &nv)) == 0 && nv == 2)
			fail_msg("byte %zu flipped: both verify", i);
		buf[i] ^= 0x01;
	}
	/* A cosignature whose time is over 2^63 - 1 never verifies. */
	i = (size_t)snprintf((char *)msg, sizeof(msg), "cosignature/v1\ntime "
	    "9223372036854775808\n%s", CP8_TEXT);
	assert_true(i < sizeof(msg));
	blob[0] = 0xca;
	blob[1] = 0xcf;
	blob[2] = 0x2e;
	blob[3] = 0x50;
	memset(blob + 4, 0, 8);
	blob[4] = 0x80;
	assert_int_equal(crypto_sign_detached(blob + 12, NULL, msg, i, wsk),
	    0);
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob),
	    sodium_base64_VARIANT_ORIGINAL);
	ll = (size_t)snprintf((char *)line, sizeof(line), DASH
	    "example.org/witness %s\n", b64);
	len = cat(buf, sizeof(buf), CP8_TEXT "\n", (char *)line, NULL);
	assert_int_equal(tafel_note_parse(buf, len, n), 0);
	assert_int_equal(tafel_note_verify(n, v + 1, 1, &nv), TAFEL_ESIG);
	/* Signing refuses the same time. */
	assert_int_equal(tafel_cosig_sign_line(&w, wsk,
	    (uint64_t)INT64_MAX + 1, (const uint8_t *)CP8_TEXT,
	    strlen(CP8_TEXT), line, sizeof(line), &ll), TAFEL_EINVAL);
	assert_int_equal(tafel_cosig_sign_line(&w, wsk, (uint64_t)INT64_MAX,
	    (const uint8_t *)CP8_TEXT, strlen(CP8_TEXT), line, sizeof(line),
	    &ll), 0);
	len = cat(buf, sizeof(buf), CP8_TEXT "\n", NULL, NULL);
	memcpy(buf + len, line, ll);
	assert_int_equal(tafel_note_parse(buf, len + ll, n), 0);
	assert_int_equal(tafel_note_verify(n, v + 1, 1, &nv), 0);
	assert_int_equal(v[1].time, (uint64_t)INT64_MAX);
	/* The time is signed: change it and the line fails. */
	assert_int_equal(tafel_cosig_sign_line(&w, wsk, 1700000008,
	    (const uint8_t *)CP8_TEXT, strlen(CP8_TEXT), line, sizeof(line),
	    &ll), 0);
	assert_int_equal(sodium_base642bin(blob, sizeof(blob),
	    (const char *)line + 4 + strlen("example.org/witness "), ll - 4 -
	    strlen("example.org/witness ") - 1, NULL, &i, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(i, 76);
	blob[11] ^= 1;
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob),
	    sodium_base64_VARIANT_ORIGINAL);
	ll = (size_t)snprintf((char *)line, sizeof(line), DASH
	    "example.org/witness %s\n", b64);
	len = cat(buf, sizeof(buf), CP8_TEXT "\n", (char *)line, NULL);
	assert_int_equal(tafel_note_parse(buf, len, n), 0);
	assert_int_equal(tafel_note_verify(n, v + 1, 1, &nv), TAFEL_ESIG);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(wsk, sizeof(wsk));
	free(n);
}

static void
test_sign_args(void **state)
{
	struct tafel_note_key k, w;
	uint8_t seed[32], sk[64], wsk[64], out[1024];
	size_t n, i;
	const char *bad[] = { "", "no newline", "ctl\x01\n", "tab\t\n",
	    "cr\r\n", "bad \xc3\x28 utf8\n", "nul\0\n" };
	size_t badlen[] = { 0, 10, 5, 5, 4, 13, 5 };

	pn_seed(seed);
	keypair(seed, "a.example/log", TAFEL_NOTE_ED25519, &k, sk);
	keypair(seed, "a.example/w", TAFEL_NOTE_COSIG, &w, wsk);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tafel_note_sign_line(&k, sk,
		    (const uint8_t *)bad[i], badlen[i], out, sizeof(out), &n),
		    TAFEL_EINVAL);
	/* Wrong type for the operation, wrong secret key. */
	assert_int_equal(tafel_note_sign_line(&w, wsk, (const uint8_t *)"a\n",
	    2, out, sizeof(out), &n), TAFEL_EINVAL);
	assert_int_equal(tafel_cosig_sign_line(&k, sk, 1,
	    (const uint8_t *)CP8_TEXT, strlen(CP8_TEXT), out, sizeof(out), &n),
	    TAFEL_EINVAL);
	sigsum_seed(seed);
	keypair(seed, "b.example/log", TAFEL_NOTE_ED25519, &w, wsk);
	assert_int_equal(tafel_note_sign_line(&k, wsk, (const uint8_t *)"a\n",
	    2, out, sizeof(out), &n), TAFEL_EINVAL);
	/* A cosignature only over a checkpoint. */
	keypair(seed, "b.example/w", TAFEL_NOTE_COSIG, &w, wsk);
	assert_int_equal(tafel_cosig_sign_line(&w, wsk, 1,
	    (const uint8_t *)PN_TEXT, strlen(PN_TEXT), out, sizeof(out), &n),
	    TAFEL_EINVAL);
	/* Buffers too small. */
	assert_int_equal(tafel_note_sign_line(&k, sk, (const uint8_t *)"a\n",
	    2, out, 20, &n), TAFEL_EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(tafel_note_sign(&k, sk, (const uint8_t *)"a\n", 2,
	    out, 50, &n), TAFEL_EINVAL);
	assert_int_equal(tafel_note_sign(&k, sk, (const uint8_t *)"a\n", 2,
	    out, sizeof(out), &n), 0);
	/* The text may hold empty lines; the note still opens. */
	assert_int_equal(tafel_note_sign(&k, sk, (const uint8_t *)"a\n\nb\n\n",
	    6, out, sizeof(out), &n), 0);
	{
		struct tafel_note *nt = malloc(sizeof(*nt));
		struct tafel_note_verifier v;

		assert_non_null(nt);
		memset(&v, 0, sizeof(v));
		v.key = k;
		assert_int_equal(tafel_note_parse(out, n, nt), 0);
		assert_int_equal(nt->textlen, 6);
		assert_int_equal(tafel_note_verify(nt, &v, 1, &n), 0);
		free(nt);
	}
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(wsk, sizeof(wsk));
}

/* ---- Note parsing ---- */

static void
test_parse_rules(void **state)
{
	struct tafel_note *n = malloc(sizeof(*n));
	uint8_t *big;
	char buf[4096];
	size_t len, i, k;
	const char *bad[] = {
		"",
		"\n",
		"a\n",
		"a\n\n",
		"a\n\n\n",
		"a\n\n" DASH "x AAAAAAA=",			/* no NL */
		"a\n\n" DASH "x AAAAAAA=\n\n",			/* empty line */
		"a\n\n-- x AAAAAAA=\n",				/* ASCII */
		"a\n\n\xe2\x80\x93 x AAAAAAA=\n",		/* en dash */
		"a\n\n" DASH " x AAAAAAA=\n",			/* two spaces */
		"a\n\n" DASH "x  AAAAAAA=\n",
		"a\n\n" DASH "xAAAAAAA=\n",			/* no space */
		"a\n\n" DASH "x AAAAAAA= \n",			/* trailing */
		"a\n\n" DASH "x\tAAAAAAA=\n",			/* tab */
		"a\n\n" DASH "x AAAAAAA=\r\n",			/* CRLF */
		"a\r\n\n" DASH "x AAAAAAA=\n",
		"a\n\n" DASH "x+y AAAAAAA=\n",			/* "+" */
		"a\n\n" DASH "x\xc2\xa0y AAAAAAA=\n",		/* NBSP */
		"a\n\n" DASH " AAAAAAA=\n",			/* no name */
		"a\n\n" DASH "x AAAAAA==\n",			/* 4 bytes */
		"a\n\n" DASH "x AAAAAAB=\n",			/* bits */
		"a\n\n" DASH "x AAAAAAA\n",			/* padding */
		"a\n\n" DASH "x AAAAAAA==\n",
		"a\n\n" DASH "x AAAA-AA=\n",			/* URL b64 */
		"a\n\n" DASH "x AAAA\xc3\xa9" "A=\n",		/* >= 0x80 */
		"a\n\n" DASH "x AA=AAAA=\n",
		"a\n\n" DASH "x \n",
		/* The same line twice; the same name and ID twice. */
		"a\n\n" DASH "x AAAAAAA=\n" DASH "x AAAAAAA=\n",
		"a\n\n" DASH "x AAAAAAA=\n" DASH "x AAAAAAAB\n",
		"a\x01\n\n" DASH "x AAAAAAA=\n",		/* control */
		"a\x7f\xc0\x80\n\n" DASH "x AAAAAAA=\n",	/* overlong */
		"\xed\xa0\x80\n\n" DASH "x AAAAAAA=\n",		/* surrogate */
		"\xf4\x90\x80\x80\n\n" DASH "x AAAAAAA=\n",	/* > 10FFFF */
		"\xe2\x80\n\n" DASH "x AAAAAAA=\n",		/* truncated */
		"\x80\n\n" DASH "x AAAAAAA=\n",			/* lone */
		"\xff\n\n" DASH "x AAAAAAA=\n",
		"a\n\n" DASH "x AAAAAAA=\nb\n",			/* not a sig */
		"a" DASH "x AAAAAAA=\n",			/* no blank */
		"a\n" DASH "x AAAAAAA=\n",
	};

	assert_non_null(n);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_str(bad[i]);

		if (rc == 0)
			fail_msg("bad note %zu accepted", i);
		assert_int_equal(rc, TAFEL_EMALFORMED);
	}
	/* NUL inside. */
	memcpy(buf, "a\0\n\n" DASH "x AAAAAAA=\n", 19);
	assert_int_equal(tafel_note_parse((uint8_t *)buf, 19, n),
	    TAFEL_EMALFORMED);
	/* The shortest notes, and a second signature of another ID. */
	assert_int_equal(parse_str("a\n\n" DASH "x AAAAAAA=\n"), 0);
	assert_int_equal(parse_str("\n\n" DASH "x AAAAAAA=\n"), 0);
	assert_int_equal(parse_str("a\n\n" DASH "x AAAAAAA=\n"
	    DASH "x AAAAAQA=\n" DASH "y AAAAAAA=\n"), 0);
	/* Every proper prefix of a signed note is refused. */
	len = cat((uint8_t *)buf, sizeof(buf), PN_TEXT "\n", PN_SIG, NULL);
	for (i = 0; i < len; i++)
		if (tafel_note_parse((uint8_t *)buf, i, n) == 0)
			fail_msg("prefix of %zu bytes accepted", i);
	/* 64 signatures, then 65; and the size cap. */
	len = cat((uint8_t *)buf, sizeof(buf), "a\n\n", NULL, NULL);
	for (k = 0; k < TAFEL_NOTE_MAX_SIGS + 1; k++) {
		uint8_t blob[5] = { 0, 0, 0, (uint8_t)k, 0 };
		char b64[16];

		assert_int_equal(tafel_note_parse((uint8_t *)buf, len, n),
		    k == 0 ? TAFEL_EMALFORMED : 0);
		sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob),
		    sodium_base64_VARIANT_ORIGINAL);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, DASH
		    "k %s\n", b64);
		assert_true(len < sizeof(buf));
	}
	assert_int_equal(tafel_note_parse((uint8_t *)buf, len, n),
	    TAFEL_ETOOBIG);
	assert_int_equal(n->nsigs, 0);
	big = malloc(TAFEL_NOTE_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', TAFEL_NOTE_MAX + 1);
	k = TAFEL_NOTE_MAX - strlen("\n\n" DASH "x AAAAAAA=\n");
	memcpy(big + k, "\n\n" DASH "x AAAAAAA=\n", TAFEL_NOTE_MAX - k);
	assert_int_equal(tafel_note_parse(big, TAFEL_NOTE_MAX, n), 0);
	memmove(big + 1, big, TAFEL_NOTE_MAX);
	assert_int_equal(tafel_note_parse(big, TAFEL_NOTE_MAX + 1, n),
	    TAFEL_ETOOBIG);
	/* A signature blob beyond TAFEL_NOTE_BLOB_MAX. */
	len = 0;
	memcpy(big, "a\n\n" DASH "x ", 9);
	len = 9;
	k = sodium_base64_ENCODED_LEN(TAFEL_NOTE_BLOB_MAX + 3,
	    sodium_base64_VARIANT_ORIGINAL) - 1;
	memset(big + len, 'A', k);
	len += k;
	big[len++] = '\n';
	assert_int_equal(tafel_note_parse(big, len, n), TAFEL_ETOOBIG);
	/* One of exactly that size is kept, but never verified. */
	len = 9;
	k = sodium_base64_ENCODED_LEN(TAFEL_NOTE_BLOB_MAX,
	    sodium_base64_VARIANT_ORIGINAL) - 1;
	memset(big + len, 'A', k);
	len += k;
	if (TAFEL_NOTE_BLOB_MAX % 3 != 0)
		big[len - 1] = '=';
	if (TAFEL_NOTE_BLOB_MAX % 3 == 1)
		big[len - 2] = '=';
	big[len++] = '\n';
	assert_int_equal(tafel_note_parse(big, len, n), 0);
	assert_int_equal(n->sigs[0].siglen, TAFEL_NOTE_BLOB_MAX - 4);
	free(big);
	free(n);
}

/* ---- Checkpoints ---- */

static int
cp_parse(const char *s, struct tafel_checkpoint *cp)
{
	return tafel_checkpoint_parse((const uint8_t *)s, strlen(s), cp);
}

static void
test_checkpoint(void **state)
{
	struct tafel_checkpoint cp, cp2;
	uint8_t out[TAFEL_CKPT_TEXT_MAX + 16], h[32];
	char big[TAFEL_CKPT_TEXT_MAX + 16], o[TAFEL_CKPT_ORIGIN_MAX + 2];
	size_t n, i;
	const char *bad[] = {
		"",
		"\n",
		"o\n",
		"o\n1\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n00\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n+1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n 1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n1 \n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n0x1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n9223372036854775808\n"
		    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n18446744073709551616\n"
		    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n99999999999999999999\n"
		    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=A\n",
		"o\n1\n47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n1\n 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nx\n\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nx",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\r\n",
		"o\x01\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		/* libsodium 1.0.18 reads bytes >= 0x80 as "/". */
		"o\n1\n47DEQpj8HBSa+\xc3\xa9ImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF=U\n",
		/* Size 0 must carry the empty root. */
		"o\n0\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n",
	};

	/* The vectors: sum.golang.org, sigsum, 4.5, C2SP. */
	assert_int_equal(cp_parse(GOSUM_TEXT, &cp), 0);
	assert_string_equal(cp.origin, "go.sum database tree");
	assert_int_equal(cp.size, 30055305);
	assert_int_equal(cp.extlen, 0);
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    0);
	assert_int_equal(n, strlen(GOSUM_TEXT));
	assert_memory_equal(out, GOSUM_TEXT, n);
	assert_int_equal(cp_parse(SIGSUM_TEXT, &cp), 0);
	assert_string_equal(cp.origin, SIGSUM_ORIGIN);
	assert_int_equal(cp.size, 10);
	assert_int_equal(cp.root[0], 0x1c);
	assert_int_equal(cp.root[1], 0x0e);
	assert_int_equal(cp.root[2], 0x47);
	assert_int_equal(cp_parse(CP8_TEXT, &cp), 0);
	hex_to(h, 32, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe3"
	    "70eff4604328");
	assert_memory_equal(cp.root, h, 32);
	assert_int_equal(cp.size, 8);
	assert_int_equal(cp_parse("example.com/behind-the-sofa\n20852163\n"
	    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", &cp), 0);
	assert_int_equal(cp.size, 20852163);
	/* x/mod FormatTree golden, via RecordHash("hello world"). */
	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, "go.sum database tree", 21);
	cp.size = 123456789012ULL;
	tafel_merkle_leaf_hash((const uint8_t *)"hello world", 11, cp.root);
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    0);
	assert_int_equal(n, strlen(GOTREE_TEXT));
	assert_memory_equal(out, GOTREE_TEXT, n);
	/* Size 0 is "0" with the empty root. */
	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, "o", 2);
	tafel_merkle_empty_root(cp.root);
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    0);
	assert_int_equal(n, 49);
	assert_memory_equal(out, "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZ"
	    "G3hSuFU=\n", n);
	assert_int_equal(tafel_checkpoint_parse(out, n, &cp2), 0);
	cp.root[0] ^= 1;
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    TAFEL_EINVAL);
	/* The largest size; extension lines round trip. */
	assert_int_equal(cp_parse("o\n9223372036854775807\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nx y\n\xc3\xa9\n",
	    &cp), 0);
	assert_int_equal(cp.size, (uint64_t)INT64_MAX);
	assert_int_equal(cp.extlen, 7);
	assert_memory_equal(cp.ext, "x y\n\xc3\xa9\n", 7);
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    0);
	assert_int_equal(tafel_checkpoint_parse(out, n, &cp2), 0);
	assert_int_equal(cp2.size, cp.size);
	assert_int_equal(cp2.extlen, 7);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cp_parse(bad[i], &cp) == 0)
			fail_msg("bad checkpoint %zu accepted", i);
	assert_int_equal(cp.size, 0);
	/* Origin of 255 bytes, then 256; text over the cap. */
	memset(o, 'o', sizeof(o));
	o[TAFEL_CKPT_ORIGIN_MAX] = '\0';
	n = (size_t)snprintf(big, sizeof(big), "%s\n1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", o);
	assert_int_equal(cp_parse(big, &cp), 0);
	o[TAFEL_CKPT_ORIGIN_MAX] = 'o';
	o[TAFEL_CKPT_ORIGIN_MAX + 1] = '\0';
	n = (size_t)snprintf(big, sizeof(big), "%s\n1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", o);
	assert_int_equal(cp_parse(big, &cp), TAFEL_ETOOBIG);
	n = (size_t)snprintf(big, sizeof(big), "o\n1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
	memset(big + n, 'x', sizeof(big) - n);
	big[TAFEL_CKPT_TEXT_MAX - 1] = '\n';
	big[TAFEL_CKPT_TEXT_MAX] = '\0';
	assert_int_equal(cp_parse(big, &cp), 0);
	big[TAFEL_CKPT_TEXT_MAX - 1] = 'x';
	big[TAFEL_CKPT_TEXT_MAX] = '\n';
	big[TAFEL_CKPT_TEXT_MAX + 1] = '\0';
	assert_int_equal(cp_parse(big, &cp), TAFEL_ETOOBIG);
	/* Encoding refuses what parsing would. */
	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, "a\nb", 4);
	cp.size = 1;
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    TAFEL_EINVAL);
	cp.origin[0] = '\0';
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    TAFEL_EINVAL);
	memcpy(cp.origin, "o", 2);
	cp.size = TAFEL_MERKLE_MAX_SIZE + 1;
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    TAFEL_EINVAL);
	cp.size = 1;
	cp.ext = (const uint8_t *)"x";
	cp.extlen = 1;
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    TAFEL_EINVAL);
	cp.ext = (const uint8_t *)"x\n\n";
	cp.extlen = 3;
	assert_int_equal(tafel_checkpoint_encode(&cp, out, sizeof(out), &n),
	    TAFEL_EINVAL);
	cp.extlen = 0;
	assert_int_equal(tafel_checkpoint_encode(&cp, out, 49, &n),
	    TAFEL_EINVAL);
	assert_int_equal(tafel_checkpoint_encode(&cp, out, 50, &n), 0);
}

/* ---- tlog-proof ---- */

static void
test_tlog_proof(void **state)
{
	struct tafel_tlog_proof *p = malloc(sizeof(*p));
	struct tafel_note_verifier v[2];
	struct store st;
	uint8_t lh[8][32], proof[TAFEL_MERKLE_MAX_PROOF][32];
	uint8_t note[1024], want[2048], out[2048];
	size_t notelen, wn, n, np, nv;

	assert_non_null(p);
	tree8(&st, lh);
	notelen = cat(note, sizeof(note), CP8_TEXT "\n", CP8_LOG, CP8_WIT);
	wn = cat(want, sizeof(want), PROOF_HEAD, NULL, NULL);
	memcpy(want + wn, note, notelen);
	wn += notelen;
	/* Section 4.5: index 5 of size 8, byte for byte. */
	assert_int_equal(tafel_merkle_prove_inclusion(5, 8, store_get, &st,
	    proof, &np), 0);
	assert_int_equal(tafel_tlog_proof_encode(NULL, 0, 5,
	    (const uint8_t (*)[32])proof, np, note, notelen, out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, wn);
	assert_memory_equal(out, want, n);
	/* Parse and verify it, with the leaf hash of 40414243. */
	assert_int_equal(tafel_tlog_proof_parse(want, wn, p), 0);
	assert_false(p->has_extra);
	assert_int_equal(p->index, 5);
	assert_int_equal(p->nproof, 3);
	assert_memory_equal(p->proof, proof, 3 * 32);
	assert_int_equal(p->cp.size, 8);
	assert_string_equal(p->cp.origin, "example.com/audit-log");
	assert_int_equal(p->notelen, notelen);
	assert_int_equal(p->n.nsigs, 2);
	verifier(&v[0], AUDIT_VKEY);
	verifier(&v[1], WIT_VKEY);
	assert_int_equal(tafel_tlog_proof_verify(p, lh[5], v, 2, &nv), 0);
	assert_int_equal(nv, 2);
	assert_int_equal(v[1].time, 1700000008);
	/* Any other leaf, and the same proof for index 4, fail. */
	assert_int_equal(tafel_tlog_proof_verify(p, lh[4], v, 2, &nv),
	    TAFEL_ESIG);
	want[strlen("c2sp.org/tlog-proof@v1\nindex ")] = '4';
	assert_int_equal(tafel_tlog_proof_parse(want, wn, p), 0);
	assert_int_equal(tafel_tlog_proof_verify(p, lh[4], v, 2, &nv),
	    TAFEL_ESIG);
	assert_int_equal(tafel_tlog_proof_verify(p, lh[5], v, 2, &nv),
	    TAFEL_ESIG);
	want[strlen("c2sp.org/tlog-proof@v1\nindex ")] = '5';
	/* A checkpoint signature that fails comes first. */
	assert_int_equal(tafel_tlog_proof_parse(want, wn, p), 0);
	verifier(&v[0], PN_VKEY);
	assert_int_equal(tafel_tlog_proof_verify(p, lh[5], v, 1, &nv),
	    TAFEL_EPOLICY);
	verifier(&v[0], AUDIT_VKEY);
	/*
	 * Every proper prefix is refused, but one: without the witness
	 * line, which is a complete proof with the log's signature only.
	 */
	for (n = 0; n < wn; n++) {
		if (tafel_tlog_proof_parse(want, n, p) != 0)
			continue;
		if (n != wn - strlen(CP8_WIT))
			fail_msg("prefix of %zu bytes accepted", n);
		assert_int_equal(tafel_tlog_proof_verify(p, lh[5], v, 2, &nv),
		    0);
		assert_int_equal(nv, 1);
		assert_false(v[1].verified);
	}
	/* Every byte flipped: refused or does not verify. */
	for (n = 0; n < wn; n++) {
		want[n] ^= 0x02;
		if (tafel_tlog_proof_parse(want, wn, p) == 0 &&
		    tafel_tlog_proof_verify(p, lh[5], v, 2, &nv) == 0 &&
		    nv == 2)
			fail_msg("byte %zu flipped: proof verifies", n);
		want[n] ^= 0x02;
	}
	/* With extra data, and with empty extra data. */
	assert_int_equal(tafel_tlog_proof_encode((const uint8_t *)"vrf", 3,
	    5, (const uint8_t (*)[32])proof, np, note, notelen, out,
	    sizeof(out), &n), 0);
	assert_memory_equal(out, "c2sp.org/tlog-proof@v1\nextra dnJm\nindex 5"
	    "\n", 39);
	assert_int_equal(tafel_tlog_proof_parse(out, n, p), 0);
	assert_true(p->has_extra);
	assert_int_equal(p->extralen, 3);
	assert_memory_equal(p->extra, "vrf", 3);
	assert_int_equal(tafel_tlog_proof_verify(p, lh[5], v, 2, &nv), 0);
	assert_int_equal(tafel_tlog_proof_encode((const uint8_t *)"", 0, 5,
	    (const uint8_t (*)[32])proof, np, note, notelen, out, sizeof(out),
	    &n), 0);
	assert_int_equal(tafel_tlog_proof_parse(out, n, p), 0);
	assert_true(p->has_extra);
	assert_int_equal(p->extralen, 0);
	/* Size 1: no hash lines. */
	{
		struct tafel_note_key k;
		struct tafel_checkpoint cp;
		uint8_t seed[32], sk[64], text[256], n1[512];
		size_t tl, n1l;

		pn_seed(seed);
		keypair(seed, "example.com/audit-log", TAFEL_NOTE_ED25519, &k,
		    sk);
		memset(&cp, 0, sizeof(cp));
		memcpy(cp.origin, "example.com/audit-log", 22);
		cp.size = 1;
		memcpy(cp.root, lh[0], 32);
		assert_int_equal(tafel_checkpoint_encode(&cp, text,
		    sizeof(text), &tl), 0);
		assert_int_equal(tafel_note_sign(&k, sk, text, tl, n1,
		    sizeof(n1), &n1l), 0);
		assert_int_equal(tafel_tlog_proof_encode(NULL, 0, 0, NULL, 0,
		    n1, n1l, out, sizeof(out), &n), 0);
		assert_memory_equal(out, "c2sp.org/tlog-proof@v1\nindex 0\n\n",
		    32);
		assert_int_equal(tafel_tlog_proof_parse(out, n, p), 0);
		assert_int_equal(p->nproof, 0);
		assert_int_equal(tafel_tlog_proof_verify(p, lh[0], v, 1, &nv),
		    0);
		assert_int_equal(tafel_tlog_proof_verify(p, lh[1], v, 1, &nv),
		    TAFEL_ESIG);
		sodium_memzero(seed, sizeof(seed));
		sodium_memzero(sk, sizeof(sk));
	}
	/* Encoding refuses bad arguments. */
	assert_int_equal(tafel_tlog_proof_encode(NULL, 0, 8,
	    (const uint8_t (*)[32])proof, np, note, notelen, out, sizeof(out),
	    &n), TAFEL_EINVAL);
	assert_int_equal(tafel_tlog_proof_encode(NULL, 0, 5,
	    (const uint8_t (*)[32])proof, TAFEL_MERKLE_MAX_PROOF + 1, note,
	    notelen, out, sizeof(out), &n), TAFEL_EINVAL);
	assert_int_equal(tafel_tlog_proof_encode(out, TAFEL_TLOG_PROOF_EXTRA_MAX
	    + 1, 5, (const uint8_t (*)[32])proof, np, note, notelen, out,
	    sizeof(out), &n), TAFEL_EINVAL);
	assert_int_equal(tafel_tlog_proof_encode(NULL, 0, 5,
	    (const uint8_t (*)[32])proof, np, note, notelen - 1, out,
	    sizeof(out), &n), TAFEL_EINVAL);
	assert_int_equal(tafel_tlog_proof_encode(NULL, 0, 5,
	    (const uint8_t (*)[32])proof, np, (const uint8_t *)FOO_NOTE,
	    strlen(FOO_NOTE), out, sizeof(out), &n), TAFEL_EINVAL);
	assert_int_equal(tafel_tlog_proof_encode(NULL, 0, 5,
	    (const uint8_t (*)[32])proof, np, note, notelen, out, wn - 1, &n),
	    TAFEL_EINVAL);
	assert_int_equal(n, 0);
	free(p);
}

static int
proof_str(const char *head, const char *tail, struct tafel_tlog_proof *p)
{
	uint8_t buf[TAFEL_TLOG_PROOF_MAX + 64];
	size_t n;

	n = cat(buf, sizeof(buf), head, CP8_TEXT "\n", CP8_LOG);
	if (tail != NULL)
		n += cat(buf + n, sizeof(buf) - n, tail, NULL, NULL);
	return tafel_tlog_proof_parse(buf, n, p);
}

#define H	"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=\n"

static void
test_tlog_proof_negative(void **state)
{
	struct tafel_tlog_proof *p = malloc(sizeof(*p));
	char head[8192];
	size_t n, i;
	const char *bad[] = {
		"c2sp.org/tlog-proof@v2\nindex 5\n" H "\n",
		"c2sp.org/tlog-proof@v1 \nindex 5\n" H "\n",
		"C2SP.org/tlog-proof@v1\nindex 5\n" H "\n",
		"index 5\n" H "\n",
		"c2sp.org/tlog-proof@v1\n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex 05\n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex -5\n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex +5\n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex  5\n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex 5 \n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex\n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex 8\n" H "\n",	/* >= size */
		"c2sp.org/tlog-proof@v1\nindex 99999999999999999999\n\n",
		"c2sp.org/tlog-proof@v1\r\nindex 5\n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex 5\r\n" H "\n",
		"c2sp.org/tlog-proof@v1\nindex 5\n" H "\r\n",
		"c2sp.org/tlog-proof@v1\nindex 5\n" H,		/* no blank */
		"c2sp.org/tlog-proof@v1\nindex 5\n"
		    "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms\n\n",
		"c2sp.org/tlog-proof@v1\nindex 5\n"
		    "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnmt=\n\n",
		"c2sp.org/tlog-proof@v1\nindex 5\n"
		    "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=A\n\n",
		"c2sp.org/tlog-proof@v1\nindex 5\n"
		    "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZ\n\n",
		"c2sp.org/tlog-proof@v1\nindex 5\n"
		    "vBoGQ7EuTS18d5G\xb9\xad\xb0\xbb\xcf\xc6\xca\x8e"
		    "Di2z57FtcKD4fTYhZnms=\n\n",
		"c2sp.org/tlog-proof@v1\nextra !!!!\nindex 5\n" H "\n",
		"c2sp.org/tlog-proof@v1\nextra dnJm\nextra dnJm\nindex 5\n\n",
		"c2sp.org/tlog-proof@v1\nindex 5\nextra dnJm\n\n",
		"c2sp.org/tlog-proof@v1\nextra dnJ\nindex 5\n\n",
		"c2sp.org/tlog-proof@v1\nextradnJm\nindex 5\n\n",
		"c2sp.org/tlog-proof@v1\nindex 5\n" H "\n\n",	/* two */
	};

	assert_non_null(p);
	assert_int_equal(proof_str("c2sp.org/tlog-proof@v1\nindex 5\n" H "\n",
	    NULL, p), 0);
	assert_int_equal(proof_str("c2sp.org/tlog-proof@v1\nindex 7\n\n",
	    NULL, p), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (proof_str(bad[i], NULL, p) == 0)
			fail_msg("bad proof %zu accepted", i);
	assert_int_equal(p->note, NULL);
	/* Something after the note: it is part of the note, and bad. */
	assert_int_not_equal(proof_str("c2sp.org/tlog-proof@v1\nindex 5\n\n",
	    "x\n", p), 0);
	/* The note is a signed note, not just a checkpoint. */
	assert_int_not_equal(tafel_tlog_proof_parse((const uint8_t *)
	    "c2sp.org/tlog-proof@v1\nindex 5\n\n" CP8_TEXT, strlen(
	    "c2sp.org/tlog-proof@v1\nindex 5\n\n" CP8_TEXT), p), 0);
	/* 64 hashes parse (their count is checked when verifying). */
	n = (size_t)snprintf(head, sizeof(head),
	    "c2sp.org/tlog-proof@v1\nindex 5\n");
	for (i = 0; i < TAFEL_MERKLE_MAX_PROOF; i++)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "%s", H);
	memcpy(head + n, "\n", 2);
	assert_int_equal(proof_str(head, NULL, p), 0);
	assert_int_equal(p->nproof, TAFEL_MERKLE_MAX_PROOF);
	n += (size_t)snprintf(head + n, sizeof(head) - n, "%s\n", H);
	assert_int_equal(proof_str(head, NULL, p), TAFEL_ETOOBIG);
	/* Extra data: the cap. */
	n = (size_t)snprintf(head, sizeof(head), "c2sp.org/tlog-proof@v1\n"
	    "extra ");
	for (i = 0; i < TAFEL_TLOG_PROOF_EXTRA_MAX / 3; i++)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "AAAA");
	n += (size_t)snprintf(head + n, sizeof(head) - n, "AA==\nindex 5\n\n");
	assert_int_equal(proof_str(head, NULL, p), 0);
	assert_int_equal(p->extralen, TAFEL_TLOG_PROOF_EXTRA_MAX);
	n = (size_t)snprintf(head, sizeof(head), "c2sp.org/tlog-proof@v1\n"
	    "extra ");
	for (i = 0; i < TAFEL_TLOG_PROOF_EXTRA_MAX / 3 + 1; i++)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "AAAA");
	n += (size_t)snprintf(head + n, sizeof(head) - n, "\nindex 5\n\n");
	assert_int_not_equal(proof_str(head, NULL, p), 0);
	free(p);
}

/* ---- tlog-witness add-checkpoint body (section 4.5) ---- */

static void
test_witness_request(void **state)
{
	struct store st;
	struct tafel_checkpoint c6, c8;
	uint8_t lh[8][32], proof[TAFEL_MERKLE_MAX_PROOF][32];
	uint8_t want[2048], out[2048];
	char b64[64];
	size_t wn, n, np, i;

	tree8(&st, lh);
	wn = cat(want, sizeof(want), WITREQ_HEAD, CP8_TEXT "\n", CP8_LOG);
	assert_int_equal(tafel_merkle_prove_consistency(6, 8, store_get, &st,
	    proof, &np), 0);
	n = (size_t)snprintf((char *)out, sizeof(out), "old 6\n");
	for (i = 0; i < np; i++) {
		sodium_bin2base64(b64, sizeof(b64), proof[i], 32,
		    sodium_base64_VARIANT_ORIGINAL);
		n += (size_t)snprintf((char *)out + n, sizeof(out) - n,
		    "%s\n", b64);
	}
	n += cat(out + n, sizeof(out) - n, "\n", CP8_TEXT "\n", CP8_LOG);
	assert_int_equal(n, wn);
	assert_memory_equal(out, want, n);
	/* The proof links the two checkpoints' roots. */
	assert_int_equal(cp_parse(CP6_TEXT, &c6), 0);
	assert_int_equal(cp_parse(CP8_TEXT, &c8), 0);
	assert_int_equal(tafel_merkle_verify_consistency(c6.size, c8.size,
	    c6.root, c8.root, (const uint8_t (*)[32])proof, np), 0);
	assert_int_equal(tafel_merkle_verify_consistency(c6.size, c8.size,
	    c8.root, c6.root, (const uint8_t (*)[32])proof, np), TAFEL_ESIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_vectors),
		cmocka_unit_test(test_key_negative),
		cmocka_unit_test(test_sign_vectors),
		cmocka_unit_test(test_verify_vectors),
		cmocka_unit_test(test_verify_rules),
		cmocka_unit_test(test_sign_args),
		cmocka_unit_test(test_parse_rules),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_tlog_proof),
		cmocka_unit_test(test_tlog_proof_negative),
		cmocka_unit_test(test_witness_request),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("note", tests, NULL, NULL);
}
