/*
 * The pod sandbox's process: holds the pod's namespaces and does nothing else.
 *
 * It is PID 1 of the pod's pid namespace when shareProcessNamespace is set, so it reaps the
 * orphans that are reparented to it; it exits 0 on SIGINT or SIGTERM. Built static at build
 * time (crates/secctx-runtime/build.rs) and copied alone into the sandbox's root, so that
 * /proc/1/root and /proc/1/exe show nothing of the host.
 *
 * Signals are blocked and taken with sigwaitinfo rather than handled: PID 1 of a pid
 * namespace only gets the signals it does not leave at their default disposition, and a
 * blocked signal stays pending for sigwaitinfo (it is not discarded as ignored).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>

int main(void)
{
	sigset_t wanted;

	sigemptyset(&wanted);
	sigaddset(&wanted, SIGINT);
	sigaddset(&wanted, SIGTERM);
	sigaddset(&wanted, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &wanted, NULL) != 0)
		return 1;
	for (;;) {
		int sig = sigwaitinfo(&wanted, NULL);

		if (sig == SIGINT || sig == SIGTERM)
			return 0;
		if (sig == SIGCHLD) {
			/* One SIGCHLD may stand for several children: reap all that have exited. */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		} else if (sig < 0 && errno != EINTR) {
			return 1;
		}
	}
}
