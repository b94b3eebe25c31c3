/*
 * validate.c: the rules of a Function, driven by the schema tables.
 *
 * Walks an input tree against schema.c, checking types, ranges and the
 * named rules, and collects every problem (up to FCDB__V_MAX_ERRORS) with
 * its JSON path, so one refusal tells the caller everything that is wrong.
 * Then it builds the record: defaults, computed fields, the code package's
 * CRC-64 and size, layers as {arn} objects, members in schema order.
 */
#include "validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "checksum.h"
#include "error.h"
#include "fcdb.h"
#include "schema.h"

#define PATH_LEN 256
#define ZIPFILE_MAX (100u * 1024u * 1024u) /* base64 text, as the service */
#define TAGS_MAX 20

typedef struct path {
	char s[PATH_LEN];
	size_t len;
} path;

static size_t path_key(path *p, const char *key)
{
	size_t old = p->len, n = strlen(key), room = sizeof(p->s) - 1 - old;

	if (old && room) {
		p->s[p->len++] = '.';
		room--;
	}
	if (n > room)
		n = room;
	memcpy(p->s + p->len, key, n);
	p->len += n;
	p->s[p->len] = '\0';
	return old;
}

static size_t path_index(path *p, size_t i)
{
	size_t old = p->len;
	char tmp[24];
	int k = (int)sizeof(tmp);

	tmp[--k] = ']';
	do {
		tmp[--k] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	tmp[--k] = '[';
	if (sizeof(tmp) - (size_t)k < sizeof(p->s) - old) {
		memcpy(p->s + old, tmp + k, sizeof(tmp) - (size_t)k);
		p->len = old + sizeof(tmp) - (size_t)k;
		p->s[p->len] = '\0';
	}
	return old;
}

static void path_pop(path *p, size_t old)
{
	p->len = old;
	p->s[old] = '\0';
}

void fcdb__vctx_init(fcdb__vctx *v, int mode)
{
	memset(v, 0, sizeof(*v));
	v->mode = mode;
	fcdb__buf_init(&v->msg);
}

void fcdb__vctx_free(fcdb__vctx *v)
{
	fcdb__buf_free(&v->msg);
}

static void problem(fcdb__vctx *v, const char *field, const char *fmt, ...)
	FCDB__PRINTF(3, 4);

static void problem(fcdb__vctx *v, const char *field, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (v->nerrors == 0)
		snprintf(v->field, sizeof(v->field), "%s", field);
	if (v->nerrors++ >= FCDB__V_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (v->msg.len)
		fcdb__buf_add(&v->msg, "; ", 2);
	if (field[0]) {
		fcdb__buf_adds(&v->msg, field);
		fcdb__buf_add(&v->msg, ": ", 2);
	}
	fcdb__buf_adds(&v->msg, text);
}

/* Turn collected problems into the thread's last error. */
static int report(fcdb__vctx *v)
{
	if (v->oom)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	if (!v->nerrors)
		return FCDB_OK;
	fcdb__buf_cstr(&v->msg);
	if (v->nerrors == 1)
		return fcdb__error_set(FCDB_EINVAL, v->field, 0, "%s",
		                       v->msg.data ? v->msg.data : "invalid");
	return fcdb__error_set(FCDB_EINVAL, v->field, 0, "%d problems: %s%s",
	                       v->nerrors, v->msg.data ? v->msg.data : "",
	                       v->nerrors > FCDB__V_MAX_ERRORS ? "; ..." : "");
}

static const char *type_word(int type)
{
	switch (type) {
	case FCDB__NULL: return "null";
	case FCDB__BOOL: return "a boolean";
	case FCDB__INT: return "an integer";
	case FCDB__DOUBLE: return "a number";
	case FCDB__STR: return "a string";
	case FCDB__ARR: return "an array";
	case FCDB__OBJ: return "an object";
	default: return "a value";
	}
}

/* ---- string rules ---- */

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int valid_function_name(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 64 || !(is_alpha(s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < len; i++)
		if (!(is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

/* Match `s` against a fixed prefix; return the rest or NULL. */
static const char *skip_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Span of characters accepted by `ok`; at least one. */
static const char *span(const char *s, int (*ok)(char))
{
	const char *p = s;

	while (*p && ok(*p))
		p++;
	return p > s ? p : NULL;
}

static int region_char(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
}

static int account_char(char c)
{
	return is_digit(c);
}

static int name_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' ||
	       c == '@' || c == '+' || c == '=' || c == ',';
}

/* acs:ram::<digits>:role/<name> */
static int valid_role_arn(const char *s)
{
	const char *p = skip_prefix(s, "acs:ram::");

	if (!p || !(p = span(p, account_char)) || !(p = skip_prefix(p, ":role/")))
		return 0;
	p = span(p, name_char);
	return p && *p == '\0';
}

/* acs:fc:<region>:<digits|official>:layers/<name>/versions/<digits> */
static int valid_layer_arn(const char *s)
{
	const char *p = skip_prefix(s, "acs:fc:"), *q;

	if (!p || !(p = span(p, region_char)) || *p++ != ':')
		return 0;
	q = skip_prefix(p, "official");
	p = q ? q : span(p, account_char);
	if (!p || !(p = skip_prefix(p, ":layers/")) || !(p = span(p, name_char)) ||
	    !(p = skip_prefix(p, "/versions/")) || !(p = span(p, account_char)))
		return 0;
	return *p == '\0';
}

static int valid_time(const char *s, size_t len)
{
	/* YYYY-MM-DDThh:mm:ssZ */
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	int mon, day, hh, mm, ss;
	size_t i;

	if (len != sizeof(shape) - 1)
		return 0;
	for (i = 0; i < len; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return 0;
	mon = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	hh = (s[11] - '0') * 10 + (s[12] - '0');
	mm = (s[14] - '0') * 10 + (s[15] - '0');
	ss = (s[17] - '0') * 10 + (s[18] - '0');
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hh <= 23 &&
	       mm <= 59 && ss <= 60;
}

/* Unsigned 64-bit decimal without leading zeros. */
static int parse_checksum(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len < 1 || len > 20 || (len > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (!is_digit(s[i]))
			return 0;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (out)
		*out = v;
	return 1;
}

static int valid_uuid(const char *s, size_t len)
{
	size_t i;

	if (len != 36)
		return 0;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex(s[i])) {
			return 0;
		}
	}
	return 1;
}

static int valid_env_key(const char *s)
{
	if (!is_alpha(s[0]))
		return 0;
	for (s++; *s; s++)
		if (!(is_alpha(*s) || is_digit(*s) || *s == '_'))
			return 0;
	return 1;
}

/* ---- the walk ---- */

static void check_object(fcdb__vctx *v, const fcdb__schema *s,
                         const fcdb__node *obj, path *p, int top);

static void check_string_rule(fcdb__vctx *v, const fcdb__field *f,
                              const fcdb__node *n, path *p)
{
	const char *const *e;

	switch (f->rule) {
	case FCDB__R_FUNCTION_NAME:
		if (n->len < 1 || n->len > 64)
			problem(v, p->s, "must be 1 to 64 characters long "
			        "(got %u)", n->len);
		else if (!valid_function_name(n->v.s, n->len))
			problem(v, p->s, "must start with a letter or underscore "
			        "and hold only letters, digits, _ and -");
		break;
	case FCDB__R_ENUM:
		for (e = f->enums; *e; e++)
			if (strcmp(*e, n->v.s) == 0)
				return;
		if (f->enums == fcdb__runtimes) {
			problem(v, p->s, "\"%.64s\" is not a known runtime",
			        n->v.s);
		} else {
			char list[256] = "";
			for (e = f->enums; *e; e++) {
				strncat(list, *e, sizeof(list) - strlen(list) - 1);
				if (e[1])
					strncat(list, ", ",
					        sizeof(list) - strlen(list) - 1);
			}
			problem(v, p->s, "must be one of %s (got \"%.64s\")",
			        list, n->v.s);
		}
		break;
	case FCDB__R_ROLE_ARN:
		if (!valid_role_arn(n->v.s))
			problem(v, p->s, "must be a RAM role ARN, "
			        "acs:ram::<accountId>:role/<name>");
		break;
	case FCDB__R_LAYER_ARN:
		if (!valid_layer_arn(n->v.s))
			problem(v, p->s, "must be a layer version ARN, acs:fc:"
			        "<region>:<accountId>:layers/<name>/versions/<n>");
		break;
	case FCDB__R_TIME:
		if (!valid_time(n->v.s, n->len))
			problem(v, p->s, "must be a UTC time like "
			        "2023-04-01T08:15:27Z");
		break;
	case FCDB__R_CHECKSUM:
		if (!parse_checksum(n->v.s, n->len, NULL))
			problem(v, p->s, "must be a CRC-64 as an unsigned decimal "
			        "string (got \"%.64s\")", n->v.s);
		break;
	case FCDB__R_UUID:
		if (!valid_uuid(n->v.s, n->len))
			problem(v, p->s, "must be a UUID like "
			        "aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3");
		break;
	case FCDB__R_STATE: {
		fcdb_state st;
		if (fcdb_state_parse(&st, n->v.s))
			problem(v, p->s, "must be Pending, Active, Inactive or "
			        "Failed");
		break;
	}
	case FCDB__R_UPDATE_STATUS: {
		fcdb_update_status us;
		if (fcdb_update_status_parse(&us, n->v.s))
			problem(v, p->s, "must be InProgress, Successful or "
			        "Failed");
		break;
	}
	default:
		break;
	}
}

/* cpu in hundredths of a vCPU, or -1 when it is not a whole number of them. */
static int64_t cpu_hundredths(const fcdb__node *n)
{
	double d = n->type == FCDB__INT ? (double)n->v.i : n->v.d;
	double h = d * 100.0;
	double r = floor(h + 0.5);

	if (fabs(h - r) > 1e-6 || fabs(r) > 1e12)
		return -1;
	return (int64_t)r;
}

static void check_value(fcdb__vctx *v, const fcdb__field *f,
                        const fcdb__node *n, path *p)
{
	uint32_t i;
	size_t old;

	switch (f->type) {
	case FCDB__T_STR:
		if (n->type != FCDB__STR) {
			problem(v, p->s, "must be a string, not %s",
			        type_word(n->type));
			return;
		}
		if (f->max > 0 && n->len > f->max && !v->lenient)
			problem(v, p->s, "must be at most %lld characters",
			        (long long)f->max);
		check_string_rule(v, f, n, p);
		return;
	case FCDB__T_INT:
		if (n->type != FCDB__INT) {
			problem(v, p->s, "must be an integer, not %s",
			        type_word(n->type));
			return;
		}
		if (v->lenient)
			return;
		if (f->set) {
			const int64_t *x;
			for (x = f->set; *x; x++)
				if (*x == n->v.i)
					return;
			problem(v, p->s, "must be 512 or 10240 (got %lld)",
			        (long long)n->v.i);
			return;
		}
		if (n->v.i < f->min || n->v.i > f->max) {
			problem(v, p->s, "must be %lld to %lld (got %lld)",
			        (long long)f->min, (long long)f->max,
			        (long long)n->v.i);
			return;
		}
		if (f->multiple > 0 && n->v.i % f->multiple)
			problem(v, p->s, "must be a multiple of %lld (got %lld)",
			        (long long)f->multiple, (long long)n->v.i);
		return;
	case FCDB__T_BOOL:
		if (n->type != FCDB__BOOL)
			problem(v, p->s, "must be true or false, not %s",
			        type_word(n->type));
		return;
	case FCDB__T_NUM:
		if (n->type != FCDB__INT && n->type != FCDB__DOUBLE) {
			problem(v, p->s, "must be a number, not %s",
			        type_word(n->type));
			return;
		}
		if (f->rule == FCDB__R_CPU && !v->lenient) {
			int64_t h = cpu_hundredths(n);
			if (h < 0 || h % 5)
				problem(v, p->s, "must be a multiple of 0.05");
			else if (h < 5 || h > 1600)
				problem(v, p->s, "must be 0.05 to 16 vCPU");
		}
		return;
	case FCDB__T_OBJ:
		if (n->type != FCDB__OBJ) {
			problem(v, p->s, "must be an object, not %s",
			        type_word(n->type));
			return;
		}
		check_object(v, f->sub, n, p, 0);
		if (f->rule == FCDB__R_HOOK) {
			const fcdb__node *h = fcdb__node_get(n, "handler");
			const fcdb__node *c = fcdb__node_get(n, "command");
			if (h && c && h->type != FCDB__NULL &&
			    c->type != FCDB__NULL)
				problem(v, p->s, "handler and command are mutually "
				        "exclusive");
		}
		return;
	case FCDB__T_ARR_STR:
	case FCDB__T_ARR_OBJ:
	case FCDB__T_LAYERS:
		if (n->type != FCDB__ARR) {
			problem(v, p->s, "must be an array, not %s",
			        type_word(n->type));
			return;
		}
		if (f->max > 0 && n->len > f->max && !v->lenient) {
			problem(v, p->s, "must hold at most %lld items (got %u)",
			        (long long)f->max, n->len);
			return;
		}
		for (i = 0; i < n->len; i++) {
			const fcdb__node *k = &n->v.kids[i];

			old = path_index(p, i);
			if (f->type == FCDB__T_ARR_STR) {
				if (k->type != FCDB__STR)
					problem(v, p->s, "must be a string, not %s",
					        type_word(k->type));
			} else if (f->type == FCDB__T_LAYERS &&
			           (k->type == FCDB__STR ||
			            v->mode != FCDB__V_IMPORT)) {
				/* input shape: an ARN string */
				if (k->type != FCDB__STR)
					problem(v, p->s, "must be a layer ARN string, "
					        "not %s", type_word(k->type));
				else if (!valid_layer_arn(k->v.s))
					problem(v, p->s, "must be a layer version ARN, "
					        "acs:fc:<region>:<accountId>:layers/"
					        "<name>/versions/<n>");
			} else if (k->type != FCDB__OBJ) {
				problem(v, p->s, "must be an object, not %s",
				        type_word(k->type));
			} else {
				check_object(v, f->sub, k, p, 0);
			}
			path_pop(p, old);
		}
		if (f->rule == FCDB__R_TAGS) {
			for (i = 0; i < n->len; i++) {
				const fcdb__node *ki = fcdb__node_get(&n->v.kids[i],
				                                      "Key");
				for (uint32_t j = 0; ki && j < i; j++) {
					const fcdb__node *kj =
						fcdb__node_get(&n->v.kids[j], "Key");
					if (kj && kj->type == FCDB__STR &&
					    ki->type == FCDB__STR &&
					    strcmp(ki->v.s, kj->v.s) == 0) {
						problem(v, p->s, "duplicate tag key "
						        "\"%.64s\"", ki->v.s);
						return;
					}
				}
			}
		}
		return;
	case FCDB__T_MAP:
		if (n->type != FCDB__OBJ) {
			problem(v, p->s, "must be an object of strings, not %s",
			        type_word(n->type));
			return;
		}
		for (i = 0; i < n->len; i++) {
			const fcdb__node *k = &n->v.kids[i];

			if (f->rule == FCDB__R_ENV_KEYS && !valid_env_key(k->key)) {
				problem(v, p->s, "key \"%.64s\" must start with a "
				        "letter and hold only letters, digits and _",
				        k->key);
				continue;
			}
			if (k->type != FCDB__STR) {
				old = path_key(p, k->key);
				problem(v, p->s, "must be a string, not %s",
				        type_word(k->type));
				path_pop(p, old);
			}
		}
		return;
	default:
		return;
	}
}

static void check_object(fcdb__vctx *v, const fcdb__schema *s,
                         const fcdb__node *obj, path *p, int top)
{
	const fcdb__field *f;
	uint64_t present = 0;
	uint32_t i;
	size_t old;

	for (i = 0; i < obj->len; i++) {
		const fcdb__node *m = &obj->v.kids[i];

		old = path_key(p, m->key);
		f = fcdb__schema_find_n(s, m->key, m->keylen);
		if (!f) {
			if (top && v->mode == FCDB__V_IMPORT &&
			    strcmp(m->key, "revision") == 0)
				; /* fcdb's own store field: ignored on import */
			else if (!(top && v->mode == FCDB__V_IMPORT && v->lenient))
				problem(v, p->s, "unknown field (%s has no field "
				        "\"%.64s\")", s->name, m->key);
		} else if (m->type == FCDB__NULL) {
			; /* absent */
		} else if ((f->flags & FCDB__F_COMPUTED) &&
		           v->mode != FCDB__V_IMPORT) {
			problem(v, p->s, "is set by the store, not by the caller");
		} else if ((f->flags & FCDB__F_INPUT) && v->mode == FCDB__V_IMPORT) {
			problem(v, p->s, "an imported Function carries "
			        "codeChecksum and codeSize, not code");
		} else if ((f->flags & FCDB__F_NOUPDATE) && top &&
		           v->mode == FCDB__V_UPDATE) {
			problem(v, p->s, "cannot be changed by an update");
		} else {
			present |= 1ull << (f - s->fields);
			check_value(v, f, m, p);
		}
		path_pop(p, old);
	}
	if (top && v->mode == FCDB__V_UPDATE)
		return;
	for (i = 0; i < s->count; i++) {
		f = &s->fields[i];
		if (!(f->flags & FCDB__F_REQUIRED) || (present & (1ull << i)))
			continue;
		if (top && strcmp(f->name, "handler") == 0) {
			const fcdb__node *rt = fcdb__node_get(obj, "runtime");
			/* custom runtimes and containers need no handler */
			if (rt && rt->type == FCDB__STR &&
			    strncmp(rt->v.s, "custom", 6) == 0)
				continue;
		}
		old = path_key(p, f->name);
		problem(v, p->s, "is required");
		path_pop(p, old);
	}
}

/* ---- building the record ---- */

static fcdb__node *new_node(fcdb__vctx *v, fcdb__arena *a)
{
	fcdb__node *n = fcdb__arena_alloc(a, sizeof(*n));

	if (!n)
		v->oom = 1;
	else
		memset(n, 0, sizeof(*n));
	return n;
}

static const fcdb__node *str_node(fcdb__vctx *v, fcdb__arena *a,
                                  const char *s)
{
	fcdb__node *n = new_node(v, a);
	char *copy;

	if (!n)
		return NULL;
	copy = fcdb__arena_strndup(a, s, strlen(s));
	if (!copy) {
		v->oom = 1;
		return NULL;
	}
	fcdb__node_set_str(n, copy, strlen(copy));
	return n;
}

static const fcdb__node *int_node(fcdb__vctx *v, fcdb__arena *a, int64_t i)
{
	fcdb__node *n = new_node(v, a);

	if (n)
		fcdb__node_set_int(n, i);
	return n;
}

static const fcdb__node *num_node(fcdb__vctx *v, fcdb__arena *a, double d)
{
	fcdb__node *n = new_node(v, a);

	if (n) {
		n->type = FCDB__DOUBLE;
		n->v.d = d;
	}
	return n;
}

int fcdb__record_set(fcdb__arena *a, fcdb__node *rec, const char *name,
                     const fcdb__node *value)
{
	const fcdb__field *f = fcdb__schema_find(&fcdb__schema_function, name);
	size_t pos = (size_t)(f ? f - fcdb__schema_function.fields : 0);
	fcdb__node *kids;
	uint32_t i, k = 0, n = rec->len;
	int done = 0;

	kids = fcdb__arena_alloc(a, sizeof(fcdb__node) * (n + 1));
	if (!kids)
		return -1;
	for (i = 0; i < n; i++) {
		const fcdb__node *m = &rec->v.kids[i];
		const fcdb__field *mf;
		size_t mpos;

		if (strcmp(m->key, name) == 0) {
			if (value && !done) {
				kids[k] = *value;
				kids[k].key = m->key;
				kids[k].keylen = m->keylen;
				k++;
			}
			done = 1;
			continue;
		}
		mf = fcdb__schema_find_n(&fcdb__schema_function, m->key,
		                         m->keylen);
		/* unknown members sort after every schema field */
		mpos = mf ? (size_t)(mf - fcdb__schema_function.fields)
		          : fcdb__schema_function.count;
		if (value && !done && f && mpos > pos) {
			kids[k] = *value;
			fcdb__node_set_key(&kids[k], f->name);
			k++;
			done = 1;
		}
		kids[k++] = *m;
	}
	if (value && !done) {
		kids[k] = *value;
		if (f) {
			fcdb__node_set_key(&kids[k], f->name);
		} else {
			kids[k].key = fcdb__arena_strndup(a, name, strlen(name));
			if (!kids[k].key)
				return -1;
			kids[k].keylen = (uint32_t)strlen(name);
		}
		k++;
	}
	rec->v.kids = kids;
	rec->len = k;
	return 0;
}

int fcdb__record_set_str(fcdb__arena *a, fcdb__node *rec, const char *name,
                         const char *s)
{
	fcdb__node n;
	char *copy;

	if (!s)
		return fcdb__record_set(a, rec, name, NULL);
	memset(&n, 0, sizeof(n));
	copy = fcdb__arena_strndup(a, s, strlen(s));
	if (!copy)
		return -1;
	fcdb__node_set_str(&n, copy, strlen(copy));
	return fcdb__record_set(a, rec, name, &n);
}

/*
 * The record under construction: one slot per top-level field, indexed by
 * its stored field number, plus the members the schema does not know
 * (lenient imports).  Slots make every lookup O(1); the member array is
 * built once, in schema order, at the end.
 */
typedef struct builder {
	const fcdb__node *slot[FCDB__FN_MAX + 1];
	const fcdb__node **unknown;
	uint32_t nunknown;
} builder;

static void bset(builder *b, int num, const fcdb__node *value)
{
	b->slot[num] = value;
}

static const fcdb__node *bget(const builder *b, int num)
{
	return b->slot[num];
}

static void bset_default(builder *b, int num, const fcdb__node *value)
{
	if (!b->slot[num])
		b->slot[num] = value;
}

/* Load members (of an input or a stored record) into the builder,
   dropping nulls, input-only fields and "revision". */
static void builder_load(fcdb__vctx *v, fcdb__arena *a, builder *b,
                         const fcdb__node *obj)
{
	uint32_t i;

	memset(b, 0, sizeof(*b));
	if (obj->len) {
		b->unknown = fcdb__arena_alloc(a, sizeof(*b->unknown) * obj->len);
		if (!b->unknown) {
			v->oom = 1;
			return;
		}
	}
	for (i = 0; i < obj->len; i++) {
		const fcdb__node *m = &obj->v.kids[i];
		const fcdb__field *f = fcdb__schema_find_n(&fcdb__schema_function,
		                                           m->key, m->keylen);

		if (m->type == FCDB__NULL)
			continue;
		if (f && f->num)
			b->slot[f->num] = m;
		else if (!f && strcmp(m->key, "revision") != 0)
			b->unknown[b->nunknown++] = m;
	}
}

/* The record object: members in schema order, then unknown ones. */
static fcdb__node *builder_finish(fcdb__vctx *v, fcdb__arena *a,
                                  const builder *b)
{
	const fcdb__schema *s = &fcdb__schema_function;
	fcdb__node *rec = new_node(v, a);
	uint32_t n = 0, k = 0, i;

	if (!rec)
		return NULL;
	for (i = 1; i <= FCDB__FN_MAX; i++)
		n += b->slot[i] != NULL;
	n += b->nunknown;
	rec->type = FCDB__OBJ;
	rec->len = n;
	if (!n)
		return rec;
	rec->v.kids = fcdb__arena_alloc(a, sizeof(fcdb__node) * n);
	if (!rec->v.kids) {
		v->oom = 1;
		return NULL;
	}
	for (i = 1; i <= FCDB__FN_MAX; i++) {
		const fcdb__field *f;

		if (!b->slot[i])
			continue;
		f = fcdb__schema_by_num(s, i);
		rec->v.kids[k] = *b->slot[i];
		rec->v.kids[k].key = f->name;
		rec->v.kids[k].keylen = (uint32_t)strlen(f->name);
		k++;
	}
	for (i = 0; i < b->nunknown; i++)
		rec->v.kids[k++] = *b->unknown[i];
	return rec;
}

void fcdb__format_time(char out[21], int64_t t)
{
	struct tm tm;
	time_t tt;

	/* the format has four digits of year: 1970 to 9999 */
	if (t < 0)
		t = 0;
	if (t > 253402300799LL)
		t = 253402300799LL;
	tt = (time_t)t;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ",
	         (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
	         tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
	         tm.tm_sec % 100);
	memcpy(out, tmp, 20);
	out[20] = '\0';
}

/* Layer ARN strings become {"arn": ...} objects, the output shape. */
static void normalise_layers(fcdb__vctx *v, fcdb__arena *a, builder *b)
{
	const fcdb__node *layers = bget(b, FCDB__FN_LAYERS);
	fcdb__node *copy, *obj;
	uint32_t i;

	if (!layers || layers->type != FCDB__ARR)
		return;
	for (i = 0; i < layers->len; i++)
		if (layers->v.kids[i].type == FCDB__STR)
			break;
	if (i == layers->len)
		return; /* already objects */
	copy = new_node(v, a);
	if (!copy)
		return;
	*copy = *layers;
	copy->v.kids = fcdb__arena_alloc(a, sizeof(fcdb__node) * layers->len);
	if (!copy->v.kids) {
		v->oom = 1;
		return;
	}
	for (i = 0; i < layers->len; i++) {
		const fcdb__node *l = &layers->v.kids[i];

		if (l->type != FCDB__STR) {
			copy->v.kids[i] = *l;
			continue;
		}
		obj = fcdb__arena_alloc(a, sizeof(fcdb__node));
		if (!obj) {
			v->oom = 1;
			return;
		}
		*obj = *l;
		fcdb__node_set_key(obj, "arn");
		memset(&copy->v.kids[i], 0, sizeof(fcdb__node));
		copy->v.kids[i].type = FCDB__OBJ;
		copy->v.kids[i].len = 1;
		copy->v.kids[i].v.kids = obj;
	}
	bset(b, FCDB__FN_LAYERS, copy);
}

/*
 * The code package: exactly one source (code.zipFile, OSS, or bytes given
 * out of band), CRC-64 and size computed, a supplied checksum compared.
 * Sets codeChecksum / codeSize.
 */
static void apply_code(fcdb__vctx *v, fcdb__arena *a, builder *b,
                       const fcdb__node *code)
{
	const fcdb__node *zip = NULL, *bucket = NULL, *object = NULL, *sum = NULL;
	uint64_t crc = 0, want;
	int64_t size = -1;
	char dec[21];

	if (code && code->type == FCDB__OBJ) {
		zip = fcdb__node_get(code, "zipFile");
		bucket = fcdb__node_get(code, "ossBucketName");
		object = fcdb__node_get(code, "ossObjectName");
		sum = fcdb__node_get(code, "checksum");
	}
	if (zip && zip->type != FCDB__STR)
		zip = NULL;
	if (bucket && bucket->type != FCDB__STR)
		bucket = NULL;
	if (object && object->type != FCDB__STR)
		object = NULL;
	if (sum && sum->type != FCDB__STR)
		sum = NULL;
	if ((zip != NULL) + (bucket || object) + (v->code != NULL) > 1) {
		problem(v, zip ? "code.zipFile" : "code",
		        "give the package one way: code.zipFile, "
		        "code.ossBucketName/ossObjectName, or a file");
		return;
	}
	if (v->code) {
		crc = fcdb__crc64(v->code, v->code_len, 0);
		size = (int64_t)v->code_len;
	} else if (zip) {
		uint8_t *bytes;
		long long n;
		size_t bad = 0;

		if (zip->len > ZIPFILE_MAX) {
			problem(v, "code.zipFile", "is %u bytes of base64, more "
			        "than the 100 MB limit", zip->len);
			return;
		}
		bytes = malloc(zip->len / 4 * 3 + 3);
		if (!bytes) {
			v->oom = 1;
			return;
		}
		n = fcdb__base64_decode(bytes, zip->v.s, zip->len, &bad);
		if (n < 0) {
			free(bytes);
			if (bad >= zip->len)
				problem(v, "code.zipFile", "is not valid base64 "
				        "(truncated)");
			else
				problem(v, "code.zipFile", "is not valid base64 "
				        "(bad character at offset %zu)", bad);
			return;
		}
		if (n == 0) {
			free(bytes);
			problem(v, "code.zipFile", "is empty");
			return;
		}
		crc = fcdb__crc64(bytes, (size_t)n, 0);
		size = n;
		free(bytes);
	} else if (bucket || object) {
		if (!bucket || !object || !bucket->len || !object->len) {
			problem(v, bucket ? "code.ossObjectName" : "code.ossBucketName",
			        "is required with an OSS code location");
			return;
		}
		/* fcdb cannot read OSS: the checksum, if given, is trusted */
		if (sum)
			bset(b, FCDB__FN_CODE_CHECKSUM, sum);
		return;
	} else {
		problem(v, "code", "must give the package: code.zipFile or "
		        "code.ossBucketName and code.ossObjectName");
		return;
	}
	if (sum) {
		if (!parse_checksum(sum->v.s, sum->len, &want))
			return; /* already reported by the rule */
		if (want != crc) {
			problem(v, "code.checksum", "%.24s does not match the "
			        "CRC-64 of the package (%llu)", sum->v.s,
			        (unsigned long long)crc);
			return;
		}
	}
	fcdb__u64_to_dec(dec, crc);
	bset(b, FCDB__FN_CODE_CHECKSUM, str_node(v, a, dec));
	bset(b, FCDB__FN_CODE_SIZE, int_node(v, a, size));
}

/*
 * memorySize and cpu: defaults, one derived from the other at 2 GB per
 * vCPU, and the ratio rule (memory GB per vCPU in [1, 4]).  `blame` names
 * the field to report a broken ratio on.
 */
static void apply_resources(fcdb__vctx *v, fcdb__arena *a, builder *b,
                            int derive, const char *blame)
{
	const fcdb__node *mem = bget(b, FCDB__FN_MEMORY_SIZE);
	const fcdb__node *cpu = bget(b, FCDB__FN_CPU);
	int64_t m, h;

	if (mem && mem->type != FCDB__INT)
		return; /* type already reported */
	if (cpu && cpu->type != FCDB__INT && cpu->type != FCDB__DOUBLE)
		return;
	if (derive && !mem && !cpu) {
		bset(b, FCDB__FN_MEMORY_SIZE, int_node(v, a, 512));
		bset(b, FCDB__FN_CPU, num_node(v, a, 0.35));
		return;
	}
	if (derive && mem && !cpu) {
		m = mem->v.i;
		if (m < 128 || m > 32768)
			return; /* range already reported */
		h = (m * 100 + 10239) / 10240 * 5;
		if (h < 5)
			h = 5;
		bset(b, FCDB__FN_CPU, num_node(v, a, (double)h / 100.0));
		return;
	}
	if (derive && cpu && !mem) {
		h = cpu_hundredths(cpu);
		if (h < 5 || h > 1600 || h % 5)
			return;
		m = (h * 32 + 99) / 100 * 64;
		if (m < 128)
			m = 128;
		if (m > 32768)
			m = 32768;
		bset(b, FCDB__FN_MEMORY_SIZE, int_node(v, a, m));
		/* store cpu as a number, even when given as 1 */
		bset(b, FCDB__FN_CPU, num_node(v, a, (double)h / 100.0));
		return;
	}
	if (!mem || !cpu)
		return;
	if (cpu->type == FCDB__INT)
		bset(b, FCDB__FN_CPU, num_node(v, a, (double)cpu->v.i));
	if (v->lenient)
		return;
	h = cpu_hundredths(cpu);
	m = mem->v.i;
	if (h < 5 || h > 1600 || h % 5 || m < 128 || m > 32768 || m % 64)
		return; /* already reported */
	if (m * 100 < 1024 * h || m * 100 > 4096 * h)
		problem(v, blame, "memorySize %lld MB with cpu %g vCPU is %.2f "
		        "GB per vCPU; the ratio must be 1 to 4 GB per vCPU",
		        (long long)m, (double)h / 100.0,
		        (double)m / 1024.0 / ((double)h / 100.0));
}

/* Shared constant nodes for the defaults. */
static const fcdb__node default_timeout = { NULL, 0, FCDB__INT, 0, { .i = 3 } };
static const fcdb__node default_true = { NULL, 0, FCDB__BOOL, 0, { .b = 1 } };
static const fcdb__node default_disk = { NULL, 0, FCDB__INT, 0, { .i = 512 } };
static const fcdb__node default_one = { NULL, 0, FCDB__INT, 0, { .i = 1 } };

static void apply_defaults(builder *b)
{
	bset_default(b, FCDB__FN_TIMEOUT, &default_timeout);
	bset_default(b, FCDB__FN_INTERNET_ACCESS, &default_true);
	bset_default(b, FCDB__FN_DISK_SIZE, &default_disk);
	bset_default(b, FCDB__FN_INSTANCE_CONCURRENCY, &default_one);
}

static void arn_for(char *out, size_t cap, const fcdb__vctx *v,
                    const char *name)
{
	size_t r = strlen(v->region), c = strlen(v->account), n = strlen(name);

	if (19 + r + c + n >= cap) {
		out[0] = '\0';
		return;
	}
	memcpy(out, "acs:fc:", 7);
	memcpy(out + 7, v->region, r);
	out[7 + r] = ':';
	memcpy(out + 8 + r, v->account, c);
	memcpy(out + 8 + r + c, ":functions/", 11);
	memcpy(out + 19 + r + c, name, n + 1);
}

static int check_root(fcdb__vctx *v, const fcdb__node *input, const char *what)
{
	if (!input || input->type != FCDB__OBJ) {
		problem(v, "", "%s must be a JSON object, not %s", what,
		        input ? type_word(input->type) : "nothing");
		return -1;
	}
	return 0;
}

static const fcdb__node *present(const fcdb__node *obj, const char *key)
{
	const fcdb__node *m = fcdb__node_get(obj, key);

	return m && m->type != FCDB__NULL ? m : NULL;
}

int fcdb__validate_create(fcdb__vctx *v, fcdb__arena *a,
                          const fcdb__node *input, fcdb__node **record)
{
	const fcdb__node *code, *container, *name;
	fcdb__node *rec;
	builder b;
	char arn[512];
	path p = { "", 0 };

	*record = NULL;
	if (check_root(v, input, "a CreateFunctionInput"))
		return report(v);
	check_object(v, &fcdb__schema_function, input, &p, 1);
	code = present(input, "code");
	container = present(input, "customContainerConfig");
	if ((code || v->code) && container)
		problem(v, "code", "give code or customContainerConfig, not both");
	else if (!code && !v->code && !container)
		problem(v, "code", "code or customContainerConfig is required");
	builder_load(v, a, &b, input);
	if (v->oom)
		return report(v);
	if ((code && code->type == FCDB__OBJ) || v->code) {
		apply_code(v, a, &b, code);
		v->code_given = 1;
	}
	apply_resources(v, a, &b, 1, "cpu");
	apply_defaults(&b);
	normalise_layers(v, a, &b);
	if (v->nerrors || v->oom)
		return report(v);
	name = bget(&b, FCDB__FN_FUNCTION_NAME);
	arn_for(arn, sizeof(arn), v, name->v.s);
	bset(&b, FCDB__FN_FUNCTION_ARN, str_node(v, a, arn));
	bset(&b, FCDB__FN_FUNCTION_ID, str_node(v, a, v->function_id));
	bset(&b, FCDB__FN_CREATED_TIME, str_node(v, a, v->now));
	bset(&b, FCDB__FN_LAST_MODIFIED_TIME, str_node(v, a, v->now));
	bset(&b, FCDB__FN_STATE, str_node(v, a, "Pending"));
	bset(&b, FCDB__FN_STATE_REASON, str_node(v, a, "Function creating"));
	bset(&b, FCDB__FN_STATE_REASON_CODE, str_node(v, a, "Creating"));
	bset(&b, FCDB__FN_LAST_UPDATE_STATUS, str_node(v, a, "InProgress"));
	rec = builder_finish(v, a, &b);
	if (v->oom || !rec)
		return report(v);
	*record = rec;
	return FCDB_OK;
}

int fcdb__validate_update(fcdb__vctx *v, fcdb__arena *a,
                          const fcdb__node *input, const fcdb__node *stored,
                          fcdb__node **record)
{
	const fcdb__node *code, *container, *mem, *cpu;
	fcdb__node *rec;
	builder b;
	uint32_t i;
	int rederive = 0;
	path p = { "", 0 };

	*record = NULL;
	if (check_root(v, input, "an UpdateFunctionInput"))
		return report(v);
	check_object(v, &fcdb__schema_function, input, &p, 1);
	code = present(input, "code");
	container = present(input, "customContainerConfig");
	if ((code || v->code) && container)
		problem(v, "code", "give code or customContainerConfig, not both");
	/* start from the stored record, then apply the input as a merge */
	builder_load(v, a, &b, stored);
	if (v->oom)
		return report(v);
	for (i = 0; i < input->len; i++) {
		const fcdb__node *m = &input->v.kids[i];
		const fcdb__field *f = fcdb__schema_find_n(&fcdb__schema_function,
		                                           m->key, m->keylen);

		if (!f || (f->flags & (FCDB__F_INPUT | FCDB__F_COMPUTED |
		                       FCDB__F_NOUPDATE)))
			continue;
		if (m->type != FCDB__NULL) {
			bset(&b, f->num, m);
			continue;
		}
		/* null: remove an optional field; a field create gives a
		   default goes back to it; memorySize and cpu are derived
		   again from each other */
		switch (f->num) {
		case FCDB__FN_TIMEOUT:
			bset(&b, f->num, &default_timeout);
			break;
		case FCDB__FN_INTERNET_ACCESS:
			bset(&b, f->num, &default_true);
			break;
		case FCDB__FN_DISK_SIZE:
			bset(&b, f->num, &default_disk);
			break;
		case FCDB__FN_INSTANCE_CONCURRENCY:
			bset(&b, f->num, &default_one);
			break;
		case FCDB__FN_MEMORY_SIZE:
		case FCDB__FN_CPU:
			bset(&b, f->num, NULL);
			rederive = 1;
			break;
		default:
			if (f->flags & FCDB__F_REQUIRED)
				problem(v, f->name, "is required and cannot be "
				        "removed");
			else
				bset(&b, f->num, NULL);
		}
	}
	/* one code source: a package given replaces an image, an image
	   given replaces a package, and removing the image needs a package */
	if (code || v->code) {
		if (!container)
			bset(&b, FCDB__FN_CUSTOM_CONTAINER_CONFIG, NULL);
		if (code && code->type == FCDB__OBJ)
			apply_code(v, a, &b, code);
		else if (v->code)
			apply_code(v, a, &b, NULL);
		v->code_given = 1;
	} else if (container) {
		bset(&b, FCDB__FN_CODE_CHECKSUM, NULL);
		bset(&b, FCDB__FN_CODE_SIZE, NULL);
	} else if (fcdb__node_get(input, "customContainerConfig") &&
	           !bget(&b, FCDB__FN_CODE_CHECKSUM) &&
	           !bget(&b, FCDB__FN_CODE_SIZE)) {
		problem(v, "customContainerConfig", "cannot be removed from a "
		        "function without a code package (give code too)");
	}
	/* a handler, unless the runtime is a custom one */
	{
		const fcdb__node *rt = bget(&b, FCDB__FN_RUNTIME);

		if (rt && rt->type == FCDB__STR && strncmp(rt->v.s, "custom", 6) &&
		    !bget(&b, FCDB__FN_HANDLER))
			problem(v, "handler", "is required for runtime %.64s",
			        rt->v.s);
	}
	mem = present(input, "memorySize");
	cpu = present(input, "cpu");
	apply_resources(v, a, &b, rederive, mem && !cpu ? "memorySize" : "cpu");
	normalise_layers(v, a, &b);
	bset(&b, FCDB__FN_LAST_MODIFIED_TIME, str_node(v, a, v->now));
	if (v->nerrors || v->oom)
		return report(v);
	rec = builder_finish(v, a, &b);
	if (v->oom || !rec)
		return report(v);
	*record = rec;
	return FCDB_OK;
}

int fcdb__validate_import(fcdb__vctx *v, fcdb__arena *a,
                          const fcdb__node *input, fcdb__node **record)
{
	const fcdb__node *name, *arn;
	fcdb__node *rec;
	builder b;
	char want[512];
	path p = { "", 0 };

	*record = NULL;
	if (check_root(v, input, "a Function"))
		return report(v);
	check_object(v, &fcdb__schema_function, input, &p, 1);
	builder_load(v, a, &b, input);
	if (v->oom)
		return report(v);
	name = bget(&b, FCDB__FN_FUNCTION_NAME);
	arn = bget(&b, FCDB__FN_FUNCTION_ARN);
	if (name && name->type == FCDB__STR && arn && arn->type == FCDB__STR &&
	    valid_function_name(name->v.s, name->len)) {
		arn_for(want, sizeof(want), v, name->v.s);
		if (strcmp(arn->v.s, want) != 0)
			problem(v, "functionArn", "\"%.128s\" does not match this "
			        "store and name: want \"%.128s\"", arn->v.s, want);
	}
	apply_resources(v, a, &b, 1, "cpu");
	apply_defaults(&b);
	normalise_layers(v, a, &b);
	if (v->nerrors || v->oom)
		return report(v);
	/* Computed fields a ListFunctions page may leave out. */
	if (!arn) {
		arn_for(want, sizeof(want), v, name->v.s);
		bset(&b, FCDB__FN_FUNCTION_ARN, str_node(v, a, want));
	}
	if (!bget(&b, FCDB__FN_FUNCTION_ID)) {
		if (!v->function_id)
			return fcdb__error_set(FCDB_EINTERNAL, "functionId", 0,
			                       "no functionId to give");
		bset(&b, FCDB__FN_FUNCTION_ID, str_node(v, a, v->function_id));
	}
	if (!bget(&b, FCDB__FN_CREATED_TIME))
		bset(&b, FCDB__FN_CREATED_TIME, str_node(v, a, v->now));
	if (!bget(&b, FCDB__FN_LAST_MODIFIED_TIME))
		bset(&b, FCDB__FN_LAST_MODIFIED_TIME, str_node(v, a, v->now));
	if (!bget(&b, FCDB__FN_STATE))
		bset(&b, FCDB__FN_STATE, str_node(v, a, "Active"));
	if (!bget(&b, FCDB__FN_LAST_UPDATE_STATUS))
		bset(&b, FCDB__FN_LAST_UPDATE_STATUS, str_node(v, a, "Successful"));
	rec = builder_finish(v, a, &b);
	if (v->oom || !rec)
		return report(v);
	*record = rec;
	return FCDB_OK;
}
