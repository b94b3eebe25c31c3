/*
 * fault.c: turn a fault inside liblmdb into StoreCorrupted (see fault.h).
 *
 * At startup dl_iterate_phdr finds the executable code of liblmdb and of
 * the command itself (the executable holding this file, and libfcdb if
 * it is a shared object).  The handler then decides who faulted:
 *
 *   SIGSEGV, SIGBUS raised by the kernel: the faulting instruction (the
 *     pc in the signal's context) when it lies in liblmdb or in our code;
 *     when it lies elsewhere (a memcpy in the C library that LMDB called
 *     with a damaged length), the nearest caller on the stack that is
 *     liblmdb's or ours;
 *   SIGABRT: LMDB's assertion handler calls abort(), so the nearest
 *     frame under abort() that is liblmdb's or ours;
 *   any of them sent by kill(2) or raise(3): not a fault, never LMDB's.
 *
 * LMDB's: one line on stderr, written with write(2), and _exit(1).
 * Anyone else's: the previous disposition is restored and the signal
 * comes again (a kernel fault by re-running the instruction, otherwise
 * by raise), so a bug in fcdb still crashes loudly, or reaches the
 * sanitizer whose handler was there before ours.
 *
 * Everything the handler touches is set up before it can run; it calls
 * only async-signal-safe functions, and backtrace(3), whose unwinder is
 * loaded at install time so that it does not allocate in the handler.
 */
#include "fault.h"

#include <execinfo.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_RANGES 8
#define MAX_FRAMES 64
#define ALTSTACK_SIZE (64 * 1024)

struct text {
	uintptr_t lo[MAX_RANGES], hi[MAX_RANGES];
	int n;
};

static struct text lmdb_text, own_text;
static const int fault_sigs[] = { SIGSEGV, SIGBUS, SIGABRT };
#define NSIGS ((int)(sizeof(fault_sigs) / sizeof(fault_sigs[0])))
static struct sigaction previous[NSIGS];
static int installed;
static const char *volatile store_path;
static const char *volatile unlink_path;

static void add_ranges(struct text *t, const struct dl_phdr_info *info)
{
	int i;

	for (i = 0; i < info->dlpi_phnum && t->n < MAX_RANGES; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		t->lo[t->n] = info->dlpi_addr + ph->p_vaddr;
		t->hi[t->n] = t->lo[t->n] + ph->p_memsz;
		t->n++;
	}
}

/* Does one of info's executable segments hold address a? */
static int object_holds(const struct dl_phdr_info *info, uintptr_t a)
{
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
		    a >= lo && a < lo + ph->p_memsz)
			return 1;
	}
	return 0;
}

static int find_text(struct dl_phdr_info *info, size_t size, void *ctx)
{
	const char *name = info->dlpi_name ? info->dlpi_name : "";

	(void)size;
	if (strstr(name, "liblmdb"))
		add_ranges(&lmdb_text, info);
	else if (strstr(name, "libfcdb") ||
	         object_holds(info, (uintptr_t)ctx))
		add_ranges(&own_text, info);
	return 0;
}

static int in_text(const struct text *t, uintptr_t pc)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (pc >= t->lo[i] && pc < t->hi[i])
			return 1;
	return 0;
}

/* The faulting instruction, from the signal's context; 0 when this
   architecture's context is not known here. */
static uintptr_t context_pc(const void *ucv)
{
	const ucontext_t *uc = ucv;

	(void)uc;
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__i386__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_EIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	return 0;
#endif
}

/*
 * Whose code is nearest under the handler on the stack: 1 LMDB's, 0
 * ours or nobody's.  The first frames are backtrace's (a sanitizer's
 * interceptor of it) and the handler's own (ours), and are skipped;
 * then the C library's (the signal trampoline, abort, memcpy) are passed
 * over until a frame of LMDB's or ours decides.
 */
static int lmdb_below(void)
{
	void *frames[MAX_FRAMES];
	int n = backtrace(frames, MAX_FRAMES), i = 0;

	while (i < n && !in_text(&own_text, (uintptr_t)frames[i]) &&
	       !in_text(&lmdb_text, (uintptr_t)frames[i]))
		i++;
	while (i < n && in_text(&own_text, (uintptr_t)frames[i]))
		i++;
	for (; i < n; i++) {
		uintptr_t f = (uintptr_t)frames[i];

		if (in_text(&lmdb_text, f))
			return 1;
		if (in_text(&own_text, f))
			return 0;
	}
	return 0;
}

static int fault_in_lmdb(int sig, const siginfo_t *si, const void *ucv)
{
	uintptr_t pc;

	if (sig == SIGABRT)
		return lmdb_below();
	if (si->si_code <= 0) /* sent by kill(2), raise(3), sigqueue(3) */
		return 0;
	pc = context_pc(ucv);
	if (pc && in_text(&lmdb_text, pc))
		return 1;
	if (pc && in_text(&own_text, pc))
		return 0;
	return lmdb_below();
}

/* ---- the error line, without stdio ---- */

struct line {
	char buf[1024];
	size_t len;
};

static void put(struct line *l, const char *s)
{
	for (; s && *s && l->len < sizeof(l->buf) - 1; s++)
		l->buf[l->len++] = *s == '\n' || *s == '\r' ? ' ' : *s;
}

static void put_int(struct line *l, int v)
{
	char d[12];
	int i = (int)sizeof(d);

	d[--i] = '\0';
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	put(l, d + i);
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGABRT:
		return "SIGABRT";
	default:
		return "?";
	}
}

static void report_corrupted(int sig)
{
	const char *store = store_path;
	struct line l;
	ssize_t w;
	size_t off = 0;

	l.len = 0;
	put(&l, "fcdb: StoreCorrupted: ");
	if (store) {
		put(&l, "store ");
		put(&l, store);
		put(&l, ": ");
	}
	put(&l, "LMDB faulted with signal ");
	put_int(&l, sig);
	put(&l, " (");
	put(&l, sig_name(sig));
	put(&l, ") in its own pages: the store's structure is "
	        "damaged; run fcdb check, then restore it from a backup");
	l.buf[l.len++] = '\n';
	while (off < l.len) {
		w = write(STDERR_FILENO, l.buf + off, l.len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	int i;

	if (fault_in_lmdb(sig, si, ucv)) {
		const char *gone = unlink_path;

		if (gone)
			unlink(gone);
		report_corrupted(sig);
		_exit(1);
	}
	/* not LMDB's: let it happen as if we were not here */
	for (i = 0; i < NSIGS; i++)
		if (fault_sigs[i] == sig)
			sigaction(sig, &previous[i], NULL);
	if (sig == SIGABRT || si->si_code <= 0)
		raise(sig); /* delivered when the handler returns */
	/* a kernel fault: returning runs the instruction again */
}

int cli_fault_install(void)
{
	static char altstack[ALTSTACK_SIZE];
	struct sigaction sa;
	stack_t ss, old_ss;
	void *prime[2];
	int i;

	if (installed)
		return 1;
	memset(&lmdb_text, 0, sizeof(lmdb_text));
	memset(&own_text, 0, sizeof(own_text));
	dl_iterate_phdr(find_text, (void *)(uintptr_t)&cli_fault_install);
	if (lmdb_text.n == 0 || own_text.n == 0)
		return 0;
	backtrace(prime, 2); /* load the unwinder now, not in the handler */
	/* an alternate stack, unless one is set (a sanitizer's) */
	if (sigaltstack(NULL, &old_ss) != 0 || (old_ss.ss_flags & SS_DISABLE)) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_sp = altstack;
		ss.ss_size = sizeof(altstack);
		sigaltstack(&ss, NULL);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	memset(previous, 0, sizeof(previous));
	for (i = 0; i < NSIGS; i++)
		if (sigaction(fault_sigs[i], &sa, &previous[i]) != 0)
			previous[i].sa_handler = SIG_DFL;
	installed = 1;
	return 1;
}

void cli_fault_restore(void)
{
	int i;

	if (!installed)
		return;
	for (i = 0; i < NSIGS; i++)
		sigaction(fault_sigs[i], &previous[i], NULL);
	installed = 0;
}

void cli_fault_set_store(const char *path)
{
	store_path = path;
}

void cli_fault_unlink_on_fault(const char *path)
{
	unlink_path = path;
}
