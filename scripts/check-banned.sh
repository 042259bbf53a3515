#!/bin/sh
# The banned-function list (curl's idea): functions that are too easy to misuse on hostile
# input.  Fails if any appears in src/ or tests/ C code.
#   sprintf/vsprintf -> snprintf   strcpy/strcat -> memcpy with a known length or buf_*
#   strtok -> strtok_r/memchr      atoi/atol -> strtol with end checks      gets -> never
set -u
pattern='\b(sprintf|vsprintf|strcpy|strcat|strncat|strtok|atoi|atol|atoll|gets)[[:space:]]*\('
hits=$(grep -nE "$pattern" src/*/*.c src/*/*.h src/*/*/*.c src/*/*/*.h tests/*/*.c 2>/dev/null | grep -v 'banned-ok')
if [ -n "$hits" ]; then
	echo "banned functions used:"
	echo "$hits"
	exit 1
fi
echo "ok - no banned functions"
