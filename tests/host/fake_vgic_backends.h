/* The two vGIC back ends (vgic_v2_backend, vgic_v3_backend) as fakes for host tests that run
 * vdev/vgic*.c without a GIC: both point at the f_* functions the including file defines
 * (f_attach, f_encode, f_state, f_lr_read, f_lr_write, f_ld, f_underflow, f_vpmr) and at
 * f_encode_pending below; STATE_BITS and PENDING_BIT are where its list register format keeps
 * them. */
#ifndef TESTS_HOST_FAKE_VGIC_BACKENDS_H
#define TESTS_HOST_FAKE_VGIC_BACKENDS_H

static uint64_t f_encode(const struct vgic_lr *lr);

/* A pending-only list register, through the including file's f_encode (its own format). */
static uint64_t f_encode_pending(uint32_t intid, uint8_t priority, bool group1, uint32_t pintid)
{
    struct vgic_lr lr = { .intid = intid,
                          .priority = priority,
                          .group1 = group1,
                          .pending = true,
                          .hw = pintid != 0,
                          .pintid = (uint16_t)pintid };
    return f_encode(&lr);
}

/* The list registers in mask with neither state, read through the including file's f_lr_read
 * (the back end is asked only about LRs without the EOI bit). */
#define FAKE_LR_EMPTIED(STATE_BITS)                                  \
    static uint32_t f_lr_emptied(uint32_t mask)                      \
    {                                                                \
        uint32_t out = 0;                                            \
        for (unsigned n = 0; n < 32; n++)                            \
            if (((mask >> n) & 1) && !(f_lr_read(n) & (STATE_BITS))) \
                out |= 1u << n;                                      \
        return out;                                                  \
    }

/* A GICv2 SGI from src, pending only, through the including file's f_encode. */
static uint64_t f_encode_sgi(uint32_t intid, uint8_t priority, bool group1, unsigned src, bool eoi)
{
    struct vgic_lr lr = {
        .intid = intid, .priority = priority, .group1 = group1, .src = (uint8_t)src, .pending = true, .eoi = eoi
    };
    return f_encode(&lr);
}

#define FAKE_VGIC_BACKEND(VERSION, STATE_BITS, PENDING_BIT)                                                          \
    {                                                                                                                \
        .version = (VERSION), .attach = f_attach, .lr_encode = f_encode, .lr_encode_pending = f_encode_pending,      \
        .lr_encode_sgi = f_encode_sgi, .lr_state_bits = (STATE_BITS), .lr_pending_bit = (PENDING_BIT),               \
        .lr_state = f_state, .lr_read = f_lr_read, .lr_emptied = f_lr_emptied, .lr_write = f_lr_write, .load = f_ld, \
        .put = f_ld, .set_underflow = f_underflow, .vpmr = f_vpmr,                                                   \
    }

#define FAKE_VGIC_BACKENDS(STATE_BITS, PENDING_BIT)                                            \
    FAKE_LR_EMPTIED(STATE_BITS)                                                                \
    const struct vgic_backend vgic_v3_backend = FAKE_VGIC_BACKEND(3, STATE_BITS, PENDING_BIT); \
    const struct vgic_backend vgic_v2_backend = FAKE_VGIC_BACKEND(2, STATE_BITS, PENDING_BIT)

#endif
