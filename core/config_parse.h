/* Inside the configuration parser: what core/config.c shares with the device kinds' bindings
 * (core/config_*.c), each in the file of its optional part so that a build without the part
 * leaves out its parsing (docs/build.md). Pure logic, like config.c. */
#ifndef CORE_CONFIG_PARSE_H
#define CORE_CONFIG_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/config.h"
#include "lib/fdt_read.h"
#include "lib/printf.h"

struct fdt;

struct config_parse {
    const struct fdt *f;
    const struct config_limits *lim;
    unsigned vm_index;                /* position of the VM's node under /vms */
    const struct vm_config *accepted; /* the VMs accepted before this one */
    int nr_accepted;
    char why[160];
};

/* Refuses the VM: the reason, one line, goes to p->why. */
#define REFUSE(p, ...)                                        \
    do {                                                      \
        ev_snprintf((p)->why, sizeof((p)->why), __VA_ARGS__); \
        return false;                                         \
    } while (0)

/* The window lies wholly inside the IPA space, so its end cannot wrap around either. */
bool config_in_ipa_space(const struct config_parse *p, uint64_t a, uint64_t s);
/* Reads pair index of a <hi lo hi lo> (address, size) list of 2-cell numbers; false if absent. */
bool config_read_pair(struct config_parse *p, int node, const char *prop, int index, uint64_t *a, uint64_t *s);
/* String property prop into dst (at most cap bytes with its NUL); absent: "" unless required. */
bool config_copy_string(struct config_parse *p, int node, const char *prop, char *dst, size_t cap, bool required);

/* firmware = "path" and flash = <ipa size>, vm->firmware set (core/config_firmware.c). */
#if CONFIG_VM_FIRMWARE
bool config_firmware(struct config_parse *p, int node, struct vm_config *vm);
#else
static inline bool config_firmware(struct config_parse *p, int node, struct vm_config *vm)
{
    REFUSE(p, "firmware: booting a VM from firmware is not in this build (CONFIG_VM_FIRMWARE=n, docs/build.md)");
}
#endif

/* sve-max-vl = <bits> (core/config_sve.c). */
#if CONFIG_SVE
bool config_sve_max_vl(struct config_parse *p, int node, struct vm_config *vm);
#else
/* SVE is hidden from every VM in this build: its cap is meaningless, as on a CPU without SVE. */
static inline bool config_sve_max_vl(struct config_parse *p, int node, struct vm_config *vm) { return true; }
#endif

/* `control;` after autostart is read (core/config_control.c). */
#if CONFIG_CONTROL
bool config_control(struct config_parse *p, int node, struct vm_config *vm);
#else
/* No control VM in this build; nor a VM that only it could start. */
static inline bool config_control(struct config_parse *p, int node, struct vm_config *vm)
{
    if (fdt_getprop(p->f, node, "control", 0))
        REFUSE(p, "control: the control VM is not in this build (CONFIG_CONTROL=n, docs/build.md)");
    if (!vm->autostart)
        REFUSE(p, "autostart = <0>: only the control VM could start it (CONFIG_CONTROL=n, docs/build.md)");
    return true;
}
#endif

/* bar-window = <addr size>: where the guest places a PCI function's BARs (core/config_bar.c). */
bool config_bar_window(struct config_parse *p, int node, const char *name, struct vm_device *d);

#endif
