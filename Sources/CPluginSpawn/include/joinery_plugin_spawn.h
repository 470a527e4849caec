#ifndef JOINERY_PLUGIN_SPAWN_H
#define JOINERY_PLUGIN_SPAWN_H

#include <sys/types.h>

/// Which step of starting a plugin program failed (reported with its errno).
enum joinery_spawn_step {
    JOINERY_SPAWN_STEP_PIPE = 1,
    JOINERY_SPAWN_STEP_FORK = 2,
    JOINERY_SPAWN_STEP_REDIRECT = 3,
    JOINERY_SPAWN_STEP_SETGROUPS = 4,
    JOINERY_SPAWN_STEP_SETGID = 5,
    JOINERY_SPAWN_STEP_SETUID = 6,
    JOINERY_SPAWN_STEP_NO_NEW_PRIVS = 7,
    JOINERY_SPAWN_STEP_CLOSE_FDS = 8,
    JOINERY_SPAWN_STEP_EXEC = 9,
};

/// The identity a plugin program runs under; `change` = 0 keeps the host's.
typedef struct {
    int change;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int group_count;
} joinery_spawn_identity;

/// Starts `path` with exactly `argv` and `envp`, standard input from `stdin_fd`, standard
/// output and error to `output_fd`, every other file descriptor closed, default signal
/// dispositions and an empty signal mask, no new privileges (setuid bits have no effect), and,
/// when `identity->change` is set, the given uid, gid and supplementary groups.
///
/// Written in C because posix_spawn can neither change the user nor (portably) close every
/// inherited descriptor, and code between fork and exec must be async-signal-safe — which
/// Swift code cannot promise.
///
/// Returns 0 and the child's pid in `*pid`, or an errno value with the failed step in `*step`
/// (a failure inside the child is reported through a close-on-exec pipe, and the child reaped).
int joinery_plugin_spawn(const char *path, char *const argv[], char *const envp[],
                         int stdin_fd, int output_fd, const joinery_spawn_identity *identity,
                         pid_t *pid, int *step);

/// `pipe2(fds, O_CLOEXEC)` (not visible from Swift's Glibc module): both ends close-on-exec
/// from the start, so no program started meanwhile by another thread inherits them.
int joinery_cloexec_pipe(int fds[2]);

#endif
