/*
 * The workload of the bench `trace` suite. Usage: lseek-workload N RATE CPU.
 * Pins itself to CPU, prints "pid P" and waits for one line on stdin (the tracer is ready), then makes N lseek(2)
 * calls on /dev/null, call i with whence = SEEK_CUR (1) when i is even and SEEK_SET (0) when odd, so ceil(N/2)
 * calls match `whence == 1`; paced at RATE calls per second (absolute deadlines every 64 calls), or flat out when
 * RATE is 0. Prints "done N ELAPSED_NS" (wall clock, CLOCK_MONOTONIC, first call to last) and exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: lseek-workload N RATE CPU\n");
    return 2;
  }
  long long n = atoll(argv[1]);
  long long rate = atoll(argv[2]);
  int cpu = atoi(argv[3]);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
  int fd = open("/dev/null", O_RDONLY);
  if (fd < 0) {
    perror("open /dev/null");
    return 1;
  }
  printf("pid %d\n", (int)getpid());
  fflush(stdout);
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) return 1;
  long long t0 = now_ns();
  for (long long i = 0; i < n; i++) {
    if (rate > 0 && (i & 63) == 0) {
      long long due = t0 + (long long)((double)i * 1e9 / (double)rate);
      struct timespec ts = {due / 1000000000LL, due % 1000000000LL};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    lseek(fd, 0, (i & 1) ? SEEK_SET : SEEK_CUR);
  }
  long long el = now_ns() - t0;
  printf("done %lld %lld\n", n, el);
  fflush(stdout);
  return 0;
}
