//! The process's memory, as glibc's allocator manages it: tuned once at start, and handed back
//! to the system after a burst of large pages (Linux with glibc only; elsewhere both are no-ops).
//!
//! Why: a page over 10,000 followers decodes a few MB of small strings and buffers, and many
//! users at once multiply that. By default glibc raises its mmap threshold after the first large
//! buffer is freed (up to 32 MB), so later large buffers come from the heap and stay resident
//! when freed, and each thread may get its own arena that keeps its own free memory. Measured in
//! `cargo bench --bench pages` (BENCHMARKS.md): the resident size stayed near the peak of the
//! load for good.

use std::time::{Duration, Instant};

/// At start: large buffers (1 MiB and more: the answers and lists of thousands of followers)
/// always get their own mapping, returned to the system when freed, while a page's gzip state
/// (a few hundred KiB, every page) is reused from the heap rather than mapped and faulted in
/// each time; at most two arenas (`serve` runs a worker for every two cores, and its work is
/// short): less memory held apart per thread. One arena left 0.7 MiB less after the load on
/// 2 cores, but would make every worker of a larger machine wait on one lock. An operator's
/// own `MALLOC_ARENA_MAX` or `GLIBC_TUNABLES` is left as it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune_allocator() {
    let arenas_chosen = allocator_chosen();
    // SAFETY: mallopt only changes glibc's allocator parameters; called once at start, before
    // the runtime spawns its threads. A refused parameter leaves the default, which is harmless.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 2 * 1024 * 1024);
        if !arenas_chosen {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune_allocator() {}

/// The allocator settings `serve` runs with unless the operator chose: glibc's per-thread caches
/// of freed blocks off, and at most two arenas (as [`tune_allocator`] would set).
pub const SERVE_TUNABLES: &str = "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=2";

/// Starts `serve` again, in the same process (same id, arguments and environment, plus
/// [`SERVE_TUNABLES`] in `GLIBC_TUNABLES`); returns only when it does not, and the panel then
/// runs with the caches on.
///
/// Why: glibc keeps up to seven freed blocks of each small size per thread (its tcache) to reuse
/// them without a lock, and `malloc_trim` cannot hand back a page that holds one. After a load
/// the worker threads' caches held blocks scattered over the heap: `cargo bench --bench pages`,
/// heap and stacks 70 s after 64 users at 10,000 followers, 4.8 MiB with the caches, 2.8 MiB
/// without. Without them the panel's CPU per page was the same within the noise (remote list at
/// 100 followers: 1.05 to 1.23 ms against 1.08 to 1.20). glibc reads the setting only as a
/// process starts, hence the exec; it costs about 2 ms of start-up (the dynamic loader runs
/// twice). An operator's own `GLIBC_TUNABLES` or `MALLOC_ARENA_MAX` is left as it is.
///
/// Never twice: the new process finds [`RESTARTED`] set. Not at all where glibc would ignore
/// the setting (a setuid binary or one with file capabilities: glibc 2.39 and later also drop
/// the variable there, which would otherwise start the panel again and again), nor where the
/// binary was not started by the kernel's loader (run as `ld.so ccr-panel serve`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn restart_with_serve_tunables() {
    use std::os::unix::process::CommandExt;
    // SAFETY: getauxval only reads the auxiliary vector the kernel gave the process.
    let (secure, interpreter) = unsafe { (libc::getauxval(libc::AT_SECURE), libc::getauxval(libc::AT_BASE)) };
    if allocator_chosen() || std::env::var_os(RESTARTED).is_some() || secure != 0 || interpreter == 0 {
        return;
    }
    // The binary's path (from `/proc/self/exe`), not that link itself, so that the process keeps
    // the binary's file name in `ps` and `top`. A binary deleted or renamed over since it
    // started is not started again (its path ends in " (deleted)").
    let Ok(binary) = std::env::current_exe() else { return };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(binary);
    if let Some(program) = args.next() {
        command.arg0(program);
    }
    let error = command.args(args).env("GLIBC_TUNABLES", SERVE_TUNABLES).env(RESTARTED, "1").exec();
    // Logging is not set up yet.
    eprintln!("ccr-panel: running with glibc's per-thread caches of freed blocks on (could not start again: {error})");
}

/// Set in the environment of the process [`restart_with_serve_tunables`] starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const RESTARTED: &str = "CCR_PANEL_ALLOCATOR_SET";

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn restart_with_serve_tunables() {}

/// Whether the allocator's settings were chosen from outside (or by the exec above).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn allocator_chosen() -> bool {
    ["MALLOC_ARENA_MAX", "GLIBC_TUNABLES"].iter().any(|name| std::env::var_os(name).is_some())
}

/// Hands the free pages of the allocator's heaps back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_freed() {
    // SAFETY: malloc_trim only returns free pages of glibc's heaps to the system; it takes no
    // pointer and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed() {}

/// How often [`trim_after_bursts`] looks at the process's CPU time.
pub const QUIET_CHECK: Duration = Duration::from_secs(5);

/// CPU time in one [`QUIET_CHECK`] below which the panel counts as quiet (1%).
const QUIET_CPU: Duration = Duration::from_millis(50);

/// CPU time since the last trim from which a quiet panel is worth trimming: a burst of pages,
/// not a lone look (trimming after every page only costs page faults on the next).
const BURST_CPU: Duration = Duration::from_millis(300);

/// When a burst is over, the connections it opened to Elasticsearch stay idle until the client
/// closes them, and their buffers are freed only then: a second trim comes once they are gone.
const LATE_TRIM: Duration = Duration::from_secs(2 * crate::es::IDLE_CONNECTION_TIMEOUT.as_secs() + 5);

/// Decides when to hand memory back: at the first quiet check after a burst, and once more
/// [`LATE_TRIM`] after the last busy check. Why after a quiet spell: glibc keeps the free
/// pieces a burst left among the live ones until asked (measured at 10,000 followers: 3.5 MB
/// resident for nothing once the idle connections had closed), and trimming while pages are
/// drawn would only fault them back in.
#[derive(Debug)]
pub struct BurstTrimmer {
    /// The process's CPU time at the last check and at the last trim.
    last_check: Duration,
    at_trim: Duration,
    /// The second trim of the last burst, while it is still to come.
    late_trim_at: Option<Instant>,
}

impl BurstTrimmer {
    pub fn new(cpu: Duration) -> BurstTrimmer {
        BurstTrimmer { last_check: cpu, at_trim: cpu, late_trim_at: None }
    }

    /// One check: `cpu` is the process's CPU time now. True when memory should be trimmed now.
    pub fn check(&mut self, cpu: Duration, now: Instant) -> bool {
        let quiet = cpu.saturating_sub(self.last_check) < QUIET_CPU;
        self.last_check = cpu;
        if !quiet {
            // Pages drawn since used the idle connections again: they close later.
            if self.late_trim_at.is_some() {
                self.late_trim_at = Some(now + LATE_TRIM);
            }
            return false;
        }
        if cpu.saturating_sub(self.at_trim) >= BURST_CPU {
            self.at_trim = cpu;
            self.late_trim_at = Some(now + LATE_TRIM);
            return true;
        }
        if self.late_trim_at.is_some_and(|at| now >= at) {
            self.late_trim_at = None;
            return true;
        }
        false
    }
}

/// Forever: every [`QUIET_CHECK`], hands the freed memory back to the system as
/// [`BurstTrimmer`] decides. Reads only the process's own CPU clock, so it needs no hook in the
/// web layer (the whole-list turns also trim on their own, right after lists of 5,000 or more). The
/// clock is the whole process's: in `demo` the simulators' polling counts too, and a
/// Prometheus scrape now and then adds up to a trim every few minutes, a millisecond or two
/// each time.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub async fn trim_after_bursts() {
    let mut trimmer = BurstTrimmer::new(process_cpu_time());
    loop {
        tokio::time::sleep(QUIET_CHECK).await;
        // A trim takes a millisecond or two: never enough to count as a burst of its own.
        if trimmer.check(process_cpu_time(), Instant::now()) {
            release_freed();
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub async fn trim_after_bursts() {}

/// CPU time the whole process used so far (zero where the clock cannot be read).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn process_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into `now`, a valid timespec owned by this frame.
    let read = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    if read != 0 {
        return Duration::ZERO;
    }
    Duration::new(u64::try_from(now.tv_sec).unwrap_or(0), u32::try_from(now.tv_nsec).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn a_quiet_panel_is_trimmed_after_a_burst_and_once_more_when_its_connections_are_gone() {
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut trimmer = BurstTrimmer::new(MS(100));
        // Drawing pages: not now, the pages would fault the memory back in.
        assert!(!trimmer.check(MS(900), at(5)));
        assert!(!trimmer.check(MS(1_800), at(10)));
        // Quiet after the burst: trimmed.
        assert!(trimmer.check(MS(1_805), at(15)));
        // Quiet on: nothing more until the idle connections are closed.
        assert!(!trimmer.check(MS(1_806), at(20)));
        assert!(!trimmer.check(MS(1_807), at(15 + LATE_TRIM.as_secs() - 1)));
        assert!(trimmer.check(MS(1_808), at(15 + LATE_TRIM.as_secs())));
        // And then never again while nothing happens.
        assert!(!trimmer.check(MS(1_809), at(200)));
        assert!(!trimmer.check(MS(1_810), at(400)));
    }

    #[test]
    fn light_use_is_trimmed_now_and_then_not_after_every_page() {
        let start = Instant::now();
        let mut trimmer = BurstTrimmer::new(MS(100));
        // 20 ms of CPU every 5 s for 500 s: someone clicking through the screens.
        let trims = (1..=100u64)
            .filter(|&check| trimmer.check(MS(100 + check * 20), start + Duration::from_secs(check * 5)))
            .count();
        // One trim per 300 ms of CPU used (every 15 checks: 6 in 2,000 ms), each followed by
        // its late one 45 s later.
        assert_eq!(trims, 12);
    }

    #[test]
    fn pages_drawn_after_a_burst_put_the_late_trim_off() {
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut trimmer = BurstTrimmer::new(MS(0));
        assert!(!trimmer.check(MS(1_000), at(5)));
        assert!(trimmer.check(MS(1_001), at(10)));
        // A few pages at 30 s (too few for a burst of their own): their connections close
        // up to 40 s after, so the late trim waits until 45 s after them.
        assert!(!trimmer.check(MS(1_101), at(30)));
        assert!(!trimmer.check(MS(1_102), at(10 + LATE_TRIM.as_secs())));
        assert!(!trimmer.check(MS(1_103), at(30 + LATE_TRIM.as_secs() - 5)));
        assert!(trimmer.check(MS(1_104), at(30 + LATE_TRIM.as_secs())));
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn the_process_clock_moves_with_work() {
        let before = process_cpu_time();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i * i));
        }
        assert!(process_cpu_time() > before, "{x}");
    }
}
