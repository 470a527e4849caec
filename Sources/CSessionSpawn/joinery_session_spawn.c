#define _GNU_SOURCE
#include "joinery_session_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#ifdef __linux__
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

/// Moves `fd` above the standard descriptors (so dup2 onto 0-2 cannot clobber it).
static int above_standard(int fd, int report_fd) {
    if (fd > 2) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) child_fail(report_fd, JOINERY_SESSION_STEP_REDIRECT);
    return moved;
}

static void reset_signals(void) {
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
}

static void change_identity(const joinery_session_identity *identity, int report_fd) {
    // Raw system calls on Linux: this child has a single thread, and libc's wrappers would try
    // to coordinate with the parent's other threads, which do not exist here.
#ifdef __linux__
    if (syscall(SYS_setgroups, (size_t)identity->group_count, identity->groups) != 0)
        child_fail(report_fd, JOINERY_SESSION_STEP_SETGROUPS);
    if (syscall(SYS_setresgid, identity->gid, identity->gid, identity->gid) != 0)
        child_fail(report_fd, JOINERY_SESSION_STEP_SETGID);
    if (syscall(SYS_setresuid, identity->uid, identity->uid, identity->uid) != 0)
        child_fail(report_fd, JOINERY_SESSION_STEP_SETUID);
#else
    if (setgroups(identity->group_count, identity->groups) != 0) child_fail(report_fd, JOINERY_SESSION_STEP_SETGROUPS);
    if (setgid(identity->gid) != 0) child_fail(report_fd, JOINERY_SESSION_STEP_SETGID);
    if (setuid(identity->uid) != 0) child_fail(report_fd, JOINERY_SESSION_STEP_SETUID);
#endif
}

/// The child between fork and exec: async-signal-safe calls only.
static void run_child(const char *path, char *const argv[], char *const envp[], const char *directory,
                      const joinery_session_identity *identity, int pty_slave, const int pipes[3],
                      int report_fd) {
    reset_signals();
    report_fd = above_standard(report_fd, report_fd);
    if (setsid() < 0) child_fail(report_fd, JOINERY_SESSION_STEP_SETSID);

    if (pty_slave >= 0) {
        pty_slave = above_standard(pty_slave, report_fd);
        if (ioctl(pty_slave, TIOCSCTTY, 0) != 0) child_fail(report_fd, JOINERY_SESSION_STEP_CONTROLLING_TTY);
        for (int fd = 0; fd <= 2; fd++) {
            if (dup2(pty_slave, fd) < 0) child_fail(report_fd, JOINERY_SESSION_STEP_REDIRECT);
        }
    } else {
        int moved[3];
        for (int index = 0; index < 3; index++) moved[index] = above_standard(pipes[index], report_fd);
        for (int fd = 0; fd <= 2; fd++) {
            if (dup2(moved[fd], fd) < 0) child_fail(report_fd, JOINERY_SESSION_STEP_REDIRECT);
        }
    }
    // dup2 clears close-on-exec on the copies, so 0, 1 and 2 survive exec.

    if (identity != NULL && identity->change) change_identity(identity, report_fd);
    // As the new user, so that a home directory it may not enter is not entered.
    if (directory == NULL || chdir(directory) != 0) {
        if (chdir("/") != 0) { /* stay where we are */ }
    }

    if (close_from_to(3, (unsigned int)report_fd - 1) != 0) child_fail(report_fd, JOINERY_SESSION_STEP_CLOSE_FDS);
    if (close_from_to((unsigned int)report_fd + 1, ~0U) != 0) child_fail(report_fd, JOINERY_SESSION_STEP_CLOSE_FDS);

    execve(path, argv, envp);
    child_fail(report_fd, JOINERY_SESSION_STEP_EXEC);
}

static int cloexec_pipe(int fds[2]) {
#ifdef __linux__
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

static void close_if_open(int *fd) {
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

int joinery_session_open_pty(unsigned short rows, unsigned short columns, unsigned short width_pixels,
                             unsigned short height_pixels, uid_t owner, int *master, int *slave,
                             char *name, size_t name_size) {
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0) return errno;
    if (grantpt(*master) != 0 || unlockpt(*master) != 0 || ptsname_r(*master, name, name_size) != 0) {
        int error = errno;
        close_if_open(master);
        return error;
    }
    *slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*slave < 0) {
        int error = errno;
        close_if_open(master);
        return error;
    }
    if (owner != (uid_t)-1) {
        (void)fchown(*slave, owner, (gid_t)-1);
        (void)fchmod(*slave, 0620);
    }
    (void)joinery_session_set_window_size(*master, rows, columns, width_pixels, height_pixels);
    return 0;
}

int joinery_session_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                          const joinery_session_identity *identity, int pty_slave,
                          joinery_session_child *child, int *step) {
    child->pid = -1;
    child->stdin_fd = child->stdout_fd = child->stderr_fd = -1;

    int report[2];
    if (cloexec_pipe(report) != 0) { *step = JOINERY_SESSION_STEP_PIPE; return errno; }

    // The child's ends (index 0 is its stdin, 1 stdout, 2 stderr) and ours.
    int theirs[3] = { -1, -1, -1 };
    int ours[3] = { -1, -1, -1 };
    if (pty_slave < 0) {
        for (int index = 0; index < 3; index++) {
            int fds[2];
            if (cloexec_pipe(fds) != 0) {
                int error = errno;
                for (int other = 0; other < 3; other++) { close_if_open(&theirs[other]); close_if_open(&ours[other]); }
                close(report[0]);
                close(report[1]);
                *step = JOINERY_SESSION_STEP_PIPE;
                return error;
            }
            // stdin: the child reads fds[0]; stdout and stderr: the child writes fds[1].
            theirs[index] = index == 0 ? fds[0] : fds[1];
            ours[index] = index == 0 ? fds[1] : fds[0];
        }
    }

    // No signal handler of this process may run in the child before it has reset them.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        close(report[0]);
        run_child(path, argv, envp, directory, identity, pty_slave, theirs, report[1]);
        _exit(127);
    }
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(report[1]);
    for (int index = 0; index < 3; index++) close_if_open(&theirs[index]);
    if (pid < 0) {
        for (int index = 0; index < 3; index++) close_if_open(&ours[index]);
        close(report[0]);
        *step = JOINERY_SESSION_STEP_FORK;
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
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        for (int index = 0; index < 3; index++) close_if_open(&ours[index]);
        *step = failure.step;
        return failure.error != 0 ? failure.error : EINVAL;
    }
    child->pid = pid;
    child->stdin_fd = ours[0];
    child->stdout_fd = ours[1];
    child->stderr_fd = ours[2];
    return 0;
}

int joinery_session_set_window_size(int pty_master, unsigned short rows, unsigned short columns,
                                    unsigned short width_pixels, unsigned short height_pixels) {
    struct winsize size;
    memset(&size, 0, sizeof size);
    size.ws_row = rows;
    size.ws_col = columns;
    size.ws_xpixel = width_pixels;
    size.ws_ypixel = height_pixels;
    return ioctl(pty_master, TIOCSWINSZ, &size) == 0 ? 0 : errno;
}
