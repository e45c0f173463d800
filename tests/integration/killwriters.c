/*
 * killwriters: writers killed with SIGKILL at random points never leave a
 * mixed, truncated or empty configuration file, and what they leave behind
 * (a lock file, a temporary file) never stops the next writer.
 *
 *   killwriters ITERATIONS WORKDIR CMD ARG...
 *
 * WORKDIR/config/applicationHost.config is the file under test and
 * WORKDIR/ref/config/ a scratch copy. Each iteration:
 *   1. the current file is copied to the scratch folder and CMD is run there
 *      to completion: its result is the version the writer would produce;
 *   2. CMD is run on the real folder and killed with SIGKILL after a random
 *      delay between 0 and 1.2 times the duration of that reference run, so
 *      kills land everywhere in the writer's life: start-up, reading, the
 *      lock, the temporary file, the rename, the history snapshot;
 *   3. the file must be byte for byte the previous or the new version (the
 *      new one if the writer exited 0 before the kill, the previous one if it
 *      failed).
 * Every "{}" in the arguments is replaced by the iteration number, so each
 * write changes something. CMD finds the store through APPHOST_CONFIG_DIR
 * and APPHOST_SYSTEM_DRIVE, which this program sets for each run.
 * A final writer, never killed, must succeed within the lock timeout.
 *
 * Prints how the kills fell (before the new version, after it) and how many
 * stale lock and temporary files they left; exit 0 when every check held.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char workdir[1024], live[1200], refdir[1200], refcfg[1200], reffile[1300];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
	*len = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t n = 0;
	ssize_t r;
	while (buf && (r = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)r;
	close(fd);
	*len = n;
	return buf;
}

static int spit(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(data, 1, len, f);
	return fclose(f) == 0 && w == len ? 0 : -1;
}

/* Start CMD (argv with {} replaced by iter) with the store in cfgroot. */
static pid_t start(char **cmd, int iter, const char *cfgroot)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	char num[32], cfg[1300];
	snprintf(num, sizeof(num), "%d", iter);
	snprintf(cfg, sizeof(cfg), "%s/config", cfgroot);
	setenv("APPHOST_CONFIG_DIR", cfg, 1);
	setenv("APPHOST_SYSTEM_DRIVE", cfgroot, 1);
	char *args[64];
	int n = 0;
	for (; cmd[n] && n < 63; n++) {
		char *p = strstr(cmd[n], "{}");
		if (!p) {
			args[n] = cmd[n];
			continue;
		}
		size_t need = strlen(cmd[n]) + strlen(num) + 1;
		args[n] = malloc(need);
		snprintf(args[n], need, "%.*s%s%s", (int)(p - cmd[n]), cmd[n], num, p + 2);
	}
	args[n] = NULL;
	int devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 1);
	dup2(devnull, 2);
	execv(args[0], args);
	_exit(127);
}

/* Entries of the config folder that a killed writer may leave. */
static void leftovers(int *locks, int *temps)
{
	char dir[1300];
	snprintf(dir, sizeof(dir), "%s/config", workdir);
	DIR *d = opendir(dir);
	*locks = *temps = 0;
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, "applicationHost.config.lock") == 0)
			(*locks)++;
		if (strncmp(de->d_name, ".applicationHost.config.tmp.", 28) == 0)
			(*temps)++;
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: killwriters ITERATIONS WORKDIR CMD ARG...\n");
		return 2;
	}
	int iterations = (int)strtol(argv[1], NULL, 10);
	snprintf(workdir, sizeof(workdir), "%s", argv[2]);
	snprintf(live, sizeof(live), "%s/config/applicationHost.config", workdir);
	snprintf(refdir, sizeof(refdir), "%s/ref", workdir);
	snprintf(refcfg, sizeof(refcfg), "%s/ref/config", workdir);
	snprintf(reffile, sizeof(reffile), "%s/applicationHost.config", refcfg);
	char **cmd = argv + 3;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	mkdir(refdir, 0755);
	mkdir(refcfg, 0755);

	int old = 0, new = 0, early_exit = 0, failed = 0, stale_locks = 0, temp_max = 0;
	double t0 = now_s();
	for (int i = 1; i <= iterations; i++) {
		size_t plen, nlen, alen;
		char *prev = slurp(live, &plen);
		if (!prev || plen == 0) {
			fprintf(stderr, "iteration %d: the file is missing or empty before the write\n", i);
			return 1;
		}
		if (spit(reffile, prev, plen) < 0) {
			perror(reffile);
			return 1;
		}
		double r0 = now_s();
		int st;
		pid_t ref = start(cmd, i, refdir);
		waitpid(ref, &st, 0);
		double dur = now_s() - r0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "iteration %d: the reference writer failed (%d)\n", i, st);
			return 1;
		}
		char *next = slurp(reffile, &nlen);
		if (!next || (nlen == plen && memcmp(next, prev, plen) == 0)) {
			fprintf(stderr, "iteration %d: the writer changed nothing\n", i);
			return 1;
		}

		long delay_us = (long)(dur * 1.2e6 * ((double)rand() / RAND_MAX));
		pid_t pid = start(cmd, i, workdir);
		struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		bool exited = WIFEXITED(st);

		char *after = slurp(live, &alen);
		bool is_old = after && alen == plen && memcmp(after, prev, plen) == 0;
		bool is_new = after && alen == nlen && memcmp(after, next, nlen) == 0;
		if (!is_old && !is_new) {
			fprintf(stderr,
				"iteration %d: the file is neither the old nor the new version "
				"(%zu bytes; old %zu, new %zu)\n",
				i, alen, plen, nlen);
			return 1;
		}
		if (exited && WEXITSTATUS(st) == 0 && !is_new) {
			fprintf(stderr, "iteration %d: the writer succeeded but the file is old\n", i);
			return 1;
		}
		if (exited && WEXITSTATUS(st) != 0) {
			failed++;
			if (!is_old) {
				fprintf(stderr, "iteration %d: the writer failed but wrote\n", i);
				return 1;
			}
		}
		early_exit += exited;
		old += is_old;
		new += is_new;
		int locks, temps;
		leftovers(&locks, &temps);
		stale_locks += locks;
		temp_max = temps > temp_max ? temps : temp_max;
		free(prev);
		free(next);
		free(after);
	}
	int locks, temps;
	/* the next writer breaks any stale lock and succeeds */
	size_t plen;
	char *prev = slurp(live, &plen);
	double f0 = now_s();
	int st;
	pid_t pid = start(cmd, iterations + 1, workdir);
	waitpid(pid, &st, 0);
	double fdur = now_s() - f0;
	leftovers(&locks, &temps);
	size_t alen;
	char *after = slurp(live, &alen);
	bool changed = after && prev && !(alen == plen && memcmp(after, prev, plen) == 0);
	printf("%d kills in %.1f s: %d left the old version, %d the new one; %d writers "
	       "finished before the kill (%d of them failed)\n",
	       iterations, now_s() - t0, old, new, early_exit, failed);
	printf("stale lock files seen after kills: %d; temporary files: at most %d at once, "
	       "%d at the end\n",
	       stale_locks, temp_max, temps);
	printf("final writer: exit %d in %.2f s, file %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       fdur, changed ? "changed" : "unchanged");
	free(prev);
	free(after);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !changed) {
		fprintf(stderr, "the writer after the kills did not succeed\n");
		return 1;
	}
	return 0;
}
