#ifndef JOINERY_SESSION_SPAWN_H
#define JOINERY_SESSION_SPAWN_H

#include <sys/types.h>

/// Which step of starting a session's process failed (reported with its errno).
enum joinery_session_step {
    JOINERY_SESSION_STEP_PIPE = 1,
    JOINERY_SESSION_STEP_FORK = 2,
    JOINERY_SESSION_STEP_SETSID = 3,
    JOINERY_SESSION_STEP_CONTROLLING_TTY = 4,
    JOINERY_SESSION_STEP_REDIRECT = 5,
    JOINERY_SESSION_STEP_SETGROUPS = 6,
    JOINERY_SESSION_STEP_SETGID = 7,
    JOINERY_SESSION_STEP_SETUID = 8,
    JOINERY_SESSION_STEP_CLOSE_FDS = 9,
    JOINERY_SESSION_STEP_EXEC = 10,
};

/// The Unix identity a session runs as; `change` = 0 keeps this process's (when it is not root).
typedef struct {
    int change;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int group_count;
} joinery_session_identity;

/// A started session process and this side's descriptors (all close-on-exec). Without a PTY,
/// our ends of the child's stdin, stdout and stderr pipes; with one, those are -1.
typedef struct {
    pid_t pid;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
} joinery_session_child;

/// Opens a PTY pair of the given size, both ends close-on-exec, the slave not our controlling
/// terminal; when `owner` is not (uid_t)-1 the slave is handed to that uid (mode 0620), as
/// sshd does. Writes the slave's path (for SSH_TTY) into `name`. Returns 0 or an errno value.
int joinery_session_open_pty(unsigned short rows, unsigned short columns, unsigned short width_pixels,
                             unsigned short height_pixels, uid_t owner, int *master, int *slave,
                             char *name, size_t name_size);

/// Starts `path` with exactly `argv` and `envp` as the leader of a new session (setsid), in
/// `directory` (falling back to "/" if it cannot be entered, as sshd does), with `pty_slave`
/// as its controlling terminal and standard descriptors, or, when `pty_slave` is -1, on three
/// new pipes. Signal dispositions are reset and the signal mask emptied; every other descriptor
/// is closed. When `identity->change` is set, the child takes the given supplementary groups,
/// gid and uid (in that order) before chdir and exec.
///
/// Written in C because between fork and exec only async-signal-safe calls may run, which Swift
/// code cannot promise. The caller computes the supplementary groups (getgrouplist) beforehand
/// and still owns `pty_slave` afterwards (close it once this returns).
///
/// Returns 0 and fills `*child`, or an errno value with the failed step in `*step`; a failure in
/// the child is reported through a close-on-exec pipe and the child reaped. Blocks until the
/// child has called execve (or failed): call it off any event loop.
int joinery_session_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                          const joinery_session_identity *identity, int pty_slave,
                          joinery_session_child *child, int *step);

/// Sets the window size of the terminal whose master is `pty_master` (TIOCSWINSZ); the kernel
/// sends SIGWINCH to the terminal's foreground process group. Returns 0 or an errno value.
int joinery_session_set_window_size(int pty_master, unsigned short rows, unsigned short columns,
                                    unsigned short width_pixels, unsigned short height_pixels);

#endif
