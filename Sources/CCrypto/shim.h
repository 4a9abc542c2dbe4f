// OpenSSL's libcrypto for the agent: only Ed25519 verification, linked dynamically
// (libcrypto.so.3 is on every host that runs OpenSSH). One static inline wrapper keeps the
// EVP object lifetimes in C, so Swift calls a single function and nothing can leak.
#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H

#include <openssl/evp.h>
#include <stddef.h>

/// 1 when `signature` (64 bytes) is a valid Ed25519 signature of `message` by `public_key`
/// (32 raw bytes); 0 when it is not; -1 when libcrypto could not run the check at all.
static inline int ccrypto_ed25519_verify(const unsigned char *public_key, const unsigned char *signature,
                                         const unsigned char *message, size_t message_length) {
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, public_key, 32);
    if (key == NULL) return -1;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (context == NULL) {
        EVP_PKEY_free(key);
        return -1;
    }
    int result = -1;
    // Ed25519 hashes internally: no digest, one-shot EVP_DigestVerify.
    if (EVP_DigestVerifyInit(context, NULL, NULL, NULL, key) == 1) {
        result = EVP_DigestVerify(context, signature, 64, message, message_length) == 1 ? 1 : 0;
    }
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    return result;
}

#endif
