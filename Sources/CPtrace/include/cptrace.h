#ifndef HOTPATCH_CPTRACE_H
#define HOTPATCH_CPTRACE_H
// The one way into ptrace(2), waitpid(2) status macros and process_vm_* for the agent.
// ptrace is variadic and the W* status helpers are macros, so Swift cannot call them directly;
// every wrapper here is prefixed `cptrace_` and does nothing but forward.
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

_Static_assert(sizeof(struct user_regs_struct) == 27 * 8, "x86-64 user_regs_struct layout");

static inline long cptrace_request(int request, pid_t tid, void *addr, void *data) {
    return ptrace((enum __ptrace_request)request, tid, addr, data);
}

static inline long cptrace_seize(pid_t tid, unsigned long options) {
    return ptrace(PTRACE_SEIZE, tid, NULL, (void *)options);
}

static inline long cptrace_interrupt(pid_t tid) { return ptrace(PTRACE_INTERRUPT, tid, NULL, NULL); }

static inline long cptrace_detach(pid_t tid, int signal) {
    return ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)signal);
}

static inline long cptrace_cont(pid_t tid, int signal) {
    return ptrace(PTRACE_CONT, tid, NULL, (void *)(long)signal);
}

static inline long cptrace_listen(pid_t tid) { return ptrace(PTRACE_LISTEN, tid, NULL, NULL); }

static inline long cptrace_getregs(pid_t tid, struct user_regs_struct *regs) {
    return ptrace(PTRACE_GETREGS, tid, NULL, regs);
}

static inline long cptrace_setregs(pid_t tid, const struct user_regs_struct *regs) {
    return ptrace(PTRACE_SETREGS, tid, NULL, (void *)regs);
}

static inline long cptrace_singlestep(pid_t tid) { return ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL); }

static inline long cptrace_geteventmsg(pid_t tid, unsigned long *message) {
    return ptrace(PTRACE_GETEVENTMSG, tid, NULL, message);
}

static inline long cptrace_getsiginfo(pid_t tid, siginfo_t *info) {
    return ptrace(PTRACE_GETSIGINFO, tid, NULL, info);
}

/// Reads one word; errno distinguishes a word of -1 from a failure, so it is returned apart.
static inline long cptrace_peekdata(pid_t tid, uintptr_t address, int *error) {
    errno = 0;
    long word = ptrace(PTRACE_PEEKDATA, tid, (void *)address, NULL);
    *error = errno;
    return word;
}

static inline long cptrace_pokedata(pid_t tid, uintptr_t address, long word) {
    return ptrace(PTRACE_POKEDATA, tid, (void *)address, (void *)word);
}

static inline pid_t cptrace_waitpid(pid_t pid, int *status, int options) {
    return waitpid(pid, status, options);
}

static inline int cptrace_wifstopped(int status) { return WIFSTOPPED(status); }
static inline int cptrace_wifexited(int status) { return WIFEXITED(status); }
static inline int cptrace_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int cptrace_wstopsig(int status) { return WSTOPSIG(status); }
static inline int cptrace_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int cptrace_wtermsig(int status) { return WTERMSIG(status); }
/// The PTRACE_EVENT_* number carried in the high byte of a stop status (0 when none).
static inline int cptrace_event(int status) { return (status >> 16) & 0xff; }

static inline int cptrace_errno(void) { return errno; }
// Through syscall(2): defining _GNU_SOURCE for gettid/tgkill would make this module's view of
// the libc headers differ from SwiftGlibc's and break every file importing both.
static inline pid_t cptrace_gettid(void) { return (pid_t)syscall(SYS_gettid); }

static inline long cptrace_tgkill(pid_t pid, pid_t tid, int signal) { return syscall(SYS_tgkill, pid, tid, signal); }

/// Reads many ranges of another process's memory in one call (process_vm_readv, through
/// syscall(2) for the same reason as gettid). Returns the bytes read, -1 with errno on failure;
/// a range that cannot be read ends the transfer there (a short count).
static inline long cptrace_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long local_count,
                                            const struct iovec *remote, unsigned long remote_count) {
    return syscall(SYS_process_vm_readv, pid, local, local_count, remote, remote_count, 0UL);
}

/// Wait for any kind of child, including threads traced without being children (`__WALL`).
static inline int cptrace_wall(void) { return __WALL; }

/// Writes debug register `index` (0-7) of a stopped thread (`PTRACE_POKEUSER` into `u_debugreg`):
/// DR0-DR3 hold breakpoint addresses, DR7 enables them (run-to-return's per-thread breakpoints).
static inline long cptrace_set_debugreg(pid_t tid, int index, unsigned long value) {
    return ptrace(PTRACE_POKEUSER, tid,
                  (void *)(__builtin_offsetof(struct user, u_debugreg) + (unsigned long)index * sizeof(long)),
                  (void *)value);
}

/// Reports a state change of one traced thread if there is one, without waiting (0: none yet).
static inline pid_t cptrace_waitpid_nohang(pid_t tid, int *status) { return waitpid(tid, status, __WALL | WNOHANG); }

/// Sets errno to zero so a call that reports failure only through errno can be checked.
static inline void cptrace_clear_errno(void) { errno = 0; }

_Static_assert(__builtin_offsetof(struct user_regs_struct, rip) == 16 * 8, "rip offset");
_Static_assert(__builtin_offsetof(struct user_regs_struct, orig_rax) == 15 * 8, "orig_rax offset");
_Static_assert(__builtin_offsetof(struct user_regs_struct, rsp) == 19 * 8, "rsp offset");
_Static_assert(__builtin_offsetof(struct user, u_debugreg) == 848, "x86-64 u_debugreg offset");

enum {
    CPTRACE_O_TRACECLONE = PTRACE_O_TRACECLONE,
    CPTRACE_O_TRACEEXEC = PTRACE_O_TRACEEXEC,
    CPTRACE_O_TRACEFORK = PTRACE_O_TRACEFORK,
    CPTRACE_O_TRACEVFORK = PTRACE_O_TRACEVFORK,
    CPTRACE_O_TRACEEXIT = PTRACE_O_TRACEEXIT,
    CPTRACE_EVENT_STOP = PTRACE_EVENT_STOP,
    CPTRACE_EVENT_CLONE = PTRACE_EVENT_CLONE,
    CPTRACE_EVENT_EXEC = PTRACE_EVENT_EXEC,
    CPTRACE_EVENT_EXIT = PTRACE_EVENT_EXIT,
};

// The guardian's board (GuardBoard.swift): a word other processes read must be written after the
// bytes it publishes, in program order for the compiler too.
static inline void cptrace_store_release(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
}
static inline uint64_t cptrace_load_acquire(const uint64_t *word) { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }

// Extended attributes, for --persist: file capabilities live in `security.capability`, which a
// freshly written file lacks (sys/xattr.h is not in Swift's Glibc module).
static inline long cptrace_getxattr(const char *path, const char *name, void *value, size_t size) {
    return getxattr(path, name, value, size);
}
static inline int cptrace_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0);
}
#endif
