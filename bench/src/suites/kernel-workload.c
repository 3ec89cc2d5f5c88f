/*
 * The kernel suite's workload: one process, pinned to one CPU, in a private network namespace, that makes the
 * hits the suite times, in tight loops timed by its thread CPU clock.
 *   L N K V1..VK   N lseek(1000, V, SEEK_SET) calls cycling through the K offsets (fd 1000 is never open: each call
 *                  fails fast with EBADF after its syscalls:sys_enter_lseek hit)
 *   G N            N getppid() calls (a syscall that is not lseek: what lseek filters cost the hits they pass over)
 *   P N K V1..VK   N Ethernet frames with ethertypes V1..VK in turn, sent on the namespace's loopback through an
 *                  AF_PACKET socket (sendmmsg, 64 a call): no protocol handler takes them, so each is dropped in
 *                  the receive path (one skb:kfree_skb hit, reason UNHANDLED_PROTO, protocol = the ethertype),
 *                  in this thread's context (loopback's receive softirq runs when the send re-enables BHs)
 *   Q              exit
 * Replies: "ready PID" once set up; per loop "t NS" (CLOCK_THREAD_CPUTIME_ID, user + system, softirq time run in
 * this thread included on kernels without IRQ time accounting); "e MESSAGE" when a step fails (nothing timed).
 * Invariants: argv[1] = the CPU to pin to; never sends outside its own namespace (which dies with it); at most 64
 * values a loop; nothing is fired but what a command asks for.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAXV 64
#define BATCH 64
#define FRAME 60

static long long cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void reply_error(const char *what) {
  printf("e %s: %s\n", what, strerror(errno));
  fflush(stdout);
}

static void reply_time(long long ns) {
  printf("t %lld\n", ns);
  fflush(stdout);
}

static int lo_up(void) {
  int ctl = socket(AF_INET, SOCK_DGRAM, 0);
  if (ctl < 0) return -1;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  int r = ioctl(ctl, SIOCGIFFLAGS, &ifr);
  if (r == 0) {
    ifr.ifr_flags |= IFF_UP;
    r = ioctl(ctl, SIOCSIFFLAGS, &ifr);
  }
  close(ctl);
  return r;
}

/* Reads "N K V1..VK" after the command letter; 0 when well formed. */
static int parse_values(char **save, long *n, long *k, unsigned long long *v) {
  char *a = strtok_r(NULL, " \n", save), *b = strtok_r(NULL, " \n", save);
  if (a == NULL || b == NULL) return -1;
  *n = strtol(a, NULL, 10);
  *k = strtol(b, NULL, 10);
  if (*n < 1 || *k < 1 || *k > MAXV) return -1;
  for (long i = 0; i < *k; i++) {
    char *x = strtok_r(NULL, " \n", save);
    if (x == NULL) return -1;
    v[i] = strtoull(x, NULL, 10);
  }
  return 0;
}

static long long lseek_loop(long n, long k, const unsigned long long *v) {
  long long t0 = cpu_ns();
  for (long i = 0, j = 0; i < n; i++) {
    syscall(SYS_lseek, 1000, v[j], 0);
    if (++j == k) j = 0;
  }
  return cpu_ns() - t0;
}

static long long getppid_loop(long n) {
  long long t0 = cpu_ns();
  for (long i = 0; i < n; i++) syscall(SYS_getppid);
  return cpu_ns() - t0;
}

static unsigned char frames[MAXV][FRAME];
static struct iovec iov[BATCH];
static struct mmsghdr msgs[BATCH];

/* n frames through `s` to `to`, ethertypes cycling through v; -1 on a send error. */
static long long packet_loop(int s, struct sockaddr_ll *to, long n, long k, const unsigned long long *v) {
  for (long j = 0; j < k; j++) {
    memset(frames[j], 0, FRAME);
    frames[j][12] = (unsigned char)(v[j] >> 8);
    frames[j][13] = (unsigned char)v[j];
  }
  memset(msgs, 0, sizeof msgs);
  long long t0 = cpu_ns();
  long sent = 0, next = 0;
  while (sent < n) {
    int b = n - sent < BATCH ? (int)(n - sent) : BATCH;
    for (int i = 0; i < b; i++) {
      iov[i].iov_base = frames[(next + i) % k];
      iov[i].iov_len = FRAME;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = to;
      msgs[i].msg_hdr.msg_namelen = sizeof *to;
    }
    int r = sendmmsg(s, msgs, (unsigned)b, 0);
    if (r < 0) {
      if (errno == EINTR || errno == ENOBUFS) continue;
      return -1;
    }
    sent += r;
    next += r;
  }
  return cpu_ns() - t0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    errno = EINVAL;
    reply_error("usage: kernel-workload CPU");
    return 1;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(atoi(argv[1]), &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    reply_error("sched_setaffinity");
    return 1;
  }
  if (unshare(CLONE_NEWNET) != 0 || lo_up() != 0) {
    reply_error("private network namespace");
    return 1;
  }
  int s = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: sends only, receives nothing */
  if (s < 0) {
    reply_error("socket(AF_PACKET)");
    return 1;
  }
  struct sockaddr_ll to;
  memset(&to, 0, sizeof to);
  to.sll_family = AF_PACKET;
  to.sll_ifindex = (int)if_nametoindex("lo");
  to.sll_halen = ETH_ALEN;
  if (to.sll_ifindex == 0) {
    reply_error("if_nametoindex(lo)");
    return 1;
  }
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  static char line[4096];
  unsigned long long v[MAXV];
  while (fgets(line, sizeof line, stdin) != NULL) {
    char *save = NULL;
    char *op = strtok_r(line, " \n", &save);
    long n = 0, k = 0;
    if (op == NULL) continue;
    if (strcmp(op, "Q") == 0) break;
    if (strcmp(op, "G") == 0) {
      char *a = strtok_r(NULL, " \n", &save);
      n = a == NULL ? 0 : strtol(a, NULL, 10);
      if (n < 1) {
        errno = EINVAL;
        reply_error("G arguments");
      } else
        reply_time(getppid_loop(n));
    } else if (strcmp(op, "L") == 0 || strcmp(op, "P") == 0) {
      if (parse_values(&save, &n, &k, v) != 0) {
        errno = EINVAL;
        reply_error("loop arguments");
        continue;
      }
      long long t = op[0] == 'L' ? lseek_loop(n, k, v) : packet_loop(s, &to, n, k, v);
      if (t < 0)
        reply_error("sendmmsg");
      else
        reply_time(t);
    } else {
      errno = EINVAL;
      reply_error("unknown command");
    }
  }
  return 0;
}
