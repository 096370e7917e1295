#include <pthread.h>
#include <stdlib.h>

#include <jansson.h>

#include "jsonmem.h"

static pthread_once_t	jm_once = PTHREAD_ONCE_INIT;
static _Thread_local int jm_failed;

static void *
jm_malloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL)
		jm_failed = 1;
	return p;
}

static void
jm_install(void)
{
	json_set_alloc_funcs(jm_malloc, free);
}

void
eksl_json_mem_watch(void)
{
	pthread_once(&jm_once, jm_install);
	jm_failed = 0;
}

int
eksl_json_mem_failed(void)
{
	return jm_failed;
}
