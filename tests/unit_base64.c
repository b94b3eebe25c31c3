/* unit_base64.c: strict base64 decoding and URL-safe tokens (base64.c). */
#include "testutil.h"

#include <string.h>

#include "base64.h"

static long long dec(const char *in, uint8_t *out, size_t *bad)
{
	return fcdb__base64_decode(out, in, strlen(in), bad);
}

static void test_rfc4648_vectors(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
	                                     "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v",
	                                   "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	uint8_t out[16];

	(void)state;
	for (int i = 0; i < 7; i++) {
		long long n = dec(enc[i], out, NULL);
		assert_int_equal(n, (long long)strlen(plain[i]));
		assert_memory_equal(out, plain[i], (size_t)n);
	}
}

static void test_whitespace_ignored(void **state)
{
	uint8_t out[16];

	(void)state;
	assert_int_equal(dec("Zm9v\nYmFy\r\n", out, NULL), 6);
	assert_memory_equal(out, "foobar", 6);
}

static void test_refusals(void **state)
{
	uint8_t out[64];
	size_t bad = 0;

	(void)state;
	assert_int_equal(dec("not base64 !!!", out, &bad), -1);
	assert_int_equal(bad, 11);
	assert_int_equal(dec("Zm9", out, &bad), -1);    /* truncated */
	assert_int_equal(bad, 3);
	assert_int_equal(dec("Zg=", out, &bad), -1);    /* short padding */
	assert_int_equal(dec("Z===", out, &bad), -1);   /* too much padding */
	assert_int_equal(dec("Zg==Zg==", out, &bad), -1); /* data after padding */
	assert_int_equal(dec("Zh==", out, &bad), -1);   /* non-zero spare bits */
	assert_int_equal(dec("Zm9-", out, &bad), -1);   /* URL alphabet */
}

static void test_url_round_trip(void **state)
{
	uint64_t seed = tu_seed();
	uint8_t in[64], out[64];
	char text[128];

	(void)state;
	for (size_t n = 0; n < sizeof(in); n++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)tu_rand(&seed);
		size_t tl = fcdb__base64url_encode(text, in, n);
		assert_int_equal(tl, strlen(text));
		assert_null(strchr(text, '='));
		assert_null(strchr(text, '+'));
		assert_null(strchr(text, '/'));
		assert_int_equal(fcdb__base64url_decode(out, text, tl), (long long)n);
		assert_memory_equal(in, out, n);
	}
	assert_int_equal(fcdb__base64url_decode(out, "A", 1), -1);
	assert_int_equal(fcdb__base64url_decode(out, "AB+/", 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_whitespace_ignored),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_url_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
