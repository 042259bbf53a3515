/*
 * transport.h — pipeline stages across processes: events on Redis Streams.
 *
 * A worker (src/cli/cmd_worker.c) runs some of the stages of pipeline.h between two streams:
 * it reads a batch from its input stream as a member of a consumer group, runs every message
 * through its stages, makes the result durable (XADD to the output stream, or the store's
 * commit), and only then acknowledges (XACK) and deletes (XDEL) the input messages.  A worker
 * that dies leaves its messages pending in the group; after a timeout another member takes
 * them over (XAUTOCLAIM).  So delivery is at least once, and the stages make a second delivery
 * harmless: the store stage never stores an event twice (its fingerprint within the dedup
 * window), and a repeat ends there (no second incident).
 *
 * A message holds two fields: "e", the event as one JSON object (event_to_json), and "m",
 * what earlier stages found out about it (struct pipe_event's numbers: pipe_meta_encode).
 *
 * Ownership: an rstream owns its connection; an rbatch owns the reply its messages borrow from
 * (valid until rbatch_reset or rbatch_fini).  Strings passed in are borrowed.
 */
#ifndef VIGIA_PIPELINE_TRANSPORT_H
#define VIGIA_PIPELINE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "pipeline/pipeline.h"

/* One message of a stream.  Pointers borrow from the batch's reply. */
struct rmsg {
	const char *id;          /* the stream entry id, "ms-seq" */
	const char *event;       /* field "e" (NULL: missing) */
	size_t event_len;
	const char *meta;        /* field "m" (NULL: missing) */
	size_t meta_len;
};

struct rbatch {
	struct rmsg *m;
	size_t n, cap;
	void *reply;             /* the redisReply the messages borrow from */
	char cursor[48];         /* XAUTOCLAIM's cursor between calls ("0-0" to start) */
};
void rbatch_init(struct rbatch *b);
void rbatch_reset(struct rbatch *b);   /* drop the messages (keeps the cursor) */
void rbatch_fini(struct rbatch *b);

/* A stream on a Redis server. */
struct rstream;

/* Parse "redis://HOST[:PORT]/STREAM" (port 6379 by default) and connect (timeout 5 s).
 * V_OK, V_ERR_USAGE (a malformed URL) or V_ERR_IO (no connection); err names the URL. */
int rstream_open(const char *url, struct rstream **out, struct verr *err);
void rstream_close(struct rstream *rs);
const char *rstream_name(const struct rstream *rs);   /* the stream's key */
const char *rstream_url(const struct rstream *rs);

/* Create consumer group `group` at the start of the stream (and the stream if absent); an
 * existing group is fine. */
int rstream_group(struct rstream *rs, const char *group, struct verr *err);
/* XLEN: messages in the stream (acknowledged ones are deleted, so: not yet done). */
int rstream_len(struct rstream *rs, long long *len, struct verr *err);

/* Append messages, pipelined: n events (json[i], json_len[i]) with metadata (meta[i]; NULL
 * for none).  V_OK when the server has them all. */
int rstream_add(struct rstream *rs, size_t n, const char *const *json, const size_t *json_len,
		const char *const *meta, struct verr *err);

/* New messages for consumer `consumer` of `group` (XREADGROUP ... >), up to count, waiting up
 * to block_ms when there are none.  The batch is reset first; an empty batch is no error. */
int rstream_read(struct rstream *rs, const char *group, const char *consumer, size_t count,
		 int block_ms, struct rbatch *b, struct verr *err);
/* Take over messages pending longer than min_idle_ms in the group (a dead worker's), from
 * b->cursor on (XAUTOCLAIM); the cursor moves on, back to "0-0" after a full round. */
int rstream_claim(struct rstream *rs, const char *group, const char *consumer,
		  long long min_idle_ms, size_t count, struct rbatch *b, struct verr *err);
/* Acknowledge and delete the batch's messages (XACK, then XDEL: one group per stream). */
int rstream_ack(struct rstream *rs, const char *group, const struct rbatch *b, struct verr *err);

/* The batch's output and its acknowledgement: n messages appended to out (NULL: none), and b
 * acknowledged and deleted on in.  When both streams are on one server, in one MULTI/EXEC
 * transaction (a crash leaves either both or neither: no duplicate downstream); else append
 * first, then acknowledge (at least once). */
int rstream_forward(struct rstream *in, const char *group, const struct rbatch *b,
		    struct rstream *out, size_t n, const char *const *json,
		    const size_t *json_len, const char *const *meta, struct verr *err);

/* A worker's figures, kept in the hash "vigia:workers" under its consumer name (line: "stage
 * from to group processed rate unixtime"); rstream_workers lists them. */
int rstream_report(struct rstream *rs, const char *consumer, const char *line,
		   struct verr *err);

/* One consumer group of a stream, for `vigia pipeline status`. */
struct rgroup_info {
	char name[64];
	long long pending;   /* delivered, not yet acknowledged */
	long long lag;       /* not yet delivered (-1: the server cannot tell) */
	long long consumers;
};
/* The stream's length and up to max groups (*n of them).  A stream that does not exist has
 * length 0 and no groups. */
int rstream_info(struct rstream *rs, long long *len, struct rgroup_info *g, size_t max,
		 size_t *n, struct verr *err);
/* Every worker's report line: calls fn(arg, consumer, line) for each. */
int rstream_workers(struct rstream *rs, void (*fn)(void *arg, const char *consumer,
						   const char *line), void *arg,
		    struct verr *err);
/* INFO memory's used_memory, in bytes. */
int rstream_memory(struct rstream *rs, long long *bytes, struct verr *err);

/* What earlier stages found, as text between processes: append pe's numbers to out (NUL
 * terminated), or read them back into pe (the rest of pe is left as it is).  Decoding returns
 * V_ERR_INVALID for text that is not what pipe_meta_encode writes. */
int pipe_meta_encode(const struct pipe_event *pe, struct buf *out);
int pipe_meta_decode(struct pipe_event *pe, const char *s, size_t len);

/* A message read back: its event (JSON object text, into ev, which is cleared first) and its
 * metadata (meta NULL or empty: none), into pe (pipe_event_init with batch and now, then the
 * metadata).  V_OK, or V_ERR_PARSE / V_ERR_INVALID with err's reason (the message is bad: the
 * caller drops and counts it).  pe->ev borrows ev. */
int pipe_message_decode(struct event *ev, struct pipe_event *pe, const char *json,
			size_t json_len, const char *meta, size_t meta_len, int64_t batch,
			int64_t now, struct verr *err);

#endif
