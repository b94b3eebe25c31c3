/* unit_checksum.c: CRC-64/XZ known answers and XXH3 (checksum.c). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "fcdb.h"

/* The bitwise reference from the spec: reflected ECMA-182, ~init, ~out. */
static uint64_t crc64_bitwise(const uint8_t *p, size_t n)
{
	uint64_t crc = ~0ull;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xC96C5795D7870F42ull
			                : crc >> 1;
	}
	return ~crc;
}

static void test_check_vector(void **state)
{
	(void)state;
	assert_true(fcdb_crc64("123456789", 9, 0) == 11051210869376104954ull);
	assert_true(fcdb__crc64("123456789", 9, 0) == 0x995DC9BBDF1939FAull);
}

static void test_empty_is_zero(void **state)
{
	(void)state;
	assert_true(fcdb_crc64("", 0, 0) == 0);
	assert_true(fcdb_crc64(NULL, 0, 0) == 0);
}

static void test_hello_zip(void **state)
{
	size_t len;
	char *zip = tu_slurp(tu_data("code/hello.zip"), &len);
	char dec[21];

	(void)state;
	assert_int_equal(len, 168);
	fcdb__u64_to_dec(dec, fcdb_crc64(zip, len, 0));
	assert_string_equal(dec, "15509210073434968621");
	free(zip);
}

static void test_incremental_equals_one_shot(void **state)
{
	uint64_t seed = tu_seed(), one, inc;
	uint8_t buf[4096];
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)tu_rand(&seed);
	one = fcdb_crc64(buf, sizeof(buf), 0);
	for (cut = 0; cut <= sizeof(buf); cut += 97) {
		inc = fcdb_crc64(buf, cut, 0);
		inc = fcdb_crc64(buf + cut, sizeof(buf) - cut, inc);
		assert_true(inc == one);
	}
}

static void test_matches_bitwise_reference(void **state)
{
	uint64_t seed = tu_seed() ^ 0x55;
	uint8_t buf[1031];

	(void)state;
	for (int round = 0; round < 50; round++) {
		size_t n = (size_t)(tu_rand(&seed) % sizeof(buf));

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)tu_rand(&seed);
		assert_true(fcdb_crc64(buf, n, 0) == crc64_bitwise(buf, n));
	}
}

static void test_not_crc64_ecma182(void **state)
{
	(void)state;
	/* The non-reflected CRC-64/ECMA-182 check value must not match. */
	assert_true(fcdb_crc64("123456789", 9, 0) != 0x6C40DF5F0B497347ull);
}

static void test_xxh3(void **state)
{
	(void)state;
	/* Known answer of XXH3-64 for the empty input, seed 0. */
	assert_true(fcdb__xxh3("", 0, 0) == 0x2D06800538D394C2ull);
	assert_true(fcdb__xxh3("abc", 3, 1) != fcdb__xxh3("abc", 3, 2));
}

static void test_u64_to_dec(void **state)
{
	char out[21];

	(void)state;
	assert_int_equal(fcdb__u64_to_dec(out, 0), 1);
	assert_string_equal(out, "0");
	assert_int_equal(fcdb__u64_to_dec(out, UINT64_MAX), 20);
	assert_string_equal(out, "18446744073709551615");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_vector),
		cmocka_unit_test(test_empty_is_zero),
		cmocka_unit_test(test_hello_zip),
		cmocka_unit_test(test_incremental_equals_one_shot),
		cmocka_unit_test(test_matches_bitwise_reference),
		cmocka_unit_test(test_not_crc64_ecma182),
		cmocka_unit_test(test_xxh3),
		cmocka_unit_test(test_u64_to_dec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
