#ifndef CORE_VMM_H
#define CORE_VMM_H

/* Creates the VMs of the packed configuration and places their vCPUs on physical CPUs. */
void vmm_start(void);

struct vm;
struct vcpu;
/* PSCI SYSTEM_RESET from v: the VM restarts alone from a clean copy of its images. */
void vmm_request_reset(struct vcpu *v);
void vmm_finish_reset(struct vm *vm);

#endif
