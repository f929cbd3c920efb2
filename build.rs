//! Compresses the static assets at build time (gzip and brotli, each at its best level, once per
//! change), so the binary embeds every form and serves the smallest one a browser accepts, with
//! no work per request and no compressed copy in the repository to fall out of date.

use std::io::Write;
use std::path::Path;

/// The files `src/web/assets.rs` embeds, relative to `static/`.
const ASSETS: [&str; 5] = ["app.css", "app.js", "vendor/htmx-2.0.11.min.js", "vendor/htmx-LICENSE.txt", "favicon.svg"];

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=build.rs");
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
