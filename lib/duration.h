/*
 * Durations on the command line: "90d", "24h", "30m", "3600s" or a bare
 * number of seconds; and the monotonic clock in milliseconds.
 */
#ifndef EKSL_DURATION_H
#define EKSL_DURATION_H

/*
 * Parse s into *secs.  Units: s, m, h, d (one, at the end); no unit means
 * seconds.  Returns 0, or -1 when s is empty, malformed, zero or negative,
 * or over 100 years.
 */
int	eksl_duration_parse(const char *s, long long *secs);

/* The monotonic clock in milliseconds (for timeouts and elapsed times). */
long	eksl_now_ms(void);

/* Sleep ms milliseconds, the whole time even when signals interrupt. */
void	eksl_sleep_ms(long ms);

#endif
