/* a switch with a jump table; the fix changes one case. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 3;
static volatile int observed;

__attribute__((noinline)) int weekday_hours(int day) {
    switch (day) {
    case 0: return 0;
    case 1: return 8;
    case 2: return 9;
    case 3: return 7;
    case 4: return 6;
    case 5: return 4;
    case 6: return 2;
    default: return -1;
    }
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
        observed = weekday_hours(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("hours=%d\n", observed);
        usleep(10000);
    }
}
