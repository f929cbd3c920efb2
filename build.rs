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
/// unchanged (1.22 ms before, 1.02–1.18 ms after, same machine, interleaved runs). The file
/// also lists what the benchmark's load runs (thousands of followers, 64 users): left out,
/// each of those functions kept 64 KiB mapped once the load was over (file-backed RSS 70 s
/// after the load: 9.5 → 7.4 MiB).
///
/// Only with a linker that takes `--symbol-ordering-file` (rust-lld, which rustc uses by default
/// on x86_64 Linux since 1.90, or LLD; GNU ld does not): the build first links an empty program
/// with an empty list, with the build's own target, flags and linker, and lays out nothing if
/// that fails. `CCR_PANEL_LINK_ORDER=0` leaves the default layout too. Names the build does not
/// have (another toolchain or profile, or code changed since the file was made) are skipped: a
/// stale file costs memory, never a build.
fn hot_functions_first() {
    println!("cargo:rerun-if-env-changed=CCR_PANEL_LINK_ORDER");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    println!("cargo:rerun-if-changed=link/startup.order");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let order = Path::new(&manifest).join("link/startup.order");
    let off = std::env::var("CCR_PANEL_LINK_ORDER").is_ok_and(|v| v == "0");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    if off || !order.is_file() || !linker_takes_an_order_file(Path::new(&out)) {
        return;
    }
    // The linker reads a copy beside the build's other outputs: a checkout moved, or a target
    // directory shared by two checkouts, would otherwise leave it a path that no longer exists.
    let copy = Path::new(&out).join("startup.order");
    if std::fs::copy(&order, &copy).is_err() {
        return;
    }
    // `-Xlinker`, not `-Wl,`: a comma in the path would split the argument.
    for argument in [format!("--symbol-ordering-file={}", copy.display()), "--no-warn-symbol-ordering".into()] {
        println!("cargo:rustc-link-arg-bin=ccr-panel=-Xlinker");
        println!("cargo:rustc-link-arg-bin=ccr-panel={argument}");
    }
}

/// Whether the linker of this build accepts an ordering file: links `fn main() {}` with an
/// empty one, as the build would (target, `RUSTFLAGS`, a linker chosen in Cargo's config).
fn linker_takes_an_order_file(out: &Path) -> bool {
    let source = out.join("link-probe.rs");
    let empty = out.join("link-probe.order");
    if std::fs::write(&source, "fn main() {}\n").is_err() || std::fs::write(&empty, "").is_err() {
        return false;
    }
    let mut probe = std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
    probe.arg("--edition=2021").arg("-o").arg(out.join("link-probe")).arg(&source);
    if let Ok(target) = std::env::var("TARGET") {
        probe.args(["--target", &target]);
    }
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    probe.args(flags.split('\u{1f}').filter(|flag| !flag.is_empty()));
    if let Ok(linker) = std::env::var("RUSTC_LINKER") {
        probe.arg("-C").arg(format!("linker={linker}"));
    }
    probe.args(["-C", "link-arg=-Xlinker", "-C"]).arg(format!("link-arg=--symbol-ordering-file={}", empty.display()));
    probe.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    probe.status().is_ok_and(|status| status.success())
}
