//! The process's memory, as glibc's allocator manages it: tuned once at start, and handed back
//! to the system after a burst of large pages (Linux with glibc only; elsewhere both are no-ops).
//!
//! Why: a page over 10,000 followers decodes a few MB of small strings and buffers, and many
//! users at once multiply that. By default glibc raises its mmap threshold after the first large
//! buffer is freed (up to 32 MB), so later large buffers come from the heap and stay resident
//! when freed, and each thread may get its own arena that keeps its own free memory. Measured in
//! `cargo bench --bench pages` (BENCHMARKS.md): the resident size stayed near the peak of the
//! load for good.

/// At start: large buffers (1 MiB and more: the answers and lists of thousands of followers)
/// always get their own mapping, returned to the system when freed, while a page's gzip state
/// (a few hundred KiB, every page) is reused from the heap rather than mapped and faulted in
/// each time; at most two arenas (the runtime has one worker per core, and the panel's
/// work is short): less memory held apart per thread.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune_allocator() {
    // SAFETY: mallopt only changes glibc's allocator parameters; called once at start, before
    // the runtime spawns its threads. A refused parameter leaves the default, which is harmless.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 2 * 1024 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune_allocator() {}

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
