#!/bin/sh
# slurm-test-cluster.sh — a single-node Slurm cluster on this machine, for
# testing `casbench run --executor slurm` for real (tests/integration/
# slurm_backend.sh, docs/slurm.md).
#
#   tools/slurm-test-cluster.sh start DIR   start munged, slurmctld, slurmd
#   tools/slurm-test-cluster.sh stop DIR    stop them (every pid it started)
#   tools/slurm-test-cluster.sh install     apt-get install slurm-wlm munge when
#                                           missing, without recommends (only the
#                                           basic plugins this cluster uses; `make test-slurm` does; not
#                                           tools/install-deps.sh, because Debian's
#                                           packages also enable system services)
#
# Everything lives in DIR: slurm.conf, the munge key and socket, state and
# spool directories, logs and pid files.  The node is NodeName=localhost
# with CPUs=2, one partition "casbench", select/cons_tres, proctrack/linuxproc
# (no cgroups), no accounting.  Ports come from $SLURM_TEST_PORT (default
# 16817; slurmd uses the next one).  `start` prints the line to eval:
#     export SLURM_CONF=DIR/slurm.conf
# and exits 0 only when the node answers as idle; otherwise it stops what it
# started, prints why on stderr and exits 1 (a test then skips).  The
# daemons run as root here (this is a test cluster; a real one has its own
# users).  Needs Debian's slurm-wlm and munge.
set -u
cmd=${1:-} dir=${2:-}
if [ "$cmd" = install ]; then
    missing=
    for p in slurm-wlm munge; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    [ -z "$missing" ] && exit 0
    echo "installing:$missing"
    SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
    exit $?
fi
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR | install" >&2; exit 2; }

stop() {
    # jobs first: their slurmstepd would outlive slurmd
    if [ -s "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
        SLURM_CONF="$dir/slurm.conf" scancel --partition=casbench >/dev/null 2>&1
        n=0
        while [ -n "$(SLURM_CONF="$dir/slurm.conf" squeue -h 2>/dev/null)" ] && [ $n -lt 100 ]; do
            sleep 0.1; n=$((n + 1))
        done
    fi
    for d in slurmd slurmctld munged; do
        f="$dir/$d.pid"
        [ -s "$f" ] || continue
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null
        n=0
        while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
        kill -9 "$pid" 2>/dev/null
        rm -f "$f"
    done
    return 0
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

die() { echo "slurm-test-cluster: $*" >&2; stop; exit 1; }
for p in munged slurmctld slurmd sbatch squeue; do
    command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || die "$p is not installed (apt-get install slurm-wlm munge)"
done
PATH=$PATH:/usr/sbin
mkdir -p "$dir/state" "$dir/spool" "$dir/log" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
port=${SLURM_TEST_PORT:-16817}

# munge: a fresh key, our own socket
dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 2>/dev/null || die "cannot write the munge key"
chmod 600 "$dir/munge.key"
munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge.seed" \
    >"$dir/log/munged.out" 2>&1 || die "munged did not start: $(tail -2 "$dir/log/munged.out" "$dir/log/munged.log" 2>/dev/null)"

cat >"$dir/slurm.conf" <<EOF
ClusterName=casbench
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=casbench Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF="$dir/slurm.conf"

slurmctld -i -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 || die "slurmctld did not start: $(tail -3 "$dir/log/slurmctld.log" 2>/dev/null)"
slurmd -N localhost -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 || die "slurmd did not start: $(tail -3 "$dir/log/slurmd.log" 2>/dev/null)"

# wait (up to ~20 s) for the node to be idle
n=0
while :; do
    state=$(sinfo -h -N -n localhost -o %T 2>/dev/null)
    case "$state" in idle*) break ;; esac
    n=$((n + 1))
    [ $n -ge 80 ] && die "the node did not become idle (state '$state'): $(tail -3 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" 2>/dev/null)"
    sleep 0.25
done
echo "export SLURM_CONF=$SLURM_CONF"
