/* Round-trip time of one cache line passed between CPU 0 and CPU 1, sampled repeatedly.

   Hogwild training (two workers writing one model) pays this latency whenever both cores
   write the same rows, so it bounds how well a shared-model run can scale; independent
   processes do not pay it. On a virtual machine it depends on where the host places the
   vCPUs at that moment, which can change from one second to the next.

   Build and run (C, because Python has no atomic loads and stores to spin on):
       cc -O2 -pthread benchmarks/core_to_core.c -o /tmp/core_to_core
       /tmp/core_to_core 150 200     # 150 samples, 200 ms apart
   Prints each sample (ns per round trip), then percentiles. Keep the machine otherwise idle. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { TRIPS = 200000 };

/* alone in its 128-byte block, so only the ping-pong moves it */
static _Alignas(128) _Atomic long flag;

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        fprintf(stderr, "core_to_core: cannot run on CPU %d\n", cpu);
        exit(1);
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *pong(void *unused) {
    (void)unused;
    pin(1);
    for (long i = 0; i < TRIPS; i++) {
        while (atomic_load_explicit(&flag, memory_order_acquire) != 2 * i + 1) {
        }
        atomic_store_explicit(&flag, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static double sample(void) {
    pthread_t other;
    atomic_store(&flag, 0);
    pthread_create(&other, NULL, pong, NULL);
    pin(0);
    double t0 = now();
    for (long i = 0; i < TRIPS; i++) {
        atomic_store_explicit(&flag, 2 * i + 1, memory_order_release);
        while (atomic_load_explicit(&flag, memory_order_acquire) != 2 * i + 2) {
        }
    }
    double ns = (now() - t0) / TRIPS * 1e9;
    pthread_join(other, NULL);
    return ns;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 50;
    int gap_ms = argc > 2 ? atoi(argv[2]) : 200;
    if (n < 1 || gap_ms < 0) {
        fprintf(stderr, "usage: core_to_core [samples >= 1] [ms between samples >= 0]\n");
        return 2;
    }
    double *ns = malloc(n * sizeof *ns);
    for (int i = 0; i < n; i++) {
        ns[i] = sample();
        printf("%.0f\n", ns[i]);
        fflush(stdout);
        struct timespec gap = {gap_ms / 1000, (gap_ms % 1000) * 1000000L};
        nanosleep(&gap, NULL);
    }
    qsort(ns, n, sizeof *ns, by_value);
    int slow = 0;
    for (int i = 0; i < n; i++)
        slow += ns[i] > 2.5 * ns[n / 2];
    printf("round trip, ns: p5 %.0f, median %.0f, p95 %.0f; %d of %d samples above 2.5x the median\n",
           ns[n / 20], ns[n / 2], ns[n - 1 - n / 20], slow, n);
    free(ns);
    return 0;
}
