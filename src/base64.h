/* base64.h: strict base64 (RFC 4648) for code.zipFile and list tokens (internal). */
#ifndef FCDB_BASE64_H
#define FCDB_BASE64_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode standard base64 (with '=' padding; ASCII whitespace ignored) of
 * `len` chars into `out` (at least len / 4 * 3 bytes).  Returns the
 * decoded length, or -1 with *bad set to the offset of the first bad
 * character (or len when the input is truncated).
 */
long long fcdb__base64_decode(uint8_t *out, const char *in, size_t len,
                              size_t *bad);
/* URL-safe alphabet, no padding: encode `len` bytes into out
   (>= 4 * ((len + 2) / 3) + 1); returns the length written (NUL added). */
size_t fcdb__base64url_encode(char *out, const uint8_t *in, size_t len);
/* Decode URL-safe, unpadded; -1 on any bad character or length. */
long long fcdb__base64url_decode(uint8_t *out, const char *in, size_t len);

#endif
