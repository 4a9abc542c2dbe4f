// libsodium for both sides: SHA-256 (Shared: patch content hashes, key ids, upload addresses)
// and Ed25519 signature checks (the agent). The only way into libsodium: every symbol Swift
// calls is a `csodium_` wrapper here. The coordinator links libsodium.so; the release agent
// links libsodium.a (-static-executable makes the linker pick the archive).
//
// No sodium_init(): these wrappers call only SHA-256, SHA-512 and Ed25519 verification, which
// libsodium implements in portable C without run-time CPU dispatch and without randomness.
// sodium_init() would seed the random generator, and where getrandom(2) is missing (kernels
// before 3.17) it opens /dev/urandom and aborts the process when that fails (a chroot, a
// minimal container): the agent must run there.
#ifndef CSODIUM_SHIM_H
#define CSODIUM_SHIM_H

#include <sodium/crypto_hash_sha256.h>
#include <sodium/crypto_sign_ed25519.h>
#include <stddef.h>

_Static_assert(crypto_hash_sha256_BYTES == 32, "SHA-256 digests are 32 bytes");
_Static_assert(crypto_sign_ed25519_PUBLICKEYBYTES == 32, "Ed25519 public keys are 32 bytes");
_Static_assert(crypto_sign_ed25519_BYTES == 64, "Ed25519 signatures are 64 bytes");

/// The state of an incremental SHA-256 (copyable: a copy continues independently).
typedef crypto_hash_sha256_state csodium_sha256_state;

/// Starts an incremental SHA-256.
static inline void csodium_sha256_init(csodium_sha256_state *state) { crypto_hash_sha256_init(state); }

/// Feeds `length` bytes at `bytes` (NULL allowed when `length` is 0).
static inline void csodium_sha256_update(csodium_sha256_state *state, const unsigned char *bytes,
                                         size_t length) {
    crypto_hash_sha256_update(state, bytes, (unsigned long long)length);
}

/// Writes the 32-byte digest to `digest`; the state is spent afterwards.
static inline void csodium_sha256_final(csodium_sha256_state *state, unsigned char *digest) {
    crypto_hash_sha256_final(state, digest);
}

/// 1 when `signature` (64 bytes) is a valid Ed25519 signature of `message` by `public_key`
/// (32 raw bytes), 0 when it is not (including keys of small order, which libsodium refuses).
static inline int csodium_ed25519_verify(const unsigned char *public_key, const unsigned char *signature,
                                         const unsigned char *message, size_t message_length) {
    return crypto_sign_ed25519_verify_detached(signature, message, (unsigned long long)message_length,
                                               public_key) == 0
               ? 1
               : 0;
}

#endif
