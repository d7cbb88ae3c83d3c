// floor: the least CPU an HTTP/1.1 client can spend per request on loopback,
// for `make bench` (client/bench, limit section) to set the client beside.
//
// It does only what any HTTP/1.1 client must: CONNS non-blocking keep-alive
// connections in one epoll and, per request, exactly one write() of a fixed
// GET and one read() of the whole answer (the answer's size is learnt once,
// from a first blocking request). No parsing, no timers per request, no
// allocation. So the CPU it spends is the kernel's share of a request (the
// write, loopback delivery into the server's socket, waking the server, the
// read, epoll_wait) plus almost nothing; a client that sends each request
// with a system call of its own and reads each answer with another cannot
// spend less.
//
// Open loop, given RATE (requests per second): all connections start idle,
// and a 1 ms timerfd tick sends what is due on idle connections, as an
// open-loop generator does; a connection whose answer comes in sends again
// at once if a request is due. Without RATE, closed loop: every connection
// sends again as soon as its answer is in. Sending stops after SECONDS; the
// answers in flight are then read.
//
// It prints one JSON line: requests sent, answers that were 2xx, and its CPU
// per request (user + system from getrusage, from the first request on).
//
// usage: floor HOST PORT CONNS SECONDS [RATE]
// build: gcc -O2 -Wall -Wextra -o floor floor.c
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static const char request[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: floor\r\n\r\n";
static const char ok_prefix[] = "HTTP/1.1 2";

#define TICK UINT32_MAX // the epoll tag of the timerfd; connections are tagged 0..CONNS-1

static void die(const char *what) {
	perror(what);
	exit(1);
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double seconds(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

// send_request writes the whole request in one call; a short write on a fresh
// keep-alive connection means something is wrong, not a slow peer.
static void send_request(int fd) {
	if (write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) die("write");
}

// answer_size sends one request on the still-blocking fd and returns the
// size of its answer, header and body (nginx's fixed answer has a Content-Length).
static long answer_size(int fd) {
	char buf[65536];
	long n = 0;
	send_request(fd);
	for (;;) {
		ssize_t m = read(fd, buf + n, sizeof buf - 1 - n);
		if (m <= 0) die("read");
		n += m;
		buf[n] = 0;
		char *end = strstr(buf, "\r\n\r\n"), *length = strcasestr(buf, "\r\ncontent-length:");
		if (end && !length) {
			fprintf(stderr, "floor: the first answer has no Content-Length\n");
			exit(1);
		}
		if (!end) continue;
		if (strncmp(buf, ok_prefix, sizeof ok_prefix - 1) != 0) {
			fprintf(stderr, "floor: the first answer is %.12s, want 2xx\n", buf);
			exit(1);
		}
		long size = (end + 4 - buf) + atol(length + 17);
		if (n >= size) return size;
	}
}

int main(int argc, char **argv) {
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: floor HOST PORT CONNS SECONDS [RATE]\n");
		return 2;
	}
	int conns = atoi(argv[3]);
	double duration = atof(argv[4]), rate = argc == 6 ? atof(argv[5]) : 0;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
	if (conns <= 0 || duration <= 0 || rate < 0 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "floor: want an IPv4 HOST, CONNS > 0, SECONDS > 0 and RATE >= 0\n");
		return 2;
	}

	int ep = epoll_create1(0), one = 1;
	if (ep < 0) die("epoll_create1");
	int *fds = calloc(conns, sizeof *fds), *idle = calloc(conns, sizeof *idle), nidle = 0;
	long *got = calloc(conns, sizeof *got), size = 0;
	if (!fds || !idle || !got) die("calloc");
	for (int i = 0; i < conns; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) die("socket");
		if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die("setsockopt");
		if (i == 0) size = answer_size(fd);
		if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) die("fcntl");
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
		fds[i] = fd;
	}

	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	long sent = 0, ok = 0, answers = 0, waits = 0;
	int inflight = 0, stopping = 0, tick = -1;
	double due = 0, start = now(), end = start + duration;
	if (rate > 0) {
		tick = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
		if (tick < 0) die("timerfd_create");
		struct itimerspec every_ms = {.it_interval = {0, 1000000}, .it_value = {0, 1000000}};
		if (timerfd_settime(tick, 0, &every_ms, NULL) < 0) die("timerfd_settime");
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TICK};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, tick, &ev) < 0) die("epoll_ctl");
		for (int i = 0; i < conns; i++) idle[nidle++] = i;
	} else {
		for (int i = 0; i < conns; i++) send_request(fds[i]);
		sent = inflight = conns;
	}

	char buf[65536];
	struct epoll_event evs[256];
	while (inflight > 0 || (rate > 0 && !stopping)) {
		int n = epoll_wait(ep, evs, 256, 1000);
		if (n < 0 && errno != EINTR) die("epoll_wait");
		waits++;
		if (!stopping && now() >= end) stopping = 1;
		for (int k = 0; k < n; k++) {
			if (evs[k].data.u32 == TICK) {
				uint64_t ticks;
				if (read(tick, &ticks, sizeof ticks) != sizeof ticks || stopping) continue;
				for (due += ticks * rate / 1000; due >= 1 && nidle > 0; due--) {
					send_request(fds[idle[--nidle]]);
					sent++;
					inflight++;
				}
				continue;
			}
			int i = evs[k].data.u32;
			ssize_t m = read(fds[i], buf, sizeof buf);
			if (m < 0 && errno == EAGAIN) continue;
			if (m < 0) die("read");
			if (m == 0) {
				fprintf(stderr, "floor: the server closed a connection\n");
				return 1;
			}
			if (got[i] == 0 && strncmp(buf, ok_prefix, m < 10 ? m : 10) == 0) ok++;
			if ((got[i] += m) < size) continue;
			if (got[i] != size) {
				fprintf(stderr, "floor: an answer of %ld bytes, want %ld\n", got[i], size);
				return 1;
			}
			got[i] = 0;
			answers++;
			if (stopping || (rate > 0 && due < 1)) {
				if (rate > 0) idle[nidle++] = i;
				inflight--;
				continue;
			}
			if (rate > 0) due--;
			send_request(fds[i]);
			sent++;
		}
	}
	getrusage(RUSAGE_SELF, &r1);
	if (answers == 0) answers = 1; // only for the per-request figures: sent and ok say 0
	double wall = now() - start, user = seconds(r1.ru_utime) - seconds(r0.ru_utime),
	       sys = seconds(r1.ru_stime) - seconds(r0.ru_stime);
	printf("{\"conns\":%d,\"rate\":%.0f,\"sent\":%ld,\"ok\":%ld,\"seconds\":%.3f,\"answers_per_epoll_wait\":%.2f,"
	       "\"cpu_us_per_request\":%.2f,\"user_us_per_request\":%.2f,\"system_us_per_request\":%.2f}\n",
	       conns, rate, sent, ok, wall, (double)answers / waits, (user + sys) / answers * 1e6, user / answers * 1e6,
	       sys / answers * 1e6);
	return 0;
}
