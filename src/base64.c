/* base64.c: strict base64 decoding and URL-safe encoding. */
#include "base64.h"

static const char url_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int val(char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

long long fcdb__base64_decode(uint8_t *out, const char *in, size_t len,
                              size_t *bad)
{
	uint32_t acc = 0;
	size_t i, o = 0, last = 0;
	int n = 0, pad = 0, v;

	for (i = 0; i < len; i++) {
		char c = in[i];

		if (is_space(c))
			continue;
		last = i;
		if (c == '=') {
			/* Padding only completes a quantum of 2 or 3 chars. */
			if (n < 2 || pad >= 2 || (n + pad) >= 4)
				goto fail;
			pad++;
			continue;
		}
		if (pad)
			goto fail; /* data after padding */
		v = val(c, 0);
		if (v < 0)
			goto fail;
		acc = (acc << 6) | (uint32_t)v;
		if (++n == 4) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
			n = 0;
		}
		continue;
fail:
		if (bad)
			*bad = i;
		return -1;
	}
	if (pad) {
		if (n + pad != 4)
			goto truncated;
	} else if (n != 0) {
		goto truncated;
	}
	if (n == 2) {
		if (acc & 0xf)
			goto nonzero;
		out[o++] = (uint8_t)(acc >> 4);
	} else if (n == 3) {
		if (acc & 0x3)
			goto nonzero;
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	return (long long)o;
nonzero:
	if (bad)
		*bad = last;
	return -1;
truncated:
	if (bad)
		*bad = len;
	return -1;
}

size_t fcdb__base64url_encode(char *out, const uint8_t *in, size_t len)
{
	size_t i, o = 0;
	uint32_t acc;

	for (i = 0; i + 3 <= len; i += 3) {
		acc = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = url_alpha[(acc >> 18) & 63];
		out[o++] = url_alpha[(acc >> 12) & 63];
		out[o++] = url_alpha[(acc >> 6) & 63];
		out[o++] = url_alpha[acc & 63];
	}
	if (len - i == 1) {
		acc = (uint32_t)in[i] << 16;
		out[o++] = url_alpha[(acc >> 18) & 63];
		out[o++] = url_alpha[(acc >> 12) & 63];
	} else if (len - i == 2) {
		acc = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = url_alpha[(acc >> 18) & 63];
		out[o++] = url_alpha[(acc >> 12) & 63];
		out[o++] = url_alpha[(acc >> 6) & 63];
	}
	out[o] = '\0';
	return o;
}

long long fcdb__base64url_decode(uint8_t *out, const char *in, size_t len)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int n = 0, v;

	for (i = 0; i < len; i++) {
		v = val(in[i], 1);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		if (++n == 4) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
			n = 0;
		}
	}
	if (n == 1)
		return -1;
	if (n == 2) {
		if (acc & 0xf)
			return -1;
		out[o++] = (uint8_t)(acc >> 4);
	} else if (n == 3) {
		if (acc & 0x3)
			return -1;
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	return (long long)o;
}
