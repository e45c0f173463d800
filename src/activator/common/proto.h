/*
 * The messages between apphostd, its router and the workers (docs/server.md,
 * "Processes and their channels"). Every channel is an AF_UNIX SOCK_SEQPACKET
 * pair: one message per packet, a version byte first, integers little-endian,
 * strings as a u16 length and that many bytes (no NUL inside). A malformed
 * message is fatal for the peer that sent it (on a logon channel: for that
 * channel).
 *
 * Router channel (apphostd <-> router), byte 1 is the type:
 *
 *   apphostd -> router
 *     1  TABLE_BEGIN   u32 generation, u32 header wait timeout (ms)
 *     2  POOL          str name, u32 queueLength, u8 started
 *     3  SITE          u32 id, str name, u8 started
 *     4  BINDING       u32 site id, str ip ("*" or a canonical literal,
 *                      IPv6 without brackets), u16 port, str host (lower case,
 *                      "" = any host)
 *     5  APP           u32 site id, str path, str pool
 *     6  TABLE_END     (the router switches to the new table)
 *     7  LISTEN        str key ("*:80", "127.0.0.1:80", "[::1]:80")
 *                      + SCM_RIGHTS: the listening socket
 *     8  UNLISTEN      str key
 *     9  WORKER        str pool, u32 worker id + SCM_RIGHTS: the router's
 *                      end of that worker's connection handoff pair (it is
 *                      ready); a pool has up to maxProcesses of them (a web
 *                      garden: connections go round-robin), and room for as
 *                      many more while a recycle replaces them. An id the
 *                      pool already has is ignored (that fd is closed; the
 *                      worker's end is kept as it is)
 *     10 WORKER_GONE   str pool, u32 worker id (stop handing connections to
 *                      it)
 *     11 POOL_STATE    str pool, u8 started
 *     12 SITE_STATE    u32 id, u8 started
 *     13 START_FAILED  str pool (answer 503 to the connections waiting)
 *
 *   router -> apphostd
 *     32 DEMAND        str pool (start its worker: connections are waiting;
 *                      sent again when a WORKER_GONE names a worker the
 *                      router had already dropped while some wait)
 *     33 UNLISTENED    str key (the router closed that listening socket)
 *     34 WORKER_BAD    u32 worker id (its handoff end sent a malformed
 *                      packet: the router closed it; apphostd kills the
 *                      worker as untrusted, event 5127)
 *
 * Worker channel (apphostd <-> worker, fd APPHOST_WORKER_FD): two bytes,
 * version and type.
 *
 *   worker -> apphostd   1 READY (connections may be handed over),
 *                        2 PONG + u32 requests begun since the worker started,
 *                        u32 requests in progress, u32 ms since the last
 *                        request began or ended (14 bytes in all; one per
 *                        PING: a PONG no PING asked for is malformed)
 *   apphostd -> worker   16 PING, 17 SHUTDOWN, 18 RECYCLE, 19 CONFIG_CHANGED
 *   A packet longer than 32 bytes, or one with a descriptor, is malformed:
 *   the worker is killed (event 5127).
 *
 * Logon channel (worker <-> logon broker, fd APPHOST_LOGON_FD; apphostd as
 * root only; common/logonmsg.h), byte 1 is the type:
 *
 *   worker -> broker     1 CHECK    u32 id, str user (1..256 bytes),
 *                                   str password (..1024), str rhost (..64)
 *   broker -> worker     2 RESULT   u32 id, u8 verdict (0 accepted,
 *                                   1 refused, 2 error)
 *   apphostd -> broker   16 CHANNEL + SCM_RIGHTS: the broker's end of a
 *                                   worker's logon pair (APPHOST_BROKER_FD)
 *
 * Connection handoff (router <-> worker, fd APPHOST_CONN_FD): a 16-byte
 * header, three strings and the bytes already read, with the connection's
 * socket in SCM_RIGHTS:
 *
 *   0  u8  version = 1
 *   1  u8  flags: bit0 TLS (later), bit1 the client is local (loopback),
 *              bit2 AGAIN (worker -> router: given back by a stopping
 *              worker between requests, or for a stopped site; it may
 *              route to the same pool. Honoured once the router no longer
 *              uses that worker; from a worker it still uses, the
 *              connection may not route to its pool again, as any given
 *              back)
 *   2  u16 app path length
 *   4  u32 site id
 *   8  u16 peer address length      ("127.0.0.1:51234", "[::1]:51234")
 *   10 u16 local address length
 *   12 u32 head length              (at most AD_HANDOFF_HEAD_MAX)
 *   16 app path, peer address, local address, then the head bytes
 *
 * The router takes back only connections it handed out (it knows their
 * SO_COOKIE; at most the last AD_COOKIES_MAX of them), within its connection
 * limit; any other socket is closed. A packet that does not decode is
 * malformed: WORKER_BAD.
 */
#ifndef AD_PROTO_H
#define AD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AD_PROTO_VERSION 1
#define AD_MSG_MAX 8192
#define AD_GARDEN_MAX 64 /* workers of one pool at most (maxProcesses above: this) */
#define AD_COOKIES_MAX 65536 /* connections handed out the router remembers */

enum ad_rmsg {
	AD_R_TABLE_BEGIN = 1,
	AD_R_POOL = 2,
	AD_R_SITE = 3,
	AD_R_BINDING = 4,
	AD_R_APP = 5,
	AD_R_TABLE_END = 6,
	AD_R_LISTEN = 7,
	AD_R_UNLISTEN = 8,
	AD_R_WORKER = 9,
	AD_R_WORKER_GONE = 10,
	AD_R_POOL_STATE = 11,
	AD_R_SITE_STATE = 12,
	AD_R_START_FAILED = 13,
	AD_R_DEMAND = 32,
	AD_R_UNLISTENED = 33,
	AD_R_WORKER_BAD = 34,
};

enum ad_wmsg {
	AD_W_READY = 1,
	AD_W_PONG = 2,
	AD_W_PING = 16,
	AD_W_SHUTDOWN = 17,
	AD_W_RECYCLE = 18,
	AD_W_CONFIG_CHANGED = 19,
};

#define AD_HANDOFF_HDR 16
#define AD_HANDOFF_HEAD_MAX 65536
#define AD_HANDOFF_MAX (AD_HANDOFF_HDR + 3 * 4096 + AD_HANDOFF_HEAD_MAX)
#define AD_HANDOFF_TLS 0x01
#define AD_HANDOFF_LOCAL 0x02
#define AD_HANDOFF_AGAIN 0x04 /* stopping worker or stopped site: route anew */

/* A message being built. Fields that do not fit set `bad`. */
typedef struct ad_msg {
	uint8_t b[AD_MSG_MAX];
	size_t len;
	bool bad;
} ad_msg;

void ad_msg_begin(ad_msg *m, uint8_t type);
void ad_msg_u8(ad_msg *m, uint8_t v);
void ad_msg_u16(ad_msg *m, uint16_t v);
void ad_msg_u32(ad_msg *m, uint32_t v);
void ad_msg_str(ad_msg *m, const char *s);

/* A message being read. Reading past the end or a bad string sets `bad`. */
typedef struct ad_rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
} ad_rd;

void ad_rd_init(ad_rd *r, const void *p, size_t len);
uint8_t ad_rd_u8(ad_rd *r);
uint16_t ad_rd_u16(ad_rd *r);
uint32_t ad_rd_u32(ad_rd *r);
/* Copy a string field into out (NUL-terminated); bad when it holds a NUL or
 * needs more than cap bytes. */
void ad_rd_str(ad_rd *r, char *out, size_t cap);
/* True when every byte was read and nothing was bad. */
bool ad_rd_done(const ad_rd *r);

/* Send one packet, with fd in SCM_RIGHTS unless fd < 0. flags: MSG_DONTWAIT
 * or 0. Returns 0 or -errno. */
int ad_send(int sock, const void *buf, size_t len, int fd, int flags);
/* Close a descriptor a peer sent, without waiting: a socket loses any
 * SO_LINGER its sender set first (-1 is fine). */
void ad_fd_discard(int fd);

/* Receive one packet (received fds are close-on-exec; extra ones are
 * discarded with ad_fd_discard). *fd is the fd that
 * came with it, or -1. Returns the length, 0 at end of stream, -errno, or
 * -EBADMSG for a truncated packet or more than one fd. */
ssize_t ad_recv(int sock, void *buf, size_t cap, int *fd, int flags);

/* One connection handed to a worker. Strings are not NUL-terminated. */
typedef struct ad_handoff {
	uint8_t flags;
	uint32_t site_id;
	const char *app_path, *peer, *local;
	size_t app_len, peer_len, local_len;
	const uint8_t *head;
	size_t head_len;
} ad_handoff;

/* Encode h into out; returns the length, or 0 when a field is too long. */
size_t ad_handoff_encode(uint8_t *out, size_t cap, const ad_handoff *h);
/* Decode a handoff packet; h points into buf. Returns 0 or -EBADMSG. */
int ad_handoff_decode(ad_handoff *h, const uint8_t *buf, size_t len);

#endif
