//! The `matchraum` binary as an operator meets it. This test also makes `cargo test` (and
//! nextest) build the binary with the suite's feature set, so the tests and scripts that
//! start it as a process (tests/tests/deploy.rs, scripts/test_ui.sh, the schemathesis run)
//! find it fresh in `target/debug/` instead of compiling the server a second time.

use std::process::Command;

fn matchraum(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_matchraum"))
        .args(args)
        .env("MATCHRAUM_CONFIG", "/nonexistent/matchraum.toml")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

#[test]
fn help_names_every_command() {
    let out = matchraum(&["--help"], &[]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for command in ["serve", "migrate", "import", "eval", "user"] {
        assert!(text.contains(command), "{command} missing in:\n{text}");
    }
}

#[test]
fn a_misspelt_setting_stops_the_start_with_its_name() {
    let out = matchraum(&["migrate"], &[("MATCHRAUM_HTTP_BIDN", "127.0.0.1:1")]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("bidn"), "{text}");
}
