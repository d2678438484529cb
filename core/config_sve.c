/* The SVE properties of a VM's binding (docs/config.md): part of CONFIG_SVE (docs/build.md);
 * pure logic, like core/config.c. */
#include "core/config_parse.h"
#include "lib/fdt_read.h"

/* sve-max-vl = <bits>: caps the VM's SVE vector length (vdev/vsve.c). A power of two from 128 to
 * 2048 (Arm ARM D24.2.214: the lengths a CPU may implement). */
bool config_sve_max_vl(struct config_parse *p, int node, struct vm_config *vm)
{
    uint32_t bits;
    int len;
    if (!fdt_getprop(p->f, node, "sve-max-vl", &len))
        return true;
    if (fdt_prop_u32(p->f, node, "sve-max-vl", &bits) < 0 || bits < 128 || bits > 2048 || (bits & (bits - 1)))
        REFUSE(p, "sve-max-vl: need a power of two from 128 to 2048 (bits)");
    vm->sve_max_vl = bits;
    return true;
}
