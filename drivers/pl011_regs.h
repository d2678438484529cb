/* Arm PrimeCell UART PL011 registers (TRM DDI 0183G, 3.2 "Summary of registers" and 3.3
 * "Register descriptions"): the host driver (drivers/pl011.c), the VMs' emulated UART
 * (vdev/vpl011.c) and minivmm's (tools/minivmm/pl011.c). */
#ifndef DRIVERS_PL011_REGS_H
#define DRIVERS_PL011_REGS_H

#define UARTDR    0x000
#define UARTRSR   0x004
#define UARTFR    0x018
#define UARTILPR  0x020
#define UARTIBRD  0x024
#define UARTFBRD  0x028
#define UARTLCR_H 0x02c
#define UARTCR    0x030
#define UARTIFLS  0x034
#define UARTIMSC  0x038
#define UARTRIS   0x03c
#define UARTMIS   0x040
#define UARTICR   0x044
#define UARTDMACR 0x048
#define UART_ID   0xfe0 /* UARTPeriphID0-3, UARTPCellID0-3: one byte per word */

/* UARTFR (3.3.3) */
#define FR_RXFE (1u << 4) /* receive FIFO empty */
#define FR_TXFF (1u << 5) /* transmit FIFO full */
#define FR_TXFE (1u << 7) /* transmit FIFO empty */

/* The interrupt bits of UARTIMSC, UARTRIS, UARTMIS and UARTICR (3.3.10-3.3.13) */
#define INT_RX  (1u << 4) /* receive */
#define INT_TX  (1u << 5) /* transmit */
#define INT_RT  (1u << 6) /* receive timeout */
#define INT_ALL 0x7ffu    /* bits 10:0 */

#endif
