/* Minimal Cortex-M4 startup and Arm semihosting for the C firmware image: a vector table, a reset
   handler that sets up .data/.bss and the FPU, and console output / exit through semihosting
   (qemu -semihosting-config enable=on,target=native). No C library. */
#include <stddef.h>
#include <stdint.h>

#include "firmware.h"

extern uint32_t _data_start, _data_end, _data_load, _bss_start, _bss_end, _stack_top;

int main(void);
void reset_handler(void);
static void fault_handler(void);

/* Initial stack pointer, reset, NMI, HardFault, MemManage, BusFault, UsageFault. */
__attribute__((section(".isr_vector"), used)) static const void *const vectors[7] = {
    &_stack_top, (void *)reset_handler, (void *)fault_handler, (void *)fault_handler,
    (void *)fault_handler, (void *)fault_handler, (void *)fault_handler};

static uint32_t semihost(uint32_t op, const void *arg) {
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void console_write(const char *s) { semihost(0x04 /* SYS_WRITE0 */, s); }

void console_uint(unsigned long v) {
    char buf[24];
    size_t i = sizeof buf - 1;
    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && i > 0);
    console_write(&buf[i]);
}

void firmware_exit(int status) {
    /* SYS_EXIT_EXTENDED: ADP_Stopped_ApplicationExit with the status as its subcode. */
    uint32_t block[2] = {0x20026u, (uint32_t)status};
    semihost(0x20, block);
    for (;;) {
    }
}

static void fault_handler(void) {
    console_write("FAULT: the image took a processor fault\n");
    firmware_exit(3);
}

void reset_handler(void) {
    uint32_t *src = &_data_load, *dst = &_data_start;
    while (dst < &_data_end) *dst++ = *src++;
    for (dst = &_bss_start; dst < &_bss_end; dst++) *dst = 0;
    /* The library is built for the hard-float ABI: give the FPU its coprocessors (CPACR). */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n isb" ::: "memory");
    firmware_exit(main());
}

/* Byte-at-a-time memory functions: the library's compiler_builtins versions are tuned for speed
   (memmove alone is ~1.5 KiB); these are a flash lever, and strong symbols, so they are the ones
   linked. The loops must not be turned back into calls to themselves. */
#define NO_LOOP_TO_CALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* A word that may alias anything (the copies below move any type's bytes). */
typedef uint32_t __attribute__((may_alias)) word_t;

NO_LOOP_TO_CALL void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    /* Word copies when both ends are aligned: RustCrypto's P-256 moves 96-byte points by value,
       and byte copies cost it ~20% more instructions; a few bytes of flash. */
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4) *(word_t *)d = *(const word_t *)s;
    }
    while (n--) *d++ = *s++;
    return dst;
}

NO_LOOP_TO_CALL void *memmove(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        return memcpy(dst, src, n); /* forward: memcpy's order is safe */
    }
    while (n--) d[n] = s[n];
    return dst;
}

NO_LOOP_TO_CALL void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    if (((uintptr_t)d & 3u) == 0) {
        word_t w = (uint8_t)c * 0x01010101u;
        for (; n >= 4; n -= 4, d += 4) *(word_t *)d = w;
    }
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

NO_LOOP_TO_CALL int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) return *x < *y ? -1 : 1;
    }
    return 0;
}

NO_LOOP_TO_CALL int bcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }

/* The ARM EABI entry points the library's code calls (note __aeabi_memset's argument order). */
void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove4(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove8(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memset(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset4(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset8(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }
