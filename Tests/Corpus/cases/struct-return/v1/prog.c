/* a function returning a struct by value changes one field. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

struct point { long x, y, z; };

static volatile long input = 4;
static volatile long seen_x, seen_y, seen_z;

__attribute__((noinline)) struct point make_point(long v) {
    struct point p = {v, v * 2, v * 3};
    return p;
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
        struct point p = make_point(input);
        seen_x = p.x;
        seen_y = p.y;
        seen_z = p.z;
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("point=%ld,%ld,%ld\n", seen_x, seen_y, seen_z);
        usleep(10000);
    }
}
