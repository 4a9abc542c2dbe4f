/* two functions change in one patch. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int input = 7;
static volatile int seen_first, seen_second;

__attribute__((noinline)) int first(int x) { return x + 10; }
__attribute__((noinline)) int second(int x) { return x * 20; }
__attribute__((noinline)) int third(int x) { return x - 1; }

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
        seen_first = first(input);
        seen_second = second(third(input));
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("first=%d second=%d\n", seen_first, seen_second);
        usleep(10000);
    }
}
