/* A minimal MCP client over pipes for the `tools/call` benchmark: no SDK,
 * no JSON parser, so what it measures is the server plus two pipe hops.
 *
 *   raw_client N MODE -- SERVER [ARGS...]
 *
 * Spawns SERVER with pipes for stdin and stdout, sends `initialize` and
 * `notifications/initialized`, then N `tools/call` of `echo_tool` with
 * {"message": "hi"}:
 *   MODE one:  one at a time (write a request, read its answer line); prints
 *              the p50, p90 and p99 of the round trips (CLOCK_MONOTONIC);
 *   MODE pipe: all N written at once into pipes enlarged to hold them all
 *              (N <= 8000), then the answers read; prints the elapsed time
 *              per call (the server's throughput, with no client waits in
 *              between).
 * Both print the server's CPU time per call (user + system, getrusage of
 * the child after it exits, so also its start and the warm-up calls).
 * Each answer must hold `"id":K` of its request and `structuredContent`
 * (else exit 1), so a failing server cannot look fast.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static FILE *from_server;
static int to_server;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void put(const char *s) {
  size_t n = strlen(s);
  while (n) {
    ssize_t w = write(to_server, s, n);
    if (w <= 0) { perror("write"); exit(1); }
    s += w;
    n -= (size_t)w;
  }
}

static char *line;
static size_t cap;

/* Reads the answer to request `id` (any id when `any`: pipelined answers
 * may come in any order), checking it. */
static void answer(long id, int call, int any) {
  if (getline(&line, &cap, from_server) <= 0) { fprintf(stderr, "server closed\n"); exit(1); }
  char want[32];
  snprintf(want, sizeof want, "\"id\":%ld", id);
  if (any) snprintf(want, sizeof want, "\"id\":");
  if (!strstr(line, want) || (call && !strstr(line, "\"structuredContent\""))) {
    fprintf(stderr, "unexpected answer to %ld: %s", id, line);
    exit(1);
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static const char *call_fmt =
    "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\","
    "\"params\":{\"name\":\"echo_tool\",\"arguments\":{\"message\":\"hi\"}}}\n";

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--")) {
    fprintf(stderr, "usage: raw_client N one|pipe -- SERVER [ARGS...]\n");
    return 2;
  }
  long n = atol(argv[1]);
  int pipelined = !strcmp(argv[2], "pipe");
  int in[2], out[2];
  if (pipe(in) || pipe(out)) { perror("pipe"); return 1; }
  if (pipelined) {
    if (n > 8000) { fprintf(stderr, "pipe: at most 8000 calls\n"); return 2; }
    /* 1 MiB each way: every request and every answer fits, nobody waits. */
    if (fcntl(in[1], F_SETPIPE_SZ, 1 << 20) < 0 || fcntl(out[1], F_SETPIPE_SZ, 1 << 20) < 0) {
      perror("F_SETPIPE_SZ");
      return 1;
    }
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]); close(in[1]); close(out[0]); close(out[1]);
    execvp(argv[4], argv + 4);
    perror("exec");
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  to_server = in[1];
  from_server = fdopen(out[0], "r");
  put("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
      "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
      "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}\n");
  answer(0, 0, 0);
  put("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
  /* A few calls first, so the first measured one finds everything warm. */
  char req[256];
  for (long i = 1; i <= 100; ++i) {
    snprintf(req, sizeof req, call_fmt, -i);
    put(req);
    answer(-i, 1, 0);
  }
  if (!pipelined) {
    double *t = malloc(sizeof(double) * (size_t)n);
    for (long i = 1; i <= n; ++i) {
      snprintf(req, sizeof req, call_fmt, i);
      double t0 = now_us();
      put(req);
      answer(i, 1, 0);
      t[i - 1] = now_us() - t0;
    }
    qsort(t, (size_t)n, sizeof(double), cmp);
    printf("one at a time: %ld calls, p50 %.1f us, p90 %.1f us, p99 %.1f us\n", n,
           t[n / 2], t[n * 90 / 100], t[n * 99 / 100]);
  } else {
    size_t len = 0;
    char *all = malloc((size_t)n * 160);
    for (long i = 1; i <= n; ++i) len += (size_t)sprintf(all + len, call_fmt, i);
    double t0 = now_us();
    put(all);
    for (long i = 1; i <= n; ++i) answer(i, 1, 1);
    double el = now_us() - t0;
    printf("pipelined: %ld calls in %.1f ms, %.1f us a call\n", n, el / 1e3, el / n);
  }
  close(to_server);
  int status;
  waitpid(pid, &status, 0);
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  double cpu = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 +
               ru.ru_stime.tv_usec;
  printf("server CPU: %.1f ms in all, %.1f us a call (of %ld, with start and 100 warm-up calls)\n",
         cpu / 1e3, cpu / (n + 100), n + 100);
  return 0;
}
