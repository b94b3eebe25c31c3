/* schema.c: the field tables of the Function object and its nested types. */
#include "schema.h"

#include <pthread.h>
#include <string.h>

#define I32_MIN (-2147483647LL - 1)
#define I32_MAX 2147483647LL
#define I64_MAX 9007199254740992LL /* 2^53: exact in JSON numbers */

/* Shorthands keep the tables readable: one line a field. */
#define STR(n, num, fl) { n, sizeof(n) - 1, num, FCDB__T_STR, fl, 0, 0, 0, 0, 0, 0, 0 }
#define STRR(n, num, fl, rule) { n, sizeof(n) - 1, num, FCDB__T_STR, fl, rule, 0, 0, 0, 0, 0, 0 }
#define STRMAX(n, num, fl, mx) { n, sizeof(n) - 1, num, FCDB__T_STR, fl, 0, 0, mx, 0, 0, 0, 0 }
#define ENUM(n, num, fl, e) { n, sizeof(n) - 1, num, FCDB__T_STR, fl, FCDB__R_ENUM, 0, 0, 0, 0, e, 0 }
#define INT(n, num, fl, lo, hi) { n, sizeof(n) - 1, num, FCDB__T_INT, fl, 0, lo, hi, 0, 0, 0, 0 }
#define INTM(n, num, fl, lo, hi, m) { n, sizeof(n) - 1, num, FCDB__T_INT, fl, 0, lo, hi, m, 0, 0, 0 }
#define INTSET(n, num, fl, set) { n, sizeof(n) - 1, num, FCDB__T_INT, fl, 0, I32_MIN, I32_MAX, 0, set, 0, 0 }
#define BOOL(n, num, fl) { n, sizeof(n) - 1, num, FCDB__T_BOOL, fl, 0, 0, 0, 0, 0, 0, 0 }
#define OBJ(n, num, fl, sub) { n, sizeof(n) - 1, num, FCDB__T_OBJ, fl, 0, 0, 0, 0, 0, 0, &sub }
#define OBJR(n, num, fl, rule, sub) { n, sizeof(n) - 1, num, FCDB__T_OBJ, fl, rule, 0, 0, 0, 0, 0, &sub }
#define ASTR(n, num, fl) { n, sizeof(n) - 1, num, FCDB__T_ARR_STR, fl, 0, 0, 0, 0, 0, 0, 0 }
#define AOBJ(n, num, fl, mx, sub) { n, sizeof(n) - 1, num, FCDB__T_ARR_OBJ, fl, 0, 0, mx, 0, 0, 0, &sub }
#define AOBJR(n, num, fl, mx, rule, sub) { n, sizeof(n) - 1, num, FCDB__T_ARR_OBJ, fl, rule, 0, mx, 0, 0, 0, &sub }
#define MAP(n, num, fl) { n, sizeof(n) - 1, num, FCDB__T_MAP, fl, 0, 0, 0, 0, 0, 0, 0 }
#define MAPR(n, num, fl, rule) { n, sizeof(n) - 1, num, FCDB__T_MAP, fl, rule, 0, 0, 0, 0, 0, 0 }
/* The name table is a file-scope compound literal: static storage,
   written once by build_tables. */
#define SCHEMA(var, label, tab) \
	const fcdb__schema var = { label, tab, sizeof(tab) / sizeof(tab[0]), \
	                           (uint8_t[FCDB__SCHEMA_HASH]){ 0 } }

#define C FCDB__F_COMPUTED
#define IN FCDB__F_INPUT
#define NU FCDB__F_NOUPDATE
#define RQ FCDB__F_REQUIRED
#define HD FCDB__F_HEADER
#define SE FCDB__F_SECRET

const char *const fcdb__runtimes[] = {
	"custom", "custom-container", "custom.debian10", "custom.debian11",
	"custom.debian12", "dotnetcore2.1", "dotnetcore3.1", "go1", "java11",
	"java8", "micro-sandbox", "nodejs10", "nodejs12", "nodejs14", "nodejs16",
	"nodejs18", "nodejs20", "nodejs8", "php7.2", "python2.7", "python3",
	"python3.10", "python3.12", "python3.9", NULL
};
static const char *const gpu_types[] = {
	"fc.gpu.ada.1", "fc.gpu.ampere.1", "fc.gpu.tesla.1", "g1", NULL
};
static const char *const log_begin_rules[] = { "DefaultRegex", "None", NULL };
static const char *const tracing_types[] = { "Jaeger", NULL };
static const int64_t disk_sizes[] = { 512, 10240, 0 };

/* Nested types, leaves first. */

static const fcdb__field acceleration_info_f[] = {
	STR("status", 1, 0),
};
static SCHEMA(acceleration_info, "AccelerationInfo", acceleration_info_f);

static const fcdb__field auth_config_f[] = {
	STR("password", 1, SE),
	STR("userName", 2, 0),
};
static SCHEMA(auth_config, "RegistryAuthConfig", auth_config_f);

static const fcdb__field cert_config_f[] = {
	BOOL("insecure", 1, 0),
	STR("rootCaCertBase64", 2, 0),
};
static SCHEMA(cert_config, "RegistryCertConfig", cert_config_f);

static const fcdb__field network_config_f[] = {
	STR("securityGroupId", 1, 0),
	STR("vSwitchId", 2, 0),
	STR("vpcId", 3, 0),
};
static SCHEMA(network_config, "RegistryNetworkConfig", network_config_f);

static const fcdb__field registry_config_f[] = {
	OBJ("authConfig", 1, 0, auth_config),
	OBJ("certConfig", 2, 0, cert_config),
	OBJ("networkConfig", 3, 0, network_config),
};
static SCHEMA(registry_config, "RegistryConfig", registry_config_f);

static const fcdb__field health_check_f[] = {
	INT("failureThreshold", 1, 0, 1, 120),
	STRMAX("httpGetUrl", 2, 0, 2048),
	INT("initialDelaySeconds", 3, 0, 0, 120),
	INT("periodSeconds", 4, 0, 1, 120),
	INT("successThreshold", 5, 0, 1, 120),
	INT("timeoutSeconds", 6, 0, 1, 3),
};
static SCHEMA(health_check, "CustomHealthCheckConfig", health_check_f);

static const fcdb__field custom_container_f[] = {
	OBJ("accelerationInfo", 1, C, acceleration_info),
	STR("accelerationType", 2, 0),
	STR("acrInstanceId", 3, 0),
	ASTR("command", 4, 0),
	ASTR("entrypoint", 5, 0),
	OBJ("healthCheckConfig", 6, 0, health_check),
	STR("image", 7, 0),
	INT("port", 8, 0, 0, 65535),
	OBJ("registryConfig", 9, 0, registry_config),
	STR("resolvedImageUri", 10, C),
};
static SCHEMA(custom_container, "CustomContainerConfig", custom_container_f);

static const fcdb__field dns_option_f[] = {
	STR("name", 1, 0),
	STR("value", 2, 0),
};
static SCHEMA(dns_option, "DNSOption", dns_option_f);

static const fcdb__field custom_dns_f[] = {
	AOBJ("dnsOptions", 1, 0, 0, dns_option),
	ASTR("nameServers", 2, 0),
	ASTR("searches", 3, 0),
};
static SCHEMA(custom_dns, "CustomDNS", custom_dns_f);

static const fcdb__field custom_runtime_f[] = {
	ASTR("args", 1, 0),
	ASTR("command", 2, 0),
	OBJ("healthCheckConfig", 3, 0, health_check),
	INT("port", 4, 0, 0, 65535),
};
static SCHEMA(custom_runtime, "CustomRuntimeConfig", custom_runtime_f);

static const fcdb__field gpu_config_f[] = {
	INTM("gpuMemorySize", 1, 0, 1024, I32_MAX, 1024),
	ENUM("gpuType", 2, 0, gpu_types),
};
static SCHEMA(gpu_config, "GPUConfig", gpu_config_f);

static const fcdb__field initializer_f[] = {
	ASTR("command", 1, 0),
	STR("handler", 2, 0),
	INT("timeout", 3, 0, 1, 300),
};
static SCHEMA(initializer, "LifecycleHook", initializer_f);

static const fcdb__field pre_stop_f[] = {
	ASTR("command", 1, 0),
	STR("handler", 2, 0),
	INT("timeout", 3, 0, 1, 90),
};
static SCHEMA(pre_stop, "LifecycleHook", pre_stop_f);

static const fcdb__field lifecycle_f[] = {
	OBJR("initializer", 1, 0, FCDB__R_HOOK, initializer),
	OBJR("preStop", 2, 0, FCDB__R_HOOK, pre_stop),
};
static SCHEMA(lifecycle, "InstanceLifecycleConfig", lifecycle_f);

static const fcdb__field restriction_f[] = {
	BOOL("disable", 1, 0),
	STRR("lastModifiedTime", 2, 0, FCDB__R_TIME),
	STR("reason", 3, 0),
};
static SCHEMA(restriction, "FunctionRestriction", restriction_f);

static const fcdb__field juice_mount_f[] = {
	ASTR("args", 1, 0),
	STR("mountDir", 2, 0),
	STR("remoteDir", 3, 0),
	STR("token", 4, 0),
	STR("volumeName", 5, 0),
};
static SCHEMA(juice_mount, "JuiceFsMountConfig", juice_mount_f);

static const fcdb__field juice_fs_f[] = {
	MAP("envs", 1, 0),
	AOBJ("mountPoints", 2, 0, 0, juice_mount),
};
static SCHEMA(juice_fs, "JuiceFsConfig", juice_fs_f);

static const fcdb__field layer_f[] = {
	STRR("arn", 1, RQ, FCDB__R_LAYER_ARN),
	INT("size", 2, C, 0, I64_MAX),
};
static SCHEMA(layer, "FunctionLayer", layer_f);

static const fcdb__field lock_info_f[] = {
	STR("lockedAt", 1, 0),
	STR("lockedBy", 2, 0),
	ASTR("lockedResources", 3, 0),
};
static SCHEMA(lock_info, "FunctionLockInfo", lock_info_f);

static const fcdb__field log_config_f[] = {
	BOOL("enableInstanceMetrics", 1, 0),
	BOOL("enableLlmMetrics", 2, 0),
	BOOL("enableRequestMetrics", 3, 0),
	ENUM("logBeginRule", 4, 0, log_begin_rules),
	STR("logstore", 5, 0),
	STR("project", 6, 0),
};
static SCHEMA(log_config, "LogConfig", log_config_f);

static const fcdb__field nas_mount_f[] = {
	BOOL("enableTLS", 1, 0),
	STR("mountDir", 2, 0),
	STR("serverAddr", 3, 0),
};
static SCHEMA(nas_mount, "NASMountConfig", nas_mount_f);

static const fcdb__field nas_config_f[] = {
	INT("groupId", 1, 0, I32_MIN, I32_MAX),
	AOBJ("mountPoints", 2, 0, 5, nas_mount),
	INT("userId", 3, 0, I32_MIN, I32_MAX),
};
static SCHEMA(nas_config, "NASConfig", nas_config_f);

static const fcdb__field oss_mount_f[] = {
	STR("bucketName", 1, 0),
	STR("bucketPath", 2, 0),
	STR("endpoint", 3, 0),
	STR("mountDir", 4, 0),
	BOOL("readOnly", 5, 0),
};
static SCHEMA(oss_mount, "OSSMountPoint", oss_mount_f);

static const fcdb__field oss_config_f[] = {
	AOBJ("mountPoints", 1, 0, 5, oss_mount),
};
static SCHEMA(oss_config, "OSSMountConfig", oss_config_f);

static const fcdb__field polar_mount_f[] = {
	STR("instanceId", 1, 0),
	STR("mountDir", 2, 0),
	BOOL("readOnly", 3, 0),
	STR("remoteDir", 4, 0),
};
static SCHEMA(polar_mount, "PolarFsMountConfig", polar_mount_f);

static const fcdb__field polar_fs_f[] = {
	INT("groupId", 1, 0, I32_MIN, I32_MAX),
	AOBJ("mountPoints", 2, 0, 0, polar_mount),
	INT("userId", 3, 0, I32_MIN, I32_MAX),
};
static SCHEMA(polar_fs, "PolarFsConfig", polar_fs_f);

static const fcdb__field tag_f[] = {
	STR("Key", 1, RQ),
	STR("Value", 2, 0),
};
static SCHEMA(tag, "Tag", tag_f);

static const fcdb__field tracing_f[] = {
	MAP("params", 1, 0),
	ENUM("type", 2, 0, tracing_types),
};
static SCHEMA(tracing, "TracingConfig", tracing_f);

static const fcdb__field vpc_config_f[] = {
	STRR("role", 1, 0, FCDB__R_ROLE_ARN),
	STR("securityGroupId", 2, 0),
	ASTR("vSwitchIds", 3, 0),
	STR("vpcId", 4, 0),
};
static SCHEMA(vpc_config, "VPCConfig", vpc_config_f);

/* InputCodeLocation: accepted on create and update, never stored. */
static const fcdb__field code_f[] = {
	STRR("checksum", 0, 0, FCDB__R_CHECKSUM),
	STR("ossBucketName", 0, 0),
	STR("ossObjectName", 0, 0),
	STR("zipFile", 0, 0),
};
static SCHEMA(code, "InputCodeLocation", code_f);

/*
 * The Function: the 48 fields of the service's Function object in the
 * SDK's (alphabetical) order, which is also the order fcdb renders them,
 * plus the input-only `code`.
 */
static const fcdb__field function_f[] = {
	OBJ("code", 0, IN, code),
	STRR("codeChecksum", 1, C, FCDB__R_CHECKSUM),
	INT("codeSize", 2, C, 0, I64_MAX),
	{ "cpu", 3, 3, FCDB__T_NUM, 0, FCDB__R_CPU, 0, 0, 0, 0, 0, 0 },
	STRR("createdTime", 4, C, FCDB__R_TIME),
	OBJ("customContainerConfig", 5, 0, custom_container),
	OBJ("customDNS", 6, 0, custom_dns),
	OBJ("customRuntimeConfig", 7, 0, custom_runtime),
	STR("description", 8, 0),
	STR("disableInjectCredentials", 9, 0),
	BOOL("disableOndemand", 10, 0),
	INTSET("diskSize", 11, 0, disk_sizes),
	BOOL("enableLongLiving", 12, 0),
	MAPR("environmentVariables", 13, 0, FCDB__R_ENV_KEYS),
	STRR("functionArn", 14, C, FCDB__R_FUNCTION_ARN),
	STRR("functionId", 15, C, FCDB__R_UUID),
	STRR("functionName", 16, RQ | NU, FCDB__R_FUNCTION_NAME),
	OBJ("gpuConfig", 17, 0, gpu_config),
	STR("handler", 18, RQ),
	INT("idleTimeout", 19, 0, I32_MIN, I32_MAX),
	INT("instanceConcurrency", 20, 0, 1, 200),
	STR("instanceIsolationMode", 21, 0),
	OBJ("instanceLifecycleConfig", 22, 0, lifecycle),
	BOOL("internetAccess", 23, 0),
	OBJ("invocationRestriction", 24, C, restriction),
	OBJ("juiceFsConfig", 25, 0, juice_fs),
	STRR("lastModifiedTime", 26, C, FCDB__R_TIME),
	STRR("lastUpdateStatus", 27, C | HD, FCDB__R_UPDATE_STATUS),
	STR("lastUpdateStatusReason", 28, C),
	STR("lastUpdateStatusReasonCode", 29, C),
	{ "layers", 6, 30, FCDB__T_LAYERS, 0, 0, 0, 0, 0, 0, 0, &layer },
	OBJ("lockInfo", 31, C, lock_info),
	OBJ("logConfig", 32, 0, log_config),
	INTM("memorySize", 33, 0, 128, 32768, 64),
	OBJ("nasConfig", 34, 0, nas_config),
	OBJ("ossMountConfig", 35, 0, oss_config),
	OBJ("polarFsConfig", 36, 0, polar_fs),
	STR("resourceGroupId", 37, NU),
	STRR("role", 38, 0, FCDB__R_ROLE_ARN),
	{ "runtime", 7, 39, FCDB__T_STR, RQ, FCDB__R_ENUM, 0, 0, 0, 0, fcdb__runtimes, 0 },
	STR("sessionAffinity", 40, 0),
	STR("sessionAffinityConfig", 41, 0),
	STRR("state", 42, C | HD, FCDB__R_STATE),
	STR("stateReason", 43, C),
	STR("stateReasonCode", 44, C),
	AOBJR("tags", 45, NU, 20, FCDB__R_TAGS, tag),
	INT("timeout", 46, 0, 1, 86400),
	OBJ("tracingConfig", 47, 0, tracing),
	OBJ("vpcConfig", 48, 0, vpc_config),
};
SCHEMA(fcdb__schema_function, "Function", function_f);

const fcdb__schema *const fcdb__schemas[] = {
	&fcdb__schema_function, &acceleration_info, &auth_config, &cert_config,
	&network_config, &registry_config, &health_check, &custom_container,
	&dns_option, &custom_dns, &custom_runtime, &gpu_config, &initializer,
	&pre_stop, &lifecycle, &restriction, &juice_mount, &juice_fs, &layer,
	&lock_info, &log_config, &nas_mount, &nas_config, &oss_mount,
	&oss_config, &polar_mount, &polar_fs, &tag, &tracing, &vpc_config,
	&code, NULL
};

/*
 * Name lookup is on every hot path (each member of every input and
 * record), so each schema gets an open-addressing table of its names,
 * built once: a hash, a probe or two and one memcmp.
 */
static uint32_t name_hash(const char *k, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
	for (const fcdb__schema *const *sp = fcdb__schemas; *sp; sp++) {
		const fcdb__schema *s = *sp;

		for (size_t i = 0; i < s->count; i++) {
			const fcdb__field *f = &s->fields[i];
			uint32_t h = name_hash(f->name, f->namelen) &
			             (FCDB__SCHEMA_HASH - 1);

			while (s->hash[h])
				h = (h + 1) & (FCDB__SCHEMA_HASH - 1);
			s->hash[h] = (uint8_t)(i + 1);
		}
	}
}

const fcdb__field *fcdb__schema_find_n(const fcdb__schema *s,
                                       const char *name, size_t len)
{
	uint32_t h;

	pthread_once(&tables_once, build_tables);
	h = name_hash(name, len) & (FCDB__SCHEMA_HASH - 1);
	while (s->hash[h]) {
		const fcdb__field *f = &s->fields[s->hash[h] - 1];

		if (f->namelen == len && memcmp(f->name, name, len) == 0)
			return f;
		h = (h + 1) & (FCDB__SCHEMA_HASH - 1);
	}
	return NULL;
}

const fcdb__field *fcdb__schema_find(const fcdb__schema *s, const char *name)
{
	return fcdb__schema_find_n(s, name, strlen(name));
}

const fcdb__field *fcdb__schema_by_num(const fcdb__schema *s, unsigned num)
{
	size_t i, guess;

	if (num == 0)
		return NULL;
	/* Stored numbers follow table order, after any input-only fields. */
	guess = num - 1 + (s->fields[0].num == 0);
	if (guess < s->count && s->fields[guess].num == num)
		return &s->fields[guess];
	for (i = 0; i < s->count; i++)
		if (s->fields[i].num == num)
			return &s->fields[i];
	return NULL;
}
