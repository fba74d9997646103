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
