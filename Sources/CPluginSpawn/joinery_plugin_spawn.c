#define _GNU_SOURCE
#include "joinery_plugin_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

struct child_failure {
    int32_t step;
    int32_t error;
};

/// Reports a failure in the child to the parent and exits; only async-signal-safe calls.
static void child_fail(int report_fd, int step) {
    struct child_failure failure = { step, errno };
    ssize_t ignored = write(report_fd, &failure, sizeof failure);
    (void)ignored;
    _exit(127);
}

/// Closes every descriptor in [from, to] (to may be ~0U).
static int close_from_to(unsigned int from, unsigned int to) {
    if (from > to) return 0;
#if defined(__linux__) && defined(SYS_close_range)
    if (syscall(SYS_close_range, from, to, 0) == 0) return 0;
    if (errno != ENOSYS) return -1;
#endif
    struct rlimit limit;
    unsigned int last = 65535;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < 1048576) {
        last = (unsigned int)limit.rlim_cur - 1;
    }
    if (to < last) last = to;
    for (unsigned int fd = from; fd <= last; fd++) close((int)fd);
    return 0;
}

static void run_child(const char *path, char *const argv[], char *const envp[], int stdin_fd, int output_fd,
                      const joinery_spawn_identity *identity, int report_fd) {
    struct sigaction defaults;
    defaults.sa_handler = SIG_DFL;
    defaults.sa_flags = 0;
    sigemptyset(&defaults.sa_mask);
    for (int signal = 1; signal < NSIG; signal++) {
        if (signal != SIGKILL && signal != SIGSTOP) (void)sigaction(signal, &defaults, NULL);
    }
    sigset_t empty;
    sigemptyset(&empty);
    (void)sigprocmask(SIG_SETMASK, &empty, NULL);

    // The report pipe must not be one of the standard descriptors we are about to replace.
    if (report_fd <= 2) {
        int moved = fcntl(report_fd, F_DUPFD_CLOEXEC, 3);
        if (moved < 0) _exit(127);
        report_fd = moved;
    }
    if (stdin_fd <= 2 && stdin_fd != 0) {
        int moved = fcntl(stdin_fd, F_DUPFD_CLOEXEC, 3);
        if (moved < 0) child_fail(report_fd, JOINERY_SPAWN_STEP_REDIRECT);
        stdin_fd = moved;
    }
    if (stdin_fd != 0 && dup2(stdin_fd, 0) < 0) child_fail(report_fd, JOINERY_SPAWN_STEP_REDIRECT);
    if (output_fd != 1 && dup2(output_fd, 1) < 0) child_fail(report_fd, JOINERY_SPAWN_STEP_REDIRECT);
    if (output_fd != 2 && dup2(output_fd, 2) < 0) child_fail(report_fd, JOINERY_SPAWN_STEP_REDIRECT);
    // The standard descriptors must survive exec even if the originals were close-on-exec.
    for (int fd = 0; fd <= 2; fd++) (void)fcntl(fd, F_SETFD, 0);

    if (identity != NULL && identity->change) {
        // Raw system calls on Linux: this child has a single thread, and libc's wrappers would
        // try to coordinate with the parent's other threads, which do not exist here.
#ifdef __linux__
        if (syscall(SYS_setgroups, (size_t)identity->group_count, identity->groups) != 0)
            child_fail(report_fd, JOINERY_SPAWN_STEP_SETGROUPS);
        if (syscall(SYS_setresgid, identity->gid, identity->gid, identity->gid) != 0)
            child_fail(report_fd, JOINERY_SPAWN_STEP_SETGID);
        if (syscall(SYS_setresuid, identity->uid, identity->uid, identity->uid) != 0)
            child_fail(report_fd, JOINERY_SPAWN_STEP_SETUID);
#else
        if (setgroups(identity->group_count, identity->groups) != 0) child_fail(report_fd, JOINERY_SPAWN_STEP_SETGROUPS);
        if (setgid(identity->gid) != 0) child_fail(report_fd, JOINERY_SPAWN_STEP_SETGID);
        if (setuid(identity->uid) != 0) child_fail(report_fd, JOINERY_SPAWN_STEP_SETUID);
#endif
    }
#ifdef __linux__
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(report_fd, JOINERY_SPAWN_STEP_NO_NEW_PRIVS);
#endif

    // Everything but 0, 1, 2 and the report pipe (close-on-exec, so gone once exec succeeds).
    if (close_from_to(3, (unsigned int)report_fd - 1) != 0) child_fail(report_fd, JOINERY_SPAWN_STEP_CLOSE_FDS);
    if (close_from_to((unsigned int)report_fd + 1, ~0U) != 0) child_fail(report_fd, JOINERY_SPAWN_STEP_CLOSE_FDS);

    execve(path, argv, envp);
    child_fail(report_fd, JOINERY_SPAWN_STEP_EXEC);
}

int joinery_plugin_spawn(const char *path, char *const argv[], char *const envp[],
                         int stdin_fd, int output_fd, const joinery_spawn_identity *identity,
                         pid_t *pid, int *step) {
    int report[2];
#ifdef __linux__
    if (pipe2(report, O_CLOEXEC) != 0) { *step = JOINERY_SPAWN_STEP_PIPE; return errno; }
#else
    if (pipe(report) != 0) { *step = JOINERY_SPAWN_STEP_PIPE; return errno; }
    (void)fcntl(report[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(report[1], F_SETFD, FD_CLOEXEC);
#endif
    // No signal handler of the host may run in the child before it has reset them.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t child = fork();
    if (child == 0) {
        close(report[0]);
        run_child(path, argv, envp, stdin_fd, output_fd, identity, report[1]);
        _exit(127);
    }
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(report[1]);
    if (child < 0) {
        close(report[0]);
        *step = JOINERY_SPAWN_STEP_FORK;
        return fork_error;
    }
    struct child_failure failure;
    ssize_t got;
    do {
        got = read(report[0], &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof failure) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        *step = failure.step;
        return failure.error != 0 ? failure.error : EINVAL;
    }
    *pid = child;
    return 0;
}

int joinery_cloexec_pipe(int fds[2]) {
#ifdef __linux__
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}
