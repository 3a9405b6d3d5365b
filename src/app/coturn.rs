//! A private coturn (`turnserver`) on loopback for the relay benchmark and tests: a free port,
//! a temporary folder with its database and log, long-term credentials or a TURN REST shared
//! secret, no CLI, no TLS/DTLS, loopback peers allowed (both peers are on this machine). It can be
//! restarted on the same port (its allocations are lost, as in a real restart); it is stopped
//! when dropped.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::protocol::turn::TurnUrl;
use crate::protocol::turn::stun::{Builder, Class, Message};
use crate::transport::{RelayAuth, RelayConfig};

/// The realm the private server uses.
pub const REALM: &str = "stepwise.test";

/// A running `turnserver`; killed on drop.
pub struct Coturn {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
    auth: RelayAuth,
}

/// Whether `turnserver` can be started here (it is on the PATH).
pub fn available() -> bool {
    Command::new("turnserver").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

impl Coturn {
    /// Starts a server with `auth` (long-term user and password, or a shared secret) and waits
    /// until it answers.
    pub fn start(auth: RelayAuth) -> anyhow::Result<Self> {
        let port = free_udp_port()?;
        let dir = std::env::temp_dir().join(format!("stepwise-coturn-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut server = Self { child: None, dir, port, auth };
        server.launch()?;
        Ok(server)
    }

    /// The address clients send to.
    pub fn address(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The relay configuration an engineer would enter for this server.
    pub fn config(&self) -> RelayConfig {
        RelayConfig { server: TurnUrl { host: "127.0.0.1".into(), port: self.port }, auth: self.auth.clone() }
    }

    /// Stops the server (allocations are lost), then starts it again on the same port.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        self.launch()
    }

    /// Stops the server.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn launch(&mut self) -> anyhow::Result<()> {
        let config = self.dir.join("turnserver.conf");
        std::fs::write(&config, self.config_text()).context("cannot write the coturn configuration")?;
        // A fresh database each time (a restart forgets everything, as a real one does).
        let _ = std::fs::remove_file(self.dir.join("turndb"));
        let child = Command::new("turnserver")
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start turnserver (apt install coturn)")?;
        self.child = Some(child);
        self.wait_ready(Duration::from_secs(10))
    }

    fn config_text(&self) -> String {
        let dir = self.dir.display();
        let auth = match &self.auth {
            RelayAuth::LongTerm { username, password } => format!("lt-cred-mech\nuser={username}:{password}\n"),
            RelayAuth::SharedSecret { secret } => format!("use-auth-secret\nstatic-auth-secret={secret}\n"),
        };
        format!(
            "listening-ip=127.0.0.1\nrelay-ip=127.0.0.1\nlistening-port={port}\nrealm={REALM}\n{auth}\
             no-cli\nno-tls\nno-dtls\nno-tcp\nno-tcp-relay\nallow-loopback-peers\nno-multicast-peers\n\
             userdb={dir}/turndb\npidfile={dir}/turnserver.pid\nlog-file={dir}/turn.log\nsimple-log\n\
             no-stdout-log\nno-software-attribute\n",
            port = self.port,
        )
    }

    /// Sends STUN Binding requests until one is answered.
    fn wait_ready(&mut self, limit: Duration) -> anyhow::Result<()> {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        let request = Builder::new(0x001, Class::Request, [0x5A; 12]).finish();
        let started = Instant::now();
        let mut answer = [0u8; 1500];
        while started.elapsed() < limit {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                bail!("turnserver exited at start ({status}); see {}", self.log_path().display());
            }
            let _ = socket.send_to(&request, self.address());
            if let Ok(size) = socket.recv(&mut answer)
                && Message::decode(&answer[..size]).is_ok_and(|message| message.transaction == [0x5A; 12])
            {
                return Ok(());
            }
        }
        bail!("turnserver did not answer within {} s; see {}", limit.as_secs(), self.log_path().display())
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("turn.log")
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        self.stop();
        remove_dir(&self.dir);
    }
}

fn remove_dir(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

fn free_udp_port() -> anyhow::Result<u16> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).context("no free UDP port")?;
    Ok(socket.local_addr()?.port())
}
