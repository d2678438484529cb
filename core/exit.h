#ifndef CORE_EXIT_H
#define CORE_EXIT_H

#include "core/vm.h"

enum exit_result { EXIT_RESUME, EXIT_YIELD };

/* Handles one exit of v (kind from vcpu_enter); says whether to re-enter the guest. */
enum exit_result exit_handle(struct vcpu *v, unsigned kind);

#endif
