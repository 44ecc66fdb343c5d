#!/bin/sh
# mem_tracker.sh — the LD_PRELOAD allocation tracker (tracker/, docs/memory.md)
# on small C programs built here, whose allocations are known by construction:
# exact counts, bytes, peak and temporaries; every interposed function; the
# region boundaries; threads; fork (own counts in the child, the shared page
# read by the parent after the child was SIGKILLed mid-call); a signal
# handler that allocates; call-site symbols; start-up of ordinary programs.
. "$(dirname "$0")/../lib/testlib.sh"
SO=$BUILD/libcasbench-memtrack.so
[ -f "$SO" ] || { skip "tracker not built ($SO)"; exit 0; }
command -v cc >/dev/null || { skip "no C compiler"; exit 0; }

cat >"$T/prog.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void (*begin)(void), (*end)(void);
static char *(*report)(void);
static void *volatile keep[200000];
static volatile int sink;

static void show(void) { char *s = report(); printf("%s\n", s); free(s); }

/* N bytes k times, all live at once, then freed: k allocs, N*k bytes, peak N*k */
__attribute__((noinline)) void alloc_blocks_live(size_t n, int k)
{
    for (int i = 0; i < k; i++) { keep[i] = malloc(n); memset(keep[i], 1, n); }
    for (int i = 0; i < k; i++) free(keep[i]);
}
/* each freed at once: peak N, k temporaries */
__attribute__((noinline)) void alloc_blocks_temp(size_t n, int k)
{
    for (int i = 0; i < k; i++) { void *p = malloc(n); sink += ((char *)p)[0] = 1; free(p); }
}
/* p, q allocated, then p and q freed: q is temporary as memray counts
 * (freed before the thread's next allocation), not as heaptrack does (a free
 * came between) */
__attribute__((noinline)) void alloc_pairs(size_t n, int k)
{
    for (int i = 0; i < k; i++) { keep[0] = malloc(n); keep[1] = malloc(n); free(keep[0]); free(keep[1]); }
}
/* the same leaf reached from two callers at the same stack depth: the
 * stack cache (keyed by the hook's caller and stack pointer) must still tell
 * them apart */
__attribute__((noinline)) void alloc_leaf(void) { keep[2] = malloc(24); free(keep[2]); }
__attribute__((noinline)) void caller_one(void) { alloc_leaf(); sink++; }
__attribute__((noinline)) void caller_two(void) { alloc_leaf(); sink++; }
static void every_function(void)
{   /* the pointers escape into keep[], so the compiler cannot elide a pair */
    keep[0] = calloc(10, 10);                          /* 100 */
    keep[0] = realloc(keep[0], 1000);                  /* free 100, alloc 1000 */
    if (posix_memalign((void **)&keep[1], 64, 200)) abort();  /* 200 */
    keep[2] = aligned_alloc(128, 256);                 /* 256 */
    keep[3] = memalign(32, 300);                       /* 300 */
    keep[4] = valloc(400);                             /* 400 */
    keep[5] = pvalloc(500);                            /* 500 */
    keep[6] = reallocarray(NULL, 6, 100);              /* 600 */
    keep[7] = strdup("hello");                         /* 6, through malloc */
    for (int i = 0; i < 8; i++) free(keep[i]);
}
void *thread_body(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10000; i++) { void *p = malloc(48); sink += ((char *)p)[0] = 1; free(p); }
    return NULL;
}
static void on_usr1(int sig) { (void)sig; void *p = malloc(64); sink += ((char *)p)[0] = 1; free(p); }
static volatile long ticks;
static void on_alarm(int sig) { (void)sig; ticks++; }

int main(int argc, char **argv)
{
    begin = (void (*)(void))dlsym(RTLD_DEFAULT, "casbench_mem_begin");
    end = (void (*)(void))dlsym(RTLD_DEFAULT, "casbench_mem_end");
    report = (char *(*)(void))dlsym(RTLD_DEFAULT, "casbench_mem_report_json");
    if (!begin || !end || !report) { puts("no tracker"); return 3; }
    const char *mode = argv[1];
    if (!strcmp(mode, "live") || !strcmp(mode, "temp")) {
        size_t n = (size_t)atol(argv[2]); int k = atoi(argv[3]);
        void *before = malloc(12345);    /* outside the region: not counted */
        begin();
        if (!strcmp(mode, "live")) alloc_blocks_live(n, k); else alloc_blocks_temp(n, k);
        end();
        free(malloc(777));               /* after the region: not counted */
        free(before);
        show();
    } else if (!strcmp(mode, "twocallers")) {
        begin();
        for (int i = 0; i < 1000; i++) { caller_one(); caller_two(); if (i % 3 == 0) caller_two(); }
        end(); show();
    } else if (!strcmp(mode, "pairs")) {
        begin(); alloc_pairs(100, 50); end(); show();
    } else if (!strcmp(mode, "every")) {
        begin(); every_function(); end(); show();
    } else if (!strcmp(mode, "threads")) {
        pthread_t t[4];
        begin();
        for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, thread_body, NULL);
        for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
        end(); show();
    } else if (!strcmp(mode, "forkcount")) {
        /* a counting process forks: the child counts on its own */
        begin();
        alloc_blocks_live(100, 10);
        pid_t pid = fork();
        if (pid == 0) { alloc_blocks_live(50, 7); end(); show(); fflush(stdout); _exit(0); }
        waitpid(pid, NULL, 0);
        alloc_blocks_live(100, 10);
        end(); show();
    } else if (!strcmp(mode, "killed")) {
        /* the harness's shape: a child forked while not counting is killed
         * inside its region; the parent reads what it had counted */
        int fds[2]; if (pipe(fds)) return 4;
        pid_t pid = fork();
        if (pid == 0) {
            begin();
            for (int i = 0; i < 300; i++) keep[i] = malloc(1000);
            if (write(fds[1], "x", 1) != 1) _exit(5);
            pause();
            _exit(0);
        }
        char c; if (read(fds[0], &c, 1) != 1) return 5;
        kill(pid, SIGKILL); waitpid(pid, NULL, 0);
        printf("child %d\n", (int)pid);
        show();
    } else if (!strcmp(mode, "signals")) {
        /* the tracker raises SIGUSR1 while holding its lock (test hook) and
         * the handler allocates: no deadlock, and the loop's counts stay exact */
        signal(SIGUSR1, on_usr1);
        begin();
        for (int r = 0; r < 200; r++) alloc_blocks_live(64, 1000);
        end();
        show();
    } else if (!strcmp(mode, "itimer")) {
        /* a signal every 100 us interrupts the tracker everywhere */
        signal(SIGALRM, on_alarm);
        struct itimerval it = { { 0, 100 }, { 0, 100 } };
        setitimer(ITIMER_REAL, &it, NULL);
        begin();
        for (int r = 0; r < 200; r++) alloc_blocks_live(64, 1000);
        end();
        it.it_value.tv_usec = it.it_interval.tv_usec = 0;
        setitimer(ITIMER_REAL, &it, NULL);
        fprintf(stderr, "ticks %ld\n", ticks);
        show();
    }
    return 0;
}
EOF
if ! cc -O1 -g -rdynamic -o "$T/prog" "$T/prog.c" -ldl -lpthread 2>"$T/cc.err"; then
    fail "build the test program: $(head -c 300 "$T/cc.err")"; finish
fi
run() { LD_PRELOAD=$SO "$T/prog" "$@"; }
# the interpreter itself, not pyenv's shim (a shell script: ~0.3 s a call)
PY=$(python3 -c 'import sys; print(sys.executable)')
# field FILE KEY: a top-level number of the JSON report on the last line
field() { tail -n 1 "$1" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
# expect NAME FILE KEY=VALUE...: every KEY of the report has VALUE
expect() {
    name=$1 f=$2; shift 2
    bad=$(tail -n 1 "$f" | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError as e:
    sys.exit(print("not JSON: %s" % e))
for kv in sys.argv[1:]:
    k, v = kv.split("=", 1)
    if str(d.get(k)) != v:
        print("%s=%s (want %s)" % (k, d.get(k), v), end=" ")
' "$@" 2>&1)
    if [ -z "$bad" ]; then pass "$name"; else fail "$name: $bad"; fi
}

run live 1000 500 >"$T/live" 2>&1
expect "N bytes k times, all live: exact counts and peak" "$T/live" \
    allocations=500 frees=500 bytes_allocated=500000 bytes_freed=500000 peak_bytes=500000 \
    call_bytes_at_peak=500000 complete=True
run temp 4096 300 >"$T/temp" 2>&1
expect "N bytes k times, each freed at once: peak N, k temporaries" "$T/temp" \
    allocations=300 frees=300 bytes_allocated=1228800 peak_bytes=4096 temporary=300 temporary_adjacent=300
run pairs >"$T/pairs" 2>&1
expect "temporary as memray counts it vs as heaptrack does" "$T/pairs" \
    allocations=100 frees=100 peak_bytes=200 temporary=50 temporary_adjacent=0
run every >"$T/every" 2>&1
# 9 allocations (realloc is one), 9 frees (realloc frees the calloc'd block);
# at the peak all but the calloc'd 100 bytes are live: 3362 - 100
expect "every interposed function is counted with its requested size" "$T/every" \
    allocations=9 frees=9 bytes_allocated=3362 bytes_freed=3362 peak_bytes=3262
run threads >"$T/threads" 2>&1
# pthread_create allocates too (glibc's thread bookkeeping): check the site
if tail -n 1 "$T/threads" | "$PY" -c "
import json, sys
d = json.load(sys.stdin)
top = d['top_by_count'][0]
assert top['frames'][0].startswith('thread_body+') and top['count'] == 40000 and top['bytes'] == 1920000, top
assert d['allocations'] >= 40000 and d['frees'] >= 40000, d
" 2>"$T/py.err"; then pass "4 threads x 10000 allocations, counted exactly at their site"
else fail "threads: $(tail -c 400 "$T/py.err")"; fi

run forkcount >"$T/fork" 2>&1
head -n 1 "$T/fork" >"$T/fork.child"; tail -n 1 "$T/fork" >"$T/fork.parent"
expect "fork while counting: the child starts its own counts" "$T/fork.child" allocations=7 bytes_allocated=350
expect "fork while counting: the parent's counts exclude the child's" "$T/fork.parent" allocations=20 bytes_allocated=2000

run killed >"$T/killed" 2>&1
child=$(sed -n 's/^child //p' "$T/killed")
expect "child SIGKILLed inside its region: the parent reads its counts" "$T/killed" \
    allocations=300 bytes_allocated=300000 peak_bytes=300000 complete=False pid="$child"

if CASBENCH_MEMTRACK_TEST_RAISE=10 timeout 60 env LD_PRELOAD="$SO" "$T/prog" signals >"$T/sig" 2>&1; then
    expect "a handler allocating while the tracker holds its lock: no deadlock, exact counts" "$T/sig" \
        allocations=200000 frees=200000 bytes_allocated=12800000 peak_bytes=64000
else
    fail "allocating signal handler: exit $? $(tail -c 300 "$T/sig")"
fi
if timeout 60 env LD_PRELOAD="$SO" "$T/prog" itimer >"$T/itimer" 2>"$T/itimer.err"; then
    expect "SIGALRM every 100 us: exact counts ($(cat "$T/itimer.err"))" "$T/itimer" \
        allocations=200000 frees=200000 peak_bytes=64000
else
    fail "itimer: exit $? $(tail -c 300 "$T/itimer.err")"
fi

# call sites: the allocating function's name, through dladdr (-rdynamic)
if tail -n 1 "$T/live" | "$PY" -c "
import json, sys
d = json.load(sys.stdin)
top = d['top_by_count'][0]
assert top['count'] == 500 and top['bytes'] == 500000, top
assert top['frames'][0].startswith('alloc_blocks_live+'), top['frames']
assert any(f.startswith('main+') for f in top['frames']), top['frames']
rows = {r[0].split('+')[0]: r for r in d['rows']}
r = rows['alloc_blocks_live']
assert r[2] == 500000 and r[4] == 500000 and r[6] == 500 and abs(r[3] - 100) < 1e-6, r
m = rows['main']
assert m[2] == 500000 and m[4] == 0, m
" 2>"$T/py.err"; then pass "top call site and memray-style rows name the allocating function"
else fail "call sites: $(tail -c 400 "$T/py.err")"; fi

# the stack cache: the same leaf under two callers, and the same sites and
# rows as a libunwind walk for every allocation
run twocallers >"$T/two" 2>&1
if tail -n 1 "$T/two" | "$PY" -c "
import json, sys
d = json.load(sys.stdin)
by = {}
for t in d['top_by_count']:   # main calls caller_two from two places: two sites
    names = tuple(f.split('+')[0] for f in t['frames'][:3])
    by[names] = by.get(names, 0) + t['count']
want = {('alloc_leaf', 'caller_one', 'main'): 1000, ('alloc_leaf', 'caller_two', 'main'): 1334}
assert by == want, by
" 2>"$T/py.err"; then pass "stack cache: one leaf under two callers at the same depth, two sites"
else fail "stack cache, two callers: $(tail -c 400 "$T/py.err")"; fi
CASBENCH_MEMTRACK_UNWIND=nocache LD_PRELOAD=$SO "$T/prog" twocallers >"$T/two.nocache" 2>&1
CASBENCH_MEMTRACK_UNWIND=nocache LD_PRELOAD=$SO "$T/prog" threads >"$T/threads.nocache" 2>&1
same=1
for f in two threads; do
    for v in "$f" "$f.nocache"; do
        # rows are taken at the peak, whose moment depends on how the threads
        # interleave: compare them for the single-threaded program only
        tail -n 1 "$T/$v" | "$PY" -c "
import json, sys
d = json.load(sys.stdin)
print(json.dumps([d['top_by_count'][:3], d['rows'][:20] if '$f' == 'two' else None]))" >"$T/$v.sites" 2>&1
    done
    cmp -s "$T/$f.sites" "$T/$f.nocache.sites" || same=0
done
if [ $same = 1 ]; then pass "stack cache: same sites and rows as unwinding every allocation"
else fail "stack cache differs from plain unwinding: $(diff "$T/two.sites" "$T/two.nocache.sites"; diff "$T/threads.sites" "$T/threads.nocache.sites" | head -c 300)"; fi

# frames of an executable without -rdynamic: named by libdw when it is there
if cc -O1 -g -o "$T/prog_nr" "$T/prog.c" -ldl -lpthread 2>/dev/null; then
    LD_PRELOAD=$SO "$T/prog_nr" live 100 10 >"$T/nr" 2>&1
    if ! ldconfig -p 2>/dev/null | grep -q 'libdw\.so\.1'; then
        skip "libdw is not installed: executable frames stay offsets"
    elif tail -n 1 "$T/nr" | "$PY" -c "
import json, sys
f = json.load(sys.stdin)['top_by_count'][0]['frames']
assert f[0].startswith('$T/prog.c:') and f[0].endswith(' alloc_blocks_live (prog_nr)'), f
" 2>"$T/py.err"; then pass "libdw names the executable's frames: file:line function"
    else fail "libdw names: $(tail -c 300 "$T/py.err")"; fi
fi

# start-up safety: ordinary programs run unchanged with the tracker preloaded
ok=1
for cmd in "sh -c true" "ls /" "$PY -c pass" "cc --version"; do
    LD_PRELOAD=$SO $cmd >/dev/null 2>"$T/err" || { ok=0; fail "preloaded '$cmd' fails: $(head -c 200 "$T/err")"; }
done
[ $ok = 1 ] && pass "ordinary programs start and exit with the tracker preloaded"
finish
