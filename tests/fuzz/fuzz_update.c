/*
 * fuzz_update.c: libFuzzer target for fcdb_function_update: the input is
 * an UpdateFunctionInput document, merged into each of three functions
 * created at start (a code package, a custom container with a registry
 * password, a custom runtime with most optional fields).  Update returns
 * OK or InvalidArgument and nothing else; an accepted update reads back
 * the same, imports again unchanged, and is then undone (delete and
 * create again) so every input meets the same three functions.
 */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HELLO_B64 \
	"UEsDBBQAAAAIAAAAIVhBhpGhNgAAADYAAAAIAAAAaW5kZXgucHlLSU1TyEjMS8lJLdJI" \
	"LUvNK9FRSM7PK0mtKNG04lIAgqLUktKiPAX1jNScnHyF8vyinBR1LgBQSwECFAMUAAAA" \
	"CAAAACFYQYaRoTYAAAA2AAAACAAAAAAAAAAAAAAAgAEAAAAAaW5kZXgucHlQSwUGAAAA" \
	"AAEAAQA2AAAAXAAAAAAA"

static const struct base {
	const char *name, *doc;
} bases[] = {
	{ "fz_code",
	  "{\"functionName\":\"fz_code\",\"runtime\":\"python3.10\","
	  "\"handler\":\"index.handler\",\"memorySize\":1024,"
	  "\"environmentVariables\":{\"A\":\"1\",\"B\":\"two\"},"
	  "\"tags\":[{\"Key\":\"team\",\"Value\":\"x\"}],"
	  "\"code\":{\"zipFile\":\"" HELLO_B64 "\"}}" },
	{ "fz_container",
	  "{\"functionName\":\"fz_container\",\"runtime\":\"custom-container\","
	  "\"cpu\":1,\"memorySize\":2048,\"customContainerConfig\":{"
	  "\"image\":\"registry.example.com/ns/app:1\",\"port\":9000,"
	  "\"command\":[\"/app\"],\"registryConfig\":{\"authConfig\":{"
	  "\"userName\":\"u\",\"password\":\"s3cr3t-p\\u00e4ssw\\u00f6rd\"}}}}" },
	{ "fz_custom",
	  "{\"functionName\":\"fz_custom\",\"runtime\":\"custom.debian10\","
	  "\"timeout\":60,\"diskSize\":10240,\"instanceConcurrency\":10,"
	  "\"customRuntimeConfig\":{\"command\":[\"node\"],\"args\":[\"a.js\"],"
	  "\"port\":9000,\"healthCheckConfig\":{\"httpGetUrl\":\"/ready\","
	  "\"timeoutSeconds\":2}},"
	  "\"layers\":[\"acs:fc:cn-hangzhou:official:layers/Python310/versions/2\"],"
	  "\"instanceLifecycleConfig\":{\"initializer\":{\"handler\":\"i.init\","
	  "\"timeout\":10}},\"logConfig\":{\"project\":\"p\",\"logstore\":\"l\"},"
	  "\"vpcConfig\":{\"vpcId\":\"vpc-1\",\"vSwitchIds\":[\"vsw-1\"]},"
	  "\"nasConfig\":{\"userId\":1,\"groupId\":1,\"mountPoints\":[{"
	  "\"serverAddr\":\"nas.example.com:/\",\"mountDir\":\"/mnt/nas\"}]},"
	  "\"code\":{\"ossBucketName\":\"b\",\"ossObjectName\":\"o.zip\"}}" },
};

#define NBASES (sizeof(bases) / sizeof(bases[0]))

/* Create a base function and make it Active (updatable). */
static void base_create(fcdb *db, const struct base *b)
{
	int rc = fcdb_function_create(db, NULL, b->doc, strlen(b->doc), NULL);

	if (rc)
		fz_fail("creating %s: %d", b->name, rc);
	rc = fcdb_function_set_state(db, NULL, b->name, FCDB_STATE_ACTIVE,
	                             NULL, NULL, NULL);
	if (rc)
		fz_fail("activating %s: %d", b->name, rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fcdb *db;
	size_t i;

	if (!db) {
		db = fz_open("update.fcdb");
		for (i = 0; i < NBASES; i++)
			base_create(db, &bases[i]);
	}
	for (i = 0; i < NBASES; i++) {
		fcdb_function *fn = (fcdb_function *)&db; /* must become NULL */
		int rc = fcdb_function_update(db, &fn, bases[i].name,
		                              (const char *)data, size, NULL);

		if (rc) {
			if (fn)
				fz_fail("update failed with %d but handed out a "
				        "function", rc);
			if (rc != FCDB_EINVAL)
				fz_fail("update of %s returned %d %s, want OK or "
				        "InvalidArgument", bases[i].name, rc,
				        fcdb_error_name(rc));
			fz_check_error(rc, "fcdb_function_update");
			continue;
		}
		if (strcmp(fcdb_function_name(fn), bases[i].name) != 0)
			fz_fail("update renamed %s to %s", bases[i].name,
			        fcdb_function_name(fn));
		if (fcdb_function_update_status(fn) != FCDB_UPDATE_SUCCESSFUL)
			fz_fail("a synchronous update left lastUpdateStatus %d",
			        fcdb_function_update_status(fn));
		fz_check_stored(db, fn);
		fcdb_function_free(fn);
		/* undo it: the next input meets the same function */
		rc = fcdb_function_delete(db, bases[i].name, NULL);
		if (rc)
			fz_fail("delete %s: %d", bases[i].name, rc);
		base_create(db, &bases[i]);
	}
	return 0;
}
