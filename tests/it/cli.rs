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
