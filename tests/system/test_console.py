"""The hypervisor console: input goes to the focused VM; Ctrl-a three times moves the focus."""
from qemu import Qemu, machine_args, BUILD


def test_input_focus_moves_between_vms():
    img = "%s/tests/configs/console.img" % BUILD
    with Qemu("console-focus", machine_args(gic=3, smp=3), kernel=img) as q:
        q.wait_for(r"\[left\] echo: ready")
        q.wait_for(r"\[right\] echo: ready")
        q.send("hello\r")
        q.wait_for(r"\[left\] echo: hello")
        q.send("\x01\x01\x01")
        q.wait_for(r"\* right +running")
        q.wait_for(r"input now goes to VM 'right'")
        q.send("world\r")
        q.wait_for(r"\[right\] echo: world")
        # One or two Ctrl-a's are passed on to the VM, not eaten.
        q.send("\x01x\r")
        q.wait_for(r"\[right\] echo: \.x")
        assert "[left] echo: world" not in q.output()
