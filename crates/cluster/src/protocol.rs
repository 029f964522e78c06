//! What drivers say to a node's host actor, and how it crosses ractor_cluster.
//!
//! The host's messages are plain serde data in postcard, carried as ractor_cluster's serialized
//! calls and casts (no protocol of Colony's own below them). A call's typed reply port is bridged
//! to the byte reply port ractor_cluster carries, as `colony_actors::GameMsg` does.
//!
//! Compatibility rests on one rule, kept by every release: [`HostMsg::Hello`] is the body's first
//! variant and its first field is the version, and a refusal is encoded as `Err(Refused)`. So a
//! host reads any release's greeting for its version, and refuses another version with a reason
//! that names both, which any release's driver can read. A greeting whose body this release
//! cannot read whole (a release with other fields after the version) is still read for its
//! version, and refused naming both.

use colony_actors::{bytes_port_for, typed_port_for, GameId, GameSpec, Refused, TrialId};
use ractor::message::{BoxedDowncastErr, SerializedMessage};
use ractor::RpcReplyPort;
use serde::{Deserialize, Serialize};

use crate::heartbeat::Heartbeat;

/// The version of what nodes and drivers say to each other; bumped on any change of
/// [`HostMsg`]'s bodies or replies, or of `colony_actors::GameMsg`'s. Version 2: heartbeats
/// (the greeting's terms, `Beat`) and epochs in `Spawn`. Version 3: [`NodeReport`] carries CPU
/// time and uptime. Version 4: draining (a beat's [`Pulse`], [`NodeReport::draining`]) and the
/// node's listen address in its [`Welcome`] (for nodes that join).
pub const PROTOCOL_VERSION: u32 = 5;

/// The process-group scope Colony's actors join (ractor_cluster syncs every scope).
pub const SCOPE: &str = "colony";

/// The group every node's host actor joins.
pub const HOSTS: &str = "hosts";

/// The group a hosted game joins, so the driver that asked for it finds its stand-in.
pub(crate) fn game_group(driver: &str, key: u64) -> String {
    format!("game/{driver}/{key}")
}

/// Where a host's answer goes: the reply, or why it declined.
pub type HostReply<T> = RpcReplyPort<Result<T, Refused>>;

/// A host's greeting: who it is and what it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// Its protocol version (always the first field: see the module's docs).
    pub version: u32,
    /// The node's name.
    pub name: String,
    /// Its compute workers.
    pub workers: u32,
    /// Games it hosts now (for every driver).
    pub games: u64,
    /// Where it listens for drivers (`HOST:PORT`; a node that joins a driver dials from another
    /// port).
    pub listen: String,
}

/// A host's answer to a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pulse {
    /// The node is leaving: it takes no new games, and its drivers move theirs away.
    pub draining: bool,
}

/// How a draining host's refusal of a new game begins, so a driver that has not yet heard the
/// news from a beat tries another node.
pub const DRAINING: &str = "draining:";

/// What a host reports about its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeReport {
    /// The node's name.
    pub name: String,
    /// Its compute workers.
    pub workers: u32,
    /// Games it hosts now (for every driver).
    pub games: u64,
    /// Resident memory of the node's process, in bytes (0 where unknown).
    pub memory_bytes: u64,
    /// CPU time the node's process has used, in microseconds (0 where unknown): two reports
    /// give its load over the time between them.
    pub cpu_micros: u64,
    /// Time since the node started, in microseconds, on the node's monotonic clock.
    pub uptime_micros: u64,
    /// Whether it is draining (leaving once its games have moved).
    pub draining: bool,
}

/// Messages to a node's [`Host`](crate::Host).
#[derive(Debug)]
pub enum HostMsg {
    /// A driver introduces itself; the host answers with its [`Welcome`], or refuses a driver of
    /// another protocol version (naming both).
    Hello {
        /// The driver's protocol version.
        version: u32,
        /// The driver's node name (its games are stopped when its session ends).
        driver: String,
        /// How often the driver beats, and how long a silence loses it its games here.
        heartbeat: Heartbeat,
        /// Where the welcome goes.
        reply: HostReply<Welcome>,
    },
    /// Start game `game` of `trial` from `spec`, joined to process group `group` (the driver's
    /// handle on it); the reply comes once the actor runs and has joined.
    Spawn {
        /// The driver asking.
        driver: String,
        /// The trial, as the driver numbers it.
        trial: TrialId,
        /// The game.
        game: GameId,
        /// How many times the driver has placed this game before: a host that holds an older
        /// placement of it stops that one, and refuses a placement older than one it holds.
        epoch: u64,
        /// How to build it.
        spec: GameSpec,
        /// The group to join.
        group: String,
        /// Where the answer goes.
        reply: HostReply<()>,
    },
    /// Stop the game that joined `group`, at once (a game that is not there is already gone).
    Kill {
        /// The game's group.
        group: String,
    },
    /// Workers, games and memory.
    Report(HostReply<NodeReport>),
    /// The driver's heartbeat; the answer is the node's.
    Beat {
        /// The driver's node name.
        driver: String,
        /// Where the answer goes.
        reply: HostReply<Pulse>,
    },
    /// The node is leaving: take no new games and tell the drivers, whose beats then move their
    /// games away; the answer is how many games it hosts now. Sent by the node, never over the
    /// wire.
    Drain(RpcReplyPort<u64>),
    /// The session of this driver (a node name) ended: its games go. Sent by the node, never
    /// over the wire.
    DriverLost {
        /// The driver's node name.
        driver: String,
    },
    /// Time to judge the drivers' heartbeats. Sent by the host to itself, never over the wire.
    Tick,
    /// Bytes from a peer that are no message of this version: answered with a refusal if they
    /// were a call, never dropped silently and never a panic.
    Undecodable {
        /// What was wrong with the bytes.
        reason: String,
        /// The caller's byte reply port, if the message was a call.
        reply: Option<RpcReplyPort<Vec<u8>>>,
    },
}

/// The serializable body of a [`HostMsg`]. `Hello` stays first (see the module's docs).
#[derive(Debug, Serialize, Deserialize)]
enum Body {
    Hello {
        version: u32,
        driver: String,
        heartbeat: Heartbeat,
    },
    Spawn {
        driver: String,
        trial: TrialId,
        game: GameId,
        epoch: u64,
        spec: GameSpec,
        group: String,
    },
    Kill {
        group: String,
    },
    Report,
    Beat {
        driver: String,
    },
}

/// The part of a greeting every release shares: the first variant, its first field.
#[derive(Deserialize)]
enum Greeting {
    Hello { version: u32 },
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, BoxedDowncastErr> {
    postcard::to_allocvec(value).map_err(|_| BoxedDowncastErr)
}

impl HostMsg {
    /// Answers an undecodable call with a refusal (every reply type decodes it: postcard encodes
    /// `Err(refused)` the same way for every `Result<T, Refused>`).
    pub(crate) fn refuse(reason: &str, reply: Option<RpcReplyPort<Vec<u8>>>) {
        if let Some(reply) = reply {
            let refused: Result<(), Refused> = Err(Refused::new(format!("undecodable message: {reason}")));
            if let Ok(bytes) = encode(&refused) {
                let _ = reply.send(bytes);
            }
        }
    }
}

impl ractor::Message for HostMsg {
    fn serializable() -> bool {
        true
    }

    fn serialize(self) -> Result<SerializedMessage, BoxedDowncastErr> {
        let call = |body: Body, reply: RpcReplyPort<Vec<u8>>| -> Result<SerializedMessage, BoxedDowncastErr> {
            Ok(SerializedMessage::Call {
                variant: String::new(),
                args: encode(&body)?,
                reply,
                metadata: None,
            })
        };
        match self {
            HostMsg::Hello {
                version,
                driver,
                heartbeat,
                reply,
            } => call(
                Body::Hello {
                    version,
                    driver,
                    heartbeat,
                },
                bytes_port_for(reply),
            ),
            HostMsg::Spawn {
                driver,
                trial,
                game,
                epoch,
                spec,
                group,
                reply,
            } => call(
                Body::Spawn {
                    driver,
                    trial,
                    game,
                    epoch,
                    spec,
                    group,
                },
                bytes_port_for(reply),
            ),
            HostMsg::Report(reply) => call(Body::Report, bytes_port_for(reply)),
            HostMsg::Beat { driver, reply } => call(Body::Beat { driver }, bytes_port_for(reply)),
            HostMsg::Kill { group } => Ok(SerializedMessage::Cast {
                variant: String::new(),
                args: encode(&Body::Kill { group })?,
                metadata: None,
            }),
            // Local only: a node's own news, or bytes that came from elsewhere.
            HostMsg::DriverLost { .. } | HostMsg::Drain(_) | HostMsg::Tick | HostMsg::Undecodable { .. } => {
                Err(BoxedDowncastErr)
            }
        }
    }

    /// Never fails: bytes that are no message become [`HostMsg::Undecodable`].
    fn deserialize(message: SerializedMessage) -> Result<HostMsg, BoxedDowncastErr> {
        let undecodable = |reason: String, reply| Ok(HostMsg::Undecodable { reason, reply });
        match message {
            SerializedMessage::Call { args, reply, .. } => match postcard::from_bytes::<Body>(&args) {
                Ok(Body::Hello {
                    version,
                    driver,
                    heartbeat,
                }) => Ok(HostMsg::Hello {
                    version,
                    driver,
                    heartbeat,
                    reply: typed_port_for(reply),
                }),
                Ok(Body::Spawn {
                    driver,
                    trial,
                    game,
                    epoch,
                    spec,
                    group,
                }) => Ok(HostMsg::Spawn {
                    driver,
                    trial,
                    game,
                    epoch,
                    spec,
                    group,
                    reply: typed_port_for(reply),
                }),
                Ok(Body::Report) => Ok(HostMsg::Report(typed_port_for(reply))),
                Ok(Body::Beat { driver }) => Ok(HostMsg::Beat {
                    driver,
                    reply: typed_port_for(reply),
                }),
                Ok(Body::Kill { .. }) => undecodable("a one-way message sent as a call".to_string(), Some(reply)),
                // Another release's greeting: its version is enough to refuse it, naming both.
                Err(e) => match postcard::from_bytes::<Greeting>(&args) {
                    Ok(Greeting::Hello { version }) if version != PROTOCOL_VERSION => Ok(HostMsg::Hello {
                        version,
                        driver: String::new(),
                        heartbeat: Heartbeat::default(),
                        reply: typed_port_for(reply),
                    }),
                    _ => undecodable(e.to_string(), Some(reply)),
                },
            },
            SerializedMessage::Cast { args, .. } => match postcard::from_bytes::<Body>(&args) {
                Ok(Body::Kill { group }) => Ok(HostMsg::Kill { group }),
                Ok(_) => undecodable("a call sent without a reply port".to_string(), None),
                Err(e) => undecodable(e.to_string(), None),
            },
            SerializedMessage::CallReply(..) => undecodable("a stray call reply".to_string(), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use ractor::concurrency::oneshot;
    use ractor::Message;

    use super::*;

    #[tokio::test]
    async fn a_hello_survives_the_wire_with_its_reply() {
        let (tx, rx) = oneshot::<Result<Welcome, Refused>>();
        let beat = Heartbeat::with_timeout(std::time::Duration::from_secs(7));
        let msg = HostMsg::Hello {
            version: 7,
            driver: "d@h".to_string(),
            heartbeat: beat,
            reply: tx.into(),
        };
        let back = HostMsg::deserialize(msg.serialize().expect("serializable")).expect("decodes");
        let HostMsg::Hello {
            version,
            driver,
            heartbeat,
            reply,
        } = back
        else {
            panic!("wrong variant: {back:?}");
        };
        assert_eq!((version, driver.as_str(), heartbeat), (7, "d@h", beat));
        let welcome = Welcome {
            version: 7,
            name: "n".to_string(),
            workers: 2,
            games: 0,
            listen: "127.0.0.1:7001".to_string(),
        };
        reply.send(Ok(welcome.clone())).expect("reply");
        assert_eq!(rx.await.expect("arrives"), Ok(welcome));
    }

    #[test]
    fn a_hello_of_any_release_decodes_as_a_hello() {
        #[derive(Serialize)]
        enum FutureBody {
            Hello {
                version: u32,
                driver: String,
                heartbeat: (u64, u64),
                extra: u64,
            },
        }
        let bytes = postcard::to_allocvec(&FutureBody::Hello {
            version: 9,
            driver: "d".to_string(),
            heartbeat: (500, 3000),
            extra: 5,
        })
        .expect("encode");
        assert!(matches!(
            postcard::take_from_bytes::<Body>(&bytes),
            Ok((Body::Hello { version: 9, .. }, _))
        ));
    }

    #[tokio::test]
    async fn a_greeting_of_version_1_is_read_for_its_version() {
        // Version 1's greeting had no heartbeat: this release cannot read it whole, but reads
        // enough to refuse it naming both versions.
        #[derive(Serialize)]
        enum Version1 {
            Hello { version: u32, driver: String },
        }
        let args = postcard::to_allocvec(&Version1::Hello {
            version: 1,
            driver: "d".to_string(),
        })
        .expect("encode");
        let (tx, _rx) = oneshot::<Vec<u8>>();
        let call = SerializedMessage::Call {
            variant: String::new(),
            args,
            reply: tx.into(),
            metadata: None,
        };
        assert!(matches!(
            HostMsg::deserialize(call),
            Ok(HostMsg::Hello { version: 1, .. })
        ));
    }

    #[tokio::test]
    async fn a_beat_survives_the_wire_and_ticks_never_go_out() {
        let (tx, rx) = oneshot::<Result<Pulse, Refused>>();
        let msg = HostMsg::Beat {
            driver: "d".to_string(),
            reply: tx.into(),
        };
        let HostMsg::Beat { driver, reply } = HostMsg::deserialize(msg.serialize().expect("out")).expect("in") else {
            panic!("not a beat");
        };
        assert_eq!(driver, "d");
        reply.send(Ok(Pulse { draining: true })).expect("reply");
        assert_eq!(rx.await.expect("answer"), Ok(Pulse { draining: true }));
        assert!(HostMsg::Tick.serialize().is_err());
        let (tx, _rx) = oneshot::<u64>();
        assert!(
            HostMsg::Drain(tx.into()).serialize().is_err(),
            "only a node drains itself"
        );
    }

    #[tokio::test]
    async fn garbage_is_undecodable_and_a_garbage_call_is_refused() {
        let cast = SerializedMessage::Cast {
            variant: String::new(),
            args: vec![0xff; 64],
            metadata: None,
        };
        assert!(matches!(
            HostMsg::deserialize(cast),
            Ok(HostMsg::Undecodable { reply: None, .. })
        ));

        let (tx, rx) = oneshot::<Result<NodeReport, Refused>>();
        let call = SerializedMessage::Call {
            variant: String::new(),
            args: vec![0x7f, 1, 2],
            reply: bytes_port_for(tx.into()),
            metadata: None,
        };
        let Ok(HostMsg::Undecodable { reason, reply }) = HostMsg::deserialize(call) else {
            panic!("garbage decoded as a message");
        };
        HostMsg::refuse(&reason, reply);
        let answer = rx.await.expect("the caller hears back");
        assert!(matches!(answer, Err(Refused { reason }) if reason.contains("undecodable")));
    }

    #[test]
    fn local_news_never_goes_out() {
        let msg = HostMsg::DriverLost {
            driver: "d".to_string(),
        };
        assert!(msg.serialize().is_err());
    }
}
