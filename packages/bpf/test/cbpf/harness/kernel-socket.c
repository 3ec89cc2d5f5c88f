/* Kernel oracle for classic BPF: reads a program in tcpdump -ddd form on stdin, attaches it with SO_ATTACH_FILTER
 * to the receiving end of an AF_UNIX datagram socketpair (one fresh pair per packet), sends each hex packet given
 * as an argument and prints what the kernel delivered: the received length (the filter's return value capped at
 * the packet length) or -1 when the filter dropped the packet. Prints "EINVAL <errno>" and exits 0 when the kernel
 * refuses the program. All descriptors are closed before exit.
 * Build: gcc -O1 -o kernel-socket kernel-socket.c */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/filter.h>

int main(int argc, char **argv) {
  int n;
  if (scanf("%d", &n) != 1 || n < 0 || n > 65536) return 2;
  struct sock_filter *p = calloc(n ? n : 1, sizeof *p);
  for (int i = 0; i < n; i++) {
    unsigned c, t, f, k;
    if (scanf("%u %u %u %u", &c, &t, &f, &k) != 4) return 3;
    p[i].code = c; p[i].jt = t; p[i].jf = f; p[i].k = k;
  }
  struct sock_fprog fp = { (unsigned short)n, p };
  int a = 1;
  do {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0) return 4;
    if (setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) < 0) {
      printf("EINVAL %d\n", errno);
      close(sv[0]); close(sv[1]);
      return 0;
    }
    if (a < argc) {
      size_t len = strlen(argv[a]) / 2;
      unsigned char buf[65536], got[65536];
      for (size_t i = 0; i < len && i < sizeof buf; i++) sscanf(argv[a] + 2 * i, "%2hhx", &buf[i]);
      if (send(sv[0], buf, len, 0) < 0) return 5;
      ssize_t r = recv(sv[1], got, sizeof got, MSG_DONTWAIT);
      printf("%zd\n", r);
    } else {
      printf("OK\n");
    }
    close(sv[0]); close(sv[1]);
    a++;
  } while (a < argc);
  free(p);
  return 0;
}
