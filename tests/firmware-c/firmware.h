/* Console output and exit over semihosting (startup.c); the image's data (made by gen_data.py). */
#ifndef FIRMWARE_H
#define FIRMWARE_H
#include <stddef.h>
#include <stdint.h>

void console_write(const char *s);
void console_uint(unsigned long v);
void firmware_exit(int status);

extern const uint8_t envelope_json[];
extern const size_t envelope_json_len;
extern const uint8_t trusted_key_raw[];
extern const size_t trusted_key_raw_len;
extern const uint8_t other_key_raw[];
extern const size_t other_key_raw_len;
extern const uint8_t artifact_bin[];
extern const size_t artifact_bin_len;
extern const uint8_t tampered_bin[];
extern const size_t tampered_bin_len;
extern const uint8_t p256_envelope_json[];
extern const size_t p256_envelope_json_len;
extern const uint8_t p256_tampered_json[];
extern const size_t p256_tampered_json_len;
extern const uint8_t p256_key_sec1[];
extern const size_t p256_key_sec1_len;
#endif
