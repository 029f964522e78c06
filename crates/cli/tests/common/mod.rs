//! Shared by the end-to-end tests that talk to a running `colony` server.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::Duration;

/// Kills the server when the test ends, however it ends.
pub struct Server(pub Child);

impl Server {
    /// Takes a started `colony` process that serves the dashboard; returns it with the address
    /// it printed (`host:port`).
    pub fn started(mut child: Child) -> (Server, String) {
        let stdout = child.stdout.take().expect("stdout piped");
        let server = Server(child);
        let mut lines = BufReader::new(stdout).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| {
                l.strip_prefix("Colony dashboard: http://")
                    .map(|u| u.trim_end_matches('/').to_string())
            })
            .expect("the dashboard prints its URL");
        // Keep reading: a closed pipe would end the process at its next line of output.
        std::thread::spawn(move || lines.for_each(drop));
        (server, url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request; the status and the body.
pub fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// `colony` under an address-space cap of `cap` bytes (`prlimit --as`), or `None` (and a note)
/// where prlimit is missing outside CI.
pub fn capped(cap: u64) -> Option<std::process::Command> {
    use std::process::Command;
    if Command::new("prlimit").arg("--version").output().is_err() {
        // CI installs it and says so: there the runs must not be skipped.
        assert!(
            std::env::var_os("COLONY_REQUIRE_TOOLS").is_none(),
            "prlimit (util-linux) is missing"
        );
        eprintln!("prlimit (util-linux) is missing: skipping the memory-capped runs");
        return None;
    }
    let mut command = Command::new("prlimit");
    command
        .arg(format!("--as={cap}"))
        .arg(env!("CARGO_BIN_EXE_colony"))
        // Each malloc arena reserves 64 MiB of address space; two are plenty here.
        .env("MALLOC_ARENA_MAX", "2");
    Some(command)
}
