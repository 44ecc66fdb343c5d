/* hostinfo.h — what run.json records about the machine a run ran on
 * (docs/design.md §3.5): CPU model, cores, kernel, memory, hostname, and what makes
 * numbers noisy (CPU frequency governor, turbo/boost, load average at start),
 * as pyperf records them.  Read from /proc and /sys; anything the kernel does
 * not expose (e.g. no cpufreq in a VM) is JSON null, never an error. */
#ifndef CB_HOSTINFO_H
#define CB_HOSTINFO_H

#include <json-c/json.h>

/* A new JSON object:
 *   {"hostname", "cpu_model", "cores", "kernel", "memory_kib",
 *    "noise": {"governor", "turbo", "loadavg": [1, 5, 15], "aslr"}}
 * "governor" is the scaling governor of cpu0 (or a list when the CPUs
 * differ), "turbo" is true/false/null (intel_pstate no_turbo or cpufreq
 * boost). */
json_object *cb_hostinfo(void);

/* The number of CPUs this process may run on (sched_getaffinity). */
int cb_host_usable_cpus(void);

#endif
