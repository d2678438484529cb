"""A fault on a guest-controlled AT walk is an abort injected into that guest, never a
hypervisor crash (issue 13 item 15): tests/guests/atwalk.c points its stage 1 tables outside
its RAM while elvisor fetches an ISV=0 instruction through them."""
import pytest

from qemu import Qemu, machine_args, BUILD


@pytest.mark.parametrize("cpu", ["max", "cortex-a72"])
def test_bad_guest_tables_during_at_walk_inject_an_abort(cpu):
    img = "%s/tests/configs/atwalk.img" % BUILD
    with Qemu("atwalk-%s" % cpu, machine_args(gic=3, cpu=cpu, smp=2), kernel=img) as q:
        m = q.wait_for(r"\[atwalk\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        assert int(m.group(1)) == 0, "\n".join(l for l in out.splitlines() if "FAIL" in l)
        assert "TEST alias_emulated: PASS" in out and "TEST bad_tables_abort_injected: PASS" in out
        assert "from an instruction elvisor cannot fetch" in out
        assert "HYPERVISOR CRASH" not in out


def test_external_abort_on_the_walk_is_a_failed_walk():
    """The walk itself takes a synchronous external abort (its table where nothing answers):
    QEMU takes it as a data abort at EL2; the fixup in the EL2 vector turns it into a failed
    walk (before the fixup: the crash report and power-off). Boot then goes on."""
    with Qemu("atwalk-sea", machine_args(gic=3, smp=2) + ["-append", "elvisor.at_walk_test"]) as q:
        q.expect(r"AT walk test requested by bootargs", timeout=60)
        q.expect(r"elvisor: AT walk test: the walk failed, as it must", timeout=30)
        q.expect(r"CPUs online", timeout=60)
        assert "HYPERVISOR CRASH" not in q.output()
