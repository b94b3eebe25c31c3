/*
 * json.c: JSON in and out.  cJSON parses; this file turns its tree into
 * fcdb's node tree with the checks cJSON does not make (depth, NUL,
 * UTF-8, duplicate keys, number range), and writes JSON text directly
 * from nodes without building a cJSON tree.
 */
#include "json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define PATH_MAX_LEN 256

/* Line and column (1-based) of byte offset `off`. */
static void line_col(const char *text, size_t len, size_t off,
                     size_t *line, size_t *col)
{
	size_t i, l = 1, c = 1;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int syntax_error(const char *text, size_t len, size_t off,
                        const char *what)
{
	size_t line, col;

	line_col(text, len, off, &line, &col);
	return fcdb__error_set(FCDB_EINVAL, "", 0,
	                       "invalid JSON at line %zu, column %zu: %s",
	                       line, col, what);
}

/*
 * One pass over the raw text before cJSON sees it: nesting depth, raw
 * control characters and \u0000 inside strings.  cJSON would accept the
 * latter two silently (and truncate at the NUL).
 */
static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The end of the JSON number starting at text[i] (the grammar of RFC 8259:
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or 0 when it is not one.
 */
static size_t number_end(const char *text, size_t len, size_t i)
{
	if (i < len && text[i] == '-')
		i++;
	if (i >= len || !is_digit(text[i]))
		return 0;
	if (text[i] == '0') {
		i++;
	} else {
		while (i < len && is_digit(text[i]))
			i++;
	}
	if (i < len && text[i] == '.') {
		i++;
		if (i >= len || !is_digit(text[i]))
			return 0;
		while (i < len && is_digit(text[i]))
			i++;
	}
	if (i < len && (text[i] == 'e' || text[i] == 'E')) {
		i++;
		if (i < len && (text[i] == '+' || text[i] == '-'))
			i++;
		if (i >= len || !is_digit(text[i]))
			return 0;
		while (i < len && is_digit(text[i]))
			i++;
	}
	/* a number ends at a delimiter, never in a letter or digit */
	if (i < len && (is_digit(text[i]) || (text[i] >= 'a' && text[i] <= 'z') ||
	                (text[i] >= 'A' && text[i] <= 'Z') || text[i] == '.'))
		return 0;
	return i;
}

struct scan {
	int depth;       /* brackets still open at the end */
	int in_str;      /* the text ends inside a string */
	size_t str_at;   /* where that string starts */
};

static int prescan(const char *text, size_t len, struct scan *sc)
{
	size_t i, str_at = 0;
	int depth = 0, in_str = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (in_str) {
			while (i + 8 <= len && fcdb__json_plain8(text + i))
				i += 8;
			if (i >= len)
				break;
			c = (unsigned char)text[i];
			if (c == '"') {
				in_str = 0;
			} else if (c == '\\') {
				if (i + 5 < len && text[i + 1] == 'u' &&
				    memcmp(text + i + 2, "0000", 4) == 0)
					return syntax_error(text, len, i,
						"\\u0000 (NUL) is not allowed in strings");
				i++; /* skip the escaped character */
			} else if (c == '\n' || c == '\r') {
				size_t j = i;

				while (j < len && is_ws(text[j]))
					j++;
				if (j == len)
					return syntax_error(text, len, i,
						"unexpected end of input inside a string");
				return syntax_error(text, len, i,
					"line break inside a string");
			} else if (c < 0x20) {
				return syntax_error(text, len, i,
					"control character inside a string");
			}
			continue;
		}
		if (c == '"') {
			in_str = 1;
			str_at = i;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			/* cJSON reads 010, 10. and 1.e3; JSON does not */
			size_t end = number_end(text, len, i);

			if (!end)
				return syntax_error(text, len, i, "invalid number");
			i = end - 1;
		} else if (c == '{' || c == '[') {
			if (++depth > FCDB__JSON_MAX_DEPTH)
				return syntax_error(text, len, i,
					"nested deeper than 32 levels");
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	sc->depth = depth;
	sc->in_str = in_str;
	sc->str_at = str_at;
	return 0;
}

int fcdb__utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n;

		/* ASCII runs, eight bytes at a time */
		while (end - p >= 8) {
			uint64_t w;

			memcpy(&w, p, 8);
			if (w & 0x8080808080808080ull)
				break;
			p += 8;
		}
		if (p == end)
			break;
		if (*p < 0x80) {
			p++;
			continue;
		}
		n = fcdb__utf8_seq(p, (size_t)(end - p));
		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

/*
 * Where convert is in the document: a chain of segments on the C stack,
 * rendered into a path string only when an error needs one.
 */
struct seg {
	const struct seg *up;
	const char *key;   /* member name, or NULL for an array index */
	uint32_t index;
};

struct conv {
	fcdb__arena *a;
	char path[PATH_MAX_LEN];
};

static size_t render_seg(const struct seg *s, char *out, size_t cap)
{
	size_t n = 0;
	int w;

	if (!s || cap == 0)
		return 0;
	n = render_seg(s->up, out, cap);
	if (s->key)
		w = snprintf(out + n, cap - n, "%s%s", n ? "." : "", s->key);
	else
		w = snprintf(out + n, cap - n, "[%u]", s->index);
	if (w > 0)
		n = n + (size_t)w < cap ? n + (size_t)w : cap - 1;
	return n;
}

static const char *path_of(struct conv *cv, const struct seg *at)
{
	cv->path[0] = '\0';
	render_seg(at, cv->path, sizeof(cv->path));
	return cv->path;
}

static int conv_error(struct conv *cv, const struct seg *at, const char *what)
{
	const char *p = path_of(cv, at);

	return fcdb__error_set(FCDB_EINVAL, p, 0, "%s: %s", p[0] ? p
	                       : "(document)", what);
}

static int dup_error(struct conv *cv, const struct seg *at, const char *key)
{
	struct seg k = { at, key, 0 };
	const char *p = path_of(cv, &k);

	return fcdb__error_set(FCDB_EINVAL, p, 0, "%s: duplicate key \"%s\"",
	                       p, key);
}

static int key_cmp(const void *x, const void *y)
{
	const fcdb__node *const *a = x, *const *b = y;

	return strcmp((*a)->key, (*b)->key);
}

static uint32_t key_hash(const char *k, uint32_t len)
{
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

/* Refuse an object with two members of the same name: a small hash
   table on the stack for ordinary objects, a sort for huge ones. */
static int check_duplicates(struct conv *cv, const fcdb__node *obj,
                            const struct seg *at)
{
	const fcdb__node **sorted;
	uint32_t i;
	int rc = 0;

	if (obj->len < 2)
		return 0;
	if (obj->len <= 128) {
		const fcdb__node *table[256];

		memset(table, 0, sizeof(table));
		for (i = 0; i < obj->len; i++) {
			const fcdb__node *m = &obj->v.kids[i];
			uint32_t h = key_hash(m->key, m->keylen) & 255;

			while (table[h]) {
				if (table[h]->keylen == m->keylen &&
				    memcmp(table[h]->key, m->key, m->keylen) == 0)
					return dup_error(cv, at, m->key);
				h = (h + 1) & 255;
			}
			table[h] = m;
		}
		return 0;
	}
	sorted = malloc(sizeof(*sorted) * obj->len);
	if (!sorted)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	for (i = 0; i < obj->len; i++)
		sorted[i] = &obj->v.kids[i];
	qsort(sorted, obj->len, sizeof(*sorted), key_cmp);
	for (i = 1; i < obj->len; i++)
		if (strcmp(sorted[i - 1]->key, sorted[i]->key) == 0) {
			rc = dup_error(cv, at, sorted[i]->key);
			break;
		}
	free(sorted);
	return rc;
}

static int convert(struct conv *cv, const cJSON *j, fcdb__node *n,
                   const struct seg *at)
{
	const cJSON *c;
	uint32_t count = 0, i;
	size_t slen;
	int rc;

	switch (j->type & 0xff) {
	case cJSON_NULL:
		n->type = FCDB__NULL;
		return 0;
	case cJSON_False:
	case cJSON_True:
		n->type = FCDB__BOOL;
		n->v.b = (j->type & 0xff) == cJSON_True;
		return 0;
	case cJSON_Number:
		if (!isfinite(j->valuedouble))
			return conv_error(cv, at, "number out of range");
		if (j->valuedouble == floor(j->valuedouble) &&
		    fabs(j->valuedouble) <= 9007199254740992.0) {
			n->type = FCDB__INT;
			n->v.i = (int64_t)j->valuedouble;
		} else {
			n->type = FCDB__DOUBLE;
			n->v.d = j->valuedouble;
		}
		return 0;
	case cJSON_String:
		slen = strlen(j->valuestring);
		if (!fcdb__utf8_valid(j->valuestring, slen))
			return conv_error(cv, at, "string is not valid UTF-8");
		if (slen > UINT32_MAX)
			return conv_error(cv, at, "string too long");
		n->type = FCDB__STR;
		n->len = (uint32_t)slen;
		n->v.s = fcdb__arena_strndup(cv->a, j->valuestring, slen);
		return n->v.s ? 0 : fcdb__error_set(FCDB_ENOMEM, NULL, 0,
		                                    "out of memory");
	case cJSON_Array:
	case cJSON_Object:
		break;
	default:
		return conv_error(cv, at, "unsupported JSON value");
	}
	for (c = j->child; c; c = c->next)
		count++;
	n->type = (j->type & 0xff) == cJSON_Array ? FCDB__ARR : FCDB__OBJ;
	n->len = count;
	n->v.kids = NULL;
	if (count) {
		n->v.kids = fcdb__arena_alloc(cv->a, sizeof(fcdb__node) * count);
		if (!n->v.kids)
			return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
		memset(n->v.kids, 0, sizeof(fcdb__node) * count);
	}
	for (c = j->child, i = 0; c; c = c->next, i++) {
		fcdb__node *k = &n->v.kids[i];
		struct seg here = { at, NULL, i };

		if (n->type == FCDB__OBJ) {
			slen = strlen(c->string);
			here.key = c->string;
			if (!fcdb__utf8_valid(c->string, slen))
				return conv_error(cv, &here, "key is not valid UTF-8");
			k->key = fcdb__arena_strndup(cv->a, c->string, slen);
			if (!k->key)
				return fcdb__error_set(FCDB_ENOMEM, NULL, 0,
				                       "out of memory");
			k->keylen = (uint32_t)slen;
		}
		rc = convert(cv, c, k, &here);
		if (rc)
			return rc;
	}
	if (n->type == FCDB__OBJ)
		return check_duplicates(cv, n, at);
	return 0;
}

int fcdb__json_parse(fcdb__arena *a, const char *text, size_t len,
                     fcdb__node **out)
{
	const char *end = NULL;
	struct scan sc = { 0, 0, 0 };
	struct conv cv;
	cJSON *root;
	size_t i, off;
	int rc;

	*out = NULL;
	for (i = 0; i < len && is_ws(text[i]); i++)
		;
	if (i == len)
		return fcdb__error_set(FCDB_EINVAL, "", 0,
		                       "invalid JSON: the input is empty");
	rc = prescan(text, len, &sc);
	if (rc)
		return rc;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		off = end ? (size_t)(end - text) : 0;
		for (i = len; i > 0 && is_ws(text[i - 1]); i--)
			;
		if (sc.in_str)
			return syntax_error(text, len, i, "unexpected end of input "
			                    "inside a string");
		if (off + 1 >= i)
			return syntax_error(text, len, i > off ? i : off,
			                    "unexpected end of input");
		return syntax_error(text, len, off, "unexpected character");
	}
	off = (size_t)(end - text);
	while (off < len && is_ws(text[off]))
		off++;
	if (off < len) {
		cJSON_Delete(root);
		return syntax_error(text, len, off,
		                    "unexpected text after the JSON value");
	}
	cv.a = a;
	cv.path[0] = '\0';
	*out = fcdb__arena_alloc(a, sizeof(fcdb__node));
	if (!*out) {
		cJSON_Delete(root);
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	}
	memset(*out, 0, sizeof(fcdb__node));
	rc = convert(&cv, root, *out, NULL);
	cJSON_Delete(root);
	if (rc)
		*out = NULL;
	return rc;
}

/* ---- writer ---- */

/* Bytes that JSON strings must escape: control characters, '"', '\\'. */
static const unsigned char must_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

void fcdb__json_write_str(fcdb__buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	if (fcdb__buf_reserve(b, len + 2))
		return;
	b->data[b->len++] = '"';
	for (;;) {
		unsigned char c;
		char esc[6];
		size_t n = 2;

		/* eight bytes at a time while none is < 0x20, '"' or '\\' */
		while (len - i >= 8 && fcdb__json_plain8(p + i))
			i += 8;
		while (i < len && !must_escape[p[i]])
			i++;
		fcdb__buf_add(b, s + run, i - run);
		if (i == len)
			break;
		c = p[i++];
		run = i;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		fcdb__buf_add(b, esc, n);
	}
	fcdb__buf_addc(b, '"');
}

/*
 * 1 when none of the 8 bytes at p needs a second look: printable ASCII
 * other than '"' and '\\'.  Unlike fcdb__json_plain8, bytes >= 0x80 stop
 * the run, for fcdb__json_write_text to check their UTF-8.
 */
static int ascii_plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t x, q, bs;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	bs = x ^ (ones * '\\');
	return !(((x - ones * 0x20) | (q - ones) | (bs - ones) | x) & high);
}

/* The escape of a byte must_escape marks, into esc; its length. */
static size_t escape_byte(unsigned char c, char esc[6])
{
	static const char hex[] = "0123456789abcdef";

	esc[0] = '\\';
	switch (c) {
	case '"': esc[1] = '"'; return 2;
	case '\\': esc[1] = '\\'; return 2;
	case '\n': esc[1] = 'n'; return 2;
	case '\r': esc[1] = 'r'; return 2;
	case '\t': esc[1] = 't'; return 2;
	case '\b': esc[1] = 'b'; return 2;
	case '\f': esc[1] = 'f'; return 2;
	default:
		esc[1] = 'u';
		esc[2] = '0';
		esc[3] = '0';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		return 6;
	}
}

int fcdb__json_write_text(fcdb__buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	char esc[6];

	if (fcdb__buf_reserve(b, len + 2))
		return 0; /* b->failed tells */
	b->data[b->len++] = '"';
	for (;;) {
		while (len - i >= 8 && ascii_plain8(p + i))
			i += 8;
		while (i < len && p[i] >= 0x20 && p[i] < 0x80 && !must_escape[p[i]])
			i++;
		if (i == len)
			break;
		if (p[i] >= 0x80) {
			/* a multi-byte character stays in the run */
			n = fcdb__utf8_seq(p + i, len - i);
			if (!n)
				return -1;
			i += n;
			continue;
		}
		if (p[i] == 0)
			return -1;
		fcdb__buf_add(b, s + run, i - run);
		fcdb__buf_add(b, esc, escape_byte(p[i], esc));
		run = ++i;
	}
	fcdb__buf_add(b, s + run, i - run);
	fcdb__buf_addc(b, '"');
	return 0;
}

void fcdb__json_write_double(fcdb__buf *b, double d)
{
	char tmp[32];
	int n;

	if (!isfinite(d)) {
		fcdb__buf_adds(b, "null");
		return;
	}
	/* cpu and most real numbers are whole hundredths: print those
	   without the printf/strtod round trip */
	if (fabs(d) < 1e12) {
		double h = floor(d * 100.0 + 0.5);
		int64_t v = (int64_t)h;

		if ((double)v / 100.0 == d) {
			uint64_t a = v < 0 ? (uint64_t)-v : (uint64_t)v;
			unsigned frac = (unsigned)(a % 100);

			if (v < 0)
				fcdb__buf_addc(b, '-');
			fcdb__buf_add_u64(b, a / 100);
			if (frac) {
				fcdb__buf_addc(b, '.');
				fcdb__buf_addc(b, (char)('0' + frac / 10));
				if (frac % 10)
					fcdb__buf_addc(b, (char)('0' + frac % 10));
			}
			return;
		}
	}
	n = snprintf(tmp, sizeof(tmp), "%.15g", d);
	if (strtod(tmp, NULL) != d)
		n = snprintf(tmp, sizeof(tmp), "%.17g", d);
	fcdb__buf_add(b, tmp, (size_t)n);
}

/* ---- the streaming writer ---- */

void fcdb__jw_init(fcdb__jw *w, fcdb__buf *b, int pretty)
{
	w->b = b;
	w->pretty = pretty;
	w->depth = 0;
	w->in_key = 0;
	w->count[0] = 0;
}

/* Separator and indentation before a value or a key at this depth. */
static void jw_next(fcdb__jw *w)
{
	if (w->depth == 0)
		return;
	if (w->count[w->depth]++)
		fcdb__buf_addc(w->b, ',');
	if (w->pretty) {
		fcdb__buf_addc(w->b, '\n');
		for (int i = 0; i < w->depth; i++)
			fcdb__buf_add(w->b, "  ", 2);
	}
}

void fcdb__jw_open(fcdb__jw *w, char bracket)
{
	if (!w->in_key)
		jw_next(w);
	w->in_key = 0;
	fcdb__buf_addc(w->b, bracket);
	if (w->depth + 1 < FCDB__JW_DEPTH)
		w->depth++;
	w->count[w->depth] = 0;
}

void fcdb__jw_close(fcdb__jw *w, char bracket)
{
	int had = w->count[w->depth] != 0;

	if (w->depth > 0)
		w->depth--;
	if (had && w->pretty) {
		fcdb__buf_addc(w->b, '\n');
		for (int i = 0; i < w->depth; i++)
			fcdb__buf_add(w->b, "  ", 2);
	}
	fcdb__buf_addc(w->b, bracket);
}

void fcdb__jw_key_plain(fcdb__jw *w, const char *key, size_t len)
{
	jw_next(w);
	if (fcdb__buf_reserve(w->b, len + 4))
		return;
	w->b->data[w->b->len++] = '"';
	memcpy(w->b->data + w->b->len, key, len);
	w->b->len += len;
	w->b->data[w->b->len++] = '"';
	w->b->data[w->b->len++] = ':';
	if (w->pretty)
		w->b->data[w->b->len++] = ' ';
	w->in_key = 1;
}

void fcdb__jw_key(fcdb__jw *w, const char *key, size_t len)
{
	jw_next(w);
	fcdb__json_write_str(w->b, key, len);
	if (w->pretty)
		fcdb__buf_add(w->b, ": ", 2);
	else
		fcdb__buf_addc(w->b, ':');
	w->in_key = 1;
}

/* Before a scalar: a separator unless it follows its key. */
static void jw_value(fcdb__jw *w)
{
	if (!w->in_key)
		jw_next(w);
	w->in_key = 0;
}

void fcdb__jw_str(fcdb__jw *w, const char *s, size_t len)
{
	jw_value(w);
	fcdb__json_write_str(w->b, s, len);
}

void fcdb__json_write_masked(fcdb__buf *b, const char *s, size_t len)
{
	/* Like the service: a short prefix and three stars ("abc***").  A
	   secret shorter than 6 characters shows nothing of itself.  Count
	   characters, not bytes: a prefix must not cut one in half. */
	char tmp[16];
	size_t keep = 0, chars = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == 3)
			keep = i;
	if (chars < 6)
		keep = 0;
	if (keep)
		memcpy(tmp, s, keep);
	memcpy(tmp + keep, "***", 3);
	fcdb__json_write_str(b, tmp, keep + 3);
}

void fcdb__jw_masked(fcdb__jw *w, const char *s, size_t len)
{
	jw_value(w);
	fcdb__json_write_masked(w->b, s, len);
}

void fcdb__jw_int(fcdb__jw *w, int64_t v)
{
	jw_value(w);
	fcdb__buf_add_i64(w->b, v);
}

void fcdb__jw_uint(fcdb__jw *w, uint64_t v)
{
	jw_value(w);
	fcdb__buf_add_u64(w->b, v);
}

void fcdb__jw_double(fcdb__jw *w, double d)
{
	jw_value(w);
	fcdb__json_write_double(w->b, d);
}

void fcdb__jw_bool(fcdb__jw *w, int v)
{
	jw_value(w);
	if (v)
		fcdb__buf_add(w->b, "true", 4);
	else
		fcdb__buf_add(w->b, "false", 5);
}

void fcdb__jw_null(fcdb__jw *w)
{
	jw_value(w);
	fcdb__buf_add(w->b, "null", 4);
}

void fcdb__jw_end(fcdb__jw *w)
{
	if (w->pretty)
		fcdb__buf_addc(w->b, '\n');
}

/* ---- node trees ---- */

static void write_node(fcdb__jw *w, const fcdb__node *n,
                       const fcdb__json_opts *o, int is_root)
{
	uint32_t i;

	switch (n->type) {
	case FCDB__NULL:
		fcdb__jw_null(w);
		return;
	case FCDB__BOOL:
		fcdb__jw_bool(w, n->v.b);
		return;
	case FCDB__INT:
		fcdb__jw_int(w, n->v.i);
		return;
	case FCDB__DOUBLE:
		fcdb__jw_double(w, n->v.d);
		return;
	case FCDB__STR:
		if (n == o->masked)
			fcdb__jw_masked(w, n->v.s, n->len);
		else
			fcdb__jw_str(w, n->v.s, n->len);
		return;
	case FCDB__ARR:
		fcdb__jw_open(w, '[');
		for (i = 0; i < n->len; i++)
			write_node(w, &n->v.kids[i], o, 0);
		fcdb__jw_close(w, ']');
		return;
	case FCDB__OBJ:
		fcdb__jw_open(w, '{');
		for (i = 0; i < n->len; i++) {
			fcdb__jw_key(w, n->v.kids[i].key, n->v.kids[i].keylen);
			write_node(w, &n->v.kids[i], o, 0);
		}
		if (is_root && o->with_revision) {
			fcdb__jw_key(w, "revision", 8);
			fcdb__jw_uint(w, o->revision);
		}
		fcdb__jw_close(w, '}');
		return;
	}
}

void fcdb__json_write(fcdb__buf *b, const fcdb__node *n,
                      const fcdb__json_opts *opts)
{
	static const fcdb__json_opts none = { 0, NULL, 0, 0 };
	fcdb__jw w;

	if (!opts)
		opts = &none;
	memset(&w, 0, sizeof(w));
	fcdb__jw_init(&w, b, opts->pretty);
	write_node(&w, n, opts, 1);
	fcdb__jw_end(&w);
}
