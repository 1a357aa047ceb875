//! What the sender's benchmarks measure besides wall time, shared by the examples that include it
//! (`#[path = "support/cpu.rs"] mod cpu;`): the CPU time this process used.

/// User + system CPU seconds of this process so far (Linux `/proc/self/stat`, clock ticks of 1/100 s).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of the whole line (utime, stime) are 11 and 12 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}
