/*
 * libFuzzer harness: the rules text format.  What parses must format and
 * parse back to the same rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/table.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct tafel_rules r, back;
	const char *why;
	unsigned line;
	char *text;

	if (tafel_rules_parse((const char *)buf, len, &r, &line, &why) != 0)
		return 0;
	if (tafel_rules_format(&r, &text) != 0)
		abort();
	if (tafel_rules_parse(text, strlen(text), &back, &line, &why) != 0 ||
	    memcmp(&r, &back, sizeof(r)) != 0)
		abort();
	free(text);
	return 0;
}
