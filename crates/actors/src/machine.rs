//! What the machine and this process are using: memory and CPU time.

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

fn this_process() -> Option<(System, Pid)> {
    let pid = sysinfo::get_current_pid().ok()?;
    let mut system = System::new();
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[pid]),
        true,
        ProcessRefreshKind::nothing().with_memory(),
    );
    Some((system, pid))
}

/// Resident memory of this process in bytes (0 where unknown).
pub fn resident_memory() -> u64 {
    this_process()
        .and_then(|(system, pid)| system.process(pid).map(|p| p.memory()))
        .unwrap_or(0)
}

/// CPU time all threads of this process have used so far, in seconds (0 where unknown).
/// Read from the OS's per-process clock, precise to microseconds (sysinfo's is in ticks).
pub fn cpu_seconds() -> f64 {
    cpu_time::ProcessTime::try_now().map_or(0.0, |t| t.as_duration().as_secs_f64())
}
