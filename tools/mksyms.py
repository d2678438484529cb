#!/usr/bin/python3
"""Turn `nm -n` output of the first link pass into an assembly symbol table.

Layout (all little endian, offsets relative to the image base, which is link address 0):
  u64 count; then count x { u32 offset; u32 name_offset }; then NUL-terminated names.
Only text symbols are kept: the table exists to symbolize return addresses."""
import sys

syms = []
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 3:
        continue
    addr, kind, name = parts
    if kind not in "tT" or name.startswith("$") or name.startswith(".L"):
        continue
    syms.append((int(addr, 16), name))

print('\t.section .syms, "a"')
print("\t.balign 8")
print("\t.quad %d" % len(syms))
off = 0
for addr, name in syms:
    print("\t.word 0x%x, %d" % (addr, off))
    off += len(name) + 1
for _, name in syms:
    print('\t.asciz "%s"' % name)
