/*
 * Merkle trees: every vector of transparency-log.md section 4.1 (the
 * tree, its level nodes and roots, and all 196 transparency-dev/merkle
 * probes, regenerated here exactly as cmd/proofgen makes them from the
 * listed happy paths and static cases), the derived proof table and the
 * CT fuzz-tree roots of section 4.5, then proofs from stored nodes
 * against a naive RFC 6962 implementation, the appender, the frontier,
 * tampering, caps and callback errors.
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
#include "tafel/tafel.h"
#include "tafel/util.h"

/* ---- Vectors: section 4.1 ---- */

/* Leaf inputs (hex) of testonly/constants.go. */
static const char *leaves_hex[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

/* Level nodes L0 (8), L1 (4), L2 (2), L3 (1). */
static const char *level_hex[4][8] = {
	{
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
	},
	{
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	},
	{
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	},
	{
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	},
};

/* Roots by size 0..8. */
static const char *roots_hex[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* Happy paths, verbatim from testdata/{inclusion,consistency}/<i>/. */
struct happy {
	uint64_t	 a, b;		/* leafIdx, treeSize / size1, size2 */
	const char	*x, *y;		/* root, leafHash / root1, root2 */
	size_t		 np;
	const char	*proof[3];
};

static const struct happy inc_happy[5] = {
	{ 0, 1,
	    "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
	    "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
	    0, { NULL } },
	{ 0, 8,
	    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	    "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
	    3, {
		"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
		"Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
		"a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
	    } },
	{ 5, 8,
	    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	    "QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=",
	    3, {
		"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
		"yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
		"037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
	    } },
	{ 2, 3,
	    "rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=",
	    "ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=",
	    1, {
		"+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=",
	    } },
	{ 1, 5,
	    "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
	    "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
	    3, {
		"bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
		"Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
		"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
	    } },
};

static const struct happy con_happy[5] = {
	{ 1, 1,
	    "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
	    "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
	    0, { NULL } },
	{ 1, 8,
	    "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
	    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	    3, {
		"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
		"Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
		"a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
	    } },
	{ 6, 8,
	    "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
	    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	    3, {
		"DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
		"yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
		"037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
	    } },
	{ 2, 5,
	    "+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=",
	    "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
	    2, {
		"Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
		"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
	    } },
	{ 6, 7,
	    "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
	    "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw=",
	    3, {
		"DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
		"sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
		"037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
	    } },
};

/* base64 of SHA-256("") and of the proofgen "some hash". */
#define EMPTY_B64	"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define SOME_B64	"q6yroAAAAAAAAAAAAAAAAAAAAAAAAAAAAGAGHgASNFY="
/* RecordHash("data"), the single-entry probes' hash. */
#define DATA_B64	"DTrtAjFI/9KiWfvQzcf7PPl1ZYdg03dbgq9vkKrMLfw="
#define CARE1		"ZG9uJ3QgY2FyZSAx"	/* "don't care 1" */
#define CARE2		"ZG9uJ3QgY2FyZSAy"	/* "don't care 2" */

/* testdata/consistency/additional/, verbatim. */
static const struct {
	const char	*desc;
	uint64_t	 size1, size2;
	const char	*root1, *root2;
	const char	*proof;		/* NULL or the single element */
	bool		 want_err;
} con_static[14] = {
	{ "consistency-check-on-empty-tree-size1-is-zero-is-useless", 0, 1,
	    EMPTY_B64, EMPTY_B64, EMPTY_B64, true },
	{ "roots-do-not-match-and-sizes-are-zero", 0, 0, EMPTY_B64, CARE2,
	    NULL, true },
	{ "roots-do-not-not-match-and-sizes-are-one", 1, 1, EMPTY_B64, CARE2,
	    NULL, true },
	{ "size1-is-greater-than-size2-again", 2, 1, CARE1, CARE2, NULL,
	    true },
	{ "size1-is-greater-than-size2", 1, 0, CARE1, CARE2, NULL, true },
	{ "size1-is-zero-and-does-not-equal-size2", 0, 1, CARE1, CARE2, NULL,
	    true },
	{ "size1-is-zero-and-size2-is-not-zero", 0, 1, EMPTY_B64, CARE2, NULL,
	    true },
	{ "sizes-are-equal-one-and-proof-is-empty", 1, 1, CARE2, CARE2, NULL,
	    false },
	{ "sizes-are-equal-one-but-roots-are-not", 1, 1, CARE1, CARE2, NULL,
	    true },
	{ "sizes-are-equal-zero-and-proof-is-empty", 0, 0, CARE1, CARE1, NULL,
	    true },
	{ "sizes-are-equal-zero-but-roots-are-not", 0, 0, CARE1, CARE2, NULL,
	    true },
	{ "sizes-do-not-watch-and-proof-is-empty", 1, 2, CARE1, CARE2, NULL,
	    true },
	{ "sizes-match-but-proof-is-not-empty-and-sizes-are-one", 1, 1,
	    EMPTY_B64, EMPTY_B64, EMPTY_B64, true },
	{ "sizes-match-but-proof-is-not-empty-and-sizes-are-zero", 0, 0,
	    EMPTY_B64, EMPTY_B64, EMPTY_B64, true },
};

/* ---- Vectors: section 4.5 ---- */

/*
 * "I n idx path" and "C m n proof": every inclusion proof and every
 * consistency proof of the 8-leaf tree, element 0 first.
 */
static const char *derived[] = {
	"I 1 0 -",
	"I 2 0 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"I 2 1 "
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"I 3 0 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	"I 3 1 "
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d,"
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	"I 3 2 "
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"I 4 0 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"I 4 1 "
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"I 4 2 "
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"I 4 3 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"I 5 0 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"I 5 1 "
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"I 5 2 "
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"I 5 3 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"I 5 4 "
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 6 0 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"I 6 1 "
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"I 6 2 "
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"I 6 3 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"I 6 4 "
	    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 6 5 "
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 7 0 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
	"I 7 1 "
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
	"I 7 2 "
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
	"I 7 3 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
	"I 7 4 "
	    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658,"
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 7 5 "
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,"
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 7 6 "
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 8 0 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"I 8 1 "
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"I 8 2 "
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"I 8 3 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"I 8 4 "
	    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658,"
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 8 5 "
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,"
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 8 6 "
	    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"I 8 7 "
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"C 1 2 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"C 1 3 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	"C 2 3 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	"C 1 4 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"C 2 4 "
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"C 3 4 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"C 1 5 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"C 2 5 "
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"C 3 5 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"C 4 5 "
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"C 1 6 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"C 2 6 "
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"C 3 6 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"C 4 6 "
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"C 5 6 "
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,"
	    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"C 1 7 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
	"C 2 7 "
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
	"C 3 7 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
	"C 4 7 "
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
	"C 5 7 "
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,"
	    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658,"
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"C 6 7 "
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,"
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"C 1 8 "
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,"
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"C 2 8 "
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,"
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"C 3 8 "
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7,"
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7,"
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125,"
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"C 4 8 "
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"C 5 8 "
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,"
	    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658,"
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"C 6 8 "
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,"
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"C 7 8 "
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f,"
	    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1,"
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,"
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
};

/* Roots of the CT fuzz tree, d(i) = the single byte i. */
static const struct {
	uint64_t	 size;
	const char	*root;
} ct_roots[] = {
	{ 1,
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
	},
	{ 2,
	    "a20bf9a7cc2dc8a08f5f415a71b19f6ac427bab54d24eec868b5d3103449953a"
	},
	{ 3,
	    "3b6cccd7e3e023ff393006f030315ee7ad9eb111b022b41fba7e5b7a3973f688"
	},
	{ 7,
	    "3560191803028444b232018ac047fdb561c09c23a7a6876c85e08b5e4d48e9f3"
	},
	{ 8,
	    "ef7f49b620f6c7ea9b963a214da34b5021c6ded8ed57734380a311ab726aa907"
	},
	{ 9,
	    "162a21c2230e0284ea38cb8739ee4bb75947a1acd5d529c638ec068969fb3c4a"
	},
	{ 100,
	    "9eccc8f11ab3ecd41cbf41f5045df576dcedc60f44d4a3de5f40b7d4f7e9d7e3"
	},
	{ 255,
	    "109456304c2c861619b325bb795c95ed9afc6c27bef892d86f2d88356e9f5bcd"
	},
	{ 256,
	    "0387b1bfaad194ad5b534d6a57c9710a83484cb544258df5f4df94bc41820b5f"
	},
};

/* ---- Helpers ---- */

static void
hex32(const char *hex, uint8_t out[32])
{
	assert_int_equal(tafel_unhex(out, 32, hex), 0);
}

/* A byte string of at most 32 bytes (probe values can be shorter). */
struct val {
	uint8_t	b[32];
	size_t	len;
};

static struct val
b64val(const char *b64)
{
	struct val v;

	memset(&v, 0, sizeof(v));
	assert_int_equal(sodium_base642bin(v.b, sizeof(v.b), b64,
	    strlen(b64), NULL, &v.len, NULL, sodium_base64_VARIANT_ORIGINAL),
	    0);
	return v;
}

static struct val
rawval(const void *p, size_t n)
{
	struct val v;

	assert_true(n <= sizeof(v.b));
	memset(&v, 0, sizeof(v));
	memcpy(v.b, p, n);
	v.len = n;
	return v;
}

/* Naive RFC 6962 over an array of leaf hashes. */
static void
naive_mth(const uint8_t (*lh)[32], uint64_t n, uint8_t out[32])
{
	uint8_t l[32], r[32];
	uint64_t k;

	if (n == 0) {
		tafel_merkle_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, lh[0], 32);
		return;
	}
	for (k = 1; k * 2 < n; k *= 2)
		;
	naive_mth(lh, k, l);
	naive_mth(lh + k, n - k, r);
	tafel_merkle_node_hash(l, r, out);
}

/* PATH(m, D[n]), appending to p[*np]. */
static void
naive_path(uint64_t m, const uint8_t (*lh)[32], uint64_t n, uint8_t p[][32],
    size_t *np)
{
	uint64_t k;

	if (n <= 1)
		return;
	for (k = 1; k * 2 < n; k *= 2)
		;
	if (m < k) {
		naive_path(m, lh, k, p, np);
		naive_mth(lh + k, n - k, p[(*np)++]);
	} else {
		naive_path(m - k, lh + k, n - k, p, np);
		naive_mth(lh, k, p[(*np)++]);
	}
}

/* SUBPROOF(m, D[n], b), appending to p[*np]. */
static void
naive_subproof(uint64_t m, const uint8_t (*lh)[32], uint64_t n, bool b,
    uint8_t p[][32], size_t *np)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			naive_mth(lh, m, p[(*np)++]);
		return;
	}
	for (k = 1; k * 2 < n; k *= 2)
		;
	if (m <= k) {
		naive_subproof(m, lh, k, b, p, np);
		naive_mth(lh + k, n - k, p[(*np)++]);
	} else {
		naive_subproof(m - k, lh + k, n - k, false, p, np);
		naive_mth(lh, k, p[(*np)++]);
	}
}

/* ---- A node store in memory, as the daemon's LMDB one will be ---- */

#define ST_LEVELS	12
#define ST_LEAVES	2048

struct store {
	uint64_t	 size;
	uint8_t		 leaf[ST_LEAVES][32];		/* for naive_* */
	uint8_t		 node[ST_LEVELS][ST_LEAVES][32];
	bool		 have[ST_LEVELS][ST_LEAVES];
	unsigned	 calls;
	unsigned	 bad_asks;	/* asked for a node that is not there */
	int		 fail_after;	/* fail the call after this many */
	int		 fail_rc;
};

static int
store_get(void *arg, unsigned level, uint64_t index, uint8_t out[32])
{
	struct store *st = arg;

	st->calls++;
	if (st->fail_rc != 0 && st->fail_after-- <= 0)
		return st->fail_rc;
	if (level >= ST_LEVELS || index >= ST_LEAVES ||
	    !st->have[level][index] ||
	    ((index + 1) << level) > st->size) {
		st->bad_asks++;
		return TAFEL_EINVAL;
	}
	memcpy(out, st->node[level][index], 32);
	return 0;
}

static struct store *
store_new(void)
{
	struct store *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	return st;
}

static void
store_append(struct store *st, const uint8_t lh[32])
{
	struct tafel_merkle_node nodes[TAFEL_MERKLE_MAX_LEVELS];
	size_t n, i;

	assert_true(st->size < ST_LEAVES);
	assert_int_equal(tafel_merkle_append(st->size, lh, store_get, st,
	    nodes, &n), 0);
	assert_int_equal(st->bad_asks, 0);
	/* 1 + the trailing one bits of the old size. */
	assert_int_equal(n, 1 + (size_t)__builtin_ctzll(~st->size));
	for (i = 0; i < n; i++) {
		const struct tafel_merkle_node *nd = &nodes[i];

		assert_true(nd->level < ST_LEVELS);
		assert_int_equal(nd->index, st->size >> nd->level);
		assert_false(st->have[nd->level][nd->index]);
		memcpy(st->node[nd->level][nd->index], nd->hash, 32);
		st->have[nd->level][nd->index] = true;
	}
	memcpy(st->leaf[st->size], lh, 32);
	st->size++;
}

/* The 8-leaf tree of section 4.1. */
static struct store *
tree8(void)
{
	struct store *st = store_new();
	uint8_t in[16], lh[32];
	size_t i, n;

	for (i = 0; i < 8; i++) {
		n = strlen(leaves_hex[i]) / 2;
		assert_int_equal(tafel_unhex(in, n, leaves_hex[i]), 0);
		tafel_merkle_leaf_hash(in, n, lh);
		store_append(st, lh);
	}
	return st;
}

/* A tree of n leaves of 0..63 pseudo-random bytes each. */
static struct store *
tree_random(size_t n)
{
	static const uint8_t seed[randombytes_SEEDBYTES] = { 't', 'a' };
	struct store *st = store_new();
	uint8_t *buf, lh[32];
	size_t i, off = 0;

	buf = malloc(64 * n + 64);
	assert_non_null(buf);
	randombytes_buf_deterministic(buf, 64 * n + 64, seed);
	for (i = 0; i < n; i++) {
		tafel_merkle_leaf_hash(buf + off + 1, buf[off] & 63, lh);
		off += 64;
		store_append(st, lh);
	}
	free(buf);
	return st;
}

/* ---- Hashes ---- */

static void
test_hashes(void **state)
{
	uint8_t h[32], want[32], l[32], r[32];
	struct val v;

	tafel_merkle_empty_root(h);
	hex32(roots_hex[0], want);
	assert_memory_equal(h, want, 32);
	v = b64val(EMPTY_B64);
	assert_memory_equal(h, v.b, 32);
	tafel_merkle_leaf_hash(NULL, 0, h);
	hex32(level_hex[0][0], want);
	assert_memory_equal(h, want, 32);
	/* x/mod sumdb/tlog note_test.go: RecordHash("hello world"). */
	tafel_merkle_leaf_hash((const uint8_t *)"hello world", 11, h);
	v = b64val("TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=");
	assert_memory_equal(h, v.b, 32);
	tafel_merkle_leaf_hash((const uint8_t *)"data", 4, h);
	v = b64val(DATA_B64);
	assert_memory_equal(h, v.b, 32);
	/* Node hash, also with the output aliasing an input. */
	hex32(level_hex[0][0], l);
	hex32(level_hex[0][1], r);
	tafel_merkle_node_hash(l, r, h);
	hex32(level_hex[1][0], want);
	assert_memory_equal(h, want, 32);
	tafel_merkle_node_hash(l, r, l);
	assert_memory_equal(l, want, 32);
	hex32(level_hex[0][0], l);
	tafel_merkle_node_hash(l, r, r);
	assert_memory_equal(r, want, 32);
	/* The prefixes matter: 0x01 over the pair is not 0x00 over it. */
	hex32(level_hex[0][1], r);
	{
		uint8_t cat[64];

		memcpy(cat, l, 32);
		memcpy(cat + 32, r, 32);
		tafel_merkle_leaf_hash(cat, 64, h);
		assert_memory_not_equal(h, want, 32);
	}
}

/* ---- Section 4.1: the tree ---- */

static void
test_tree_vectors(void **state)
{
	struct store *st = tree8();
	struct tafel_merkle_frontier f;
	uint8_t want[32], got[32];
	unsigned lvl;
	uint64_t i, n;

	/* Every stored node is the listed level node. */
	for (lvl = 0; lvl < 4; lvl++)
		for (i = 0; i < (8u >> lvl); i++) {
			hex32(level_hex[lvl][i], want);
			assert_true(st->have[lvl][i]);
			assert_memory_equal(st->node[lvl][i], want, 32);
		}
	assert_false(st->have[4][0]);
	/* Every root by size, three ways. */
	tafel_merkle_frontier_init(&f);
	for (n = 0; n <= 8; n++) {
		hex32(roots_hex[n], want);
		st->calls = 0;
		assert_int_equal(tafel_merkle_root(n, store_get, st, got), 0);
		assert_int_equal(st->bad_asks, 0);
		assert_int_equal(st->calls, __builtin_popcountll(n));
		assert_memory_equal(got, want, 32);
		tafel_merkle_frontier_root(&f, got);
		assert_memory_equal(got, want, 32);
		naive_mth((const uint8_t (*)[32])st->leaf, n, got);
		assert_memory_equal(got, want, 32);
		if (n < 8)
			assert_int_equal(tafel_merkle_frontier_append(&f,
			    st->leaf[n]), 0);
	}
	free(st);
}

/* ---- Section 4.1: the 196 probes ---- */

#define PROBE_MAXP	8

struct probe {
	char		desc[80];
	uint64_t	a, b;		/* leafIdx, treeSize / size1, size2 */
	struct val	x, y;		/* root, leafHash / root1, root2 */
	size_t		np;
	struct val	p[PROBE_MAXP];
	bool		want_err;
};

struct probes {
	size_t		n;
	struct probe	v[128];
};

static struct probe *
probe_add(struct probes *ps, const struct probe *base, const char *desc,
    bool want_err)
{
	struct probe *p;

	assert_true(ps->n < sizeof(ps->v) / sizeof(ps->v[0]));
	p = &ps->v[ps->n++];
	*p = *base;
	assert_true(snprintf(p->desc, sizeof(p->desc), "%s", desc) <
	    (int)sizeof(p->desc));
	p->want_err = want_err;
	return p;
}

static void
probe_append(struct probe *p, struct val v)
{
	assert_true(p->np < PROBE_MAXP);
	p->p[p->np++] = v;
}

static void
probe_prepend(struct probe *p, struct val v)
{
	assert_true(p->np < PROBE_MAXP);
	memmove(&p->p[1], &p->p[0], p->np * sizeof(p->p[0]));
	p->p[0] = v;
	p->np++;
}

/* cmd/proofgen invalidInclusionProof, in its order. */
static void
inclusion_family(struct probes *ps, const struct probe *h)
{
	struct val some = b64val(SOME_B64), empty = b64val(EMPTY_B64);
	struct val none = rawval("", 0);
	struct probe *p;
	char d[64];
	size_t i;

	probe_add(ps, h, "happy path", false);
	probe_add(ps, h, "leafIdx sub @1", true)->a = h->a - 1;
	probe_add(ps, h, "leafIdx plus @1", true)->a = h->a + 1;
	probe_add(ps, h, "leafIdx XOR @2", true)->a = h->a ^ 2;
	probe_add(ps, h, "treeSize mul @2", true)->b = h->b * 2;
	probe_add(ps, h, "treeSize div @2", true)->b = h->b / 2;
	probe_add(ps, h, "wrong leaf", true)->y = rawval("WrongLeaf", 9);
	probe_add(ps, h, "empty root", true)->x = empty;
	probe_add(ps, h, "random root", true)->x = some;
	probe_append(probe_add(ps, h, "trailing garbage", true), none);
	probe_append(probe_add(ps, h, "trailing root", true), h->x);
	probe_prepend(probe_add(ps, h, "preceding garbage", true), none);
	probe_prepend(probe_add(ps, h, "preceding root", true), h->x);
	for (i = 0; i < h->np; i++) {
		snprintf(d, sizeof(d), "modified proof[%zu] bit @3", i);
		p = probe_add(ps, h, d, true);
		p->p[i].b[0] ^= 8;
	}
	if (h->np > 0)
		probe_add(ps, h, "removed component", true)->np--;
	if (h->np > 1) {
		p = probe_add(ps, h, "inserted component", true);
		memmove(&p->p[2], &p->p[1], (p->np - 1) * sizeof(p->p[0]));
		p->p[1] = some;
		p->np++;
	}
}

/* cmd/proofgen invalidConsistencyProof, in its order. */
static void
consistency_family(struct probes *ps, const struct probe *h)
{
	struct val wrong = rawval("WrongRoot", 9), none = rawval("", 0);
	struct probe *p;
	char d[64];
	size_t i;

	probe_add(ps, h, "happy path", false);
	if (h->np == 0)
		return;		/* only non-trivial proofs are mutated */
	probe_add(ps, h, "size1 sub @1", true)->a = h->a - 1;
	probe_add(ps, h, "size1 plus @1", true)->a = h->a + 1;
	probe_add(ps, h, "size1 XOR @2", true)->a = h->a ^ 2;
	probe_add(ps, h, "size2 mul @2", true)->b = h->b * 2;
	probe_add(ps, h, "size2 div @2", true)->b = h->b / 2;
	probe_add(ps, h, "wrong root1", true)->x = wrong;
	probe_add(ps, h, "wrong root2", true)->y = wrong;
	p = probe_add(ps, h, "swapped roots", true);
	p->x = h->y;
	p->y = h->x;
	probe_add(ps, h, "empty proof", true)->np = 0;
	probe_append(probe_add(ps, h, "trailing garbage", true), none);
	probe_append(probe_add(ps, h, "trailing root1", true), h->x);
	probe_append(probe_add(ps, h, "trailing root2", true), h->y);
	probe_prepend(probe_add(ps, h, "preceding garbage", true), none);
	probe_prepend(probe_add(ps, h, "preceding root1", true), h->x);
	probe_prepend(probe_add(ps, h, "preceding root2", true), h->y);
	probe_prepend(probe_add(ps, h, "preceding proof @0", true), h->p[0]);
	probe_add(ps, h, "truncated proof", true)->np--;
	for (i = 0; i < h->np; i++) {
		snprintf(d, sizeof(d), "modified proof@%zu bit @4", i);
		p = probe_add(ps, h, d, true);
		p->p[i].b[0] ^= 16;
	}
}

static void
happy_probe(const struct happy *h, struct probe *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->a = h->a;
	p->b = h->b;
	p->x = b64val(h->x);
	p->y = b64val(h->y);
	for (i = 0; i < h->np; i++)
		probe_append(p, b64val(h->proof[i]));
}

static void
inclusion_probes(struct probes *ps)
{
	static const uint64_t stat[4][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 },
	    { 2, 1 } };
	struct probe h;
	size_t i;

	ps->n = 0;
	for (i = 0; i < 5; i++) {
		happy_probe(&inc_happy[i], &h);
		inclusion_family(ps, &h);
	}
	/* additional/{0,1,2,3} */
	for (i = 0; i < 4; i++) {
		memset(&h, 0, sizeof(h));
		h.a = stat[i][0];
		h.b = stat[i][1];
		h.x = rawval("", 0);
		h.y = b64val(SOME_B64);
		probe_add(ps, &h, "random leaf", true);
		h.x = b64val(EMPTY_B64);
		h.y = rawval("", 0);
		probe_add(ps, &h, "empty root", true);
		h.y = b64val(SOME_B64);
		probe_add(ps, &h, "empty root and random leaf", true);
	}
	/* single-entry */
	memset(&h, 0, sizeof(h));
	h.a = 0;
	h.b = 1;
	h.x = h.y = b64val(DATA_B64);
	probe_add(ps, &h, "matching root and leaf", false);
	h.y = rawval("", 0);
	probe_add(ps, &h, "empty leaf", true);
	h.x = rawval("", 0);
	h.y = b64val(DATA_B64);
	probe_add(ps, &h, "empty root", true);
	h.y = rawval("", 0);
	probe_add(ps, &h, "empty root and leaf", true);
}

static void
consistency_probes(struct probes *ps)
{
	struct probe h;
	size_t i;

	ps->n = 0;
	for (i = 0; i < 5; i++) {
		happy_probe(&con_happy[i], &h);
		consistency_family(ps, &h);
	}
	for (i = 0; i < 14; i++) {
		memset(&h, 0, sizeof(h));
		h.a = con_static[i].size1;
		h.b = con_static[i].size2;
		h.x = b64val(con_static[i].root1);
		h.y = b64val(con_static[i].root2);
		if (con_static[i].proof != NULL)
			probe_append(&h, b64val(con_static[i].proof));
		probe_add(ps, &h, con_static[i].desc, con_static[i].want_err);
	}
}

/*
 * Our API takes 32-byte hashes.  A leaf hash or proof element of another
 * length never reaches the verifier: the parsers refuse it (a tlog-proof
 * hash line is 44 base64 characters), as transparency-dev checks the
 * leaf hash length.  Roots are only ever compared for equality, so a
 * root of another length (the probes' "don't care" strings, empty roots)
 * is zero-padded, which keeps distinct roots distinct.  pad_all pads the
 * leaf and the proof elements too, to run the verifier on them as well.
 */
static int
run_inclusion(const struct probe *p, bool pad_all)
{
	uint8_t proof[PROBE_MAXP][32];
	size_t i;

	if (!pad_all && p->y.len != 32)
		return TAFEL_EMALFORMED;
	for (i = 0; i < p->np; i++) {
		if (!pad_all && p->p[i].len != 32)
			return TAFEL_EMALFORMED;
		memcpy(proof[i], p->p[i].b, 32);
	}
	return tafel_merkle_verify_inclusion(p->a, p->b, p->y.b,
	    (const uint8_t (*)[32])proof, p->np, p->x.b);
}

static int
run_consistency(const struct probe *p, bool pad_all)
{
	uint8_t proof[PROBE_MAXP][32];
	size_t i;

	for (i = 0; i < p->np; i++) {
		if (!pad_all && p->p[i].len != 32)
			return TAFEL_EMALFORMED;
		memcpy(proof[i], p->p[i].b, 32);
	}
	return tafel_merkle_verify_consistency(p->a, p->b, p->x.b, p->y.b,
	    (const uint8_t (*)[32])proof, p->np);
}

static void
test_probes_inclusion(void **state)
{
	struct probes *ps = calloc(1, sizeof(*ps));
	struct store *st = tree8();
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], root[32];
	size_t i, j, np, ok = 0;
	int rc;

	assert_non_null(ps);
	inclusion_probes(ps);
	assert_int_equal(ps->n, 98);
	for (i = 0; i < ps->n; i++) {
		const struct probe *p = &ps->v[i];

		rc = run_inclusion(p, false);
		if ((rc != 0) != p->want_err)
			fail_msg("inclusion probe %zu (%s): rc %d", i, p->desc,
			    rc);
		/* Padded leaf and elements: the verifier itself refuses. */
		if (p->want_err && p->y.len == 32 &&
		    run_inclusion(p, true) == 0)
			fail_msg("inclusion probe %zu (%s) padded passes", i,
			    p->desc);
		if (p->want_err)
			continue;
		ok++;
		if (strcmp(p->desc, "happy path") != 0)
			continue;	/* single-entry "data" */
		/* Happy paths: our tree, our proof, our root. */
		assert_int_equal(tafel_merkle_prove_inclusion(p->a, p->b,
		    store_get, st, proof, &np), 0);
		assert_int_equal(np, p->np);
		for (j = 0; j < np; j++)
			assert_memory_equal(proof[j], p->p[j].b, 32);
		assert_memory_equal(st->node[0][p->a], p->y.b, 32);
		assert_int_equal(tafel_merkle_root(p->b, store_get, st, root),
		    0);
		assert_memory_equal(root, p->x.b, 32);
	}
	assert_int_equal(ok, 6);
	assert_int_equal(st->bad_asks, 0);
	free(st);
	free(ps);
}

static void
test_probes_consistency(void **state)
{
	struct probes *ps = calloc(1, sizeof(*ps));
	struct store *st = tree8();
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], root[32];
	size_t i, j, np, ok = 0;
	int rc;

	assert_non_null(ps);
	consistency_probes(ps);
	assert_int_equal(ps->n, 98);
	for (i = 0; i < ps->n; i++) {
		const struct probe *p = &ps->v[i];

		rc = run_consistency(p, false);
		if ((rc != 0) != p->want_err)
			fail_msg("consistency probe %zu (%s): rc %d", i,
			    p->desc, rc);
		if (p->want_err && run_consistency(p, true) == 0)
			fail_msg("consistency probe %zu (%s) padded passes", i,
			    p->desc);
		if (p->want_err)
			continue;
		ok++;
		if (strcmp(p->desc, "happy path") != 0)
			continue;	/* "don't care" roots */
		assert_int_equal(tafel_merkle_prove_consistency(p->a, p->b,
		    store_get, st, proof, &np), 0);
		assert_int_equal(np, p->np);
		for (j = 0; j < np; j++)
			assert_memory_equal(proof[j], p->p[j].b, 32);
		assert_int_equal(tafel_merkle_root(p->a, store_get, st, root),
		    0);
		assert_memory_equal(root, p->x.b, 32);
		assert_int_equal(tafel_merkle_root(p->b, store_get, st, root),
		    0);
		assert_memory_equal(root, p->y.b, 32);
	}
	assert_int_equal(ok, 6);
	assert_int_equal(st->bad_asks, 0);
	free(st);
	free(ps);
}

/* ---- Section 4.5 ---- */

static void
test_derived_table(void **state)
{
	struct store *st = tree8();
	uint8_t want[TAFEL_MERKLE_MAX_PROOF][32];
	uint8_t got[TAFEL_MERKLE_MAX_PROOF][32], r1[32], r2[32];
	bool seen_i[9][9], seen_c[9][9];
	size_t i, j, nw, ng, ni = 0, nc = 0;
	unsigned a, b;
	char kind, hex[65];
	const char *s;

	memset(seen_i, 0, sizeof(seen_i));
	memset(seen_c, 0, sizeof(seen_c));
	for (i = 0; i < sizeof(derived) / sizeof(derived[0]); i++) {
		int off;

		assert_int_equal(sscanf(derived[i], "%c %u %u %n", &kind, &b,
		    &a, &off), 3);
		s = derived[i] + off;
		nw = 0;
		while (strcmp(s, "-") != 0) {
			memcpy(hex, s, 64);
			hex[64] = '\0';
			hex32(hex, want[nw++]);
			s += 64;
			if (*s == '\0')
				break;
			assert_int_equal(*s, ',');
			s++;
		}
		if (kind == 'I') {
			/* "I n idx": a is the index, b the size. */
			assert_true(a < b && b <= 8 && !seen_i[a][b]);
			seen_i[a][b] = true;
			ni++;
			assert_int_equal(tafel_merkle_prove_inclusion(a, b,
			    store_get, st, got, &ng), 0);
			assert_int_equal(tafel_merkle_root(b, store_get, st,
			    r2), 0);
			assert_int_equal(tafel_merkle_verify_inclusion(a, b,
			    st->node[0][a], (const uint8_t (*)[32])want, nw,
			    r2), 0);
		} else {
			/* "C m n": b is m, a is n. */
			assert_int_equal(kind, 'C');
			assert_true(b >= 1 && b < a && a <= 8 && !seen_c[b][a]);
			seen_c[b][a] = true;
			nc++;
			assert_int_equal(tafel_merkle_prove_consistency(b, a,
			    store_get, st, got, &ng), 0);
			assert_int_equal(tafel_merkle_root(b, store_get, st,
			    r1), 0);
			assert_int_equal(tafel_merkle_root(a, store_get, st,
			    r2), 0);
			assert_int_equal(tafel_merkle_verify_consistency(b, a,
			    r1, r2, (const uint8_t (*)[32])want, nw), 0);
		}
		assert_int_equal(ng, nw);
		for (j = 0; j < nw; j++)
			assert_memory_equal(got[j], want[j], 32);
	}
	/* Every (index, size) and every (m, n) of the 8-leaf tree. */
	assert_int_equal(ni, 36);
	assert_int_equal(nc, 28);
	assert_int_equal(st->bad_asks, 0);
	free(st);
}

static void
test_ct_roots(void **state)
{
	struct store *st = store_new();
	struct tafel_merkle_frontier f;
	uint8_t lh[32], want[32], got[32];
	size_t i, n = 0;

	tafel_merkle_frontier_init(&f);
	for (i = 0; i < sizeof(ct_roots) / sizeof(ct_roots[0]); i++) {
		while (n < ct_roots[i].size) {
			uint8_t byte = (uint8_t)n;

			tafel_merkle_leaf_hash(&byte, 1, lh);
			store_append(st, lh);
			assert_int_equal(tafel_merkle_frontier_append(&f, lh),
			    0);
			n++;
		}
		hex32(ct_roots[i].root, want);
		assert_int_equal(tafel_merkle_root(n, store_get, st, got), 0);
		assert_memory_equal(got, want, 32);
		tafel_merkle_frontier_root(&f, got);
		assert_memory_equal(got, want, 32);
	}
	free(st);
}

/* ---- Stored-node proofs against the naive recursion ---- */

static unsigned
bitlen(uint64_t n)
{
	return n == 0 ? 0 : 64 - (unsigned)__builtin_clzll(n);
}

static void
test_against_naive(void **state)
{
	const size_t N = 260;
	struct store *st = tree_random(N);
	const uint8_t (*lh)[32] = (const uint8_t (*)[32])st->leaf;
	uint8_t got[TAFEL_MERKLE_MAX_PROOF][32];
	uint8_t want[TAFEL_MERKLE_MAX_PROOF][32];
	uint8_t r1[32], r2[32], rn[32];
	struct tafel_merkle_frontier f;
	size_t ng, nw, j;
	uint64_t m, n;

	tafel_merkle_frontier_init(&f);
	for (n = 1; n <= N; n++) {
		assert_int_equal(tafel_merkle_frontier_append(&f, lh[n - 1]),
		    0);
		st->calls = 0;
		assert_int_equal(tafel_merkle_root(n, store_get, st, r2), 0);
		assert_int_equal(st->calls, __builtin_popcountll(n));
		naive_mth(lh, n, rn);
		assert_memory_equal(r2, rn, 32);
		tafel_merkle_frontier_root(&f, r1);
		assert_memory_equal(r1, rn, 32);
		for (m = 0; m < n; m++) {
			/* All pairs up to 70 leaves, then a sample. */
			if (n > 70 && m % 53 != 0 && m != n - 1)
				continue;
			st->calls = 0;
			assert_int_equal(tafel_merkle_prove_inclusion(m, n,
			    store_get, st, got, &ng), 0);
			assert_true(st->calls <= 2 * bitlen(n));
			nw = 0;
			naive_path(m, lh, n, want, &nw);
			assert_int_equal(ng, nw);
			for (j = 0; j < nw; j++)
				assert_memory_equal(got[j], want[j], 32);
			assert_int_equal(tafel_merkle_verify_inclusion(m, n,
			    lh[m], (const uint8_t (*)[32])got, ng, r2), 0);
			if (m == 0)
				continue;
			st->calls = 0;
			assert_int_equal(tafel_merkle_prove_consistency(m, n,
			    store_get, st, got, &ng), 0);
			assert_true(st->calls <= 3 * bitlen(n));
			nw = 0;
			naive_subproof(m, lh, n, true, want, &nw);
			assert_int_equal(ng, nw);
			for (j = 0; j < nw; j++)
				assert_memory_equal(got[j], want[j], 32);
			naive_mth(lh, m, r1);
			assert_int_equal(tafel_merkle_verify_consistency(m, n,
			    r1, r2, (const uint8_t (*)[32])got, ng), 0);
		}
		/* m == n: an empty proof, equal roots. */
		assert_int_equal(tafel_merkle_prove_consistency(n, n,
		    store_get, st, got, &ng), 0);
		assert_int_equal(ng, 0);
		assert_int_equal(tafel_merkle_verify_consistency(n, n, r2, r2,
		    NULL, 0), 0);
	}
	assert_int_equal(st->bad_asks, 0);
	free(st);
}

/* ---- Tampering, shapes, caps ---- */

static void
test_tamper(void **state)
{
	struct store *st = tree_random(77);
	const uint8_t (*lh)[32] = (const uint8_t (*)[32])st->leaf;
	uint8_t p[TAFEL_MERKLE_MAX_PROOF + 1][32];
	uint8_t r1[32], r2[32], bad[32];
	uint64_t m = 45, n = 77, x;
	size_t np, i, bit;
	int rc;

	assert_int_equal(tafel_merkle_root(n, store_get, st, r2), 0);
	assert_int_equal(tafel_merkle_root(m, store_get, st, r1), 0);
	/* Inclusion: every bit of every element, of the leaf, the root. */
	assert_int_equal(tafel_merkle_prove_inclusion(m, n, store_get, st, p,
	    &np), 0);
	assert_int_equal(np, 7);
	for (i = 0; i < np; i++)
		for (bit = 0; bit < 256; bit++) {
			p[i][bit / 8] ^= 1 << (bit % 8);
			assert_int_equal(tafel_merkle_verify_inclusion(m, n,
			    lh[m], (const uint8_t (*)[32])p, np, r2),
			    TAFEL_ESIG);
			p[i][bit / 8] ^= 1 << (bit % 8);
		}
	for (bit = 0; bit < 256; bit++) {
		memcpy(bad, lh[m], 32);
		bad[bit / 8] ^= 1 << (bit % 8);
		assert_int_equal(tafel_merkle_verify_inclusion(m, n, bad,
		    (const uint8_t (*)[32])p, np, r2), TAFEL_ESIG);
		memcpy(bad, r2, 32);
		bad[bit / 8] ^= 1 << (bit % 8);
		assert_int_equal(tafel_merkle_verify_inclusion(m, n, lh[m],
		    (const uint8_t (*)[32])p, np, bad), TAFEL_ESIG);
	}
	/*
	 * Any other index fails.  Another size passes exactly when its
	 * path has the same shape: leaf 45 sits in the perfect subtree
	 * [0, 64) and has one sibling beyond it for every size in 65..128.
	 * RFC 6962 proofs do not bind the size; the signed checkpoint does.
	 */
	for (x = 0; x < 300; x++) {
		if (x != m)
			assert_int_not_equal(tafel_merkle_verify_inclusion(x,
			    n, lh[m], (const uint8_t (*)[32])p, np, r2), 0);
		rc = tafel_merkle_verify_inclusion(m, x, lh[m],
		    (const uint8_t (*)[32])p, np, r2);
		if ((rc == 0) != (x >= 65 && x <= 128))
			fail_msg("inclusion 45 in %d: %d", (int)x, rc);
	}
	/* Shorter and longer proofs are the wrong shape. */
	for (i = 0; i < np; i++)
		assert_int_equal(tafel_merkle_verify_inclusion(m, n, lh[m],
		    (const uint8_t (*)[32])p, i, r2), TAFEL_EMALFORMED);
	memcpy(p[np], r2, 32);
	assert_int_equal(tafel_merkle_verify_inclusion(m, n, lh[m],
	    (const uint8_t (*)[32])p, np + 1, r2), TAFEL_EMALFORMED);
	assert_int_equal(tafel_merkle_verify_inclusion(n, n, lh[m],
	    (const uint8_t (*)[32])p, np, r2), TAFEL_EMALFORMED);
	assert_int_equal(tafel_merkle_verify_inclusion(0, 0, lh[m], NULL, 0,
	    r2), TAFEL_EMALFORMED);
	assert_int_equal(tafel_merkle_verify_inclusion(0,
	    TAFEL_MERKLE_MAX_SIZE + 1, lh[m], (const uint8_t (*)[32])p, 63,
	    r2), TAFEL_EMALFORMED);
	assert_int_equal(tafel_merkle_verify_inclusion(m, n, lh[m],
	    (const uint8_t (*)[32])p, TAFEL_MERKLE_MAX_PROOF + 1, r2),
	    TAFEL_ETOOBIG);

	/* Consistency: the same. */
	assert_int_equal(tafel_merkle_prove_consistency(m, n, store_get, st,
	    p, &np), 0);
	assert_true(np >= 2);
	for (i = 0; i < np; i++)
		for (bit = 0; bit < 256; bit++) {
			p[i][bit / 8] ^= 1 << (bit % 8);
			assert_int_equal(tafel_merkle_verify_consistency(m, n,
			    r1, r2, (const uint8_t (*)[32])p, np), TAFEL_ESIG);
			p[i][bit / 8] ^= 1 << (bit % 8);
		}
	for (bit = 0; bit < 256; bit++) {
		memcpy(bad, r1, 32);
		bad[bit / 8] ^= 1 << (bit % 8);
		assert_int_equal(tafel_merkle_verify_consistency(m, n, bad, r2,
		    (const uint8_t (*)[32])p, np), TAFEL_ESIG);
		memcpy(bad, r2, 32);
		bad[bit / 8] ^= 1 << (bit % 8);
		assert_int_equal(tafel_merkle_verify_consistency(m, n, r1, bad,
		    (const uint8_t (*)[32])p, np), TAFEL_ESIG);
	}
	/* The old size is bound by root1; the new one as above. */
	for (x = 0; x < 300; x++) {
		if (x != m)
			assert_int_not_equal(tafel_merkle_verify_consistency(x,
			    n, r1, r2, (const uint8_t (*)[32])p, np), 0);
		rc = tafel_merkle_verify_consistency(m, x, r1, r2,
		    (const uint8_t (*)[32])p, np);
		if ((rc == 0) != (x >= 65 && x <= 128))
			fail_msg("consistency 45 to %d: %d", (int)x, rc);
	}
	for (i = 0; i < np; i++) {
		rc = tafel_merkle_verify_consistency(m, n, r1, r2,
		    (const uint8_t (*)[32])p, i);
		assert_int_equal(rc, TAFEL_EMALFORMED);
	}
	memcpy(p[np], r2, 32);
	assert_int_equal(tafel_merkle_verify_consistency(m, n, r1, r2,
	    (const uint8_t (*)[32])p, np + 1), TAFEL_EMALFORMED);
	assert_int_equal(tafel_merkle_verify_consistency(m, n, r1, r2,
	    (const uint8_t (*)[32])p, TAFEL_MERKLE_MAX_PROOF + 1),
	    TAFEL_ETOOBIG);
	assert_int_equal(tafel_merkle_verify_consistency(n, m, r2, r1,
	    (const uint8_t (*)[32])p, np), TAFEL_EMALFORMED);
	assert_int_equal(tafel_merkle_verify_consistency(0, n, r1, r2,
	    (const uint8_t (*)[32])p, np), TAFEL_EMALFORMED);
	assert_int_equal(tafel_merkle_verify_consistency(m,
	    TAFEL_MERKLE_MAX_SIZE + 1, r1, r2, (const uint8_t (*)[32])p, np),
	    TAFEL_EMALFORMED);
	/* An empty proof, never read (step 1 of RFC 9162 2.1.4.2). */
	assert_int_equal(tafel_merkle_verify_consistency(3, 7, r1, r2, NULL,
	    0), TAFEL_EMALFORMED);
	assert_int_equal(tafel_merkle_verify_consistency(4, 7, r1, r2, NULL,
	    0), TAFEL_EMALFORMED);
	/* Same size: equal roots pass, others are evidence of a fork. */
	assert_int_equal(tafel_merkle_verify_consistency(n, n, r2, r2, NULL,
	    0), 0);
	assert_int_equal(tafel_merkle_verify_consistency(n, n, r1, r2, NULL,
	    0), TAFEL_ESIG);
	assert_int_equal(tafel_merkle_verify_consistency(n, n, r2, r2,
	    (const uint8_t (*)[32])p, 1), TAFEL_EMALFORMED);
	free(st);
}

/* ---- Generation arguments, callback errors ---- */

static void
test_prove_args(void **state)
{
	struct store *st = tree8();
	struct tafel_merkle_node nodes[TAFEL_MERKLE_MAX_LEVELS];
	uint8_t p[TAFEL_MERKLE_MAX_PROOF][32], r[32], lh[32] = { 0 };
	size_t np, nn;

	np = 99;
	assert_int_equal(tafel_merkle_prove_inclusion(8, 8, store_get, st, p,
	    &np), TAFEL_EINVAL);
	assert_int_equal(np, 0);
	assert_int_equal(tafel_merkle_prove_inclusion(0, 0, store_get, st, p,
	    &np), TAFEL_EINVAL);
	assert_int_equal(tafel_merkle_prove_inclusion(0,
	    TAFEL_MERKLE_MAX_SIZE + 1, store_get, st, p, &np), TAFEL_EINVAL);
	assert_int_equal(tafel_merkle_prove_consistency(0, 8, store_get, st,
	    p, &np), TAFEL_EINVAL);
	assert_int_equal(tafel_merkle_prove_consistency(5, 4, store_get, st,
	    p, &np), TAFEL_EINVAL);
	assert_int_equal(tafel_merkle_prove_consistency(1,
	    TAFEL_MERKLE_MAX_SIZE + 1, store_get, st, p, &np), TAFEL_EINVAL);
	assert_int_equal(tafel_merkle_root(TAFEL_MERKLE_MAX_SIZE + 1,
	    store_get, st, r), TAFEL_EINVAL);
	assert_int_equal(tafel_merkle_append(TAFEL_MERKLE_MAX_SIZE, lh,
	    store_get, st, nodes, &nn), TAFEL_EINVAL);
	assert_int_equal(nn, 0);
	/* The store has nothing beyond 8 leaves: asking is an error. */
	assert_int_equal(tafel_merkle_root(9, store_get, st, r), TAFEL_EINVAL);
	assert_int_equal(st->bad_asks, 1);

	/* A negative callback error comes back as is, at every call. */
	st->bad_asks = 0;
	for (st->fail_after = 0; st->fail_after < 3; ) {
		int after = st->fail_after;

		st->fail_rc = TAFEL_ENOMEM;
		assert_int_equal(tafel_merkle_root(7, store_get, st, r),
		    TAFEL_ENOMEM);
		st->fail_after = after;
		assert_int_equal(tafel_merkle_prove_inclusion(2, 7, store_get,
		    st, p, &np), TAFEL_ENOMEM);
		assert_int_equal(np, 0);
		st->fail_after = after;
		assert_int_equal(tafel_merkle_prove_consistency(3, 7,
		    store_get, st, p, &np), TAFEL_ENOMEM);
		st->fail_after = after;
		assert_int_equal(tafel_merkle_append(7, lh, store_get, st,
		    nodes, &nn), after < 3 ? TAFEL_ENOMEM : 0);
		assert_int_equal(nn, 0);
		st->fail_after = after + 1;
	}
	/* A positive one becomes TAFEL_EINVAL. */
	st->fail_after = 0;
	st->fail_rc = 5;
	assert_int_equal(tafel_merkle_root(8, store_get, st, r), TAFEL_EINVAL);
	st->fail_after = 0;
	assert_int_equal(tafel_merkle_prove_inclusion(2, 7, store_get, st, p,
	    &np), TAFEL_EINVAL);
	st->fail_rc = 0;
	/* The empty tree needs no node; size 1 needs no proof node. */
	st->calls = 0;
	assert_int_equal(tafel_merkle_root(0, store_get, st, r), 0);
	assert_int_equal(tafel_merkle_prove_inclusion(0, 1, store_get, st, p,
	    &np), 0);
	assert_int_equal(np, 0);
	assert_int_equal(st->calls, 0);
	assert_int_equal(st->bad_asks, 0);
	free(st);
}

/* ---- The appender's store ---- */

static void
test_append_store(void **state)
{
	const size_t N = 1000;
	struct store *st = tree_random(N);
	size_t count = 0, lvl, i;
	uint8_t h[32];

	for (lvl = 0; lvl < ST_LEVELS; lvl++)
		for (i = 0; i < ST_LEAVES; i++) {
			if (!st->have[lvl][i]) {
				/* Missing only when incomplete. */
				assert_true(((i + 1) << lvl) > N);
				continue;
			}
			count++;
			assert_true(((i + 1) << lvl) <= N);
			naive_mth((const uint8_t (*)[32])st->leaf + (i << lvl),
			    (uint64_t)1 << lvl, h);
			assert_memory_equal(st->node[lvl][i], h, 32);
		}
	/* 2n - popcount(n) nodes for n leaves. */
	assert_int_equal(count, 2 * N - __builtin_popcountll(N));
	free(st);
}

static void
test_frontier(void **state)
{
	struct tafel_merkle_frontier f;
	uint8_t r[32], want[32], lh[32] = { 1 };

	tafel_merkle_frontier_init(&f);
	tafel_merkle_frontier_root(&f, r);
	hex32(roots_hex[0], want);
	assert_memory_equal(r, want, 32);
	f.size = TAFEL_MERKLE_MAX_SIZE;
	assert_int_equal(tafel_merkle_frontier_append(&f, lh), TAFEL_EINVAL);
	assert_int_equal(f.size, TAFEL_MERKLE_MAX_SIZE);
}

/* ---- Sizes near 2^63 ---- */

/*
 * A tree whose leaves are all the same hash: node (l, i) is then z[l]
 * for every i, so a store exists for any size.  It checks the index
 * arithmetic and the proof lengths for the largest sizes.
 */
struct flat {
	uint64_t	size;
	uint8_t		z[64][32];
	unsigned	bad;
};

static int
flat_get(void *arg, unsigned level, uint64_t index, uint8_t out[32])
{
	struct flat *fl = arg;

	if (level >= 63 || index > (fl->size >> level) ||
	    index + 1 > (fl->size >> level)) {
		fl->bad++;
		return TAFEL_EINVAL;
	}
	memcpy(out, fl->z[level], 32);
	return 0;
}

static void
test_large_sizes(void **state)
{
	struct flat fl;
	uint8_t p[TAFEL_MERKLE_MAX_PROOF][32], r1[32], r2[32];
	const uint64_t big = TAFEL_MERKLE_MAX_SIZE;
	const uint64_t sizes[] = { big, big - 1, (uint64_t)1 << 62,
	    ((uint64_t)1 << 62) + 1, 0x5555555555555555ULL };
	const uint64_t olds[] = { 1, 2, 3, ((uint64_t)1 << 62) - 1,
	    (uint64_t)1 << 61, 0x1234567890ULL };
	size_t np, i, j;
	unsigned l;

	memset(&fl, 0, sizeof(fl));
	tafel_merkle_leaf_hash((const uint8_t *)"x", 1, fl.z[0]);
	for (l = 1; l < 64; l++)
		tafel_merkle_node_hash(fl.z[l - 1], fl.z[l - 1], fl.z[l]);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = sizes[i];
		const uint64_t idx[] = { 0, 1, n / 2, n - 2, n - 1 };

		fl.size = n;
		assert_int_equal(tafel_merkle_root(n, flat_get, &fl, r2), 0);
		for (j = 0; j < sizeof(idx) / sizeof(idx[0]); j++) {
			assert_int_equal(tafel_merkle_prove_inclusion(idx[j],
			    n, flat_get, &fl, p, &np), 0);
			assert_true(np <= 63);
			assert_int_equal(tafel_merkle_verify_inclusion(idx[j],
			    n, fl.z[0], (const uint8_t (*)[32])p, np, r2), 0);
			p[np / 2][0] ^= 1;
			assert_int_equal(tafel_merkle_verify_inclusion(idx[j],
			    n, fl.z[0], (const uint8_t (*)[32])p, np, r2),
			    TAFEL_ESIG);
		}
		for (j = 0; j < sizeof(olds) / sizeof(olds[0]); j++) {
			fl.size = olds[j];
			assert_int_equal(tafel_merkle_root(olds[j], flat_get,
			    &fl, r1), 0);
			fl.size = n;
			assert_int_equal(tafel_merkle_prove_consistency(olds[j],
			    n, flat_get, &fl, p, &np), 0);
			assert_true(np >= 1 && np <= TAFEL_MERKLE_MAX_PROOF);
			assert_int_equal(tafel_merkle_verify_consistency(
			    olds[j], n, r1, r2, (const uint8_t (*)[32])p, np),
			    0);
			p[0][0] ^= 1;
			assert_int_not_equal(tafel_merkle_verify_consistency(
			    olds[j], n, r1, r2, (const uint8_t (*)[32])p, np),
			    0);
		}
	}
	assert_int_equal(fl.bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_tree_vectors),
		cmocka_unit_test(test_probes_inclusion),
		cmocka_unit_test(test_probes_consistency),
		cmocka_unit_test(test_derived_table),
		cmocka_unit_test(test_ct_roots),
		cmocka_unit_test(test_against_naive),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_prove_args),
		cmocka_unit_test(test_append_store),
		cmocka_unit_test(test_frontier),
		cmocka_unit_test(test_large_sizes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("merkle", tests, NULL, NULL);
}
