/* the fix adds a second function-static of the same name above the first: gcc renumbers them. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile long last_ticket;
static volatile long spare_ticket;
static long high_water;
static int reset_seen;

static void continue_waiting(void) { printf("warming up\n"); }

__attribute__((noinline)) long next_ticket(void) {
    static long tickets;
    return __atomic_add_fetch(&tickets, 1, __ATOMIC_RELAXED) * 10;
}

/* Work outside the function under test, as a real program has, with a short pause every 64 calls
   so the many programs of a corpus run leave the machine usable. Its count lives in memory: a
   value kept in a register across the call would make the caller depend on the callee's
   register use (gcc's -fipa-ra), a different case. */
__attribute__((noinline)) static void other_work(void) {
    static unsigned calls;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % 64 == 0) usleep(50);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        last_ticket = next_ticket();
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        long seen = last_ticket;
        if (seen < high_water / 2) reset_seen = 1;
        if (seen > high_water) high_water = seen;
        if (high_water < 200000) continue_waiting();
        else printf("ticket-mod=%ld continuity=%s spare=%ld\n", seen % 10, reset_seen ? "RESET" : "ok", spare_ticket);
        spare_ticket = 0; /* what the running code wrote since the last line, so a revert shows */
        usleep(10000);
    }
}
