/* The classifier the parity service calls for every number: the function hotpatch replaces.
 * It lives in its own translation unit (classify_v1.c or classify_v2.c) so the compiler cannot
 * inline it into the loop in parity.c: the loop always makes a real call to is_even. */
#ifndef PARITY_CLASSIFY_H
#define PARITY_CLASSIFY_H

/* 1 when n is even, 0 when it is odd (v1 gets some odd numbers wrong). */
int is_even(unsigned long n);

#endif
