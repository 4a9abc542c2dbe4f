/* is_even, version 1: the build running in production, with the bug.
 * Bit k of the mask says whether a number whose two low bits are k is even. The mask should be
 * 0x5 (0b0101: residues 0 and 2), but it is 0xD (0b1101): residue 3 is called even too, so one
 * odd number in two is reported even (a quarter of all numbers misclassified).
 * Written this way so that v1 and v2 compile to the same instructions except one immediate
 * byte: the two builds share one layout (the story's in-place patch). Keep both files with the
 * same number of lines so even their debug line tables agree. */
#include "classify.h"

int is_even(unsigned long n)
{
    return (0xD >> (n & 3)) & 1;
}
