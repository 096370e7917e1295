/*
 * Jansson and failed allocations.  Jansson's lexer and encoder drop a
 * character or a key silently when an allocation inside them fails, so a
 * parse or a dump can "succeed" with wrong text.  These calls let a caller
 * notice: every allocation jansson makes goes through a counting wrapper.
 */
#ifndef EKSL_JSONMEM_H
#define EKSL_JSONMEM_H

/*
 * Route jansson's allocations through the watcher (once per process) and
 * start watching in this thread: eksl_json_mem_failed() is 0 after it.
 */
void	eksl_json_mem_watch(void);

/* 1 when an allocation jansson made in this thread since
 * eksl_json_mem_watch() failed; the result then must not be trusted. */
int	eksl_json_mem_failed(void);

#endif
