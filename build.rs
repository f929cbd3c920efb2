//! Compresses the static assets at build time (gzip and brotli, each at its best level, once per
//! change), so the binary embeds every form and serves the smallest one a browser accepts, with
//! no work per request and no compressed copy in the repository to fall out of date.
//!
//! It also hands the linker `link/startup.order` (see `hot_functions_first`).

use std::io::Write;
use std::path::Path;

/// The files `src/web/assets.rs` embeds, relative to `static/`.
const ASSETS: [&str; 5] = ["app.css", "app.js", "vendor/htmx-2.0.11.min.js", "vendor/htmx-LICENSE.txt", "favicon.svg"];

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    hot_functions_first();
    for asset in ASSETS {
        let source = Path::new("static").join(asset);
        println!("cargo:rerun-if-changed={}", source.display());
        let bytes = std::fs::read(&source).unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&bytes).expect("gzip in memory");
        let gzipped = encoder.finish().expect("gzip in memory");
        let target = Path::new(&out).join(format!("{asset}.gz"));
        std::fs::create_dir_all(target.parent().expect("a file in OUT_DIR")).expect("OUT_DIR is writable");
        std::fs::write(&target, gzipped).expect("OUT_DIR is writable");
        // Quality 11 with a window larger than any asset: the smallest brotli gives.
        let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
        let mut brotli = Vec::new();
        brotli::BrotliCompress(&mut &bytes[..], &mut brotli, &params).expect("brotli in memory");
        std::fs::write(Path::new(&out).join(format!("{asset}.br")), brotli).expect("OUT_DIR is writable");
    }
}

/// Lays out the functions `serve` runs at start-up and on its pages first and together in the
/// binary (`link/startup.order`, made by `scripts/link-order`). The kernel maps a program's code
/// 64 KiB around each page it runs (fault-around); scattered over the 12 MB of code (the
/// simulator of `demo` included), the 0.9 MB start-up runs had 7.6 MiB of code resident. Grouped,
/// 1.4 MiB: `cargo bench --bench pages` idle RSS 10.7 → 5.7 MiB, panel CPU per follower-list load
/// unchanged (1.22 ms before, 1.02–1.18 ms after, same machine, interleaved runs).
///
/// Only with rust-lld, the linker rustc uses by default on x86_64 Linux since 1.90 (GNU ld knows
/// no `--symbol-ordering-file`); `CCR_PANEL_LINK_ORDER=0`, or any linker chosen in RUSTFLAGS,
/// leaves the default layout. Names the build does not have (another toolchain or profile, or
/// code changed since the file was made) are skipped: a stale file costs memory, never a build.
fn hot_functions_first() {
    println!("cargo:rerun-if-env-changed=CCR_PANEL_LINK_ORDER");
    println!("cargo:rerun-if-changed=link/startup.order");
    let target = std::env::var("TARGET").unwrap_or_default();
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let chosen_linker = flags.contains("linker") || flags.contains("fuse-ld");
    let off = std::env::var("CCR_PANEL_LINK_ORDER").is_ok_and(|v| v == "0");
    if target != "x86_64-unknown-linux-gnu" || chosen_linker || off || !rustc_links_with_lld() {
        return;
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let order = Path::new(&manifest).join("link/startup.order");
    println!("cargo:rustc-link-arg-bin=ccr-panel=-Wl,--symbol-ordering-file={}", order.display());
    println!("cargo:rustc-link-arg-bin=ccr-panel=-Wl,--no-warn-symbol-ordering");
}

/// Whether rustc is 1.90 or later, which links x86_64 Linux programs with its own lld.
fn rustc_links_with_lld() -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(output) = std::process::Command::new(rustc).arg("-V").output() else { return false };
    let version = String::from_utf8_lossy(&output.stdout);
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let mut numbers = version.split_whitespace().nth(1).unwrap_or_default().split(['.', '-']);
    let major: u32 = numbers.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let minor: u32 = numbers.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    (major, minor) >= (1, 90)
}
