/*
 * tfc tracepoint firer: a long-running process that hits syscalls:sys_enter_lseek and task:task_rename with
 * values it is told, one command per stdin line, so that tfc's tracepoint programs and the kernel's own event
 * filter judge the same hits.
 * Invariants: commands run in order; every command's reply line is written only after its tracepoint hits have
 * happened (so they are committed to ring buffers and counters when the reply is read); the process never fires
 * anything it was not asked to, apart from the comm/affinity/oom_score_adj set-up a command names (prctl,
 * sched_setaffinity, writes under /proc — none of them is an lseek); the first line is
 * "ready PID THREAD_TID", THREAD_TID being a helper thread of this process that only sleeps, whose comm
 * `R ... thread` renames write through /proc (so task_rename's pid differs from common_pid).
 *
 * Commands (numbers decimal, NAME as hex bytes or "-" for "unchanged"):
 *   L CPU COMM FD OFFSET WHENCE    comm := COMM, pin to CPU (-1: any), syscall(SYS_lseek, FD, OFFSET, WHENCE)
 *   R CPU TARGET OOM NAME          oom_score_adj := OOM, pin, rename TARGET (self: prctl(PR_SET_NAME); thread:
 *                                  write NAME to /proc/self/task/THREAD_TID/comm)
 *   B CPU N K (FD OFFSET WHENCE)xK pin, then N lseeks cycling through the K argument triples; replies
 *                                  "t NANOSECONDS": the thread's CPU time (CLOCK_THREAD_CPUTIME_ID, user +
 *                                  system) for the loop, which leaves out time the firer spent preempted
 *   Q                              exit
 * Replies: "k" (done), "t NS" (bench), "e MESSAGE" (a set-up step failed; nothing was fired).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pid_t thread_tid;

static void *sleeper(void *arg)
{
	(void)arg;
	thread_tid = (pid_t)syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

static int pin(long cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (cpu < 0) {
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	} else
		CPU_SET((int)cpu, &set);
	return sched_setaffinity(0, sizeof set, &set);
}

static int unhex(const char *h, char *out, size_t max)
{
	size_t n = strlen(h);
	if (n % 2 != 0 || n / 2 >= max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (char)v;
	}
	out[n / 2] = 0;
	return (int)(n / 2);
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -1;
}

static void reply(const char *s)
{
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void fail(const char *what)
{
	char buf[256];
	snprintf(buf, sizeof buf, "e %s: %s", what, strerror(errno));
	reply(buf);
}

static int set_comm(const char *hex)
{
	char name[64];
	if (strcmp(hex, "-") == 0)
		return 0;
	if (unhex(hex, name, sizeof name) < 0) {
		errno = EINVAL;
		return -1;
	}
	return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

int main(void)
{
	static char line[1 << 16];
	pthread_t t;
	if (pthread_create(&t, NULL, sleeper, NULL) != 0)
		return 1;
	while (__atomic_load_n(&thread_tid, __ATOMIC_SEQ_CST) == 0)
		usleep(100);
	printf("ready %d %d\n", (int)getpid(), (int)thread_tid);
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL) {
		char *save = NULL;
		char *op = strtok_r(line, " \n", &save);
		if (op == NULL)
			continue;
		if (strcmp(op, "Q") == 0)
			break;
		if (strcmp(op, "L") == 0) {
			char *cpu = strtok_r(NULL, " \n", &save), *comm = strtok_r(NULL, " \n", &save);
			char *fd = strtok_r(NULL, " \n", &save), *off = strtok_r(NULL, " \n", &save);
			char *wh = strtok_r(NULL, " \n", &save);
			if (wh == NULL) {
				errno = EINVAL;
				fail("L arguments");
				continue;
			}
			if (pin(strtol(cpu, NULL, 10)) != 0) {
				fail("sched_setaffinity");
				continue;
			}
			if (set_comm(comm) != 0) {
				fail("PR_SET_NAME");
				continue;
			}
			syscall(SYS_lseek, strtoull(fd, NULL, 10), strtoull(off, NULL, 10), strtoull(wh, NULL, 10));
			reply("k");
		} else if (strcmp(op, "R") == 0) {
			char *cpu = strtok_r(NULL, " \n", &save), *target = strtok_r(NULL, " \n", &save);
			char *oom = strtok_r(NULL, " \n", &save), *hex = strtok_r(NULL, " \n", &save);
			char name[64];
			int len;
			if (hex == NULL || (len = unhex(hex, name, sizeof name)) < 0) {
				errno = EINVAL;
				fail("R arguments");
				continue;
			}
			if (pin(strtol(cpu, NULL, 10)) != 0) {
				fail("sched_setaffinity");
				continue;
			}
			if (write_file("/proc/self/oom_score_adj", oom, strlen(oom)) != 0) {
				fail("oom_score_adj");
				continue;
			}
			if (strcmp(target, "thread") == 0) {
				char path[64];
				snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)thread_tid);
				if (write_file(path, name, (size_t)len) != 0) {
					fail("thread comm");
					continue;
				}
			} else if (prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0) != 0) {
				fail("PR_SET_NAME");
				continue;
			}
			reply("k");
		} else if (strcmp(op, "B") == 0) {
			long cpu = strtol(strtok_r(NULL, " \n", &save), NULL, 10);
			long n = strtol(strtok_r(NULL, " \n", &save), NULL, 10);
			long k = strtol(strtok_r(NULL, " \n", &save), NULL, 10);
			unsigned long args[64][3];
			if (k < 1 || k > 64 || n < 1) {
				errno = EINVAL;
				fail("B arguments");
				continue;
			}
			for (long i = 0; i < k; i++)
				for (int j = 0; j < 3; j++) {
					char *a = strtok_r(NULL, " \n", &save);
					args[i][j] = a ? strtoull(a, NULL, 10) : 0;
				}
			if (pin(cpu) != 0) {
				fail("sched_setaffinity");
				continue;
			}
			struct timespec a, b;
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
			for (long i = 0, j = 0; i < n; i++) {
				syscall(SYS_lseek, args[j][0], args[j][1], args[j][2]);
				if (++j == k)
					j = 0;
			}
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
			char buf[64];
			snprintf(buf, sizeof buf, "t %lld",
				 (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
			reply(buf);
		} else {
			errno = EINVAL;
			fail("unknown command");
		}
	}
	return 0;
}
