/*
 * tafel-bundlemap BUNDLE: where each part of an audit bundle lies, for
 * the integration tests that damage bundles one byte at a time.  One
 * line per part: "KIND INDEX OFFSET LENGTH", KIND one of entry, hash,
 * checkpoint, proof (one line per hash of a checkpoint's consistency
 * proof), table.
 *
 * tafel-bundlemap -d DIR BUNDLE: also writes each checkpoint note to
 * DIR/ckpt-NNNNNN.note and its consistency proof from the one before to
 * DIR/cons-NNNNNN (one base64 hash a line), for independent verifiers.
 */
#include <err.h>
#include <sodium.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "tafel/audit.h"

int
main(int argc, char **argv)
{
	struct tafel_audit_bundle b;
	uint8_t *buf;
	size_t len = 0, i, j;
	long n;
	FILE *f;

	const char *dump = NULL;

	if (argc == 4 && strcmp(argv[1], "-d") == 0) {
		dump = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 2)
		errx(2, "usage: tafel-bundlemap [-d DIR] BUNDLE");
	if ((f = fopen(argv[1], "rb")) == NULL)
		err(1, "%s", argv[1]);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		errx(1, "%s: cannot size", argv[1]);
	if ((buf = malloc((size_t)n)) == NULL)
		err(1, NULL);
	len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	if (tafel_audit_bundle_parse(buf, len, &b) != 0)
		errx(1, "%s: not a bundle", argv[1]);
	for (i = 0; i < b.nleaves; i++) {
		printf("entry %zu %zu %zu\n", i, b.leaf_off[i], b.leaflen[i]);
		printf("hash %zu %zu 32\n", i, b.hash_off[i]);
	}
	for (i = 0; i < b.nckpts; i++) {
		printf("checkpoint %zu %zu %zu\n", i, b.note_off[i],
		    b.ckpt[i].notelen);
		for (j = 0; j < b.ckpt[i].nproof; j++)
			printf("proof %zu %zu 32\n", i,
			    (size_t)(b.ckpt[i].proof[j] - buf));
	}
	for (i = 0; dump != NULL && i < b.nckpts; i++) {
		char path[4096], b64[64];
		FILE *o;

		snprintf(path, sizeof(path), "%s/ckpt-%06zu.note", dump, i);
		if ((o = fopen(path, "wb")) == NULL)
			err(1, "%s", path);
		fwrite(b.ckpt[i].note, 1, b.ckpt[i].notelen, o);
		fclose(o);
		snprintf(path, sizeof(path), "%s/cons-%06zu", dump, i);
		if ((o = fopen(path, "wb")) == NULL)
			err(1, "%s", path);
		for (j = 0; j < b.ckpt[i].nproof; j++) {
			sodium_bin2base64(b64, sizeof(b64), b.ckpt[i].proof[j],
			    32, sodium_base64_VARIANT_ORIGINAL);
			fprintf(o, "%s\n", b64);
		}
		fclose(o);
	}
	for (i = 0; i < b.ntables; i++)
		printf("table %zu %zu %zu\n", i, b.table_off[i],
		    b.tablelen[i]);
	tafel_audit_bundle_free(&b);
	free(buf);
	return 0;
}
