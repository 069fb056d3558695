/*
 * Control protocol messages: round trips and refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tafel/ctl.h"

static void
test_request(void **state)
{
	struct tafel_ctl_req r;
	struct tafel_mpw w;
	msgpack_unpacked u;
	uint8_t *b;
	size_t n;

	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "case.show");
	tafel_mpw_map(&w, 1);
	tafel_mpw_str(&w, "case");
	tafel_mpw_str(&w, "00112233445566778899aabbccddeeff");
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(tafel_ctl_req_decode(&u, b, n, &r), 0);
	assert_string_equal(r.op, "case.show");
	assert_int_equal(r.args->via.map.size, 1);
	msgpack_unpacked_destroy(&u);
	/* Every truncation is refused. */
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(tafel_ctl_req_decode(&u, b, i, &r), 0);
	free(b);

	/* args must be a map. */
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "status");
	tafel_mpw_array(&w, 0);
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(tafel_ctl_req_decode(&u, b, n, &r), TAFEL_EMALFORMED);
	free(b);
}

static void
test_responses(void **state)
{
	struct tafel_ctl_resp r;
	struct tafel_mpw w;
	msgpack_unpacked u;
	uint8_t *b;
	size_t n;

	tafel_mpw_init(&w);
	tafel_ctl_ok_begin(&w);
	tafel_mpw_map(&w, 1);
	tafel_mpw_str(&w, "case");
	tafel_mpw_str(&w, "x");
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(tafel_ctl_resp_decode(&u, b, n, &r), 0);
	assert_true(r.ok);
	assert_non_null(r.data);
	msgpack_unpacked_destroy(&u);
	free(b);

	tafel_mpw_init(&w);
	tafel_ctl_err(&w, "no-case", "no case 1234 here");
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(tafel_ctl_resp_decode(&u, b, n, &r), 0);
	assert_false(r.ok);
	assert_string_equal(r.code, "no-case");
	assert_string_equal(r.msg, "no case 1234 here");
	msgpack_unpacked_destroy(&u);
	free(b);

	/* ok: false without a code is refused; so is a code that is no id. */
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "ok");
	tafel_mpw_bool(&w, false);
	tafel_mpw_str(&w, "msg");
	tafel_mpw_str(&w, "x");
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(tafel_ctl_resp_decode(&u, b, n, &r), TAFEL_EMALFORMED);
	free(b);
	tafel_mpw_init(&w);
	tafel_ctl_err(&w, "No Case", "x");
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(tafel_ctl_resp_decode(&u, b, n, &r), TAFEL_EMALFORMED);
	free(b);
	/* ok: true with a code is refused. */
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 4);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "ok");
	tafel_mpw_bool(&w, true);
	tafel_mpw_str(&w, "data");
	tafel_mpw_map(&w, 0);
	tafel_mpw_str(&w, "code");
	tafel_mpw_str(&w, "x");
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(tafel_ctl_resp_decode(&u, b, n, &r), TAFEL_EMALFORMED);
	free(b);
}

static void
test_long_message_is_cut(void **state)
{
	struct tafel_ctl_resp r;
	struct tafel_mpw w;
	msgpack_unpacked u;
	char msg[2000];
	uint8_t *b;
	size_t n;

	memset(msg, 'a', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	tafel_mpw_init(&w);
	tafel_ctl_err(&w, "internal", msg);
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(tafel_ctl_resp_decode(&u, b, n, &r), 0);
	assert_int_equal(strlen(r.msg), TAFEL_CTL_MSG_MAX);
	msgpack_unpacked_destroy(&u);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_long_message_is_cut),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
