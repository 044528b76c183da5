//! Tests of the `fake-bedrock` binary: the first output line names the port, and the server
//! rejects unsigned requests as AWS does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Kills the server when the test ends, whether it passed or not.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(config_path: &std::path::Path) -> (Server, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_fake-bedrock"))
        .arg("--config")
        .arg(config_path)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fake-bedrock");
    let mut server = Server(child);
    let stdout = server.0.stdout.take().expect("piped standard output");
    let mut first_line = String::new();
    BufReader::new(stdout).read_line(&mut first_line).expect("read the first output line");
    (server, first_line)
}

/// Sends one HTTP/1.1 request without a signature and returns the whole response.
fn post_unsigned(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("connect to the fake");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\
         Connection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read the response");
    response
}

#[test]
fn cli_prints_port_and_rejects_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config.json");
    std::fs::write(
        &config_path,
        r#"{"keys":[{"access_key_id":"AKIAEXAMPLE000000001","secret":"s3cr3t","outcome":"success"}],
            "user_arn_account":"123456789012"}"#,
    )
    .unwrap();

    let (_server, first_line) = start(&config_path);
    let address = first_line.trim().strip_prefix("listening on ").expect("first line starts with 'listening on '");
    assert!(address.starts_with("127.0.0.1:"), "{first_line}");
    let port: u16 = address["127.0.0.1:".len()..].parse().expect("the port is a number");
    assert_ne!(port, 0);

    let response = post_unsigned(address, "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    let lowercase = response.to_ascii_lowercase();
    assert!(response.starts_with("HTTP/1.1 403"), "{response}");
    assert!(lowercase.contains("x-amzn-errortype: missingauthenticationtokenexception"), "{response}");
    assert!(lowercase.contains("x-amzn-requestid: "), "{response}");
    assert!(response.ends_with(r#"{"message":"Missing Authentication Token"}"#), "{response}");
}

#[test]
fn invalid_config_fails_with_message() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config.json");
    std::fs::write(&config_path, r#"{"keys":[{"access_key_id":"AKIA","secret":"s","outcome":"maybe"}]}"#).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_fake-bedrock"))
        .arg("--config")
        .arg(&config_path)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run fake-bedrock");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not valid"), "{stderr}");
    assert!(!stderr.contains("\"s\""), "{stderr}");
}
