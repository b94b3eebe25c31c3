/* checksum.h: CRC-64/XZ code checksums and XXH3 record integrity (internal). */
#ifndef FCDB_CHECKSUM_H
#define FCDB_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC-64/XZ, continuing from crc (0 to start). */
uint64_t fcdb__crc64(const void *data, size_t len, uint64_t crc);
/* XXH3-64 of data with seed. */
uint64_t fcdb__xxh3(const void *data, size_t len, uint64_t seed);
/* Format v as unsigned decimal into out (>= 21 bytes); returns length. */
size_t fcdb__u64_to_dec(char *out, uint64_t v);

#endif
