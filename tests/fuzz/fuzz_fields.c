/*
 * Fuzz the small parsers of untrusted text: the first byte picks one,
 * the rest is its input.  DNS server specs (-s), durations, RFC 3339
 * times (credential expirations), last-known-good cache files, base64
 * (which must round-trip), PEM keys and certificates, and the name and
 * ARN checks of configs and records.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awsconf.h"
#include "base64.h"
#include "clusterconfig.h"
#include "dns.h"
#include "duration.h"
#include "hostsfile.h"
#include "lkg.h"
#include "msg.h"
#include "record.h"
#include "x509.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LKG_HOST	"api.example.test"

static char lkgdir[64], lkgsub[96], lkgold[160], lkgfile[160];

/* Remove the state directory made for the lkg case. */
static void
lkg_cleanup(void)
{
	(void)unlink(lkgold);
	(void)unlink(lkgfile);
	(void)rmdir(lkgsub);
	(void)rmdir(lkgdir);
}

static int
put_file(const char *path, const char *text, size_t len)
{
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	if (fwrite(text, 1, len, fp) != len)
		rc = -1;
	if (fclose(fp) == EOF)
		rc = -1;
	return rc;
}

/*
 * The same text as the state file and as an old per-host file: the store
 * reads the first, and the second when the first has no line for the host.
 */
static void
lkg(const char *text, size_t len)
{
	struct eksl_lkg_entry e;
	struct eksl_lkg *st;
	char err[EKSL_ERRLEN];

	if (lkgdir[0] == '\0') {
		snprintf(lkgdir, sizeof(lkgdir), "/tmp/eksl-fuzz-lkg.XXXXXX");
		if (mkdtemp(lkgdir) == NULL) {
			lkgdir[0] = '\0';
			return;
		}
		snprintf(lkgsub, sizeof(lkgsub), "%s/%s", lkgdir,
		    EKSL_LKG_OLD_DIR);
		snprintf(lkgold, sizeof(lkgold), "%s/%s.json", lkgsub,
		    LKG_HOST);
		snprintf(lkgfile, sizeof(lkgfile), "%s/%s", lkgdir,
		    EKSL_LKG_FILE);
		if (mkdir(lkgsub, 0700) == -1)
			return;
		atexit(lkg_cleanup);
	}
	if (put_file(lkgfile, text, len) == -1 ||
	    put_file(lkgold, text, len) == -1)
		return;
	if ((st = eksl_lkg_open(lkgdir, NULL, NULL)) == NULL)
		return;
	if (eksl_lkg_get(st, LKG_HOST, &e, err, sizeof(err)) == 1) {
		/* The contract: 1..MAX addresses, none twice. */
		if (e.n == 0 || e.n > EKSL_LKG_MAX_ADDRS ||
		    !eksl_lkg_same(&e, e.a, e.n))
			abort();
	}
	eksl_lkg_free(st);
}

static void
b64(const char *text, size_t len)
{
	unsigned char *a, *b;
	size_t alen, blen;
	char *enc;
	int alpha;

	if ((a = eksl_base64_decode(text, len, &alen)) == NULL)
		return;
	for (alpha = EKSL_B64_STD; alpha <= EKSL_B64_URL; alpha++) {
		if ((enc = eksl_base64_encode(a, alen, alpha)) == NULL)
			break;
		if ((b = eksl_base64_decode(enc, strlen(enc), &blen)) == NULL ||
		    blen != alen || memcmp(a, b, alen) != 0)
			abort();
		free(b);
		free(enc);
	}
	free(a);
}

static void
pem(const char *text, size_t len, int cert)
{
	char err[EKSL_ERRLEN], *out;
	struct eksl_certinfo ci;
	struct eksl_key *k;
	size_t n;

	if (cert) {
		(void)eksl_cert_info(text, len, NULL, &ci, err, sizeof(err));
		return;
	}
	if ((k = eksl_key_from_pem(text, len, err, sizeof(err))) == NULL)
		return;
	if ((out = eksl_key_pem(k, &n, err, sizeof(err))) != NULL) {
		explicit_bzero(out, n);
		free(out);
	}
	eksl_key_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[EKSL_ERRLEN], buf[EKSL_DNS_SERVERLEN], r[64], o[64];
	char canon[EKSL_ADDRSTRLEN], *s;
	struct eksl_dns_server srv, again;
	long long secs;
	time_t t;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	if ((s = malloc(n + 1)) == NULL)
		return 0;
	memcpy(s, data + 1, n);
	s[n] = '\0';
	switch (data[0] % 8) {
	case 0:
		/* A parsed server formats to a spec that parses the same. */
		if (eksl_dns_server_parse(s, &srv, err, sizeof(err)) == 0) {
			eksl_dns_server_format(&srv, buf, sizeof(buf));
			if (eksl_dns_server_parse(buf, &again, err,
			    sizeof(err)) == -1)
				abort();
		}
		break;
	case 1:
		if (eksl_duration_parse(s, &secs) == 0 && secs <= 0)
			abort();
		break;
	case 2:
		(void)eksl_time_parse_rfc3339(s, &t);
		break;
	case 3:
		lkg((const char *)data + 1, n);
		break;
	case 4:
		b64((const char *)data + 1, n);
		break;
	case 5:
	case 6:
		pem((const char *)data + 1, n, data[0] % 8 == 6);
		break;
	default:
		(void)eksl_outpost_arn_parse(s, r, sizeof(r), o, sizeof(o));
		(void)eksl_cluster_name_valid(s);
		(void)eksl_instance_type_valid(s);
		(void)eksl_aws_region_valid(s);
		(void)eksl_aws_dns_suffix(s);
		(void)eksl_hostname_valid(s);
		(void)eksl_hosts_cluster_valid(s);
		(void)eksl_addr_canon(s, canon, sizeof(canon));
		break;
	}
	free(s);
	return 0;
}
