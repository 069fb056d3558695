/*
 * tafel-bundlemap BUNDLE: where each part of an audit bundle lies, for
 * the integration tests that damage bundles one byte at a time.  One
 * line per part: "KIND INDEX OFFSET LENGTH", KIND one of entry, hash,
 * checkpoint, proof (one line per hash of a checkpoint's consistency
 * proof), table.
 */
#include <err.h>
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

	if (argc != 2)
		errx(2, "usage: tafel-bundlemap BUNDLE");
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
	for (i = 0; i < b.ntables; i++)
		printf("table %zu %zu %zu\n", i, b.table_off[i],
		    b.tablelen[i]);
	tafel_audit_bundle_free(&b);
	free(buf);
	return 0;
}
