#!/usr/bin/env python3
"""Checks that the hypervisor's layers depend only downwards (docs/architecture.md, "Layers"):
every #include in a directory's C and header files names its own layer or one below it.

    lib/  <  arch/aarch64/  <  drivers/  <  core/  <  vdev/

lib/ may also use arch's header-only CPU primitives (ARCH_PRIMITIVES). Run by `make lint`;
prints one line per offending include and exits 1 if there is any."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDER = ["lib", "arch/aarch64", "drivers", "core", "vdev"]
# Header-only primitives of the CPU (barriers, cpu_relax, system-register access) that lib/
# (spinlocks) may use although arch/ is above it.
ARCH_PRIMITIVES = {"arch/aarch64/sysreg.h", "arch/aarch64/config.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    for i, d in enumerate(ORDER):
        if path.startswith(d + "/"):
            return i
    return None


def main():
    bad = []
    for i, d in enumerate(ORDER):
        for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
            for f in sorted(files):
                if not f.endswith((".c", ".h", ".S")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
                text = open(os.path.join(ROOT, rel), encoding="utf-8").read()
                for inc in INCLUDE.findall(text):
                    j = layer_of(inc)
                    if j is None or j <= i:
                        continue
                    if d == "lib" and inc in ARCH_PRIMITIVES:
                        continue
                    bad.append("%s includes %s: %s may not depend on %s" % (rel, inc, d, ORDER[j]))
    for line in bad:
        print("layers: " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
