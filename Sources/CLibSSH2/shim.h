#ifndef HOTPATCH_CLIBSSH2_SHIM_H
#define HOTPATCH_CLIBSSH2_SHIM_H
// The one way into libssh2. Its convenience API is function-like macros, which Swift cannot
// import; each is wrapped here as a static inline function prefixed `clibssh2_`.
#include <string.h>
#include <sys/types.h>
#include <libssh2.h>
#include <libssh2_sftp.h>

static inline LIBSSH2_SESSION *clibssh2_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}

static inline LIBSSH2_CHANNEL *clibssh2_channel_open_session(LIBSSH2_SESSION *session) {
    return libssh2_channel_open_ex(session, "session", sizeof("session") - 1,
                                   LIBSSH2_CHANNEL_WINDOW_DEFAULT, LIBSSH2_CHANNEL_PACKET_DEFAULT,
                                   NULL, 0);
}

static inline int clibssh2_channel_exec(LIBSSH2_CHANNEL *channel, const char *command) {
    return libssh2_channel_process_startup(channel, "exec", sizeof("exec") - 1, command,
                                           (unsigned int)strlen(command));
}

static inline ssize_t clibssh2_channel_read(LIBSSH2_CHANNEL *channel, char *buf, size_t len) {
    return libssh2_channel_read_ex(channel, 0, buf, len);
}

static inline ssize_t clibssh2_channel_read_stderr(LIBSSH2_CHANNEL *channel, char *buf, size_t len) {
    return libssh2_channel_read_ex(channel, SSH_EXTENDED_DATA_STDERR, buf, len);
}

static inline ssize_t clibssh2_channel_write(LIBSSH2_CHANNEL *channel, const char *buf, size_t len) {
    return libssh2_channel_write_ex(channel, 0, buf, len);
}

static inline int clibssh2_channel_eof(LIBSSH2_CHANNEL *channel) {
    return libssh2_channel_eof(channel);
}

static inline int clibssh2_session_disconnect(LIBSSH2_SESSION *session, const char *why) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, why, "");
}

static inline int clibssh2_userauth_publickey_fromfile(LIBSSH2_SESSION *session, const char *user,
                                                       const char *publickey, const char *privatekey,
                                                       const char *passphrase) {
    return libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned int)strlen(user), publickey,
                                                  privatekey, passphrase);
}

static inline LIBSSH2_SFTP_HANDLE *clibssh2_sftp_open(LIBSSH2_SFTP *sftp, const char *path,
                                                     unsigned long flags, long mode) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), flags, mode,
                                LIBSSH2_SFTP_OPENFILE);
}

static inline int clibssh2_sftp_mkdir(LIBSSH2_SFTP *sftp, const char *path, long mode) {
    return libssh2_sftp_mkdir_ex(sftp, path, (unsigned int)strlen(path), mode);
}

static inline int clibssh2_sftp_stat(LIBSSH2_SFTP *sftp, const char *path, LIBSSH2_SFTP_ATTRIBUTES *attrs) {
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path), LIBSSH2_SFTP_STAT, attrs);
}

static inline int clibssh2_sftp_rename(LIBSSH2_SFTP *sftp, const char *from, const char *to) {
    return libssh2_sftp_rename_ex(sftp, from, (unsigned int)strlen(from), to, (unsigned int)strlen(to),
                                  LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
                                      LIBSSH2_SFTP_RENAME_NATIVE);
}

static inline int clibssh2_sftp_unlink(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_unlink_ex(sftp, path, (unsigned int)strlen(path));
}

static inline int clibssh2_sftp_close(LIBSSH2_SFTP_HANDLE *handle) {
    return libssh2_sftp_close_handle(handle);
}
static inline int clibssh2_sftp_lstat(LIBSSH2_SFTP *sftp, const char *path, LIBSSH2_SFTP_ATTRIBUTES *attrs) {
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path), LIBSSH2_SFTP_LSTAT, attrs);
}

/// Sets only the permission bits of `path` (the other attributes are left as they are).
static inline int clibssh2_sftp_chmod(LIBSSH2_SFTP *sftp, const char *path, unsigned long mode) {
    LIBSSH2_SFTP_ATTRIBUTES attrs;
    memset(&attrs, 0, sizeof(attrs));
    attrs.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
    attrs.permissions = mode;
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path), LIBSSH2_SFTP_SETSTAT, &attrs);
}

static inline int clibssh2_channel_close(LIBSSH2_CHANNEL *channel) {
    return libssh2_channel_close(channel);
}

/// Text of the session's last error (libssh2 keeps ownership of the string).
static inline const char *clibssh2_session_last_error_message(LIBSSH2_SESSION *session) {
    char *message = NULL;
    int length = 0;
    libssh2_session_last_error(session, &message, &length, 0);
    return message ? message : "";
}

/// A `direct-tcpip` channel: the server connects to `host:port` and relays the bytes (what
/// `ssh -J` uses). The originator address is not used by sshd for anything but logging.
static inline LIBSSH2_CHANNEL *clibssh2_channel_direct_tcpip(LIBSSH2_SESSION *session, const char *host,
                                                             int port) {
    return libssh2_channel_direct_tcpip_ex(session, host, port, "127.0.0.1", 0);
}

static inline int clibssh2_userauth_authenticated(LIBSSH2_SESSION *session) {
    return libssh2_userauth_authenticated(session);
}
#endif
