/* A PL011 UART (Arm DDI 0183G) from MMIO exits: what Linux's amba-pl011 driver and earlycon,
 * and the test guests, use. Transmit is immediate (the FIFO is always empty); received bytes
 * come from stdin through a thread into a 32-byte FIFO. Its interrupt is SPI UART_SPI, a level
 * kept equal to (RIS & IMSC) != 0 through the in-kernel vGIC. */
#define _DEFAULT_SOURCE /* usleep, termios flags, also under -std=c11 (tests/unit/test_minivmm.c) */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include "minivmm.h"
#include "drivers/pl011_regs.h"

#define UART_ID_NR 8 /* UARTPeriphID0-3, UARTPCellID0-3 */

/* UARTCR (3.3.8): loopback sends transmitted bytes to the receive FIFO */
#define CR_LBE (1u << 7)

#define RX_FIFO_SIZE 32

/* PL011 r1p5 identification: PeriphID0-3 then PrimeCell ID 0xb105f00d (3.3.14, 3.3.15) */
static const uint8_t uart_id[UART_ID_NR] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static struct {
    pthread_mutex_t lock; /* the vCPU thread and the stdin thread */
    struct vm *vm;
    uint32_t cr, lcr_h, ibrd, fbrd, ilpr, ifls, imsc, dmacr;
    uint8_t rx[RX_FIFO_SIZE];
    unsigned rx_head, rx_count;
    int irq_level;
} uart = { .lock = PTHREAD_MUTEX_INITIALIZER, .cr = 0x300, .ifls = 0x12 };

static struct termios saved_termios;
static int termios_saved;

/* Transmit is always done, so TX is always raised; RX and RX timeout while bytes wait. */
static uint32_t raw_status(void) { return INT_TX | (uart.rx_count ? INT_RX | INT_RT : 0); }

/* Called with the lock held, after anything that may change the line. */
static void update_irq(void)
{
    int level = (raw_status() & uart.imsc) != 0;
    if (level != uart.irq_level) {
        uart.irq_level = level;
        vm_set_spi(uart.vm, UART_SPI, level);
    }
}

static int rx_push(uint8_t c)
{
    if (uart.rx_count == RX_FIFO_SIZE)
        return 0;
    uart.rx[(uart.rx_head + uart.rx_count) % RX_FIFO_SIZE] = c;
    uart.rx_count++;
    return 1;
}

static uint32_t rx_pop(void)
{
    if (!uart.rx_count)
        return 0;
    uint8_t c = uart.rx[uart.rx_head];
    uart.rx_head = (uart.rx_head + 1) % RX_FIFO_SIZE;
    uart.rx_count--;
    return c;
}

static void transmit(uint8_t c)
{
    if (uart.cr & CR_LBE) {
        rx_push(c);
        return;
    }
    while (write(STDOUT_FILENO, &c, 1) < 0 && errno == EINTR)
        ;
}

static uint32_t reg_read(uint64_t reg)
{
    switch (reg) {
    case UARTDR:
        return rx_pop();
    case UARTFR:
        return FR_TXFE | (uart.rx_count ? 0 : FR_RXFE);
    case UARTILPR:
        return uart.ilpr;
    case UARTIBRD:
        return uart.ibrd;
    case UARTFBRD:
        return uart.fbrd;
    case UARTLCR_H:
        return uart.lcr_h;
    case UARTCR:
        return uart.cr;
    case UARTIFLS:
        return uart.ifls;
    case UARTIMSC:
        return uart.imsc;
    case UARTRIS:
        return raw_status();
    case UARTMIS:
        return raw_status() & uart.imsc;
    case UARTDMACR:
        return uart.dmacr;
    default:
        if (reg >= UART_ID && reg < UART_ID + 4 * UART_ID_NR)
            return uart_id[(reg - UART_ID) / 4];
        return 0; /* UARTRSR (no errors) and reserved offsets read as zero */
    }
}

/* UARTICR clears nothing: every interrupt source here is a level of the FIFOs' state. */
static void reg_write(uint64_t reg, uint32_t v)
{
    switch (reg) {
    case UARTDR:
        transmit((uint8_t)v);
        break;
    case UARTILPR:
        uart.ilpr = v & 0xff;
        break;
    case UARTIBRD:
        uart.ibrd = v & 0xffff;
        break;
    case UARTFBRD:
        uart.fbrd = v & 0x3f;
        break;
    case UARTLCR_H:
        uart.lcr_h = v & 0xff;
        break;
    case UARTCR:
        uart.cr = v & 0xffff;
        break;
    case UARTIFLS:
        uart.ifls = v & 0x3f;
        break;
    case UARTIMSC:
        uart.imsc = v & INT_ALL;
        break;
    case UARTDMACR:
        uart.dmacr = v & 0x7;
        break;
    default:
        break; /* UARTRSR/ECR, UARTICR, read-only and reserved offsets */
    }
}

/* offset and len come from the guest: the caller checked offset < UART_SIZE and the length.
 * Registers are 32 bits wide; a narrower access reads or writes the low bytes of the one it
 * falls in, an 8-byte one reads the register and zeros above. */
void pl011_mmio(uint64_t offset, uint8_t *data, uint32_t len, int is_write)
{
    uint64_t reg = offset & ~3ull;
    unsigned shift = (unsigned)(offset & 3) * 8;
    pthread_mutex_lock(&uart.lock);
    if (is_write) {
        uint32_t v = 0;
        for (uint32_t i = 0; i < len && i < 4; i++)
            v |= (uint32_t)data[i] << (8 * i);
        reg_write(reg, v << shift);
    } else {
        uint64_t v = reg_read(reg) >> shift;
        for (uint32_t i = 0; i < len; i++)
            data[i] = i < 4 ? (uint8_t)(v >> (8 * i)) : 0;
    }
    update_irq();
    pthread_mutex_unlock(&uart.lock);
}

/* stdin into the receive FIFO; a full FIFO waits for the guest to read. Ends at EOF. */
static void *rx_thread(void *arg)
{
    (void)arg;
    for (;;) {
        uint8_t c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        for (;;) {
            pthread_mutex_lock(&uart.lock);
            int pushed = rx_push(c);
            update_irq();
            pthread_mutex_unlock(&uart.lock);
            if (pushed)
                break;
            usleep(1000);
        }
    }
}

void pl011_restore_terminal(void)
{
    if (termios_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

/* A signal that ends minivmm leaves the terminal as it found it (tcsetattr is
 * async-signal-safe), then ends it as the signal would have. */
static void restore_and_die(int sig)
{
    pl011_restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* A terminal on stdin gives the guest each key as typed, not echoed here (the guest echoes);
 * signals stay on, so Ctrl-C still ends minivmm. */
static void terminal_raw(void)
{
    struct termios t;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) < 0)
        return;
    termios_saved = 1;
    atexit(pl011_restore_terminal);
    signal(SIGINT, restore_and_die);
    signal(SIGTERM, restore_and_die);
    signal(SIGHUP, restore_and_die);
    t = saved_termios;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_iflag &= ~(tcflag_t)ICRNL;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

void pl011_init(struct vm *vm)
{
    pthread_t tid;
    uart.vm = vm;
    terminal_raw();
    if (pthread_create(&tid, NULL, rx_thread, NULL) != 0)
        die("cannot start the UART's input thread");
    pthread_detach(tid);
}
