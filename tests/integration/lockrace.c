/*
 * lockrace: several processes find the same stale lock file at the same
 * moment (its owner died); at most one of them may hold the lock at a time.
 *
 *   lockrace DIR [ROUNDS]
 *
 * Each round writes DIR/file.lock naming a process that does not exist, then
 * wakes 8 children at once; each takes the lock with ah_fs_lock_acquire and,
 * while holding it, creates DIR/held with O_EXCL (a second holder fails to).
 * Exit 1 when two processes ever held the lock together.
 *
 * The lock protocol (src/util/fswrite.c) makes this safe: a lock is broken
 * only while holding its flock and only if the lock path still names that
 * same file, so two writers can never both take over one stale lock.
 */
#include "util/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: lockrace DIR [ROUNDS]\n");
		return 2;
	}
	const char *dir = argv[1];
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 100, nproc = 8, doubles = 0;
	char target[512], lock[600], held[600];
	snprintf(target, sizeof(target), "%s/file", dir);
	snprintf(lock, sizeof(lock), "%s.lock", target);
	snprintf(held, sizeof(held), "%s/held", dir);
	for (int r = 0; r < rounds; r++) {
		FILE *f = fopen(lock, "w");
		if (!f)
			return 2;
		fprintf(f, "999999999\n"); /* no such process */
		fclose(f);
		int go[2];
		if (pipe(go) < 0)
			return 2;
		for (int i = 0; i < nproc; i++) {
			if (fork() != 0)
				continue;
			char c;
			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(2);
			ah_fs_lock l;
			if (ah_fs_lock_acquire(&l, target, 10000) < 0)
				_exit(2);
			int fd = open(held, O_CREAT | O_EXCL | O_WRONLY, 0600);
			if (fd < 0)
				_exit(3);
			usleep(2000);
			close(fd);
			unlink(held);
			ah_fs_lock_release(&l);
			_exit(0);
		}
		close(go[0]);
		usleep(20000);
		close(go[1]); /* every child wakes at once */
		int st;
		while (wait(&st) > 0)
			if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
				doubles++;
		unlink(held);
	}
	printf("%d rounds: %d times a second process held the lock at the same time\n", rounds,
	       doubles);
	return doubles ? 1 : 0;
}
