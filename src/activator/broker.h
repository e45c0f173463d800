/*
 * The logon broker (docs/apphostd.md, "Logon broker"): IIS's w3wp checks
 * Basic credentials with LogonUser whatever its pool's identity; here a
 * worker runs as an unprivileged pool identity, and pam_unix lets it check
 * only its own password. So apphostd, as root, starts one more process, a
 * fresh exec of itself (`apphostd --logon-broker`), that stays root, reads
 * nothing but the logon channels' bounded CHECK packets
 * (common/logonmsg.h; never HTTP), runs PAM for them one at a time, and
 * answers each.
 *
 * apphostd's side: each worker gets its end of a SOCK_SEQPACKET pair as fd
 * 5 (APPHOST_LOGON_FD); apphostd keeps the other end, sends it to the
 * broker over the broker channel (APPHOST_BROKER_FD) and again to a broker
 * restarted after a death, and closes it when the worker's end closes. It
 * never waits for the broker: sends do not block and PAM runs only there.
 * Not as root there is no broker: workers check passwords in-process.
 */
#ifndef AD_BROKER_H
#define AD_BROKER_H

#include <stdbool.h>

struct ad_daemon;

/* apphostd --logon-broker: the broker process's main. */
int ad_broker_main(int argc, char **argv);

/* Start the broker (as root only). 0 or -errno; a failed start is retried
 * 5 s later (ad_broker_timers). */
int ad_broker_start(struct ad_daemon *d);
/* SIGCHLD for the broker's pid: restart it a second later. */
void ad_broker_exited(struct ad_daemon *d);
/* A restart that is due. */
void ad_broker_timers(struct ad_daemon *d);
/* Stop the broker (at shutdown). */
void ad_broker_stop(struct ad_daemon *d);
/* A new logon pair for a worker about to start: its end, which the caller
 * passes to the worker and then closes, or -1 when there is no broker
 * (not root). */
int ad_broker_worker_end(struct ad_daemon *d);
/* The peer of a kept end hung up (an AD_K_LOGON object). */
void ad_broker_event(struct ad_daemon *d, void *obj);

#endif
