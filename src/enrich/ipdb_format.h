/*
 * ipdb_format.h — the layout of an IP attribution index file (private to ipdb.c and
 * ipdb_build.c; described for people in docs/formats.md, "IP attribution index").
 *
 * All integers are little-endian (the byte order field says which order wrote the file; another
 * order is refused).  The file is a 1024-byte header followed by sections, each starting at a
 * multiple of 64 bytes, used in place from mmap():
 *
 *   for each of four tables (ASN IPv4, country IPv4, ASN IPv6, country IPv6):
 *     STEPS  the ranges in address order, each its start and its value: {uint32 start, val}
 *            (IPv4) or {uint64 hi, lo; uint32 val, pad} (IPv6); the first starts at 0.  The
 *            value is the ASN record index (IPDB_NONE: a gap) or the country code as two ASCII
 *            bytes, the first in the low byte (0: a gap).  n ranges, then 2^wbits - 1 padding
 *            entries (start: all ones, value: the last range's) so that a window of 2^wbits
 *            entries never runs off the end
 *     DIR    m + 2 uint32 entries over the key (the IPv4 address, or the first 64 bits of an
 *            IPv6 one): entry j for the prefix p0 + j (prefix = key >> shift), entry m for the
 *            prefixes above, m + 1 for those below.  An entry without the top bit is a step
 *            number: the address is in one of the 2^wbits ranges from there (the range holding
 *            the prefix's first address, and those starting inside the prefix).  An entry with
 *            the top bit is a node: bits = entry & 31, and the prefix is cut into 2^bits parts
 *            by the NODES entries from (entry >> 5) & 0x3ffffff on, entries of the same kind,
 *            taking the key's next bits.  Only prefixes with more ranges than a window holds
 *            get nodes, so most lookups read one entry, then one window.  A node entry with
 *            bits 0 is wide: more ranges than a window inside one IPv6 /64, where the key has
 *            no bits left; its two NODES entries are the first and the last step to search
 *     NODES  uint32 entries of the nodes
 *     UVAL   m + 2 uint32, one per DIR entry: the value of the one range that holds the whole
 *            prefix, or IPDB_MIXED when it holds more than one (a lookup that needs only the
 *            value, not the range's bounds, stops there: no range is read)
 *   ASNREC   {uint32 asn, uint32 name}: name is an offset into STRINGS
 *   STRINGS  NUL-terminated strings, offset 0 being ""; the last byte is a NUL
 *   SOURCES  {int64 size, mtime; uint64 rows, bad; uint32 path, kind}: offsets into STRINGS
 *
 * A range ends where the next one starts; the last ends at the top of the address space.
 * The checksum is BLAKE2b-256 (libsodium's crypto_generichash) of the whole file with the
 * checksum field set to zeros.
 */
#ifndef VIGIA_ENRICH_IPDB_FORMAT_H
#define VIGIA_ENRICH_IPDB_FORMAT_H

#include <stdint.h>

#define IPDB_MAGIC "VIGIAIPD" /* 8 bytes, no NUL */
#define IPDB_ENDIAN 0x01020304u
#define IPDB_HEADER_SIZE 1024u
#define IPDB_ALIGN 64u
#define IPDB_NONE 0xffffffffu
#define IPDB_MIXED 0xfffffffeu /* UVAL: more than one range */

enum ipdb_table_id { IPDB_T_ASN4, IPDB_T_CC4, IPDB_T_ASN6, IPDB_T_CC6, IPDB_NTABLES };
enum ipdb_part { IPDB_P_STEPS, IPDB_P_DIR, IPDB_P_NODES, IPDB_P_UVAL, IPDB_NPARTS };
#define IPDB_SECT(t, p) ((t) * IPDB_NPARTS + (p))
enum {
	IPDB_S_ASNREC = IPDB_NTABLES * IPDB_NPARTS,
	IPDB_S_STRINGS,
	IPDB_S_SOURCES,
	IPDB_NSECT
};

struct ipdb_fsect {
	uint64_t off, len; /* bytes from the start of the file */
};

struct ipdb_ftable {
	uint64_t n;        /* ranges, gaps included (padding not counted) */
	uint64_t answered; /* ranges with a value */
	uint64_t p0;       /* the first key prefix in DIR */
	uint32_t shift;    /* key >> shift is the prefix */
	uint32_t m;        /* DIR has m + 2 entries (none when n is 0) */
	uint32_t wbits;    /* a window is 2^wbits ranges */
	uint32_t reserved;
};
#define IPDB_NODE 0x80000000u /* a DIR or NODES entry that is a node */
#define IPDB_WBITS4 3 /* format version 1: a window is 8 IPv4 ranges (64 bytes) */
#define IPDB_WBITS6 2 /* and 4 IPv6 ranges (96 bytes) */

struct ipdb_fheader {
	char magic[8];
	uint32_t version;     /* IPDB_FORMAT_VERSION */
	uint32_t endian;      /* IPDB_ENDIAN as written */
	uint32_t header_size; /* IPDB_HEADER_SIZE */
	uint32_t nsect;       /* IPDB_NSECT */
	uint64_t file_size;
	int64_t built;        /* Unix time */
	uint64_t asn_records;
	uint64_t nsources;
	uint64_t reserved0;
	uint8_t checksum[32];
	struct ipdb_ftable table[IPDB_NTABLES];
	struct ipdb_fsect sect[IPDB_NSECT];
	uint8_t reserved[IPDB_HEADER_SIZE - 96 - IPDB_NTABLES * 40 - IPDB_NSECT * 16];
};
_Static_assert(sizeof(struct ipdb_fheader) == IPDB_HEADER_SIZE, "ipdb header size");

struct ipdb_fasn {
	uint32_t asn;
	uint32_t name;
};

struct ipdb_fstep4 {
	uint32_t start, val;
};

struct ipdb_fstep6 {
	uint64_t hi, lo;
	uint32_t val, pad;
};
_Static_assert(sizeof(struct ipdb_fstep6) == 24, "ipdb IPv6 step size");



struct ipdb_fsource {
	int64_t size, mtime;
	uint64_t rows, bad;
	uint32_t path, kind;
	uint32_t pad;
};
_Static_assert(sizeof(struct ipdb_fsource) == 48, "ipdb source record size");

#endif
