/* the changed function uses setjmp/longjmp within itself. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <setjmp.h>

static volatile int input = 5;
static volatile int observed;

__attribute__((noinline)) static void bail(jmp_buf *env, int code) { longjmp(*env, code); }

__attribute__((noinline)) int guarded(int x) {
    jmp_buf env;
    int code = setjmp(env);
    if (code != 0) return code * 11;
    if (x > 3) bail(&env, x);
    return 0;
}

/* Work outside the function under test between calls, as a real program has. */
__attribute__((noinline)) static void other_work(void) {
    for (volatile int i = 0; i < 100; i++) {
    }
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        observed = guarded(input);
        other_work();
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (;;) {
        printf("guarded=%d\n", observed);
        usleep(10000);
    }
}
