/* Trapped system register accesses (ESR_EL2.EC = SYS64: MRS, MSR and the System instructions
 * HCR_EL2/MDCR_EL2 trap). One descriptor per register, or per range of encodings, says what a
 * read and a write do; the descriptors are vdev's (tables listed in vdev/trap_table.c), the
 * lookup and the access are core's (core/sysreg_trap.c). */
#ifndef CORE_SYSREG_TRAP_H
#define CORE_SYSREG_TRAP_H

#include <stdbool.h>
#include <stdint.h>
#include "core/exit.h"
#include "arch/aarch64/esr.h"

/* What a read (MRS) does. */
enum sysreg_rd {
    SR_RD_UNDEF, /* UNDEFINED: the default, so that a row says what a read does */
    SR_RD_FIXED, /* reads .val */
    SR_RD_HOST,  /* reads this CPU's own register (.host), with the fields in .hide set to .val's */
    SR_RD_STATE, /* reads the vCPU's copy: the uint64_t at offset .state in struct vcpu */
    SR_RD_CALL,  /* .read */
};

/* What a write (MSR, or a System instruction's operand) does. */
enum sysreg_wr {
    SR_WR_UNDEF,  /* UNDEFINED: the default */
    SR_WR_IGNORE, /* nothing */
    SR_WR_STATE,  /* stores the value ANDed with .wmask in the vCPU's copy */
    SR_WR_CALL,   /* .write */
    SR_WR_VALUE,  /* .write_value: a handler that needs only the encoding and the value (no
                   * decoded access), for a hot write such as an SGI's */
};

/* Handlers; false makes the access UNDEFINED. a->id is the encoding accessed (for a range
 * row, one of the range's); Rt has already been read (XZR as 0) or is written by the caller. */
typedef bool sysreg_read_fn(struct vcpu *v, const struct sysreg_access *a, uint64_t *val);
typedef bool sysreg_write_fn(struct vcpu *v, const struct sysreg_access *a, uint64_t val);
typedef bool sysreg_write_value_fn(struct vcpu *v, uint32_t id, uint64_t val);

struct sysreg_desc {
    const char *name; /* for log lines and tests: "ID_AA64PFR0_EL1", "debug registers" */
    uint32_t enc;     /* SYSREG(op0, op1, crn, crm, op2); for a range, its fixed fields */
    uint32_t any;     /* a range: the SYSREG() fields that take any value; 0: one register */
    uint8_t rd;       /* enum sysreg_rd */
    uint8_t wr;       /* enum sysreg_wr */
    uint32_t state;   /* SR_RD_STATE / SR_WR_STATE: offsetof(struct vcpu, ...) of the copy */
    uint64_t val;     /* SR_RD_FIXED: the value; SR_RD_HOST: the .hide fields; SR_RD_STATE: the reset value */
    uint64_t hide;    /* SR_RD_HOST: the fields the guest does not see as the host's */
    uint64_t wmask;   /* SR_WR_STATE: the bits a write keeps */
    uint64_t (*host)(void);
    /* SR_RD_FIXED / SR_RD_HOST: what the VM's configuration changes in the value (vdev/id_regs.c:
     * the CPU features it turns off, EL2 for a VM at virtual EL2), called only for a VM that
     * turns one off or has virtual-el2; NULL: nothing. */
    uint64_t (*vm_filter)(const struct vcpu *v, uint32_t id, uint64_t val);
    sysreg_read_fn *read;
    sysreg_write_fn *write;
    sysreg_write_value_fn *write_value; /* SR_WR_VALUE */
};

struct sysreg_table {
    const struct sysreg_desc *rows;
    unsigned nr;
};

/* vdev's tables (vdev/trap_table.c), handed to sysreg_trap_init by exit_init. */
extern const struct sysreg_table *const vdev_sysreg_tables[];
extern const unsigned vdev_nr_sysreg_tables;

/* Builds the lookup from the tables (replacing any earlier one): a row for one register wins
 * over a range that contains it. Returns NULL, or what is wrong: two rows for one register,
 * overlapping ranges, a malformed row, too many rows. */
const char *sysreg_trap_init(const struct sysreg_table *const *tables, unsigned nr);
/* The row for encoding id (SYSREG()), or NULL. */
const struct sysreg_desc *sysreg_lookup(uint32_t id);
/* The SYS64 exit: performs the access, writes Rt (not XZR) on a read, steps over the
 * instruction; UNDEFINED when no row matches or the row refuses. */
enum exit_result sysreg_trap(struct vcpu *v, uint64_t esr);
/* Puts every vCPU copy (SR_RD_STATE rows) to its reset value. */
void sysreg_reset(struct vcpu *v);

#endif
