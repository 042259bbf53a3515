/*
 * indidx.c — the index of indicator values (indidx.h): open addressing with linear probing
 * in a table of any size (the home slot is a multiply-shift of the hash over the size), kept
 * between 8/15 and 4/5 full by growing by half, as the dedup filter's table (dedup.c): 16 bytes
 * a slot, 20 to 30 bytes a value.  Nothing is ever removed but by indidx_clear.
 *
 * The saved form (indidx_save, indidx_load): struct file_head, then the cap slots as they are
 * in memory, in this machine's byte order (the header says which: another order is refused).
 * A loaded table is the file read into anonymous memory of its own (an mmap, which the
 * kernel backs with huge pages where it can: a lookup is a random read of a table of tens of
 * megabytes, and 4 KiB pages missed the TLB at nearly every one).  Mapping the file privately
 * instead cost a copy-on-write fault, with a TLB flush, at the first change of each page
 * (docs/benchmarks.md, "fifth round").  Growing it or clearing it leaves the mapping for memory
 * of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/i18n.h"
#include "pipeline/indidx.h"

#define MIN_SLOTS 1024
#define TAG_BIT (UINT64_C(1) << 63)
#define HASH_MASK (~(TAG_BIT | INDIDX_FLAGS))

int indidx_init(struct indidx *x, size_t max_bytes)
{
	memset(x, 0, sizeof(*x));
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(x->key, sizeof(x->key));
	x->max_cap = max_bytes / sizeof(struct indidx_slot);
	if (x->max_cap < MIN_SLOTS)
		x->max_cap = MIN_SLOTS;
	x->cap = MIN_SLOTS;
	if (!(x->s = calloc(x->cap, sizeof(x->s[0])))) {
		x->cap = 0;
		return -1;
	}
	return 0;
}

/* Let the table go, whether it is a mapping or memory of its own. */
static void drop_table(struct indidx *x)
{
	if (x->map)
		munmap(x->map, x->map_len);
	else
		free(x->s);
	x->map = NULL;
	x->map_len = 0;
	x->s = NULL;
}

void indidx_fini(struct indidx *x)
{
	drop_table(x);
	sodium_memzero(x->key, sizeof(x->key));
	memset(x, 0, sizeof(*x));
}

void indidx_clear(struct indidx *x)
{
	if (x->map) {
		/* a fresh table of the same size rather than writing over every mapped page */
		size_t cap = x->cap;
		drop_table(x);
		if (!(x->s = calloc(cap, sizeof(x->s[0])))) {
			x->cap = MIN_SLOTS;
			x->s = calloc(x->cap, sizeof(x->s[0]));
			if (!x->s)
				x->cap = 0;
		}
	} else if (x->s)
		memset(x->s, 0, x->cap * sizeof(x->s[0]));
	x->count = 0;
}

size_t indidx_bytes(const struct indidx *x)
{
	return x->cap * sizeof(x->s[0]);
}

uint64_t indidx_tag(const struct indidx *x, const char *kind, const char *value, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES], in[64 + 4096 + 1];
	size_t klen = strlen(kind);
	uint64_t h = 0;

	if (klen + 1 + len <= sizeof(in)) {
		memcpy(in, kind, klen);
		in[klen] = 0;
		memcpy(in + klen + 1, value, len);
		crypto_shorthash(out, in, klen + 1 + len, x->key);
	} else {
		/* longer than correlate.c makes them (COR_VALUE_MAX): the value alone, kind mixed
		 * in after */
		crypto_shorthash(out, (const unsigned char *)value, len, x->key);
		out[0] ^= (unsigned char)klen;
		out[1] ^= (unsigned char)kind[0];
	}
	memcpy(&h, out, sizeof(h));
	return (h & HASH_MASK) | TAG_BIT;
}

static size_t home(const struct indidx *x, uint64_t tag)
{
	uint64_t h = (tag & HASH_MASK) << 1; /* the hash at the top */

	return (size_t)(((unsigned __int128)h * x->cap) >> 64);
}

struct indidx_slot *indidx_find(struct indidx *x, uint64_t tag)
{
	uint64_t want = tag & ~(uint64_t)INDIDX_FLAGS;

	if (!x->count)
		return NULL;
	for (size_t i = home(x, tag);; i = i + 1 == x->cap ? 0 : i + 1) {
		struct indidx_slot *s = &x->s[i];
		if (!s->tag)
			return NULL;
		if ((s->tag & ~(uint64_t)INDIDX_FLAGS) == want)
			return s;
	}
}

static struct indidx_slot *place(struct indidx_slot *t, size_t cap, size_t i)
{
	while (t[i].tag)
		i = i + 1 == cap ? 0 : i + 1;
	return &t[i];
}

static int grow(struct indidx *x)
{
	size_t cap = x->cap + x->cap / 2, oldcap = x->cap;
	struct indidx_slot *n, *old = x->s;

	if (cap > x->max_cap)
		cap = x->max_cap;
	if (cap <= x->cap || !(n = calloc(cap, sizeof(n[0]))))
		return -1;
	x->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].tag)
			*place(n, cap, home(x, old[i].tag)) = old[i];
	drop_table(x);
	x->s = n;
	return 0;
}

struct indidx_slot *indidx_add(struct indidx *x, uint64_t tag, uint32_t id, uint32_t first,
			       unsigned flags)
{
	struct indidx_slot *s = indidx_find(x, tag);

	if (s) {
		s->id = 0;
		return s;
	}
	if (!x->cap || ((x->count + 1) * 5 > x->cap * 4 && grow(x) != 0))
		return NULL;
	s = place(x->s, x->cap, home(x, tag));
	s->tag = (tag & ~(uint64_t)INDIDX_FLAGS) | (flags & INDIDX_FLAGS);
	s->id = id;
	s->first = first;
	x->count++;
	return s;
}

/* ---- the saved form --------------------------------------------------------------------- */

#define FILE_MAGIC "vigiaidx"
#define FILE_VERSION 2u /* 2: INDIDX_ONE, 60 bits of hash */
#define FILE_ORDER 0x01020304u
#define CHUNK 4096 /* slots written at a time */

struct file_head {
	char magic[8];          /* FILE_MAGIC, no NUL */
	uint32_t version, order; /* FILE_VERSION, FILE_ORDER as this machine writes it */
	uint64_t cap, count;
	unsigned char key[crypto_shorthash_KEYBYTES];
	char store_id[40];      /* NUL-terminated */
	int64_t gen, max_id;
	uint64_t max_tag;
	unsigned char sum[32];  /* BLAKE2b-256 of this header (sum zeroed) and the slots */
};
_Static_assert(sizeof(struct file_head) == 144, "the header's size is part of the format");
_Static_assert(sizeof(struct indidx_slot) == 16, "the slot's size is part of the format");

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync the directory holding path, so that the rename itself is durable. */
static int sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return -1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int indidx_save(const struct indidx *x, const char *path, const struct indidx_file_mark *m,
		struct verr *err)
{
	struct file_head h;
	struct indidx_slot chunk[CHUNK];
	crypto_generichash_state gs;
	char tmp[PATH_MAX];
	int fd = -1, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return verr_set(err, V_ERR_IO, "", _("%s: path too long"), path);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, FILE_MAGIC, sizeof(h.magic));
	h.version = FILE_VERSION;
	h.order = FILE_ORDER;
	h.cap = x->cap;
	h.count = x->count;
	memcpy(h.key, x->key, sizeof(h.key));
	snprintf(h.store_id, sizeof(h.store_id), "%s", m->store_id);
	h.gen = m->gen;
	h.max_id = m->max_id;
	h.max_tag = m->max_tag;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto fail;
	crypto_generichash_init(&gs, NULL, 0, sizeof(h.sum));
	crypto_generichash_update(&gs, (const unsigned char *)&h, sizeof(h));
	if (write_all(fd, &h, sizeof(h)) != 0)
		goto fail;
	for (size_t i = 0; i < x->cap; i += CHUNK) {
		size_t k = x->cap - i < CHUNK ? x->cap - i : CHUNK;
		memcpy(chunk, x->s + i, k * sizeof(chunk[0]));
		/* whether a value was looked at against the warning lists is this run's to know */
		for (size_t j = 0; j < k; j++)
			if (chunk[j].tag)
				chunk[j].tag &= ~(uint64_t)INDIDX_CHECKED;
		crypto_generichash_update(&gs, (const unsigned char *)chunk, k * sizeof(chunk[0]));
		if (write_all(fd, chunk, k * sizeof(chunk[0])) != 0)
			goto fail;
	}
	crypto_generichash_final(&gs, h.sum, sizeof(h.sum));
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	if (sync_dir(path) != 0)
		return verr_set(err, V_ERR_IO, "", _("%s: %s"), path, strerror(errno));
	return V_OK;
fail:
	n = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return verr_set(err, V_ERR_IO, "", _("cannot save the indicator index %s: %s"), path,
			strerror(n));
}

/* Read len bytes of fd from its start into p: 0, or -1 (errno; 0 when the file was short). */
static int read_all(int fd, void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)p + done, len - done, (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

int indidx_load(struct indidx *x, const char *path, struct indidx_file_mark *m,
		struct verr *err)
{
	struct file_head h, z;
	struct stat sb;
	crypto_generichash_state gs;
	unsigned char sum[sizeof(h.sum)];
	const char *why = NULL;
	void *map = MAP_FAILED;
	ssize_t r;
	int fd, e;

	memset(m, 0, sizeof(*m));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		return verr_set(err, e == ENOENT ? V_ERR_NOTFOUND : V_ERR_IO, "", "%s: %s", path,
				strerror(e));
	}
	if (fstat(fd, &sb) != 0 || (r = pread(fd, &h, sizeof(h), 0)) < 0) {
		e = errno;
		close(fd);
		return verr_set(err, V_ERR_IO, "", "%s: %s", path, strerror(e));
	}
	if ((size_t)r < sizeof(h))
		why = _("shorter than its header");
	else if (memcmp(h.magic, FILE_MAGIC, sizeof(h.magic)) != 0)
		why = _("not an indicator index");
	else if (h.version != FILE_VERSION)
		why = _("another version of the format");
	else if (h.order != FILE_ORDER)
		why = _("written with another byte order");
	else if (h.cap < MIN_SLOTS || h.cap > x->max_cap ||
		 h.cap > (SIZE_MAX - sizeof(h)) / sizeof(struct indidx_slot))
		why = _("more slots than correlate.index_memory allows");
	else if ((uint64_t)sb.st_size != sizeof(h) + h.cap * sizeof(struct indidx_slot))
		why = _("its size does not match its header (truncated?)");
	else if (h.count * 5 > h.cap * 4)
		why = _("fuller than an index can be");
	else if (strnlen(h.store_id, sizeof(h.store_id)) >= sizeof(m->store_id))
		why = _("a bad header");
	if (!why) {
		map = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map != MAP_FAILED)
			(void)madvise(map, (size_t)sb.st_size, MADV_HUGEPAGE); /* a hint only */
		if (map == MAP_FAILED || read_all(fd, map, (size_t)sb.st_size) != 0) {
			e = errno ? errno : EIO;
			if (map != MAP_FAILED)
				munmap(map, (size_t)sb.st_size);
			close(fd);
			return verr_set(err, V_ERR_IO, "", "%s: %s", path, strerror(e));
		}
		z = h;
		memset(z.sum, 0, sizeof(z.sum));
		crypto_generichash_init(&gs, NULL, 0, sizeof(sum));
		crypto_generichash_update(&gs, (const unsigned char *)&z, sizeof(z));
		crypto_generichash_update(&gs, (const unsigned char *)map + sizeof(h),
					  (size_t)sb.st_size - sizeof(h));
		crypto_generichash_final(&gs, sum, sizeof(sum));
		if (sodium_memcmp(sum, h.sum, sizeof(sum)) != 0)
			why = _("its checksum does not match (damaged or changed)");
		else {
			/* as many values as it says, each a tag: a lookup then always ends at an
			 * empty slot, even in a file made to look right */
			const struct indidx_slot *t = (const void *)((char *)map + sizeof(h));
			uint64_t used = 0, bad = 0;
			for (size_t i = 0; i < (size_t)h.cap; i++) {
				used += t[i].tag != 0;
				bad += t[i].tag != 0 && !(t[i].tag & TAG_BIT);
			}
			if (used != h.count || bad)
				why = _("its slots do not match its header");
		}
	}
	close(fd);
	if (why) {
		if (map != MAP_FAILED)
			munmap(map, (size_t)sb.st_size);
		return verr_set(err, V_ERR_INVALID, "", _("indicator index %s: %s"), path, why);
	}
	drop_table(x);
	x->map = map;
	x->map_len = (size_t)sb.st_size;
	x->s = (struct indidx_slot *)(void *)((char *)map + sizeof(h));
	x->cap = (size_t)h.cap;
	x->count = (size_t)h.count;
	memcpy(x->key, h.key, sizeof(x->key));
	memcpy(m->store_id, h.store_id, strlen(h.store_id) + 1);
	m->gen = h.gen;
	m->max_id = h.max_id;
	m->max_tag = h.max_tag;
	return V_OK;
}
