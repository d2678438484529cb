"""Virtual EL2 on FEAT_NV2 (issue 17, first slice; docs/nested.md): a bare-metal guest
hypervisor (tests/guests/nested.c) reads CurrentEL = 2, sets its HCR_EL2 and VBAR_EL2, ERETs to
an EL1 payload whose HVC it takes at its own vector and answers; hostile guest hypervisors
(illegal ERETs, garbage in the VNCR page, a garbage EL1 context) leave the hypervisor and a
neighbour VM running; a guest hypervisor with its own stage 2 runs its guest on elvisor's shadow
stage 2 (remap, a stage 2 abort it answers, a remap after TLBI; its guest reaches the VM's UART
through that stage 2; TLBIs by IPA and range drop only their pages; 2 MiB blocks; more pages than
the shadow's budget; its AT S12E* over that stage 2 and an AT S1E1R right after a TLBI, the
shadow filled for its tables); a guest hypervisor with its own
vGIC for its guest ("irq": elvisor lends it the GIC virtual interface) gives it an interrupt
through a list register, takes the VM's own interrupt at VBAR_EL2 + 0x480 while its guest runs
and the maintenance interrupt after its guest's EOI, and the VM's Group 0 SGI at its FIQ vector
(FMO); a CPU without FEAT_NV2 refuses the VM in
one line. A guest hypervisor with HCR_EL2.E2H = 1 ("vhe", FEAT_VHE) reaches its EL2 registers through
the EL1 names and its guest's through the EL12 ones, takes its own EL0's SVC (TGE = 1) and its EL1
guest's HVC (TGE = 0), and goes back to E2H = 0."""
from qemu import Qemu, machine_args, BUILD, guest_checks_pass

STEPS = ("nested_currentel_el2", "nested_id_el2", "nested_id_no_nv", "nested_id_no_ats1a", "nested_vbar_el2", "nested_hcr_el2",
         "nested_eret_to_el1", "nested_hvc_taken_at_el2", "nested_hvc_answered", "nested_el2_syndrome",
         "nested_back_at_el2", "nested_hvc_at_el2_own_vector", "nested_psci_by_smc", "nested_no_unexpected")
VHE_STEPS = ("vhe_id_vh", "vhe_el12_undef_with_e2h0", "vhe_hcr_e2h", "vhe_el1_names_are_el2",
             "vhe_el12_are_its_guests", "vhe_el0_svc_to_el2", "vhe_el0_svc_answered", "vhe_l2_hvc_taken",
             "vhe_l2_syndrome", "vhe_el2_regs_kept_across_l2", "vhe_hvc_at_el2_own_vector",
             "vhe_l2_cntp_is_its_own", "vhe_at_s1e1r_its_guests_regime", "vhe_at_s1e1w_read_only_permission_fault",
             "vhe_at_s1e0r_no_el0_permission_fault", "vhe_at_unmapped_translation_fault_l1",
             "vhe_at_s1e1rp_with_its_pan",
             "vhe_at_s1e2r_own_regime_flat", "vhe_at_garbage_regime_faults", "vhe_back_to_e2h0",
             "vhe_e2h0_hvc_own_vector", "vhe_at_e2h0_s1e1r_its_guests_regime", "vhe_no_unexpected")
IRQ_STEPS = ("irq_l2_takes_its_list_register", "irq_l2_eoi_seen_by_el2", "irq_l2_sgi_write_to_el2",
             "irq_vm_interrupt_to_el2", "irq_l2_takes_eoi_request", "irq_maintenance_to_el2",
             "irq_vm_group0_fiq_to_el2", "irq_no_unexpected")


def test_guest_hypervisor_runs_an_el1_guest():
    img = "%s/tests/configs/nested.img" % BUILD
    with Qemu("nested", machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        out = guest_checks_pass(q, {"nested": STEPS, "irqs": IRQ_STEPS, "plain": []})
        assert "nested: EL1 payload at EL1 got 0x2234" in out
        assert "VM 'nested' stopped: guest called PSCI SYSTEM_OFF" in out


def test_guest_hypervisor_with_e2h():
    img = "%s/tests/configs/nested-vhe.img" % BUILD
    with Qemu("nested-vhe", machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        out = guest_checks_pass(q, {"vhe": VHE_STEPS, "plain": ["victim_memory_intact"]})
        assert "nested: EL1 payload at EL1 got 0x2234" in out
        assert "VM 'vhe' stopped: guest called PSCI SYSTEM_OFF" in out


TRAP_STEPS = ("traps_twi_wfi_to_el2", "traps_twe_clear_wfe_stays", "traps_tid2_ctr_to_el2",
              "traps_tid2_clear_ctr_read", "traps_tid1_revidr_to_el2", "traps_tvm_sctlr_write_to_el2",
              "traps_tvm_clear_not_taken", "traps_trvm_ttbr0_read_to_el2", "traps_tsw_dc_cisw_to_el2",
              "traps_tsw_clear_elvisors", "traps_ttlb_tlbi_to_el2", "traps_tpu_ic_iallu_to_el2",
              "traps_tpcp_dc_civac_to_el2", "traps_other_controls_not_taken", "traps_all_controls_at_once",
              "cptr_tfp_fp_to_el2", "cptr_tfp_clear_fp_runs", "cptr_tcpac_cpacr_to_el2",
              "cptr_tcpac_clear_cpacr_read", "mdcr_tda_mdscr_to_el2", "mdcr_tdosa_oslsr_to_el2", "mdcr_clear_elvisors",
              "mdcr_tda_while_vm_uses_debug",
              "traps_tidcp_impdef_to_el2", "traps_tidcp_clear_undefined_at_its_guest", "traps_tlor_lorid_to_el2",
              "traps_tlor_clear_lorid_elvisors", "traps_tdz_dc_zva_to_el2", "traps_tdz_clear_dczid_dzp_0",
              "traps_el1pcten_cntpct_to_el2", "traps_el1pcten_set_cntpct_read", "mdcr_tde_brk_to_el2",
              "mdcr_tde_mdscr_to_el2", "mdcr_tde_clear_brk_at_its_guest",
              "vexc_fmo_vf_fiq_to_its_guest", "vexc_vf_without_fmo_nothing", "vexc_imo_vi_irq_to_its_guest",
              "vexc_vi_without_imo_nothing", "vexc_amo_vse_serror_with_vsesr",
              "vexc_vse_cleared_once_taken", "vexc_vse_without_amo_nothing",
              "lines_serror_amo_to_el2", "lines_serror_without_amo_its_guests", "lines_fiq_fmo_to_el2",
              "lines_fiq_without_fmo_its_guests", "lines_irq_imo_to_el2", "lines_fiq_with_amo_imo_its_guests",
              "timers_cnthp_regs", "timers_cnthp_fires_at_el2", "timers_cnthv_fires_at_el2",
              "timers_cnthp_fires_while_its_guest_runs", "traps_no_unexpected")


def test_guest_hypervisor_trap_controls():
    """Its HCR_EL2 trap controls for its guest (docs/nested.md "Its traps for its guest"): its
    guest's WFI (TWI), CTR_EL0 (TID2), REVIDR_EL1 (TID1), SCTLR_EL1 write (TVM), TTBR0_EL1 read
    (TRVM), DC CISW (TSW), TLBI VMALLE1 (TTLB), IC IALLU (TPU), DC CIVAC (TPCP) each reach it at
    VBAR_EL2 + 0x400 with the syndrome the CPU gives and ELR_EL2 the instruction; with the
    control clear they do not (and a read gets the CPU's value). Its EL2 timers with E2H = 0
    (CNTHP_*_EL2, CNTHV_*_EL2): registers read back, each fires its PPI (10, 12) at virtual EL2,
    and the EL2 physical one while its guest runs (taken at VBAR_EL2 + 0x480). Its virtual FIQ
    (FMO + VF) and SError (AMO + VSE, with VSESR_EL2's syndrome) reach its guest, VSE cleared
    once taken; without FMO/AMO they do not. Its CPTR_EL2.TFP/TCPAC and MDCR_EL2.TDA/TDOSA send its
    guest's FP instruction, CPACR_EL1, MDSCR_EL1 and OSLSR_EL1 accesses to it. Its TIDCP (an
    IMPLEMENTATION DEFINED register), TLOR (LORID_EL1), TDZ (DC ZVA; its guest's DCZID_EL0.DZP reads
    1), CNTHCTL_EL2.EL1PCTEN clear (CNTPCT_EL0) and MDCR_EL2.TDE (BRK, MDSCR_EL1) the same; with
    each clear, what the VM gives (UNDEFINED at its guest's own vector, LORID_EL1 0, DZP 0, the
    counter, BRK at its guest's own vector)."""
    img = "%s/tests/configs/nested-traps.img" % BUILD
    with Qemu("nested-traps", machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        guest_checks_pass(q, {"traps": TRAP_STEPS, "plain": []})


def test_hostile_guest_hypervisors_harm_nobody():
    img = "%s/tests/configs/nested-hostile.img" % BUILD
    with Qemu("nested-hostile", machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        q.wait_for(r"\[hostile\] hostile: final ERET to a garbage EL1 context", timeout=120)
        m = q.wait_for(r"\[stage2\] GUEST DONE: (\d+) failure", timeout=120)
        # The neighbour runs to its end after both, its memory untouched.
        q.wait_for(r"\[victim\] GUEST DONE: 0 failure", timeout=180)
        out = q.output()
        for name in ("hostile_eret_el3_illegal", "hostile_eret_aarch32_illegal", "hostile_eret_tge_illegal",
                     "hostile_vncr_garbage_kept", "hostile_vmpidr_not_applied", "hostile_psci_still_answers",
                     "hostile_ich_garbage_lent", "hostile_e2h_garbage", "hostile_ctls_garbage",
                     "hostile_s2_device_tables_and_tlbis", "hostile_at_s12_garbage_stage2_faults",
                     "victim_memory_intact", "stage2_l2_reads_through_remap", "stage2_l2_write_lands_in_y",
                     "stage2_abort_syndrome", "stage2_abort_hpfar_far", "stage2_abort_then_mapped",
                     "stage2_remap_after_tlbi", "stage2_l2_ran_every_phase", "stage2_tlbi_ipa_drops_only_that_page",
                     "stage2_tlbi_range_drops_only_its_pages", "stage2_block_mapped_whole",
                     "stage2_block_read_only_write_forwarded", "stage2_l2_reads_vm_uart", "stage2_l2_uart_isv0_decoded",
                     "stage2_l2_uart_read_only_write_forwarded", "stage2_l2_no_device_external_abort",
                     "stage2_pool_reset_refills", "stage2_l2_shares_ivshmem_window",
                     "stage2_l2_read_only_window_write_external_abort", "stage2_bar_move_drops_l2_window",
                     "at_s1e1r_fills_shadow_for_its_tables",
                     "at_s1e1r_its_stage2_walk_fault", "at_s12e1r_both_stages", "at_s12e1r_device_attrs_combined",
                     "at_s12e1w_stage2_permission", "at_s12_stage2_translation_faults", "at_s12_stage1_faults_first",
                     "at_s12e1r_without_vm_stage1_only", "stage2_no_unexpected"):
            assert "TEST %s: PASS" % name in out, (name, out[-6000:])
        # The L2's writes to the VM's UART through its hypervisor's stage 2 reach that VM's
        # console; those through the read-only mapping do not.
        assert "[stage2] nested-l2: hello through its stage 2" in out
        assert "<ro-leak>" not in out and "ro-leak" not in out
        assert "FAIL" not in out
        assert int(m.group(1)) == 0
        assert "came back" not in out
        assert "HYPERVISOR CRASH" not in out


def test_tlbi_reaches_another_vcpus_guest_at_once():
    """vCPU 1 of a guest hypervisor runs its L2 on a shadow stage 2 and spins without exits;
    vCPU 0 remaps the L2's page and issues TLBI VMALLS12E1IS: the L2 reads the new page right
    after (before the fix it kept the old one until its next ERET, which never came); then the
    same with TLBI IPAS2E1IS of that page only; then a TLBI IPAS2E1IS of that page issued with
    another VMID in vCPU 0's VTTBR_EL2 leaves vCPU 1's L2 (its VMID 0) its entry (it still reads
    the old page), and one under VMID 0 does not (Arm ARM D8.13.3)."""
    img = "%s/tests/configs/nested-smp.img" % BUILD
    with Qemu("nested-smp", machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        m = q.wait_for(r"\[s2smp\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        for name in ("s2smp_cpu_on_at_el2", "s2smp_l2_runs_on_vcpu1", "s2smp_tlbi_reaches_other_vcpu_at_once",
                     "s2smp_tlbi_ipa_reaches_other_vcpu_at_once", "s2smp_tlbi_ipa_other_vmid_keeps_its_entry",
                     "s2smp_no_unexpected"):
            assert "TEST %s: PASS" % name in out, name
        assert int(m.group(1)) == 0
        assert "HYPERVISOR CRASH" not in out


def test_guest_hypervisor_runs_a_two_vcpu_l2():
    """Its L2 on two vCPUs: L2 vCPU 0's PSCI CPU_ON (an HVC) is answered by the guest hypervisor,
    whose own vCPU 1 (started at virtual EL2 by elvisor's PSCI) enters L2 vCPU 1 with the MPIDR it
    chose; both L2 vCPUs count past 100000 at the same time and come back to virtual EL2."""
    img = "%s/tests/configs/nested-l2smp.img" % BUILD
    with Qemu("nested-l2smp", machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        out = guest_checks_pass(q, {"l2smp": ("l2smp_its_vcpu1_on", "l2smp_l2_cpu_on_answered_by_it",
                                              "l2smp_l2_mpidrs_its_choice", "l2smp_both_l2_vcpus_progress",
                                              "l2smp_vcpu1_back_at_el2", "l2smp_no_unexpected"),
                                    "plain": ["victim_memory_intact"]})
        assert "VM 'l2smp' stopped: guest called PSCI SYSTEM_OFF" in out


def test_refused_without_feat_nv2():
    img = "%s/tests/configs/nested.img" % BUILD
    with Qemu("nested-a72", machine_args(gic=3, cpu="cortex-a72", smp=4), kernel=img) as q:
        q.wait_for(r"VM 'nested' refused: virtual-el2: this CPU lacks FEAT_NV2 \(ID_AA64MMFR2_EL1.NV is 0\)")
        q.wait_for(r"\[plain\] GUEST DONE: 0 failure", timeout=180)
        assert "[nested]" not in q.output()


def test_refused_on_a_gicv2_host():
    """A guest hypervisor's GIC virtual interface is the CPU's GICv3 one, lent: on a GICv2 host
    the VM is refused with one line, and the other VMs run."""
    img = "%s/tests/configs/nested.img" % BUILD
    with Qemu("nested-gicv2", machine_args(gic=2, cpu="max", smp=4), kernel=img) as q:
        q.wait_for(r"VM 'nested' refused: virtual-el2: needs a GICv3 host")
        q.wait_for(r"\[plain\] GUEST DONE: 0 failure", timeout=180)
        assert "[nested]" not in q.output()
