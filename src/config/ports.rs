//! Free loopback ports for the apps under test, reserved against the other
//! benchgate processes on this machine.
//!
//! A free port is found by binding port 0 and closing the socket; the app
//! binds the port a moment later, once it has started. Two benchgates at
//! once on one machine (parallel CI jobs on a runner) can be handed the same
//! port in between: one app then fails to bind, and until it exits, the
//! other run's ready probe and load reach the wrong app. So every port
//! picked is reserved: an exclusive `flock` on a file named after it, in a
//! directory all benchgate processes of the machine share, held until this
//! process exits (the kernel drops it then, however the process ends). A
//! port another process holds is passed over.

use std::fs::{File, OpenOptions};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Mutex;

use nix::fcntl::{Flock, FlockArg};

/// The reservations this process holds, for as long as it lives.
static HELD: Mutex<Vec<Flock<File>>> = Mutex::new(Vec::new());

/// Tries per port before one that cannot be reserved is taken anyway.
const TRIES: usize = 20;

/// `N` distinct loopback ports nothing listens on at this moment and no
/// other benchgate process has reserved (0 where none could be had, which
/// the app's start then reports). While they are picked, all are held open
/// together, so they differ.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let mut open: Vec<TcpListener> = Vec::new();
    let mut picked = [0u16; N];
    for slot in &mut picked {
        for attempt in 0..TRIES {
            let Ok(listener) = TcpListener::bind(("127.0.0.1", 0)) else {
                break;
            };
            let Ok(port) = listener.local_addr().map(|a| a.port()) else {
                break;
            };
            // Held open until all are picked: the next bind gets another.
            open.push(listener);
            if reserve(port) || attempt + 1 == TRIES {
                *slot = port;
                break;
            }
        }
    }
    picked
}

/// Where the machine's benchgate processes reserve ports.
fn dir() -> PathBuf {
    std::env::temp_dir().join("benchgate-ports")
}

/// Whether this process now holds `port` (or cannot tell, when the
/// directory cannot be used: then reservations are not possible and the
/// port is taken as it is).
fn reserve(port: u16) -> bool {
    let dir = dir();
    if std::fs::create_dir_all(&dir).is_err() {
        return true;
    }
    let Ok(file) = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(port.to_string()))
    else {
        return true;
    };
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => {
            HELD.lock().unwrap_or_else(|p| p.into_inner()).push(lock);
            true
        }
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => false,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_and_reserved_against_other_processes() {
        let ports = free_ports::<3>();
        assert!(ports.iter().all(|&p| p > 0), "{ports:?}");
        assert!(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);
        for port in ports {
            // Another process (here: another open file description, which
            // flock treats alike) cannot take the reservation.
            let other = OpenOptions::new()
                .write(true)
                .open(dir().join(port.to_string()))
                .expect("the reservation file exists");
            assert!(
                Flock::lock(other, FlockArg::LockExclusiveNonblock).is_err(),
                "port {port} is not reserved"
            );
        }
    }

    #[test]
    fn a_reserved_port_is_passed_over() {
        // The rule itself: a port another holder has locked is refused;
        // once it lets go, the port is taken.
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::fs::create_dir_all(dir()).expect("dir");
        let held = Flock::lock(
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir().join(port.to_string()))
                .expect("open"),
            FlockArg::LockExclusiveNonblock,
        )
        .expect("lock");
        assert!(!reserve(port), "port {port} was reserved twice");
        drop(held);
        assert!(reserve(port), "port {port} is free again");
    }
}
