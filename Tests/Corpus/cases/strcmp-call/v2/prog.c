/* the changed function calls strcmp and strchr. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <string.h>

static const char *volatile input = "alpha=1";
static volatile int observed;

__attribute__((noinline)) int classify(const char *s) {
    if (strchr(s, '=') == NULL) return 0;
    return strcmp(s, "alpha=1") == 0 ? 3 : 2;
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
        observed = classify(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("classify=%d\n", observed);
        usleep(10000);
    }
}
