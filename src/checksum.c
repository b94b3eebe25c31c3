/*
 * checksum.c: the two checksums fcdb computes.
 *
 * codeChecksum is CRC-64/XZ (reflected ECMA-182 polynomial, init and
 * xorout all-ones), exactly liblzma's lzma_crc64, which uses CLMUL where
 * the CPU has it.  Record integrity is XXH3-64, inlined from xxhash.h so
 * that short records hash without a call.
 */
#include "checksum.h"

#include <lzma.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fcdb.h"

uint64_t fcdb__crc64(const void *data, size_t len, uint64_t crc)
{
	/* lzma_crc64 takes a size_t length; feed it in chunks anyway so the
	   contract does not depend on its internal types. */
	const uint8_t *p = data;

	while (len) {
		size_t n = len > ((size_t)1 << 30) ? ((size_t)1 << 30) : len;
		crc = lzma_crc64(p, n, crc);
		p += n;
		len -= n;
	}
	return crc;
}

uint64_t fcdb_crc64(const void *data, size_t len, uint64_t crc)
{
	if (!data && len)
		return crc;
	return fcdb__crc64(data, len, crc);
}

uint64_t fcdb__xxh3(const void *data, size_t len, uint64_t seed)
{
	return XXH3_64bits_withSeed(data, len, seed);
}

size_t fcdb__u64_to_dec(char *out, uint64_t v)
{
	char tmp[21];
	size_t i = sizeof(tmp), n;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = sizeof(tmp) - i;
	for (size_t k = 0; k < n; k++)
		out[k] = tmp[i + k];
	out[n] = '\0';
	return n;
}
