/* elvisorctl: the control VM's command line for the hypervisor (docs/control.md). Sends one
 * request line over the control channel, a virtio console the guest's init links to
 * /dev/elvisor-control, and prints the reply until its closing empty line. Exit status 0 when
 * the reply is "ok", 1 for an error reply, 2 when the channel is missing or silent.
 *
 *   elvisorctl list | log | stats NAME | start NAME | stop NAME | reset NAME | pause NAME | resume NAME
 *
 * Built static for aarch64 Linux with the cross toolchain's libc (Makefile: build/tools/elvisorctl). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CHANNEL "/dev/elvisor-control"

static int usage(void)
{
    fprintf(stderr, "usage: elvisorctl list | log | stats NAME | start|stop|reset|pause|resume NAME\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        return usage();
    char req[160];
    int len = snprintf(req, sizeof(req), "%s%s%s\n", argv[1], argc == 3 ? " " : "", argc == 3 ? argv[2] : "");
    if (len <= 0 || (size_t)len >= sizeof(req)) {
        fprintf(stderr, "elvisorctl: request too long\n");
        return 2;
    }
    const char *path = getenv("ELVISOR_CONTROL") ? getenv("ELVISOR_CONTROL") : CHANNEL;
    int fd = open(path, O_RDWR | O_NOCTTY);
    if (fd < 0) {
        fprintf(stderr, "elvisorctl: %s: %s (is this the control VM?)\n", path, strerror(errno));
        return 2;
    }
    /* Raw: no echo of the reply back into the channel, no line editing, no CR/LF translation;
     * a read returns what came within 3 s. */
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 30;
        tcsetattr(fd, TCSANOW, &t);
    }
    tcflush(fd, TCIFLUSH); /* the rest of an earlier reply nobody read */
    if (write(fd, req, (size_t)len) != len) {
        fprintf(stderr, "elvisorctl: %s: write: %s\n", path, strerror(errno));
        return 2;
    }
    /* The reply: "ok" or "error: ...", data lines, an empty line. */
    char buf[8192];
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (n <= 0) {
            fprintf(stderr, "elvisorctl: no complete reply from the hypervisor\n");
            return 2;
        }
        have += (size_t)n;
        buf[have] = 0;
        char *end = strstr(buf, "\n\n");
        if (end) {
            end[1] = 0;
            break;
        }
        if (have == sizeof(buf) - 1) {
            fprintf(stderr, "elvisorctl: reply too long\n");
            return 2;
        }
    }
    if (!strncmp(buf, "ok\n", 3)) {
        fputs(buf + 3, stdout);
        return 0;
    }
    fprintf(stderr, "elvisorctl: %s", strncmp(buf, "error: ", 7) ? buf : buf + 7);
    return 1;
}
