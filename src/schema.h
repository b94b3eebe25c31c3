/*
 * schema.h: one table of every Function field (internal).
 *
 * Each object type is a sorted array of fields: JSON name, stored field
 * number, type, rules and flags.  Validation, the MessagePack codec and
 * the JSON renderer are all driven by these tables, so a field is added in
 * one place.  Field numbers are the MessagePack map keys of a stored
 * record: like protobuf field numbers they are never reused or renumbered.
 */
#ifndef FCDB_SCHEMA_H
#define FCDB_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum fcdb__ftype {
	FCDB__T_STR = 1,
	FCDB__T_INT,      /* integer within [min, max] */
	FCDB__T_BOOL,
	FCDB__T_NUM,      /* a number (cpu): stored as float64 */
	FCDB__T_OBJ,      /* nested object: sub */
	FCDB__T_ARR_STR,  /* array of strings, at most max items when max > 0 */
	FCDB__T_ARR_OBJ,  /* array of objects (sub), at most max items when max > 0 */
	FCDB__T_MAP,      /* object of string -> string */
	FCDB__T_LAYERS    /* layer ARNs in, [{arn,size}] out (sub = layer) */
};

/* Field flags. */
#define FCDB__F_COMPUTED  0x01u /* set by the store; refused on create/update */
#define FCDB__F_INPUT     0x02u /* input only (code); never stored */
#define FCDB__F_NOUPDATE  0x04u /* not part of UpdateFunctionInput */
#define FCDB__F_REQUIRED  0x08u /* required on create (within its object) */
#define FCDB__F_HEADER    0x10u /* lives in the record envelope, not the payload */
#define FCDB__F_SECRET    0x20u /* masked by get/list unless asked */

/* Rules beyond type and range, implemented by validate.c. */
enum fcdb__rule {
	FCDB__R_NONE = 0,
	FCDB__R_FUNCTION_NAME, /* ^[A-Za-z_][A-Za-z0-9_-]{0,63}$ */
	FCDB__R_ENUM,          /* one of enums[] */
	FCDB__R_CPU,           /* 0.05..16, multiple of 0.05 */
	FCDB__R_ENV_KEYS,      /* map keys ^[A-Za-z][A-Za-z0-9_]*$ */
	FCDB__R_TAGS,          /* at most 20, unique non-empty Key */
	FCDB__R_ROLE_ARN,      /* acs:ram::<account>:role/<name> */
	FCDB__R_LAYER_ARN,     /* acs:fc:<region>:<account>:layers/<n>/versions/<v> */
	FCDB__R_TIME,          /* YYYY-MM-DDThh:mm:ssZ */
	FCDB__R_CHECKSUM,      /* unsigned 64-bit decimal, no leading zeros */
	FCDB__R_UUID,          /* 8-4-4-4-12 hex */
	FCDB__R_FUNCTION_ARN,  /* the store's region/account and the record's name */
	FCDB__R_HOOK,          /* lifecycle hook: handler xor command */
	FCDB__R_STATE,         /* Pending|Active|Inactive|Failed */
	FCDB__R_UPDATE_STATUS  /* InProgress|Successful|Failed */
};

typedef struct fcdb__schema fcdb__schema;

typedef struct fcdb__field {
	const char *name;
	uint8_t namelen; /* strlen(name) */
	uint8_t num;     /* stored key; 0 for input-only fields */
	uint8_t type;    /* enum fcdb__ftype */
	uint8_t flags;   /* FCDB__F_* */
	uint8_t rule;    /* enum fcdb__rule */
	int64_t min;     /* T_INT: range; T_STR: max length when max > 0 */
	int64_t max;     /* T_ARR_*: max items when > 0 */
	int64_t multiple;/* T_INT: must be a multiple of this when > 0 */
	const int64_t *set;          /* T_INT: allowed values, 0-terminated */
	const char *const *enums;    /* R_ENUM: allowed strings, NULL-terminated */
	const fcdb__schema *sub;     /* T_OBJ, T_ARR_OBJ, T_LAYERS */
} fcdb__field;

#define FCDB__SCHEMA_HASH 128 /* slots of a schema's name table */

struct fcdb__schema {
	const char *name;            /* "Function", "CustomContainerConfig", ... */
	const fcdb__field *fields;   /* sorted by name (byte order) */
	size_t count;
	uint8_t *hash;               /* name table: field index + 1, 0 empty */
};

/* The top-level Function object. */
extern const fcdb__schema fcdb__schema_function;

/* Every schema, for tests and introspection; NULL-terminated. */
extern const fcdb__schema *const fcdb__schemas[];

/* Look a field up by JSON name (binary search) or stored number. */
const fcdb__field *fcdb__schema_find(const fcdb__schema *s, const char *name);
/* The same for a name of known length (need not be NUL-terminated). */
const fcdb__field *fcdb__schema_find_n(const fcdb__schema *s,
                                       const char *name, size_t len);
const fcdb__field *fcdb__schema_by_num(const fcdb__schema *s, unsigned num);

/* Stored field numbers of the top-level fields accessors read. */
enum {
	FCDB__FN_CODE_CHECKSUM = 1,
	FCDB__FN_CODE_SIZE = 2,
	FCDB__FN_CPU = 3,
	FCDB__FN_CREATED_TIME = 4,
	FCDB__FN_CUSTOM_CONTAINER_CONFIG = 5,
	FCDB__FN_DESCRIPTION = 8,
	FCDB__FN_DISK_SIZE = 11,
	FCDB__FN_FUNCTION_ARN = 14,
	FCDB__FN_FUNCTION_ID = 15,
	FCDB__FN_FUNCTION_NAME = 16,
	FCDB__FN_HANDLER = 18,
	FCDB__FN_INSTANCE_CONCURRENCY = 20,
	FCDB__FN_INTERNET_ACCESS = 23,
	FCDB__FN_LAST_MODIFIED_TIME = 26,
	FCDB__FN_LAST_UPDATE_STATUS = 27,
	FCDB__FN_LAST_UPDATE_STATUS_REASON = 28,
	FCDB__FN_LAST_UPDATE_STATUS_REASON_CODE = 29,
	FCDB__FN_LAYERS = 30,
	FCDB__FN_MEMORY_SIZE = 33,
	FCDB__FN_RUNTIME = 39,
	FCDB__FN_STATE = 42,
	FCDB__FN_STATE_REASON = 43,
	FCDB__FN_STATE_REASON_CODE = 44,
	FCDB__FN_TIMEOUT = 46,
	FCDB__FN_MAX = 48
};

/* The runtime names, NULL-terminated. */
extern const char *const fcdb__runtimes[];

#endif
