/* is_even, version 2: the fix.
 * Bit k of the mask says whether a number whose two low bits are k is even: 0x5 (0b0101),
 * residues 0 and 2. Version 1 had 0xD here and called residue 3 (odd numbers) even.
 * Written this way so that v1 and v2 compile to the same instructions except one immediate
 * byte: the two builds share one layout (the story's in-place patch). Compile it with the
 * target's flags for `hotpatch create`: the Makefile keeps build/classify_v2.o. Keep both
 * files with the same number of lines so even their debug line tables agree. */
#include "classify.h"

int is_even(unsigned long n)
{
    return (0x5 >> (n & 3)) & 1;
}
