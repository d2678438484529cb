#include "core/vmm.h"
#include "core/console.h"
#include "core/image.h"

void vmm_start(void)
{
    uint64_t size;
    if (!pack_config(&size)) {
        printk("elvisor: no VM configuration packed with this image: nothing to run\n");
        return;
    }
}
