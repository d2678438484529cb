#ifndef CORE_VMM_H
#define CORE_VMM_H

/* Creates the VMs of the packed configuration and places their vCPUs on physical CPUs. */
void vmm_start(void);

struct vm;
struct vcpu;
/* PSCI SYSTEM_RESET from v: the VM restarts alone from a clean copy of its images. */
void vmm_request_reset(struct vcpu *v);
/* Everything a VM starts from (vCPUs, devices, images, device tree) into its zeroed RAM. */
int vmm_boot_state(struct vm *vm);

#endif
