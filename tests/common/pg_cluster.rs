//! A private PostgreSQL cluster for one test that stops, crashes and restarts its server.
//!
//! The shared server `scripts/test` starts must never go down under the other tests, so a
//! fault test that takes the server away starts its own: `initdb` into a temp folder, owned by
//! the `postgres` user when we are root (PostgreSQL refuses root), listening on 127.0.0.1 on a
//! free port with trust authentication. Dropped with the test (`pg_ctl stop -m immediate`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `initdb` and `pg_ctl` live: `$PG_BINDIR` (exported by scripts/pg.sh), else the newest
/// `/usr/lib/postgresql/*/bin`, else `PATH`.
fn bindir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("PG_BINDIR")
        && Path::new(&d).join("pg_ctl").exists()
    {
        return Some(PathBuf::from(d));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("pg_ctl").exists() && d.join("initdb").exists())
        .collect();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A running (or stopped) private cluster.
pub struct Cluster {
    bindir: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Cluster {
    /// Starts a fresh cluster, or `None` (after a loud message) when PostgreSQL is not installed
    /// and we are not in CI (where it panics: CI must run every fault test).
    pub fn start(test: &str) -> Option<Cluster> {
        let Some(bindir) = bindir() else {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("PostgreSQL server binaries not found and CI=true: run ./scripts/test");
            }
            eprintln!(
                "\n!!!!! SKIPPING `{test}`: no PostgreSQL server binaries (initdb, pg_ctl) !!!!!\n"
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("deribit-backfill-pgfault.")
            .tempdir()
            .expect("temp dir");
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o777),
        )
        .unwrap();
        let port = free_port();
        let cluster = Cluster { bindir, dir, port };
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ],
        );
        cluster.pg_ctl_start();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bindir.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).output().expect("run a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pg_ctl_start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "-o",
                &opts,
                "start",
            ],
        );
    }

    /// The superuser's URL on database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// A fresh database; returns its URL.
    pub async fn create_database(&self, name: &str) -> String {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connect to the private cluster");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .expect("create database");
        let _ = conn.close().await;
        self.url(name)
    }

    /// A clean shutdown (`-m fast`): every connection is closed, committed work survives.
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// A crash (`-m immediate`): no checkpoint, what is not in the WAL on disk is gone.
    pub fn crash(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    /// Starts the stopped (or crashed: recovery runs first) server again on the same port.
    pub fn restart(&self) {
        self.pg_ctl_start();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.dir.path().join("data/postmaster.pid").exists() {
            let exe = self.bindir.join("pg_ctl");
            let data = self.data();
            let mut cmd = if is_root() {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&exe);
                c
            } else {
                Command::new(&exe)
            };
            let _ = cmd
                .args(["-D", &data, "-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}

/// A port nothing listens on now (bound, read, released).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
