#ifndef CORE_VMM_H
#define CORE_VMM_H

/* Creates the VMs of the packed configuration and places their vCPUs on physical CPUs. */
void vmm_start(void);

#endif
