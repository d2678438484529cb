	.section .syms, "a"
	.balign 8
	.quad 403
	.word 0x0, 0
	.word 0x0, 14
	.word 0x40, 20
	.word 0x800, 33
	.word 0x884, 47
	.word 0x8c0, 63
	.word 0x980, 95
	.word 0xd30, 111
	.word 0xdb4, 128
	.word 0x12b0, 145
	.word 0x1334, 158
	.word 0x1590, 173
	.word 0x1664, 186
	.word 0x1740, 202
	.word 0x1774, 214
	.word 0x17b0, 228
	.word 0x1864, 244
	.word 0x18e0, 262
	.word 0x1950, 278
	.word 0x19c4, 291
	.word 0x1a60, 303
	.word 0x1aec, 315
	.word 0x1b00, 325
	.word 0x1b08, 337
	.word 0x1b1c, 348
	.word 0x1b30, 360
	.word 0x1bcc, 369
	.word 0x1c74, 377
	.word 0x1c80, 389
	.word 0x1cfc, 400
	.word 0x1d18, 408
	.word 0x1d4c, 419
	.word 0x1d88, 431
	.word 0x1ddc, 440
	.word 0x1e50, 451
	.word 0x1e94, 463
	.word 0x1edc, 472
	.word 0x1fcc, 488
	.word 0x207c, 501
	.word 0x2358, 511
	.word 0x2518, 522
	.word 0x25ac, 530
	.word 0x26ec, 537
	.word 0x275c, 546
	.word 0x2858, 554
	.word 0x2890, 565
	.word 0x28d0, 581
	.word 0x2960, 596
	.word 0x2970, 609
	.word 0x29a4, 631
	.word 0x2a20, 652
	.word 0x2b14, 666
	.word 0x2b5c, 676
	.word 0x2c04, 693
	.word 0x3180, 706
	.word 0x31e8, 721
	.word 0x3214, 730
	.word 0x3300, 742
	.word 0x33e4, 753
	.word 0x349c, 770
	.word 0x4454, 783
	.word 0x4530, 804
	.word 0x4540, 822
	.word 0x4684, 836
	.word 0x4710, 844
	.word 0x4760, 851
	.word 0x4814, 868
	.word 0x4890, 874
	.word 0x4a00, 883
	.word 0x4be0, 900
	.word 0x4bf0, 923
	.word 0x4c00, 948
	.word 0x4e80, 967
	.word 0x4eb0, 981
	.word 0x4f50, 993
	.word 0x51dc, 1005
	.word 0x5240, 1023
	.word 0x5480, 1033
	.word 0x54d0, 1045
	.word 0x54e0, 1054
	.word 0x5630, 1067
	.word 0x56e0, 1081
	.word 0x57a4, 1098
	.word 0x57d0, 1112
	.word 0x59c0, 1131
	.word 0x59c4, 1147
	.word 0x59e0, 1160
	.word 0x5a50, 1173
	.word 0x5a60, 1182
	.word 0x5b10, 1196
	.word 0x5e20, 1209
	.word 0x5f50, 1223
	.word 0x6104, 1233
	.word 0x6110, 1244
	.word 0x6120, 1254
	.word 0x6360, 1265
	.word 0x64a0, 1281
	.word 0x6560, 1292
	.word 0x6620, 1302
	.word 0x6634, 1318
	.word 0x6640, 1335
	.word 0x6790, 1349
	.word 0x68e0, 1365
	.word 0x69f4, 1380
	.word 0x6a30, 1401
	.word 0x6a58, 1416
	.word 0x6aac, 1425
	.word 0x6c74, 1451
	.word 0x7500, 1469
	.word 0x7600, 1490
	.word 0x76f0, 1511
	.word 0x7720, 1521
	.word 0x7730, 1532
	.word 0x7744, 1549
	.word 0x7be4, 1560
	.word 0x7c48, 1578
	.word 0x7c7c, 1595
	.word 0x7e4c, 1617
	.word 0x7e60, 1626
	.word 0x7e70, 1634
	.word 0x7e80, 1643
	.word 0x7e94, 1651
	.word 0x7eb0, 1660
	.word 0x7ed0, 1678
	.word 0x7ff0, 1692
	.word 0x8040, 1707
	.word 0x8090, 1721
	.word 0x81b0, 1731
	.word 0x8220, 1740
	.word 0x82a4, 1754
	.word 0x82d0, 1769
	.word 0x82f0, 1779
	.word 0x8370, 1794
	.word 0x8580, 1803
	.word 0x85c0, 1815
	.word 0x86f0, 1823
	.word 0x8730, 1834
	.word 0x8784, 1851
	.word 0x8948, 1858
	.word 0x8988, 1867
	.word 0x9510, 1880
	.word 0x9554, 1897
	.word 0x9800, 1911
	.word 0x9834, 1926
	.word 0x9900, 1944
	.word 0x9a4c, 1961
	.word 0x9fd0, 1971
	.word 0xa000, 1980
	.word 0xa0c0, 1988
	.word 0xa130, 2000
	.word 0xa160, 2010
	.word 0xa180, 2026
	.word 0xa1b0, 2041
	.word 0xa1e0, 2055
	.word 0xa204, 2068
	.word 0xa224, 2075
	.word 0xa240, 2082
	.word 0xa254, 2096
	.word 0xa280, 2105
	.word 0xa2b0, 2117
	.word 0xa350, 2129
	.word 0xa4e0, 2137
	.word 0xa4f0, 2144
	.word 0xa500, 2151
	.word 0xa510, 2165
	.word 0xa6b0, 2177
	.word 0xa6f4, 2186
	.word 0xa770, 2198
	.word 0xa834, 2210
	.word 0xa890, 2226
	.word 0xa910, 2236
	.word 0xa980, 2249
	.word 0xaa00, 2264
	.word 0xaa80, 2278
	.word 0xaa90, 2289
	.word 0xaaa4, 2303
	.word 0xaad0, 2314
	.word 0xab00, 2325
	.word 0xab20, 2345
	.word 0xab50, 2358
	.word 0xab60, 2375
	.word 0xab70, 2388
	.word 0xabb0, 2398
	.word 0xac24, 2411
	.word 0xac84, 2423
	.word 0xace0, 2439
	.word 0xad40, 2457
	.word 0xad50, 2467
	.word 0xad70, 2478
	.word 0xade4, 2493
	.word 0xaef4, 2505
	.word 0xafb0, 2516
	.word 0xb058, 2533
	.word 0xb078, 2543
	.word 0xb09c, 2553
	.word 0xb0c4, 2565
	.word 0xb124, 2576
	.word 0xb178, 2586
	.word 0xb1f8, 2603
	.word 0xb39c, 2618
	.word 0xb3c0, 2627
	.word 0xb3ec, 2636
	.word 0xb51c, 2646
	.word 0xb544, 2660
	.word 0xb5ac, 2677
	.word 0xb62c, 2690
	.word 0xb690, 2704
	.word 0xb704, 2718
	.word 0xb7b8, 2731
	.word 0xba40, 2740
	.word 0xbaa0, 2752
	.word 0xbaa8, 2761
	.word 0xbae0, 2779
	.word 0xbb18, 2796
	.word 0xbbbc, 2807
	.word 0xbc00, 2821
	.word 0xbd20, 2835
	.word 0xbd58, 2850
	.word 0xbd9c, 2864
	.word 0xbe30, 2876
	.word 0xbf00, 2890
	.word 0xc048, 2908
	.word 0xc09c, 2920
	.word 0xc0ec, 2933
	.word 0xc150, 2946
	.word 0xc1a8, 2962
	.word 0xc1e4, 2978
	.word 0xc27c, 2994
	.word 0xc354, 3012
	.word 0xc3bc, 3032
	.word 0xc474, 3052
	.word 0xc4bc, 3067
	.word 0xc504, 3082
	.word 0xc668, 3090
	.word 0xc6d0, 3100
	.word 0xc770, 3113
	.word 0xc8b0, 3129
	.word 0xc930, 3143
	.word 0xc9b4, 3153
	.word 0xc9ec, 3167
	.word 0xca28, 3181
	.word 0xcb38, 3199
	.word 0xcb58, 3216
	.word 0xcbd4, 3232
	.word 0xcbe0, 3248
	.word 0xcdf4, 3260
	.word 0xce20, 3268
	.word 0xce5c, 3277
	.word 0xcea8, 3287
	.word 0xcfb0, 3303
	.word 0xd004, 3310
	.word 0xd044, 3322
	.word 0xd17c, 3334
	.word 0xd710, 3347
	.word 0xd760, 3359
	.word 0xd7e0, 3372
	.word 0xd800, 3379
	.word 0xd850, 3387
	.word 0xd8d0, 3394
	.word 0xd910, 3401
	.word 0xd940, 3408
	.word 0xd970, 3416
	.word 0xd9b0, 3423
	.word 0xd9f0, 3431
	.word 0xda20, 3438
	.word 0xda50, 3446
	.word 0xdb00, 3458
	.word 0xdbe0, 3471
	.word 0xdc80, 3485
	.word 0xdd00, 3494
	.word 0xdd40, 3503
	.word 0xde90, 3515
	.word 0xe074, 3525
	.word 0xe400, 3533
	.word 0xe584, 3549
	.word 0xe7b0, 3559
	.word 0xec80, 3570
	.word 0xee20, 3588
	.word 0xee94, 3598
	.word 0xef90, 3607
	.word 0xf000, 3624
	.word 0xf0b0, 3643
	.word 0xf2b4, 3662
	.word 0xf354, 3682
	.word 0xf3b0, 3701
	.word 0xf4b4, 3721
	.word 0xf594, 3738
	.word 0xf680, 3753
	.word 0xf754, 3767
	.word 0xf940, 3779
	.word 0x10000, 3796
	.word 0x10330, 3808
	.word 0x10350, 3819
	.word 0x10370, 3831
	.word 0x10400, 3844
	.word 0x10414, 3856
	.word 0x10440, 3864
	.word 0x10460, 3871
	.word 0x10480, 3888
	.word 0x104a0, 3896
	.word 0x10580, 3906
	.word 0x10a50, 3918
	.word 0x10a70, 3929
	.word 0x10a80, 3939
	.word 0x10b30, 3950
	.word 0x10bd0, 3962
	.word 0x10c40, 3975
	.word 0x10c54, 3987
	.word 0x10cc4, 3995
	.word 0x10d34, 4002
	.word 0x10d50, 4019
	.word 0x10d60, 4027
	.word 0x10e70, 4037
	.word 0x11200, 4049
	.word 0x11220, 4060
	.word 0x11230, 4070
	.word 0x11464, 4094
	.word 0x11480, 4104
	.word 0x114b0, 4115
	.word 0x117a0, 4126
	.word 0x11854, 4137
	.word 0x118b4, 4149
	.word 0x11b40, 4167
	.word 0x11b54, 4181
	.word 0x11cc0, 4189
	.word 0x11e54, 4198
	.word 0x11e94, 4213
	.word 0x11ec0, 4234
	.word 0x11ee0, 4249
	.word 0x11f64, 4271
	.word 0x11fe0, 4292
	.word 0x12040, 4315
	.word 0x12100, 4336
	.word 0x121b0, 4348
	.word 0x12284, 4361
	.word 0x124b0, 4373
	.word 0x124c0, 4392
	.word 0x12520, 4412
	.word 0x12664, 4424
	.word 0x12bc4, 4437
	.word 0x12d00, 4448
	.word 0x12d40, 4460
	.word 0x12dd0, 4474
	.word 0x12ef0, 4493
	.word 0x12f50, 4509
	.word 0x12ff0, 4524
	.word 0x13060, 4539
	.word 0x130d0, 4550
	.word 0x13110, 4562
	.word 0x132e0, 4569
	.word 0x132f4, 4580
	.word 0x13494, 4592
	.word 0x135f0, 4610
	.word 0x13760, 4621
	.word 0x13770, 4642
	.word 0x13820, 4660
	.word 0x13860, 4674
	.word 0x13a20, 4687
	.word 0x13a30, 4701
	.word 0x13a60, 4717
	.word 0x13e64, 4727
	.word 0x13ee0, 4738
	.word 0x13f60, 4761
	.word 0x14040, 4783
	.word 0x14120, 4803
	.word 0x14344, 4815
	.word 0x14510, 4828
	.word 0x14600, 4842
	.word 0x14630, 4857
	.word 0x14720, 4870
	.word 0x14b40, 4882
	.word 0x14c20, 4900
	.word 0x14c90, 4912
	.word 0x14dc0, 4927
	.word 0x14e50, 4942
	.word 0x14ea0, 4958
	.word 0x15410, 4974
	.word 0x155e0, 4988
	.word 0x158a0, 5005
	.word 0x15ab0, 5018
	.word 0x15ac4, 5025
	.word 0x15b40, 5036
	.word 0x15bf0, 5053
	.word 0x15c04, 5064
	.word 0x15c40, 5079
	.word 0x15e00, 5090
	.word 0x15ee4, 5102
	.word 0x15f38, 5114
	.word 0x15f8c, 5129
	.word 0x15f94, 5139
	.word 0x16000, 5149
	.word 0x16784, 5161
	.word 0x167e4, 5174
	.word 0x16844, 5183
	.word 0x168a4, 5191
	.word 0x16904, 5202
	.word 0x169b8, 5210
	.word 0x16a1c, 5221
	.word 0x16a80, 5231
	.word 0x16ae4, 5241
	.word 0x16b48, 5254
	.word 0x16bac, 5268
	.word 0x16bc8, 5286
	.asciz "__image_start"
	.asciz "_head"
	.asciz "__text_start"
	.asciz "primary_entry"
	.asciz "secondary_entry"
	.asciz "a64_dec_single_kind.constprop.0"
	.asciz "a64_decode_ldst"
	.asciz "a64_ldst_address"
	.asciz "a64_ldst_emulate"
	.asciz "print_symbol"
	.asciz "el2_fatal_trap"
	.asciz "el1_ctx_save"
	.asciz "el1_ctx_restore"
	.asciz "esr_ec_name"
	.asciz "esr_dfsc_name"
	.asciz "esr_decode_dabt"
	.asciz "esr_sysreg_decode"
	.asciz "guest_va_to_ipa"
	.asciz "inject_undef"
	.asciz "inject_dabt"
	.asciz "inject_iabt"
	.asciz "tlb_flush"
	.asciz "sync_tables"
	.asciz "free_table"
	.asciz "alloc_table"
	.asciz "mmu_init"
	.asciz "mmu_map"
	.asciz "mmu_va_bits"
	.asciz "mmu_enable"
	.asciz "pt_sync"
	.asciz "pt_is_leaf"
	.asciz "pt_is_valid"
	.asciz "pt_alloc"
	.asciz "pt_replace"
	.asciz "pt_range_ok"
	.asciz "pt_entry"
	.asciz "pt_range_mapped"
	.asciz "pt_free_tree"
	.asciz "pt_update"
	.asciz "pt_descend"
	.asciz "pt_init"
	.asciz "pt_map"
	.asciz "pt_unmap"
	.asciz "pt_walk"
	.asciz "pt_destroy"
	.asciz "stage2_ipa_bits"
	.asciz "stage2_hw_init"
	.asciz "stage2_vttbr"
	.asciz "stage2_tlb_flush_vmid"
	.asciz "stage2_tlb_flush_ipa"
	.asciz "symbol_lookup"
	.asciz "boot_fail"
	.asciz "maybe_crash_test"
	.asciz "boot_primary"
	.asciz "boot_secondary"
	.asciz "fdt_cell"
	.asciz "copy_string"
	.asciz "parse_irqs"
	.asciz "read_pair.isra.0"
	.asciz "config_parse"
	.asciz "config_time_slice_us"
	.asciz "console_smp_ready"
	.asciz "console_write"
	.asciz "vprintk"
	.asciz "printk"
	.asciz "console_line_put"
	.asciz "panic"
	.asciz "can_take"
	.asciz "console_list_vms"
	.asciz "console_input_irq_mode"
	.asciz "console_input_irq_driven"
	.asciz "console_input_poll"
	.asciz "rx_retry_fire"
	.asciz "escape_feed"
	.asciz "exit_handle"
	.asciz "image_loaded_size"
	.asciz "pack_find"
	.asciz "pack_config"
	.asciz "irq_init"
	.asciz "irq_cpu_init"
	.asciz "irq_claim_spi"
	.asciz "irq_release_spis"
	.asciz "irq_spi_owner"
	.asciz "irq_handle_pending"
	.asciz "el2_irq_handler"
	.asciz "irq_kick_cpu"
	.asciz "irq_kick_all"
	.asciz "irq_wait"
	.asciz "irq_vcpu_wait"
	.asciz "emulate_insn"
	.asciz "mmio_dispatch"
	.asciz "access_at"
	.asciz "emul_write"
	.asciz "emul_read"
	.asciz "mmio_abort"
	.asciz "page_alloc_init"
	.asciz "page_alloc"
	.asciz "page_free"
	.asciz "page_free_count"
	.asciz "page_total_count"
	.asciz "page_pool_add"
	.asciz "page_pool_alloc"
	.asciz "page_pool_free"
	.asciz "page_pool_free_pages"
	.asciz "percpu_install"
	.asciz "intid_of"
	.asciz "platform_discover_console"
	.asciz "platform_discover"
	.asciz "platform_has_bootarg"
	.asciz "platform_device_prop"
	.asciz "power_off"
	.asciz "slice_over"
	.asciz "sched_cpu_shared"
	.asciz "sched_loop"
	.asciz "smp_report_online"
	.asciz "smp_online_count"
	.asciz "smp_start_secondaries"
	.asciz "smp_idle"
	.asciz "s2_sync"
	.asciz "s2_flush"
	.asciz "s2_free"
	.asciz "s2_alloc"
	.asciz "stage2_map_device"
	.asciz "stage2_create"
	.asciz "stage2_destroy"
	.asciz "vcpu_cpu_init"
	.asciz "vcpu_load"
	.asciz "vcpu_put"
	.asciz "vcpu_trap_wfi"
	.asciz "vcpu_poll_kick"
	.asciz "vcpu_kick"
	.asciz "vcpu_set_vline"
	.asciz "vcpu_run"
	.asciz "vm_add_mmio"
	.asciz "vm_stop"
	.asciz "vm_ram_ptr"
	.asciz "vm_vcpu_by_mpidr"
	.asciz "vm_log"
	.asciz "reg_prop"
	.asciz "vm_dtb_build"
	.asciz "packed_file_size"
	.asciz "vm_boot_state"
	.asciz "report_refused"
	.asciz "vmm_request_reset"
	.asciz "vmm_finish_reset"
	.asciz "vmm_start"
	.asciz "gic_init"
	.asciz "v2_init"
	.asciz "v2_cpu_init"
	.asciz "v2_enable"
	.asciz "v2_set_priority"
	.asciz "v2_set_pending"
	.asciz "v2_set_active"
	.asciz "v2_is_active"
	.asciz "v2_ack"
	.asciz "v2_eoi"
	.asciz "v2_deactivate"
	.asciz "v2_route"
	.asciz "v2_send_sgi"
	.asciz "v2_set_edge"
	.asciz "v3_init"
	.asciz "v3_ack"
	.asciz "v3_eoi"
	.asciz "v3_deactivate"
	.asciz "v3_cpu_init"
	.asciz "v3_route"
	.asciz "v3_send_sgi"
	.asciz "v3_set_edge"
	.asciz "v3_set_priority"
	.asciz "v3_enable"
	.asciz "v3_is_active"
	.asciz "v3_set_pending"
	.asciz "v3_set_active"
	.asciz "pl011_init"
	.asciz "pl011_present"
	.asciz "pl011_putc"
	.asciz "pl011_getc"
	.asciz "pl011_enable_rx_irq"
	.asciz "pl011_rx_irq"
	.asciz "psci_set_conduit"
	.asciz "psci_conduit"
	.asciz "psci_call"
	.asciz "psci_version"
	.asciz "psci_cpu_on"
	.asciz "psci_system_off"
	.asciz "psci_system_reset"
	.asciz "timer_now"
	.asciz "timer_freq"
	.asciz "timer_cpu_init"
	.asciz "timer_start"
	.asciz "timer_stop"
	.asciz "timer_handle_irq"
	.asciz "fdt_put32"
	.asciz "fdt_put64"
	.asciz "fdtw_usable"
	.asciz "fdt_string"
	.asciz "fdtw_room"
	.asciz "fdtw_struct_grow"
	.asciz "fdtw_prop_open"
	.asciz "fdt_be32"
	.asciz "fdt_be64"
	.asciz "fdt_token"
	.asciz "fdt_node_body"
	.asciz "fdt_subnode_from"
	.asciz "fdt_node_end"
	.asciz "fdt_prop_from"
	.asciz "fdt_next_node"
	.asciz "fdt_strerror"
	.asciz "fdt_init"
	.asciz "fdt_mem_rsv"
	.asciz "fdt_root"
	.asciz "fdt_first_subnode"
	.asciz "fdt_next_subnode"
	.asciz "fdt_parent"
	.asciz "fdt_node_name"
	.asciz "fdt_walk_path"
	.asciz "fdt_first_prop"
	.asciz "fdt_next_prop"
	.asciz "fdt_prop_at"
	.asciz "fdt_getprop_n"
	.asciz "fdt_path_offset_n"
	.asciz "fdt_getprop"
	.asciz "fdt_prop_u32"
	.asciz "fdt_prop_u64"
	.asciz "fdt_prop_string"
	.asciz "fdt_path_offset"
	.asciz "fdt_stdout_node"
	.asciz "fdt_is_compatible"
	.asciz "fdt_next_compatible"
	.asciz "fdt_node_by_phandle"
	.asciz "fdt_addr_cells"
	.asciz "fdt_size_cells"
	.asciz "fdt_reg"
	.asciz "fdtw_init"
	.asciz "fdtw_reserve"
	.asciz "fdtw_begin_node"
	.asciz "fdtw_end_node"
	.asciz "fdtw_prop"
	.asciz "fdtw_prop_u32"
	.asciz "fdtw_prop_u64"
	.asciz "fdtw_prop_strings"
	.asciz "fdtw_prop_string"
	.asciz "fdtw_prop_cells"
	.asciz "fdtw_prop_empty"
	.asciz "fdtw_finish"
	.asciz "pf_putc"
	.asciz "pf_write"
	.asciz "pf_number"
	.asciz "pf_arg_unsigned"
	.asciz "pf_pad"
	.asciz "pf_emit_str"
	.asciz "pf_emit_int"
	.asciz "ev_vsnprintf"
	.asciz "ev_snprintf"
	.asciz "str_copy_fwd"
	.asciz "memcpy"
	.asciz "memmove"
	.asciz "memset"
	.asciz "memcmp"
	.asciz "strlen"
	.asciz "strnlen"
	.asciz "strcmp"
	.asciz "strncmp"
	.asciz "strchr"
	.asciz "strrchr"
	.asciz "vdebug_read"
	.asciz "vdebug_write"
	.asciz "vdebug_attach"
	.asciz "wants_lr"
	.asciz "vgic_irq"
	.asciz "vgic_update"
	.asciz "lr_retire"
	.asciz "lr_fill"
	.asciz "vgic_set_target"
	.asciz "vgic_sync"
	.asciz "vgic_flush"
	.asciz "vgic_vcpu_pending"
	.asciz "vgic_load"
	.asciz "vgic_put"
	.asciz "vgic_maintenance"
	.asciz "vgic_inject_hw_spi"
	.asciz "vgic_inject_hw_ppi"
	.asciz "vgic_irq_is_pending"
	.asciz "vgic_irq_is_active"
	.asciz "vgic_retract_hw_ppi"
	.asciz "vgic_inject_edge"
	.asciz "vgic_set_level"
	.asciz "vgic_send_sgi"
	.asciz "vgic_sysreg"
	.asciz "vgic_regs_access"
	.asciz "vgic_attach"
	.asciz "v2_lr_read"
	.asciz "v2_lr_write"
	.asciz "v2_lr_encode"
	.asciz "v2_lr_state"
	.asciz "v2_load"
	.asciz "v2_put"
	.asciz "v2_set_underflow"
	.asciz "v2_vpmr"
	.asciz "v2_attach"
	.asciz "gicd_access"
	.asciz "gicd_write"
	.asciz "gicd_read"
	.asciz "v3_lr_read"
	.asciz "v3_lr_write"
	.asciz "v3_lr_encode"
	.asciz "v3_lr_state"
	.asciz "v3_load"
	.asciz "v3_put"
	.asciz "v3_set_underflow"
	.asciz "v3_vpmr"
	.asciz "v3_attach"
	.asciz "gicd_access"
	.asciz "gicd_write"
	.asciz "gicd_read"
	.asciz "gicr_access.constprop.0"
	.asciz "gicr_read"
	.asciz "gicr_write"
	.asciz "blk_notify"
	.asciz "blk_config"
	.asciz "blk_release"
	.asciz "virtio_blk_attach"
	.asciz "console_reset"
	.asciz "fill_rx"
	.asciz "drain_tx"
	.asciz "console_config"
	.asciz "console_config_write"
	.asciz "console_notify"
	.asciz "virtio_console_attach"
	.asciz "virtio_console_ready"
	.asciz "virtio_console_rx_room"
	.asciz "virtio_console_input"
	.asciz "config_read"
	.asciz "device_reset"
	.asciz "virtio_read"
	.asciz "virtio_has_feature"
	.asciz "virtio_queue_usable"
	.asciz "virtio_fail"
	.asciz "virtio_write"
	.asciz "virtio_pop"
	.asciz "virtio_push"
	.asciz "virtio_signal"
	.asciz "virtio_mmio_attach"
	.asciz "virtio_slot_mem"
	.asciz "virtio_quiesce"
	.asciz "virtio_release"
	.asciz "net_config"
	.asciz "net_release"
	.asciz "net_tx"
	.asciz "net_notify"
	.asciz "net_deliver"
	.asciz "virtio_net_attach"
	.asciz "rng_notify"
	.asciz "virtio_rng_supported"
	.asciz "virtio_rng_attach"
	.asciz "guest_ram_ptr"
	.asciz "virtq_enable"
	.asciz "virtq_disable"
	.asciz "virtq_has_avail"
	.asciz "virtq_pop"
	.asciz "virtq_push"
	.asciz "virtq_should_interrupt"
	.asciz "virtq_copy_from_chain"
	.asciz "virtq_copy_to_chain"
	.asciz "vpl011_read"
	.asciz "vpl011_write"
	.asciz "vpl011_attach"
	.asciz "vpl011_rx_room"
	.asciz "vpl011_input"
	.asciz "vpsci_smccc"
	.asciz "deliver_to.part.0"
	.asciz "forget_port"
	.asciz "vswitch_attach"
	.asciz "vswitch_detach"
	.asciz "vswitch_tx_drop"
	.asciz "vswitch_forward"
	.asciz "vswitch_print"
	.asciz "vsysreg_id_value"
	.asciz "vsysreg_trap"
	.asciz "expire"
	.asciz "vtimer_irq"
	.asciz "vtimer_sync_slow"
	.asciz "vtimer_due"
	.asciz "vtimer_expired"
	.asciz "vtimer_put"
	.asciz "vtimer_load"
	.asciz "fp_ctx_save"
	.asciz "fp_ctx_restore"
	.asciz "smccc_smc"
	.asciz "smccc_hvc"
	.asciz "el2_vectors"
	.asciz "el2_sp0_trap"
	.asciz "el2_sync"
	.asciz "el2_fiq"
	.asciz "el2_serror"
	.asciz "el2_irq"
	.asciz "guest_sync"
	.asciz "guest_irq"
	.asciz "guest_fiq"
	.asciz "guest_serror"
	.asciz "guest_aarch32"
	.asciz "guest_exit_common"
	.asciz "vcpu_enter"
