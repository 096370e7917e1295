#!/bin/sh
# make lint: banned functions and man-page lint.  (Warnings are errors in
# the build that make lint runs first.)
set -u
rc=0
banned='\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|gets)[[:space:]]*\('
if grep -nE "$banned" lib/*.c lib/*.h bin/*.c tests/unit/*.c tests/tools/*.c \
    2>/dev/null; then
	echo "lint: banned function (use snprintf, strlcpy-style bounds, strtol)" >&2
	rc=1
fi
for m in "$@"; do
	if ! out=$(mandoc -Tlint -Wwarning "$m" 2>&1) || [ -n "$out" ]; then
		printf '%s\n' "$out" >&2
		rc=1
	fi
done
[ $rc = 0 ] && echo "lint: ok"
exit $rc
