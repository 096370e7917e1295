/*
 * The one exit table of the eksl family (DESIGN.md "Exit status").
 * Every program maps its result onto these and nothing else; every man
 * page lists the same table.
 */
#ifndef EKSL_EXITCODES_H
#define EKSL_EXITCODES_H

#define EKSL_EXIT_OK		0	/* done */
#define EKSL_EXIT_DEGRADED	1	/* worked from cache, some records failed, not ready */
#define EKSL_EXIT_USAGE		2	/* bad command line */
#define EKSL_EXIT_INPUT		3	/* bad input: JSON, YAML, config that fails validation */
#define EKSL_EXIT_REFUSED	4	/* the remote side refused: API error, 401/403 */
#define EKSL_EXIT_UNREACHABLE	5	/* no answer: DNS, TCP, TLS, timeout */
#define EKSL_EXIT_IO		6	/* local I/O: cannot write, lock timeout */

/* Combine two results: the more serious one wins (higher code). */
static inline int
EKSL_EXIT_WORST(int a, int b)
{
	return a > b ? a : b;
}

#endif
