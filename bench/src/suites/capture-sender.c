/*
 * The capture suite's workload: UDP datagrams to a closed port on the loopback of a private network namespace,
 * so each one is dropped by UDP's receive path (NO_SOCKET: one skb:kfree_skb hit) in the sender's own context.
 * Protocol: argv[1] = CPU to pin to, argv[2] = destination port. On start it leaves the caller's network namespace
 * (unshare CLONE_NEWNET), sets lo up and prints "ready PID". Then per stdin line "N" it sends N datagrams (sendmmsg,
 * 64 per call) and prints "WALL_NS CPU_NS SENT" (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID); "q" or EOF ends it.
 * Invariants: never sends outside its own namespace (the namespace dies with the process); every failure is a
 * line "error ..." and exit status 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static long long now(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int fail(const char *what) {
  printf("error %s: %s\n", what, strerror(errno));
  fflush(stdout);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) return fail("usage: capture-sender CPU PORT");
  int cpu = atoi(argv[1]);
  int port = atoi(argv[2]);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) return fail("sched_setaffinity");
  if (unshare(CLONE_NEWNET) != 0) return fail("unshare(CLONE_NEWNET)");
  int ctl = socket(AF_INET, SOCK_DGRAM, 0);
  if (ctl < 0) return fail("socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(ctl, SIOCGIFFLAGS, &ifr) != 0) return fail("SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(ctl, SIOCSIFFLAGS, &ifr) != 0) return fail("SIOCSIFFLAGS lo");
  close(ctl);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return fail("socket");
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short)port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  static char payload[16] = "tfc-capture-ben";
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = payload;
    iov[i].iov_len = sizeof payload;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
  }
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  char line[64];
  while (fgets(line, sizeof line, stdin) != NULL) {
    if (line[0] == 'q') break;
    long n = atol(line);
    long sent = 0;
    long long w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
    while (sent < n) {
      int k = n - sent < BATCH ? (int)(n - sent) : BATCH;
      int r = sendmmsg(s, msgs, (unsigned)k, 0);
      if (r < 0) {
        if (errno == EINTR || errno == ECONNREFUSED) continue;
        return fail("sendmmsg");
      }
      sent += r;
    }
    long long c1 = now(CLOCK_THREAD_CPUTIME_ID), w1 = now(CLOCK_MONOTONIC);
    printf("%lld %lld %ld\n", w1 - w0, c1 - c0, sent);
    fflush(stdout);
  }
  return 0;
}
