// The header compiles as C++17 (-Wall -Wextra -Werror -pedantic) and links against libvouch.
#include "vouch.h"

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(sizeof(vouch_key_storage) == VOUCH_KEY_STORAGE_SIZE, "key storage size");
static_assert(sizeof(vouch_verifier_storage) == VOUCH_VERIFIER_STORAGE_SIZE, "verifier storage");
static_assert(alignof(vouch_key_storage) <= VOUCH_STORAGE_ALIGN, "alignment");
static_assert(sizeof(vouch_result) == 4, "vouch_result is 32-bit");
static_assert(std::is_same<std::underlying_type<vouch_result>::type, uint32_t>::value, "u32");

int main() {
    vouch_key_storage storage;
    const vouch_key *key = nullptr;
    const uint8_t garbage[3] = {1, 2, 3};
    vouch_result r = vouch_key_parse(garbage, sizeof garbage, &storage, sizeof storage, &key);
    if (r != VOUCH_ERR_INVALID_KEY || key != nullptr) {
        std::printf("unexpected %s\n", vouch_result_code(r));
        return 1;
    }
    if (std::strcmp(vouch_result_code(VOUCH_ERR_NULL_POINTER), "null-pointer") != 0) {
        return 1;
    }
    std::printf("vouch %s from C++\n", vouch_version());
    return 0;
}
