/*
 * Runs a tracer for the bench `trace` suite and reports the CPU time of its whole process tree.
 * Usage: rusage-run [--netns PATH] CMD ARGS...
 * With --netns it enters that network namespace (setns, network only: mounts and tracefs stay as they are), then
 * forks and execs CMD. SIGINT and SIGTERM received by rusage-run are passed on to CMD. When CMD has exited, it
 * prints "rusage USER_US SYS_US" to stderr: getrusage(RUSAGE_CHILDREN), i.e. CMD and every descendant CMD waited
 * for, threads included; and exits with CMD's status (128+signal when killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child = -1;

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

int main(int argc, char **argv) {
  int i = 1;
  if (i + 1 < argc && strcmp(argv[i], "--netns") == 0) {
    int fd = open(argv[i + 1], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      perror("rusage-run: setns");
      return 125;
    }
    close(fd);
    i += 2;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: rusage-run [--netns PATH] CMD ARGS...\n");
    return 125;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  pid_t p = fork();
  if (p < 0) {
    perror("rusage-run: fork");
    return 125;
  }
  if (p == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execvp(argv[i], argv + i);
    perror("rusage-run: exec");
    _exit(127);
  }
  child = p;
  int status = 0;
  while (waitpid(p, &status, 0) < 0) {
    if (errno != EINTR) {
      perror("rusage-run: waitpid");
      return 125;
    }
  }
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  fprintf(stderr, "rusage %lld %lld\n", (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
          (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
