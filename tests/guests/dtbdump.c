/* Prints the device tree elvisor generated for this VM, as hex lines "DTB <offset> <bytes>",
 * so that a test can decompile it with dtc and check it. */
#include "tests/guests/common/guest.h"

int guest_main(void)
{
    const uint8_t *blob = guest_fdt.blob;
    uint32_t size = guest_fdt.totalsize;
    gprintf("DTB-SIZE %u\n", size);
    for (uint32_t off = 0; off < size; off += 32) {
        char line[80];
        unsigned n = 0;
        for (uint32_t i = off; i < off + 32 && i < size; i++) {
            static const char hex[] = "0123456789abcdef";
            line[n++] = hex[blob[i] >> 4];
            line[n++] = hex[blob[i] & 15];
        }
        line[n] = 0;
        gprintf("DTB %05x %s\n", off, line);
    }
    return 0;
}
