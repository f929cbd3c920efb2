//! The command line: every command's `--help` names its flags and environment variables.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ccr-panel")).args(args).arg("--help").output().expect("binary runs");
    assert!(output.status.success(), "{args:?} --help failed");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_is_complete_for_every_command() {
    let top = help(&[]);
    for command in ["serve", "sim", "demo"] {
        assert!(top.contains(command), "top-level help lists {command}");
    }
    let serve = help(&["serve"]);
    for flag in [
        "--listen",
        "CCR_PANEL_LISTEN",
        "--es-url",
        "CCR_PANEL_ES_URL",
        "--es-username",
        "--es-password",
        "--es-api-key",
        "CCR_PANEL_ES_API_KEY",
        "--es-ca-cert",
        "--es-insecure",
        "--es-timeout",
        "--config",
    ] {
        assert!(serve.contains(flag), "serve --help mentions {flag}");
    }
    let sim = help(&["sim"]);
    for flag in ["--listen", "--transport-listen", "--cluster-name", "--version", "--license"] {
        assert!(sim.contains(flag), "sim --help mentions {flag}");
    }
    assert!(help(&["demo"]).contains("--listen"));
}

#[test]
fn bad_configuration_fails_fast_with_the_reason() {
    let output = Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
        .args(["serve", "--es-url", "https://elastic:secret@example.invalid:9200"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not in the URL"), "{stderr}");
    assert!(!stderr.contains("secret"), "the password is not echoed: {stderr}");
}

#[test]
fn demo_serves_the_panel_and_prints_where() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = lines.next().expect("the demo prints its URL").unwrap();
        printed.push(line.clone());
        if let Some(rest) = line.strip_prefix("ccr-panel is running at ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    assert!(
        printed.iter().any(|l| l.contains("seed node 127.0.0.1:")),
        "prints the leader's transport address: {printed:?}"
    );
    let body = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async { reqwest::get(&url).await.unwrap().text().await.unwrap() })
    })
    .join()
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(body.contains("data-testid=\"cluster-name\">local<"), "{body}");
}
