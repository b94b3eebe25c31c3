/* corpus.c: the seeded generator of realistic Function records. */
#include "corpus.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void corpus_buf_free(corpus_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static void add(corpus_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap ? b->cap * 2 : 4096;
		while (b->cap - b->len <= (size_t)n)
			b->cap *= 2;
		b->data = realloc(b->data, b->cap);
		if (!b->data) {
			fprintf(stderr, "corpus: out of memory\n");
			exit(1);
		}
	}
}

/* splitmix64: one independent stream per (seed, i). */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned pick(uint64_t *s, unsigned n)
{
	return (unsigned)(mix(s) % n);
}

static int chance(uint64_t *s, unsigned percent)
{
	return pick(s, 100) < percent;
}

static const char *const prefixes[] = {
	"api", "worker", "cron", "etl", "web", "img", "auth", "billing",
	"search", "notify", "report", "ingest", "video", "ml-infer", "gateway",
	"audit"
};
static const char *const runtimes[] = {
	"python3.10", "python3.10", "python3.9", "nodejs18", "nodejs20",
	"nodejs20", "java11", "go1", "php7.2", "custom.debian10",
	"custom.debian11", "custom-container", "custom-container", "python3.12"
};
static const char *const words[] = {
	"orders", "payments", "thumbnails", "sessions", "invoices", "events",
	"metrics", "users", "catalog", "inventory", "emails", "webhooks"
};

void corpus_name(char *out, uint64_t seed, uint64_t i)
{
	uint64_t s = seed ^ (i * 0x2545f4914f6cdd1dull);

	mix(&s);
	snprintf(out, 64, "%s-%s-%llx", prefixes[pick(&s, 16)],
	         words[pick(&s, 12)], (unsigned long long)i);
}

static void uuid_from(char *out, uint64_t *s)
{
	uint64_t a = mix(s), b = mix(s);

	snprintf(out, 37, "%08llx-%04llx-4%03llx-%04llx-%012llx",
	         (unsigned long long)(a >> 32),
	         (unsigned long long)((a >> 16) & 0xffff),
	         (unsigned long long)(a & 0xfff),
	         (unsigned long long)(0x8000 | (b >> 48 & 0x3fff)),
	         (unsigned long long)(b & 0xffffffffffffull));
}

static void time_at(char *out, uint64_t t)
{
	/* days from 2023-01-01, no leap-year subtleties needed in 2023-2024 */
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t days = t / 86400, sec = t % 86400;
	int y = 2023, m = 0;

	while (days >= (uint64_t)(y % 4 ? 365 : 366)) {
		days -= (y % 4 ? 365 : 366);
		y++;
	}
	for (;;) {
		int d = mdays[m] + (m == 1 && y % 4 == 0);
		if (days < (uint64_t)d)
			break;
		days -= (uint64_t)d;
		m++;
	}
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m + 1,
	         (int)days + 1, (int)(sec / 3600), (int)(sec / 60 % 60),
	         (int)(sec % 60));
	memcpy(out, tmp, 21);
	out[20] = '\0';
}

void corpus_function(corpus_buf *out, uint64_t seed, uint64_t i, int shape,
                     const char *region, const char *account)
{
	uint64_t s = seed ^ (i * 0x2545f4914f6cdd1dull);
	char name[64], id[40], created[24], modified[24];
	const char *rt;
	unsigned mem, cpu_h, k, n;
	int container, custom;
	uint64_t t0;

	corpus_name(name, seed, i);
	mix(&s);
	pick(&s, 16); /* the name's draws */
	pick(&s, 12);
	rt = runtimes[pick(&s, sizeof(runtimes) / sizeof(runtimes[0]))];
	container = strcmp(rt, "custom-container") == 0;
	custom = strncmp(rt, "custom", 6) == 0;
	/* memory in 64 MB steps, cpu within the 1-4 GB per vCPU ratio */
	{
		static const unsigned mems[] = { 128, 256, 512, 512, 512, 1024,
		                                 1024, 2048, 3072, 4096, 8192,
		                                 16384, 32768 };
		mem = mems[pick(&s, 13)];
		/* hundredths of a vCPU: mem/1024/cpu in [1,4] */
		unsigned lo = (mem * 100 + 4095) / 4096, hi = mem * 100 / 1024;
		lo = (lo + 4) / 5 * 5;
		hi = hi / 5 * 5;
		if (lo < 5)
			lo = 5;
		if (hi > 1600)
			hi = 1600;
		cpu_h = lo + 5 * pick(&s, (hi - lo) / 5 + 1);
	}
	add(out, "{");
	if (shape == CORPUS_FUNCTION && !container) {
		add(out, "\"codeChecksum\":\"%llu\",\"codeSize\":%u,",
		    (unsigned long long)mix(&s), 200 + pick(&s, 50u << 20));
	}
	add(out, "\"cpu\":%u.%02u,", cpu_h / 100, cpu_h % 100);
	t0 = (uint64_t)pick(&s, 600) * 86400 + pick(&s, 86400);
	time_at(created, t0);
	time_at(modified, t0 + pick(&s, 90) * 86400 + pick(&s, 86400));
	if (shape == CORPUS_FUNCTION)
		add(out, "\"createdTime\":\"%s\",", created);
	if (container) {
		add(out, "\"customContainerConfig\":{");
		if (shape == CORPUS_FUNCTION && chance(&s, 60))
			add(out, "\"accelerationInfo\":{\"status\":\"Ready\"},");
		if (chance(&s, 50))
			add(out, "\"command\":[\"--port\",\"9000\"],");
		add(out, "\"entrypoint\":[\"/app/server\"],");
		if (chance(&s, 60))
			add(out, "\"healthCheckConfig\":{\"failureThreshold\":%u,"
			    "\"httpGetUrl\":\"/healthz\",\"initialDelaySeconds\":%u,"
			    "\"periodSeconds\":%u,\"successThreshold\":1,"
			    "\"timeoutSeconds\":%u},", 1 + pick(&s, 10),
			    pick(&s, 30), 1 + pick(&s, 30), 1 + pick(&s, 3));
		add(out, "\"image\":\"registry-vpc.%s.aliyuncs.com/team-%u/%s:v%u.%u\","
		    "\"port\":%u", region, pick(&s, 40), name, pick(&s, 9),
		    pick(&s, 30), 8000 + pick(&s, 2000));
		if (chance(&s, 40))
			add(out, ",\"registryConfig\":{\"authConfig\":{\"password\":"
			    "\"pw-%016llx\",\"userName\":\"deploy\"}}",
			    (unsigned long long)mix(&s));
		if (shape == CORPUS_FUNCTION && chance(&s, 70))
			add(out, ",\"resolvedImageUri\":\"registry-vpc.%s.aliyuncs.com/"
			    "team/%s@sha256:%016llx%016llx\"", region, name,
			    (unsigned long long)mix(&s), (unsigned long long)mix(&s));
		add(out, "},");
	}
	if (chance(&s, 5))
		add(out, "\"customDNS\":{\"dnsOptions\":[{\"name\":\"ndots\","
		    "\"value\":\"2\"}],\"nameServers\":[\"10.0.0.2\"],\"searches\":"
		    "[\"svc.cluster.local\"]},");
	if (custom && !container)
		add(out, "\"customRuntimeConfig\":{\"command\":[\"/code/bootstrap\"],"
		    "\"port\":%u},", 9000 + pick(&s, 100));
	if (chance(&s, 70))
		add(out, "\"description\":\"%s for %s, owned by team %u\",",
		    prefixes[pick(&s, 16)], words[pick(&s, 12)], pick(&s, 50));
	add(out, "\"diskSize\":%u,", chance(&s, 10) ? 10240 : 512);
	if (chance(&s, 50)) {
		n = 1 + pick(&s, 8);
		add(out, "\"environmentVariables\":{");
		for (k = 0; k < n; k++)
			add(out, "%s\"VAR_%u\":\"value-%llx\"", k ? "," : "", k,
			    (unsigned long long)(mix(&s) >> pick(&s, 60)));
		add(out, "},");
	}
	if (shape == CORPUS_FUNCTION) {
		uuid_from(id, &s);
		add(out, "\"functionArn\":\"acs:fc:%s:%s:functions/%s\","
		    "\"functionId\":\"%s\",", region, account, name, id);
	}
	add(out, "\"functionName\":\"%s\",", name);
	if (chance(&s, 3))
		add(out, "\"gpuConfig\":{\"gpuMemorySize\":%u,\"gpuType\":"
		    "\"fc.gpu.tesla.1\"},", 1024 * (1 + pick(&s, 16)));
	add(out, "\"handler\":\"%s\",", custom ? "not-used" : "index.handler");
	add(out, "\"instanceConcurrency\":%u,", custom ? 1 + pick(&s, 100) : 1);
	if (chance(&s, 20))
		add(out, "\"instanceLifecycleConfig\":{\"initializer\":{\"handler\":"
		    "\"index.init\",\"timeout\":%u}},", 1 + pick(&s, 300));
	add(out, "\"internetAccess\":%s,", chance(&s, 80) ? "true" : "false");
	if (shape == CORPUS_FUNCTION) {
		static const char *const lus[] = { "Successful", "Successful",
		                                   "Successful", "Successful",
		                                   "InProgress", "Failed" };
		const char *us = lus[pick(&s, 6)];

		add(out, "\"lastModifiedTime\":\"%s\",\"lastUpdateStatus\":\"%s\",",
		    modified, us);
		if (strcmp(us, "Successful"))
			add(out, "\"lastUpdateStatusReason\":\"%s\","
			    "\"lastUpdateStatusReasonCode\":\"%s\",",
			    strcmp(us, "Failed") ? "The system is currently processing"
			    " the acceleration optimization for the image."
			    : "Image pull failed", strcmp(us, "Failed")
			    ? "ImageOptimizing" : "ImageAccessDenied");
	}
	if (chance(&s, 20)) {
		n = 1 + pick(&s, 3);
		add(out, "\"layers\":[");
		for (k = 0; k < n; k++) {
			if (shape == CORPUS_FUNCTION)
				add(out, "%s{\"arn\":\"acs:fc:%s:%s:layers/lib%u/versions/%u\","
				    "\"size\":%u}", k ? "," : "", region, account,
				    pick(&s, 20), 1 + pick(&s, 9), 1000 + pick(&s, 1u << 24));
			else
				add(out, "%s\"acs:fc:%s:%s:layers/lib%u/versions/%u\"",
				    k ? "," : "", region, account, pick(&s, 20),
				    1 + pick(&s, 9));
		}
		add(out, "],");
	}
	if (chance(&s, 40))
		add(out, "\"logConfig\":{\"enableInstanceMetrics\":%s,"
		    "\"enableRequestMetrics\":true,\"logBeginRule\":\"DefaultRegex\","
		    "\"logstore\":\"fc-%s\",\"project\":\"logs-%s\"},",
		    chance(&s, 50) ? "true" : "false", words[pick(&s, 12)], region);
	add(out, "\"memorySize\":%u,", mem);
	if (chance(&s, 10))
		add(out, "\"nasConfig\":{\"groupId\":100,\"mountPoints\":[{"
		    "\"enableTLS\":%s,\"mountDir\":\"/mnt/nas\",\"serverAddr\":"
		    "\"%08llx.%s.nas.aliyuncs.com:/share\"}],\"userId\":100},",
		    chance(&s, 50) ? "true" : "false",
		    (unsigned long long)(mix(&s) >> 32), region);
	if (chance(&s, 8))
		add(out, "\"ossMountConfig\":{\"mountPoints\":[{\"bucketName\":"
		    "\"bucket-%u\",\"bucketPath\":\"/data\",\"endpoint\":"
		    "\"http://oss-%s-internal.aliyuncs.com\",\"mountDir\":"
		    "\"/mnt/oss\",\"readOnly\":true}]},", pick(&s, 100), region);
	if (chance(&s, 60))
		add(out, "\"role\":\"acs:ram::%s:role/fc-%s\",", account,
		    words[pick(&s, 12)]);
	add(out, "\"runtime\":\"%s\",", rt);
	if (shape == CORPUS_FUNCTION) {
		static const char *const states[] = { "Active", "Active", "Active",
		                                      "Active", "Active", "Active",
		                                      "Pending", "Inactive",
		                                      "Failed" };
		const char *st = states[pick(&s, 9)];

		add(out, "\"state\":\"%s\",", st);
		if (!strcmp(st, "Pending"))
			add(out, "\"stateReason\":\"Function creating\","
			    "\"stateReasonCode\":\"Creating\",");
		else if (!strcmp(st, "Inactive"))
			add(out, "\"stateReason\":\"Idle for 14 days\","
			    "\"stateReasonCode\":\"Idle\",");
		else if (!strcmp(st, "Failed"))
			add(out, "\"stateReason\":\"The image cannot be pulled\","
			    "\"stateReasonCode\":\"ImageAccessDenied\",");
	}
	if (chance(&s, 30)) {
		n = 1 + pick(&s, 5);
		add(out, "\"tags\":[");
		for (k = 0; k < n; k++)
			add(out, "%s{\"Key\":\"tag%u\",\"Value\":\"%s\"}", k ? "," : "",
			    k, words[pick(&s, 12)]);
		add(out, "],");
	}
	add(out, "\"timeout\":%u", 1 + pick(&s, 900));
	if (chance(&s, 10))
		add(out, ",\"tracingConfig\":{\"params\":{\"endpoint\":"
		    "\"http://tracing-analysis-dc-%s.aliyuncs.com/adapt\"},"
		    "\"type\":\"Jaeger\"}", region);
	if (chance(&s, 30))
		add(out, ",\"vpcConfig\":{\"securityGroupId\":\"sg-%012llx\","
		    "\"vSwitchIds\":[\"vsw-%012llx\",\"vsw-%012llx\"],\"vpcId\":"
		    "\"vpc-%012llx\"}", (unsigned long long)(mix(&s) >> 16),
		    (unsigned long long)(mix(&s) >> 16),
		    (unsigned long long)(mix(&s) >> 16),
		    (unsigned long long)(mix(&s) >> 16));
	if (shape == CORPUS_CREATE && !container)
		add(out, ",\"code\":{\"zipFile\":\"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\"}");
	add(out, "}");
}
