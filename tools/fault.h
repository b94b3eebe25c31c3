/*
 * fault.h: the fcdb command's handler for faults inside liblmdb.
 *
 * LMDB does not checksum its own pages and trusts them: a damaged page
 * header or node offset can make liblmdb itself fault (SIGSEGV, SIGBUS,
 * or an assertion's abort()) before fcdb sees any data.  The command
 * turns such a fault into its documented error, one line
 * `fcdb: StoreCorrupted: ...` on stderr and exit status 1, instead of
 * dying with "Segmentation fault".  A fault anywhere else (a bug in fcdb
 * or the C library) is not masked: the previous disposition is restored
 * and the signal delivered again, so the process still dies of it (or
 * a sanitizer that handled the signal first reports it).
 *
 * The library installs no signal handlers; this is the command's own.
 */
#ifndef FCDB_TOOLS_FAULT_H
#define FCDB_TOOLS_FAULT_H

/*
 * cli_fault_install: find liblmdb's and the command's own code, then
 * handle SIGSEGV, SIGBUS and SIGABRT on an alternate stack.  Call once,
 * early in main.  Returns 1 when installed, 0 when liblmdb's code was
 * not found (LMDB linked statically, say): the signals keep their
 * disposition.
 */
int cli_fault_install(void);

/*
 * cli_fault_restore: give SIGSEGV, SIGBUS and SIGABRT back the
 * dispositions they had before cli_fault_install (a forked child that
 * reports its own death to its parent, as check's walk does).
 */
void cli_fault_restore(void);

/*
 * cli_fault_set_store: name the store in the error line (the pointer is
 * kept: it must outlive the command; NULL names none).
 */
void cli_fault_set_store(const char *path);

/*
 * cli_fault_unlink_on_fault: a file to remove when LMDB faults: one the
 * command created and would otherwise leave half-written (a temporary
 * export, a backup being copied).  The pointer is kept; NULL clears it.
 */
void cli_fault_unlink_on_fault(const char *path);

#endif /* FCDB_TOOLS_FAULT_H */
