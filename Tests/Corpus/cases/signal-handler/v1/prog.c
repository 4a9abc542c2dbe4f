/* a signal handler's helper changes; the handler runs on every SIGALRM. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t last_tick;
static volatile int input = 4;

__attribute__((noinline)) int tick_value(int x) { return x * 10; }

static void on_alarm(int signal) {
    (void)signal;
    last_tick = tick_value(input);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction action = {0};
    action.sa_handler = on_alarm;
    action.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &action, NULL);
    struct itimerval every = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &every, NULL);
    for (;;) {
        printf("tick=%d\n", (int)last_tick);
        usleep(10000);
    }
}
